"""The human desk's tables: handoff tickets, agents and their sessions, and the helpdesk
webhook's outbound queue and inbound receipts. Imported by `assistant.store.models`, so every
table is in `Base.metadata`; changes need an Alembic revision like any other model."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assistant.store.models import Base, BigId, JSONDoc, _in, utcnow

TicketStatus = Literal["open", "claimed", "closed"]
DeliveryStatus = Literal["pending", "sending", "sent", "dead"]
TICKET_STATUSES = ("open", "claimed", "closed")
DELIVERY_STATUSES = ("pending", "sending", "sent", "dead")


class HandoffTicket(Base):
    """One handoff: why, how sure the bot was, what the shopper wants, and who has it."""

    __tablename__ = "handoff_tickets"
    __table_args__ = (
        CheckConstraint(_in("status", TICKET_STATUSES), name="status"),
        CheckConstraint("csat_rating IS NULL OR csat_rating BETWEEN 1 AND 5", name="csat"),
        Index(None, "status", "team", "created_at"),
        Index(None, "conversation_id", "id"),
        Index(None, "updated_at"),  # the console's change feed polls max(updated_at)
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    status: Mapped[TicketStatus] = mapped_column(String(16), default="open")
    team: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(200))
    confidence: Mapped[float | None] = mapped_column(Float)  # None: not measured
    summary: Mapped[str] = mapped_column(Text, default="")
    products: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc, default=list)
    transcript: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc, default=list)
    assigned_agent: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(String(16))  # closed or handed_back
    csat_requested_at: Mapped[datetime | None]
    csat_rating: Mapped[int | None]
    csat_comment: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Agent(Base):
    """A person at the desk: a team, maybe admin rights, an argon2 password hash and a
    SHA-256 hash of an API key (keys are random 256-bit secrets, shown once)."""

    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    team: Mapped[str] = mapped_column(String(32))
    is_admin: Mapped[bool] = mapped_column(default=False)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    api_key_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)  # in a row; reset by a good login
    locked_until: Mapped[datetime | None]  # unused: logins are slowed per address, never locked
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AgentSession(Base):
    """A console login: the SHA-256 of the cookie's token, never the token itself."""

    __tablename__ = "agent_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class HelpdeskDelivery(Base):
    """One signed webhook call to the external helpdesk, retried with backoff until sent."""

    __tablename__ = "helpdesk_deliveries"
    __table_args__ = (
        CheckConstraint(_in("status", DELIVERY_STATUSES), name="status"),
        Index(None, "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("handoff_tickets.id", ondelete="CASCADE"), index=True
    )
    event: Mapped[str] = mapped_column(String(32))
    body: Mapped[dict[str, Any]]
    status: Mapped[DeliveryStatus] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class HelpdeskReceipt(Base):
    """An inbound helpdesk reply already delivered (its id), so a replay is refused."""

    __tablename__ = "helpdesk_receipts"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
