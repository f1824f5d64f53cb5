"""The shared types of a conversation: what comes in from a channel and what goes back out."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assistant.storable import StorableStr, recover, storable_fields

Channel = Literal["web", "whatsapp", "messenger", "instagram", "sms", "cli"]
MAX_MESSAGE_CHARS = 4000


StorableField = Literal["sender", "text", "conversation_id", "provider_message_id", "quick_reply"]
STORABLE_FIELDS: tuple[StorableField, ...] = get_args(StorableField)


class InboundMessage(BaseModel):
    """One shopper message, as a channel adapter parsed it.

    Whatever bytes arrived, its text fields are storable (see `assistant.storable`): what
    that changed is kept in `originals`, so the message as sent can always be recovered."""

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
    originals: dict[StorableField, str] = Field(default_factory=dict)
    """Field name -> the field as received (base64 of its UTF-8), for the fields made storable."""

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        cleaned, originals = storable_fields(data, STORABLE_FIELDS)
        if originals:  # what was kept before (the message as first received) stays
            cleaned["originals"] = originals | dict(data.get("originals") or {})
        return cleaned

    def original(self, name: StorableField) -> str:
        """The field `name` exactly as it arrived (before it was made storable)."""
        kept = self.originals.get(name)
        return recover(kept) if kept is not None else str(getattr(self, name) or "")


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
    """Why the conversation goes to a person (a model may have written the reason), how sure
    the bot was it understood and could help (None: not measured), and the desk's brief."""

    reason: StorableStr
    confidence: float | None = Field(ge=0.0, le=1.0)
    summary: StorableStr = ""


class Reply(BaseModel):
    """What the assistant sends back for one shopper message; its text, which a model may have
    written, is storable like a shopper's."""

    text: StorableStr
    products: list[ProductCard] = Field(default_factory=list)
    quick_replies: list[QuickReply] = Field(default_factory=list)
    checkout_url: str | None = None
    handoff: Handoff | None = None
