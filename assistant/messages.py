"""The shared types of a conversation: what comes in from a channel and what goes back out."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Channel = Literal["web", "whatsapp", "messenger", "instagram", "sms", "cli"]
MAX_MESSAGE_CHARS = 4000


class InboundMessage(BaseModel):
    """One shopper message, as a channel adapter parsed it."""

    model_config = ConfigDict(extra="forbid")

    channel: Channel
    sender: str = Field(min_length=1, max_length=200)
    text: str = Field(default="", max_length=MAX_MESSAGE_CHARS)
    conversation_id: str | None = None
    provider_message_id: str | None = None
    quick_reply: str | None = Field(default=None, max_length=200)
    received_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    # The web client's network address, for limits across conversations (order lookups):
    # never stored with the message (excluded from dumps) nor shown in its repr.
    client_address: str | None = Field(default=None, max_length=100, exclude=True, repr=False)


class ProductCard(BaseModel):
    """A product as a reply shows it; every field comes from a tool result."""

    product_id: str
    variant_id: str | None = None
    title: str
    price: Decimal
    compare_at_price: Decimal | None = None
    in_stock: bool
    url: str | None = None
    image: str | None = None
    subtitle: str = ""


QUICK_REPLY_TITLE_MAX = 40  # the web shows it whole; WhatsApp and Messenger clip to 20 or 24


class QuickReply(BaseModel):
    """A tappable suggestion; `payload` is sent back as the shopper's next message."""

    title: str = Field(max_length=QUICK_REPLY_TITLE_MAX)
    payload: str = Field(max_length=200)


class Handoff(BaseModel):
    """Why the conversation goes to a person."""

    reason: str
    confidence: float = Field(ge=0.0, le=1.0)
    summary: str = ""


class Reply(BaseModel):
    """What the assistant sends back for one shopper message."""

    text: str
    products: list[ProductCard] = Field(default_factory=list)
    quick_replies: list[QuickReply] = Field(default_factory=list)
    checkout_url: str | None = None
    handoff: Handoff | None = None
