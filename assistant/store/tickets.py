"""Handoff tickets: written with the turn that hands off, read by the console's queue, and
the changes the console's live updates poll for (works across API workers: it is a query)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from assistant.store.base import StoreCore
from assistant.store.desk_models import HandoffTicket, HelpdeskDelivery
from assistant.store.models import ConversationRow, MessageRow, utcnow

ACTIVE = ("open", "claimed")


@dataclass(frozen=True)
class NewTicket:
    """What a handoff hands over: the reason, the bot's confidence, what the shopper wants, the
    products discussed and the transcript (so nobody asks the shopper to repeat themselves)."""

    team: str
    reason: str
    confidence: float | None  # None: not measured
    summary: str = ""
    products: list[dict[str, Any]] = field(default_factory=list)
    transcript: list[dict[str, Any]] = field(default_factory=list)
    notify_helpdesk: bool = False  # queue the signed webhook to the external helpdesk


@dataclass(frozen=True)
class Changes:
    """What changed since a cursor: conversations with new messages, tickets that moved."""

    messages: list[str]
    tickets: list[str]
    cursor: tuple[int, datetime | None]


def ticket_document(ticket: HandoffTicket, conversation: ConversationRow) -> dict[str, Any]:
    """A ticket as JSON for the helpdesk webhook and data exports."""
    return {
        "ticket_id": ticket.id, "conversation_id": ticket.conversation_id,
        "channel": conversation.channel, "status": ticket.status, "team": ticket.team,
        "reason": ticket.reason, "confidence": ticket.confidence, "summary": ticket.summary,
        "products": ticket.products, "transcript": ticket.transcript,
        "assigned_agent": ticket.assigned_agent, "created_at": _iso(ticket.created_at),
        "claimed_at": _iso(ticket.claimed_at), "closed_at": _iso(ticket.closed_at),
        "resolution": ticket.resolution, "csat_rating": ticket.csat_rating,
        "csat_comment": ticket.csat_comment,
    }  # fmt: skip


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def add_ticket(session: Session, conversation: ConversationRow, new: NewTicket) -> HandoffTicket:
    """Open a ticket in the open transaction with, when asked, the helpdesk webhook delivery:
    all or nothing with the state change (and the turn's "handoff" event) that go with it."""
    now = utcnow()
    ticket = HandoffTicket(
        conversation_id=conversation.id, status="open", team=new.team, reason=new.reason[:200],
        confidence=new.confidence, summary=new.summary, products=new.products,
        transcript=new.transcript, created_at=now, updated_at=now,
    )  # fmt: skip
    session.add(ticket)
    session.flush()
    if new.notify_helpdesk:
        queue_helpdesk(session, ticket, "handoff", ticket_document(ticket, conversation))
    return ticket


def queue_helpdesk(
    session: Session,
    ticket: HandoffTicket | None,
    event: str,
    document: dict[str, Any],
    extra: dict[str, Any] | None = None,
) -> HelpdeskDelivery:
    """Queue one helpdesk webhook call in the open transaction."""
    now = utcnow()
    delivery = HelpdeskDelivery(
        ticket_id=ticket.id if ticket else None, event=event,
        body={"event": event, "ticket": document, **(extra or {})}, status="pending",
        attempts=0, next_attempt_at=now, created_at=now, updated_at=now,
    )  # fmt: skip
    session.add(delivery)
    return delivery


def relay_to_helpdesk(session: Session, conversation: ConversationRow, text: str) -> bool:
    """Pass a shopper's message on to the helpdesk that took the conversation's open ticket
    (one it was told of); False when there is none."""
    ticket = session.scalars(
        select(HandoffTicket)
        .where(HandoffTicket.conversation_id == conversation.id, HandoffTicket.status.in_(ACTIVE))
        .order_by(HandoffTicket.id.desc())
        .limit(1)
    ).first()
    if ticket is None or not text:
        return False
    told = select(HelpdeskDelivery.id).where(HelpdeskDelivery.ticket_id == ticket.id).limit(1)
    if session.scalars(told).first() is None:
        return False
    brief = {"ticket_id": ticket.id, "conversation_id": conversation.id}
    brief["channel"] = conversation.channel
    message = {"role": "shopper", "text": text, "at": utcnow().isoformat()}
    queue_helpdesk(session, ticket, "message", brief, {"message": message})
    return True


class TicketOps(StoreCore):
    """Reads of tickets for the console; writes happen in the desk's units of work."""

    def latest_ticket(self, conversation_id: str) -> HandoffTicket | None:
        """The conversation's most recent ticket, whatever its status."""
        query = (
            select(HandoffTicket)
            .where(HandoffTicket.conversation_id == conversation_id)
            .order_by(HandoffTicket.id.desc())
            .limit(1)
        )
        return self._run(lambda s: s.scalars(query).first(), write=False)

    def tickets(self, conversation_id: str) -> list[HandoffTicket]:
        """Every ticket of the conversation, oldest first."""
        query = select(HandoffTicket).where(HandoffTicket.conversation_id == conversation_id)
        return self._run(lambda s: list(s.scalars(query.order_by(HandoffTicket.id))), write=False)

    def ticket_queue(
        self, team: str | None = None, *, limit: int = 200
    ) -> list[tuple[HandoffTicket, ConversationRow]]:
        """Open and claimed tickets: `team`'s first, then oldest first."""
        mine = case((HandoffTicket.team == team, 0), else_=1) if team else None
        order = [mine] if mine is not None else []
        query = (
            select(HandoffTicket, ConversationRow)
            .join(ConversationRow, ConversationRow.id == HandoffTicket.conversation_id)
            .where(HandoffTicket.status.in_(ACTIVE))
            .order_by(*order, HandoffTicket.created_at, HandoffTicket.id)
            .limit(limit)
        )
        return self._run(lambda s: [(t, c) for t, c in s.execute(query).all()], write=False)

    def claim_waits(self, team: str, *, since: datetime, limit: int = 50) -> list[float]:
        """Seconds from handoff to claim of `team`'s most recent tickets claimed since `since`."""
        query = (
            select(HandoffTicket.created_at, HandoffTicket.claimed_at)
            .where(
                HandoffTicket.team == team,
                HandoffTicket.claimed_at.is_not(None),
                HandoffTicket.created_at >= since,
            )
            .order_by(HandoffTicket.created_at.desc())
            .limit(limit)
        )

        def read(session: Session) -> list[float]:
            rows = session.execute(query).all()
            return [(claimed - created).total_seconds() for created, claimed in rows if claimed]

        return self._run(read, write=False)

    def changes_since(self, cursor: tuple[int, datetime | None] | None) -> Changes:
        """Conversations with messages after the cursor and tickets updated since it; the
        first call (no cursor) reports nothing and returns where things stand."""

        def read(session: Session) -> Changes:
            top = session.scalar(select(func.max(MessageRow.id))) or 0
            latest = session.scalar(select(func.max(HandoffTicket.updated_at)))
            if cursor is None:
                return Changes([], [], (top, latest))
            last_id, since = cursor
            said = select(MessageRow.conversation_id).where(
                MessageRow.id > last_id, MessageRow.id <= top
            )
            moved = select(HandoffTicket.conversation_id)
            if since is not None:
                moved = moved.where(HandoffTicket.updated_at > since)
            return Changes(
                sorted(set(session.scalars(said))),
                sorted(set(session.scalars(moved))) if latest != since else [],
                (top, latest),
            )

        return self._run(read, write=False)

    def desk_visible(
        self, conversation_ids: Sequence[str], *, team: str | None, agent: str
    ) -> set[str]:
        """Of `conversation_ids`, those whose latest ticket is `team`'s (any team's when None)
        or that `agent` owns: what the console may show that agent."""
        if not conversation_ids:
            return set()
        ids = list(conversation_ids)
        latest = (
            select(func.max(HandoffTicket.id).label("id"))
            .where(HandoffTicket.conversation_id.in_(ids))
            .group_by(HandoffTicket.conversation_id)
            .subquery()
        )
        handed = select(HandoffTicket.conversation_id).join(latest, HandoffTicket.id == latest.c.id)
        if team is not None:
            handed = handed.where(HandoffTicket.team == team)
        owned = select(ConversationRow.id).where(
            ConversationRow.id.in_(ids), ConversationRow.assigned_agent == agent
        )

        def read(session: Session) -> set[str]:
            return set(session.scalars(handed)) | set(session.scalars(owned))

        return self._run(read, write=False)

    def helpdesk_item(self, delivery_id: int) -> HelpdeskDelivery | None:
        return self._run(lambda s: s.get(HelpdeskDelivery, delivery_id), write=False)

    def helpdesk_deliveries(self, ticket_ids: Sequence[int]) -> list[HelpdeskDelivery]:
        query = select(HelpdeskDelivery).where(HelpdeskDelivery.ticket_id.in_(ticket_ids))
        return self._run(
            lambda s: list(s.scalars(query.order_by(HelpdeskDelivery.id))), write=False
        )
