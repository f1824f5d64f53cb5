"""A shopper writes to a closed conversation: either the CSAT rating they were asked for
(stored, thanked, back to the bot) or something new, which reopens the conversation to the
bot, or to its agent when one still owns it (closed with follow-up)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from assistant.desk import csat
from assistant.desk.lifecycle import next_state
from assistant.messages import Reply
from assistant.store import Store
from assistant.store.desk_models import HandoffTicket
from assistant.store.events import NewEvent, add_events
from assistant.store.models import ConversationRow, State, utcnow


@dataclass(frozen=True)
class Aftercare:
    """The conversation's state now, and the reply to send instead of a turn (if any)."""

    state: State
    reply: Reply | None = None


def shopper_wrote(store: Store, conversation_id: str, text: str) -> Aftercare:
    """Apply a shopper's message to a closed conversation (a no-op in any other state)."""
    with store.session() as session:
        conversation = session.get(ConversationRow, conversation_id, with_for_update=True)
        if conversation is None or conversation.state != "closed":
            return Aftercare(conversation.state if conversation else "bot")
        query = (
            select(HandoffTicket)
            .where(HandoffTicket.conversation_id == conversation_id)
            .order_by(HandoffTicket.id.desc())
            .limit(1)
        )
        ticket = session.scalars(query).first()
        awaiting = ticket is not None and ticket.csat_requested_at and ticket.csat_rating is None
        rating = csat.parse_rating(text) if awaiting else None
        conversation.state = next_state("closed", "shopper", owner=conversation.assigned_agent)
        if conversation.state == "human" and ticket is not None:  # back in its agent's queue
            ticket.status, ticket.closed_at, ticket.resolution = "claimed", None, None
            ticket.updated_at = utcnow()
        if rating is None or ticket is None:
            return Aftercare(conversation.state)
        ticket.csat_rating, ticket.csat_comment = rating.score, rating.comment
        ticket.updated_at = utcnow()
        data = {"rating": rating.score, "ticket_id": ticket.id, "team": ticket.team}
        add_events(session, conversation.id, conversation.variant, [NewEvent("csat", data)])
        return Aftercare(conversation.state, csat.thanks())
