"""What the console shows: queue items, a conversation with its ticket and messages, and
whether the channel lets a person reply now. Plain pydantic models built from store rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

from assistant.store.desk_models import HandoffTicket
from assistant.store.models import ConversationRow, MessageRow, utcnow

TEMPLATE_ONLY = "WhatsApp 24-hour window closed: only the template can be sent"


class ProductOut(BaseModel):
    product_id: str
    title: str
    price: str | None = None
    image: str | None = None
    url: str | None = None
    in_stock: bool | None = None


class TicketOut(BaseModel):
    ticket_id: int
    conversation_id: str
    channel: str
    state: str
    team: str
    reason: str
    confidence: float | None  # None: not measured
    summary: str
    status: str
    created_at: datetime
    waiting_seconds: int
    assigned_agent: str | None


class TicketDetail(TicketOut):
    products: list[ProductOut]
    transcript: list[dict[str, Any]]
    csat_rating: int | None = None


class Window(BaseModel):
    open: bool
    note: str | None = None


class ConversationView(BaseModel):
    id: str
    channel: str
    state: str
    variant: str
    assigned_agent: str | None
    window: Window


class MessageOut(BaseModel):
    id: int
    role: Literal["shopper", "assistant", "agent"]
    text: str
    created_at: datetime
    author: str | None = None


def ticket_out(ticket: HandoffTicket, conversation: ConversationRow) -> TicketOut:
    """A queue item; the wait counts until the ticket was claimed (or closed)."""
    ended = ticket.claimed_at or ticket.closed_at or utcnow()
    return TicketOut(
        ticket_id=ticket.id, conversation_id=conversation.id, channel=conversation.channel,
        state=conversation.state, team=ticket.team, reason=ticket.reason,
        confidence=ticket.confidence, summary=ticket.summary, status=ticket.status,
        created_at=ticket.created_at,
        waiting_seconds=max(0, int((ended - ticket.created_at).total_seconds())),
        assigned_agent=ticket.assigned_agent,
    )  # fmt: skip


def ticket_detail(ticket: HandoffTicket, conversation: ConversationRow) -> TicketDetail:
    products = [ProductOut.model_validate(p) for p in ticket.products]
    return TicketDetail(
        **ticket_out(ticket, conversation).model_dump(),
        products=products,
        transcript=ticket.transcript,
        csat_rating=ticket.csat_rating,
    )


def message_out(row: MessageRow) -> MessageOut:
    """Inbound rows are the shopper's; outbound ones the bot's, or an agent's when signed."""
    author = (row.payload or {}).get("agent")
    if row.direction == "inbound":
        role: Literal["shopper", "assistant", "agent"] = "shopper"
    else:
        role = "agent" if author else "assistant"
    return MessageOut(id=row.id, role=role, text=row.text, created_at=row.created_at, author=author)


def product_entry(card: dict[str, Any]) -> dict[str, Any]:
    """A product card (as a reply stored it) as the ticket keeps it."""
    return {
        "product_id": str(card.get("product_id", "")),
        "title": str(card.get("title", "")),
        "price": None if card.get("price") is None else str(card["price"]),
        "image": card.get("image"),
        "url": card.get("url"),
        "in_stock": card.get("in_stock"),
    }
