"""Request and response bodies of the web chat API, each with explicit limits."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.messages import MAX_MESSAGE_CHARS, Reply


class NewConversation(BaseModel):
    """Start a conversation; `visitor` lets a site keep one shopper's conversations together."""

    model_config = ConfigDict(extra="forbid")

    visitor: str | None = Field(default=None, max_length=120, pattern=r"^[\w.-]+$")


class MessageIn(BaseModel):
    """A shopper's message: typed text or a tapped quick reply."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(default="", max_length=MAX_MESSAGE_CHARS)
    quick_reply: str | None = Field(default=None, max_length=200)
    attachments: list[str] = Field(
        default_factory=list, max_length=0, description="not supported yet"
    )


class CardOut(BaseModel):
    product_id: str
    variant_id: str | None
    title: str
    price: Decimal
    compare_at_price: Decimal | None
    in_stock: bool
    url: str | None
    image: str | None
    subtitle: str


class QuickReplyOut(BaseModel):
    title: str
    payload: str


class HandoffOut(BaseModel):
    reason: str


class ReplyOut(BaseModel):
    """The assistant's answer; `checkout_url` is a tracked link when one was made."""

    text: str
    products: list[CardOut]
    quick_replies: list[QuickReplyOut]
    checkout_url: str | None
    handoff: HandoffOut | None
    waiting_for_human: bool = False

    @classmethod
    def of(cls, reply: Reply, *, waiting: bool) -> ReplyOut:
        return cls(
            text=reply.text,
            products=[CardOut.model_validate(c.model_dump()) for c in reply.products],
            quick_replies=[
                QuickReplyOut(title=q.title, payload=q.payload) for q in reply.quick_replies
            ],
            checkout_url=reply.checkout_url,
            handoff=HandoffOut(reason=reply.handoff.reason) if reply.handoff else None,
            waiting_for_human=waiting,
        )


class ConversationOut(BaseModel):
    conversation_id: str
    greeting: ReplyOut


class HistoryItem(BaseModel):
    role: Literal["shopper", "assistant"]
    text: str


class HistoryOut(BaseModel):
    conversation_id: str
    state: str
    messages: list[HistoryItem]
