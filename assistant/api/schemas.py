"""Request and response bodies of the web chat API, each with explicit limits."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    model_validator,
)

from assistant.messages import MAX_MESSAGE_CHARS, Reply, StorableField
from assistant.storable import storable_fields
from assistant.store.models import MessageRow

if TYPE_CHECKING:
    from assistant.identity import CodeSent


class NewConversation(BaseModel):
    """Start a conversation; `visitor` (a pass from `POST /api/visitors`) lets a site keep one
    shopper's conversations together. Anything but a genuine pass starts a fresh visitor."""

    model_config = ConfigDict(extra="forbid")

    visitor: str | None = Field(default=None, max_length=120, pattern=r"^[\w.-]+$")


SHOPPER_FIELDS: tuple[StorableField, ...] = ("text", "quick_reply")  # what a shopper typed


class VisitorOut(BaseModel):
    """A signed visitor pass: keep it for the shopper, pass it as `visitor`."""

    visitor: str


class MessageIn(BaseModel):
    """A shopper's message: typed text or a tapped quick reply."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(default="", max_length=MAX_MESSAGE_CHARS)
    quick_reply: str | None = Field(default=None, max_length=200)
    client_message_id: str | None = Field(
        default=None,
        max_length=64,
        pattern=r"^[\w.:-]+$",
        description="the widget's id for this message: a resend with the same id gets the "
        "first answer instead of a second one",
    )
    attachments: list[str] = Field(
        default_factory=list, max_length=0, description="not supported yet"
    )
    _originals: dict[StorableField, str] = PrivateAttr(default_factory=dict)

    @model_validator(mode="wrap")
    @classmethod
    def _storable(cls, data: Any, handler: ModelWrapValidatorHandler[MessageIn]) -> MessageIn:
        """Text made storable before it is validated (a lone surrogate is valid JSON, but no
        valid string); what that changed is kept in `originals`."""
        if not isinstance(data, dict):
            return handler(data)
        cleaned, originals = storable_fields(data, SHOPPER_FIELDS)
        message = handler(cleaned)
        message._originals = {name: originals[name] for name in SHOPPER_FIELDS if name in originals}
        return message

    @property
    def originals(self) -> dict[StorableField, str]:
        """Field name -> the field as received (see `assistant.storable.keep`), if it changed."""
        return dict(self._originals)


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
    secret: str = Field(
        description="send it as the X-Conversation-Secret header on every call to this "
        "conversation; it is shown once, here"
    )
    greeting: ReplyOut


class HistoryItem(BaseModel):
    """One message; the assistant's carry the cards, quick replies and link they showed."""

    id: int = Field(description="the message's id, the same as its live event's id")
    role: Literal["shopper", "assistant"]
    text: str
    channel: str = "web"
    products: list[CardOut] = Field(default_factory=list)
    quick_replies: list[QuickReplyOut] = Field(default_factory=list)
    checkout_url: str | None = None

    @classmethod
    def of(cls, row: MessageRow) -> HistoryItem:
        if row.direction == "inbound":
            return cls(id=row.id, role="shopper", text=row.text, channel=row.channel)
        shown = ReplyOut.of(Reply.model_validate(row.payload or {"text": row.text}), waiting=False)
        return cls(
            id=row.id,
            role="assistant",
            text=row.text,
            channel=row.channel,
            products=shown.products,
            quick_replies=shown.quick_replies,
            checkout_url=shown.checkout_url,
        )


class HistoryOut(BaseModel):
    conversation_id: str
    state: str
    messages: list[HistoryItem]


class LinkIn(BaseModel):
    """The phone number the shopper chats with us from (WhatsApp or SMS)."""

    model_config = ConfigDict(extra="forbid")

    phone: str = Field(
        min_length=7, max_length=25, pattern=r"^\+?[0-9][0-9 ().-]{5,23}[0-9]$",
        examples=["+1 650 555 1234"],
        description="with its country code; without one it is read in `identity.default_region`",
    )  # fmt: skip


class LinkSentOut(BaseModel):
    """The same answer whether or not the shop knows the number: a code is on its way if we
    chat with it on one of `channels`, to the number ending `sent_to`, valid `expires_in_s`."""

    sent_to: str
    channels: list[str]
    expires_in_s: int

    @classmethod
    def of(cls, sent: CodeSent, channels: list[str]) -> LinkSentOut:
        left = (sent.expires_at - datetime.now(UTC)).total_seconds()
        return cls(sent_to=sent.sent_to, channels=channels, expires_in_s=max(0, round(left)))


class VerifyIn(BaseModel):
    """The 6-digit code the shopper received."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=6, max_length=9, pattern=r"^\s*\d{3}\s?\d{3}\s*$")


class LinkedOut(BaseModel):
    linked: bool
    channel: str
    imported_messages: int
