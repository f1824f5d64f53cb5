"""The tables, as typed SQLAlchemy 2 models. Every change here needs an Alembic revision in
`assistant/migrations/versions` (a test compares this metadata with the migrated schema)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

State = Literal["bot", "pending_human", "human", "closed"]
Direction = Literal["inbound", "outbound"]
InboundStatus = Literal["received", "processing", "processed", "failed", "dead"]
OutboundStatus = Literal["queued", "sent", "delivered", "read", "failed"]
OutboxStatus = Literal["pending", "sending", "sent", "dead", "uncertain"]

STATES = ("bot", "pending_human", "human", "closed")
MESSAGE_STATUSES: tuple[str, ...] = ("received", "processing", "processed", "failed", "dead")
MESSAGE_STATUSES += ("queued", "sent", "delivered", "read")
OUTBOX_STATUSES = ("pending", "sending", "sent", "dead", "uncertain")

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, also on SQLite (which stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONDoc = JSON().with_variant(JSONB(), "postgresql")
BigId = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements INTEGER only


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSONDoc,
    }


class Customer(Base):
    """A shopper, whichever channels they use (see `Identity`)."""

    __tablename__ = "customers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    phone: Mapped[str | None] = mapped_column(String(32), unique=True)
    preferences: Mapped[dict[str, Any]] = mapped_column(default=dict)
    consent: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Identity(Base):
    """One sender id on one channel (a WhatsApp number, a web session, an email)."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(200))
    customer_id: Mapped[str] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConversationRow(Base):
    """A conversation: who owns it (bot or human), its prompt variant, its 24-hour window."""

    __tablename__ = "conversations"
    __table_args__ = (
        CheckConstraint(_in("state", STATES), name="state"),
        Index(None, "channel", "sender"),
        Index(None, "state", "updated_at"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str] = mapped_column(String(32))
    sender: Mapped[str] = mapped_column(String(200))
    variant: Mapped[str] = mapped_column(String(64))
    state: Mapped[State] = mapped_column(String(16), default="bot")
    consecutive_fallbacks: Mapped[int] = mapped_column(default=0)
    assigned_agent: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    last_inbound_at: Mapped[datetime | None]
    # SHA-256 of the web chat's conversation secret (the widget holds the secret); None for
    # other channels and for web chats opened before secrets existed, which cannot be resumed.
    secret_hash: Mapped[str | None] = mapped_column(String(64))


class MessageRow(Base):
    """One message in or out; inbound rows are written before any processing. An inbound
    message whose turn keeps failing ends `dead` (see `assistant.store.dead_letters`)."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("channel", "provider_message_id"),
        CheckConstraint(_in("direction", ("inbound", "outbound")), name="direction"),
        CheckConstraint(_in("status", MESSAGE_STATUSES), name="status"),
        Index(None, "conversation_id", "id"),
        Index(None, "direction", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    direction: Mapped[Direction] = mapped_column(String(8))
    channel: Mapped[str] = mapped_column(String(32))
    provider_message_id: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    # Turns begun for an inbound message; past `store.max_turn_attempts` it is `dead`.
    attempts: Mapped[int] = mapped_column(server_default="0")


class HistoryEntry(Base):
    """One LangChain message of a conversation's agent memory (`messages_to_dict` form)."""

    __tablename__ = "agent_history"
    __table_args__ = (UniqueConstraint("conversation_id", "seq"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    seq: Mapped[int]
    type: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxItem(Base):
    """One rendered provider payload waiting to be sent (or sent, or given up on)."""

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint(_in("status", OUTBOX_STATUSES), name="status"),
        Index(None, "status", "next_attempt_at"),
        Index(None, "conversation_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]]
    status: Mapped[OutboxStatus] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    provider_message_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ConversationLock(Base):
    """The row `conversation_lock` locks FOR UPDATE on PostgreSQL (not the conversation row,
    which the turn itself updates, and whose children's foreign keys take a key-share lock)."""

    __tablename__ = "conversation_locks"

    conversation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CheckoutLink(Base):
    """A tracked checkout link: the shopper gets /c/<token>, which redirects to `target_url`."""

    __tablename__ = "checkout_links"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    conversation_id: Mapped[str | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str] = mapped_column(String(32))
    variant: Mapped[str | None] = mapped_column(String(64))
    target_url: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LinkClick(Base):
    """One click on a checkout link."""

    __tablename__ = "clicks"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token: Mapped[str] = mapped_column(
        ForeignKey("checkout_links.token", ondelete="CASCADE"), index=True
    )
    clicked_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_agent: Mapped[str | None] = mapped_column(String(256))


class Event(Base):
    """An analytics event (kinds and data are defined by assistant/analytics)."""

    __tablename__ = "events"
    __table_args__ = (Index(None, "kind", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[str | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(64))
    variant: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Consent(Base):
    """One consent decision, append-only; the latest row per (channel, sender, kind) holds."""

    __tablename__ = "consents"
    __table_args__ = (Index(None, "channel", "sender", "kind", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[str | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str] = mapped_column(String(32))
    sender: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(64))
    value: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LinkCode(Base):
    """A one-time code that links a web conversation to a phone the shop already talks to.

    Sent through the channel that proves the phone (`channel`, via `source_conversation_id`);
    only an HMAC of the code is kept. `verified_at` set: the link was made."""

    __tablename__ = "link_codes"
    __table_args__ = (
        Index(None, "target", "created_at"),
        Index(None, "conversation_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    source_conversation_id: Mapped[str | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(320))
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    verified_at: Mapped[datetime | None]


class OrderLookupAttempt(Base):
    """One order lookup that counts against a limit (a miss, or a try still in progress).

    `key_hash` is an HMAC, under the service's secret key, of what is limited (an order number,
    a client address, a channel sender), never the value itself; `scope` says which kind of key
    it is. Rows older than the limits' window are pruned."""

    __tablename__ = "order_lookup_attempts"
    __table_args__ = (Index(None, "scope", "key_hash", "created_at"), Index(None, "created_at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# The desk's tables live in their own module; importing it here puts them in `Base.metadata`.
from assistant.store import desk_models  # noqa: E402, F401
