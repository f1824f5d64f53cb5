"""A turn's bookkeeping in two transactions instead of nine: one to begin, one to finish."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, Literal, NamedTuple

from langchain_core.messages import BaseMessage, messages_from_dict, messages_to_dict
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from assistant.messages import Reply
from assistant.store.errors import RecordNotFound
from assistant.store.events import NewEvent, add_events
from assistant.store.history import HistoryOps
from assistant.store.link_codes import linked_into
from assistant.store.models import (
    ConversationRow,
    HistoryEntry,
    MessageRow,
    OutboxItem,
    State,
    utcnow,
)
from assistant.store.preferences import Remembered, read_preferences
from assistant.store.tickets import NewTicket, add_ticket, relay_to_helpdesk

ANSWERED = ("processed", "failed")
EarlierFirst = Literal["earlier first"]
EARLIER_FIRST: EarlierFirst = "earlier first"  # begin_turn: an earlier message's turn goes first
RECENT = timedelta(minutes=1)  # an unanswered message older than this is a stopped worker's


class TurnStart(NamedTuple):
    """What a turn begins with, read in one transaction."""

    conversation: ConversationRow
    history: list[BaseMessage]
    remembered: Remembered  # the customer's saved preferences and consent


class TurnOps(HistoryOps):
    """`begin_turn` and `finish_turn`: what the conversation core does around each turn."""

    def begin_turn(
        self, conversation_id: str, message_id: int, *, earlier_first: bool = False
    ) -> TurnStart | EarlierFirst | None:
        """Mark the message in progress; return the conversation, its history and the
        customer's saved preferences, or None when the message was already answered (another
        worker, or a replay, finished it first). Called under the conversation's lock, so the
        check and the turn cannot interleave.

        With `earlier_first`, a message stored before this one in the last minute and not yet
        begun goes first: `EARLIER_FIRST` comes back and nothing is written.
        """

        def begin(session: Session) -> tuple[Any, ...] | EarlierFirst | None:
            conversation = session.get(ConversationRow, conversation_id)
            if conversation is None:
                raise RecordNotFound(f"no conversation {conversation_id}")
            status = session.scalar(select(MessageRow.status).where(MessageRow.id == message_id))
            if status in ANSWERED:
                return None
            if earlier_first and _earlier_waiting(session, conversation_id, message_id, RECENT):
                return EARLIER_FIRST
            session.execute(
                update(MessageRow).where(MessageRow.id == message_id).values(status="processing")
            )
            query = select(HistoryEntry.data).where(HistoryEntry.conversation_id == conversation_id)
            rows = list(session.scalars(query.order_by(HistoryEntry.seq)))
            remembered = Remembered()
            if conversation.customer_id is not None:
                preferences, consent = read_preferences(session, conversation.customer_id)
                linked = bool(linked_into(session, conversation_id))
                remembered = Remembered(preferences, consent, linked)
            return conversation, rows, remembered

        begun = self._run(begin)
        if begun is None or begun == EARLIER_FIRST:
            return begun
        conversation, rows, remembered = begun
        return TurnStart(conversation, messages_from_dict(rows), remembered)

    def finish_turn(
        self,
        conversation_id: str,
        message_id: int,
        *,
        history: Sequence[BaseMessage],
        reply: Reply | None,
        channel: str,
        fallbacks: int | None = None,
        state: State | None = None,
        error: str | None = None,
        events: Sequence[NewEvent] = (),
        ticket: NewTicket | None = None,
        relay: str | None = None,
        outbox: Sequence[dict[str, Any]] = (),
        recipient: str = "",
    ) -> None:
        """Store the turn's history, its reply, the conversation's new counters and the turn's
        analytics `events` (tagged with the conversation's variant), at once; a turn that hands
        off opens its `ticket` in the same transaction as the state change; a message to a
        person (`relay`) goes on to the external helpdesk if one took the ticket.

        `outbox` holds the reply rendered for its channel: its payloads are queued in the same
        transaction, so a process stopped at any point either redoes the turn or delivers it.
        """
        dicts = messages_to_dict(list(history))

        def finish(session: Session) -> None:
            conversation = session.get(ConversationRow, conversation_id)
            if conversation is None:
                raise RecordNotFound(f"no conversation {conversation_id}")
            if fallbacks is not None:
                conversation.consecutive_fallbacks = fallbacks
            if state is not None:
                conversation.state = state
            start = self._length(session, conversation_id)
            now = utcnow()
            # Bulk inserts: for these few rows the ORM's unit of work costs more than the rows.
            entries = [
                dict(conversation_id=conversation_id, seq=start + n, type=d["type"], data=d,
                     created_at=now)
                for n, d in enumerate(dicts)
            ]  # fmt: skip
            if entries:
                session.execute(insert(HistoryEntry), entries)
            if reply is not None:
                sent = session.scalar(
                    insert(MessageRow).returning(MessageRow.id),
                    dict(conversation_id=conversation_id, direction="outbound", channel=channel,
                         text=reply.text, payload=reply.model_dump(mode="json"),
                         status="queued" if outbox else "sent", created_at=now),
                )  # fmt: skip
                items = [
                    dict(conversation_id=conversation_id, message_id=sent, channel=channel,
                         recipient=recipient, payload=payload, status="pending", attempts=0,
                         next_attempt_at=now, created_at=now, updated_at=now)
                    for payload in outbox
                ]  # fmt: skip
                if items:
                    session.execute(insert(OutboxItem), items)
            status = "failed" if error else "processed"
            session.execute(
                update(MessageRow)
                .where(MessageRow.id == message_id)
                .values(status=status, error=error, processed_at=now)
            )
            add_events(session, conversation_id, conversation.variant, events)
            if ticket is not None:
                add_ticket(session, conversation, ticket)
            if relay is not None:
                relay_to_helpdesk(session, conversation, relay)
            session.flush()

        self._run(finish)


def _earlier_waiting(
    session: Session, conversation_id: str, message_id: int, within: timedelta
) -> bool:
    """Whether an inbound message stored before `message_id` in the conversation, in the last
    `within`, still waits for its turn (which should go first). Older ones are a stopped
    worker's, which the restart replays."""
    query = (
        select(MessageRow.id)
        .where(
            MessageRow.conversation_id == conversation_id,
            MessageRow.direction == "inbound",
            MessageRow.id < message_id,
            MessageRow.status == "received",
            MessageRow.created_at >= utcnow() - within,
        )
        .limit(1)
    )
    return session.scalars(query).first() is not None
