"""A turn's bookkeeping in two transactions instead of nine: one to begin, one to finish."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, Literal, NamedTuple, cast

from langchain_core.messages import BaseMessage, messages_from_dict, messages_to_dict
from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from assistant.messages import InboundMessage, Reply
from assistant.store.base import core
from assistant.store.conversations import CONVERSATIONS, ConversationOps
from assistant.store.errors import RecordNotFound
from assistant.store.events import NewEvent, add_events
from assistant.store.history import HistoryOps
from assistant.store.models import (
    ConversationRow,
    HistoryEntry,
    MessageRow,
    OutboxItem,
    State,
    utcnow,
)
from assistant.store.preferences import Remembered, read_remembered
from assistant.store.tickets import NewTicket, add_ticket, relay_to_helpdesk

ANSWERED = ("processed", "failed")
EarlierFirst = Literal["earlier first"]
EARLIER_FIRST: EarlierFirst = "earlier first"  # begin_turn: an earlier message's turn goes first
RECENT = timedelta(minutes=1)  # an unanswered message older than this is a stopped worker's
# The hot statements go through Core on the tables: the ORM's bookkeeping costs more than these
# few rows (the turn reads no ORM object back after writing them).
# They are built once, with bound parameters: building a statement and its cache key costs
# more than running it.
HISTORY = cast(Table, HistoryEntry.__table__)
MESSAGES = cast(Table, MessageRow.__table__)
OUTBOX = cast(Table, OutboxItem.__table__)
HISTORY_OF = (
    select(HISTORY.c.data)
    .where(HISTORY.c.conversation_id == bindparam("conversation_id"))
    .order_by(HISTORY.c.seq)
)
WAITING = (
    select(MESSAGES.c.id)
    .where(
        MESSAGES.c.conversation_id == bindparam("conversation_id"),
        MESSAGES.c.direction == "inbound",
        MESSAGES.c.status == "received",
        MESSAGES.c.created_at >= bindparam("since"),
        MESSAGES.c.id < bindparam("before"),
    )
    .limit(1)
)
ANY_ID = 2**62  # WAITING's `before` when any earlier message counts
ADD_HISTORY = insert(HISTORY)
ADD_REPLY = insert(MESSAGES).returning(MESSAGES.c.id)
ADD_OUTBOX = insert(OUTBOX)
ANSWER = (
    update(MESSAGES)
    .where(MESSAGES.c.id == bindparam("message_id"))
    .values(status=bindparam("new_status"), error=bindparam("new_error"),
            processed_at=bindparam("done_at"))
)  # fmt: skip


class TurnStart(NamedTuple):
    """What a turn begins with, read in one transaction."""

    conversation: ConversationRow
    history: list[BaseMessage]
    remembered: Remembered  # the customer's saved preferences and consent


class Taken(NamedTuple):
    """A message `receive_and_begin` kept: its conversation, its id, and its turn begun (or
    `EARLIER_FIRST`: an earlier message waits, and this one waits its turn after it)."""

    conversation: ConversationRow
    message_id: int
    begun: TurnStart | EarlierFirst


class TurnOps(HistoryOps, ConversationOps):
    """`begin_turn` and `finish_turn`: what the conversation core does around each turn."""

    def open_conversation(
        self, key: str, channel: str, sender: str, variant: str
    ) -> tuple[ConversationRow, Remembered]:
        """`get_or_create_conversation`, and what its customer asked to be remembered, in one
        transaction (a conversation's greeting offers a returning shopper's favourites)."""

        def open_(session: Session) -> tuple[ConversationRow, Remembered]:
            conversation = self._get_or_create(session, key, channel, sender, variant)
            return conversation, _remembered(session, conversation)

        return self._run(open_)

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

        def begin(session: Session) -> TurnStart | EarlierFirst | None:
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
            return _turn_start(session, conversation)

        begun = self._run(begin)
        return _with_messages(begun) if isinstance(begun, TurnStart) else begun

    def receive_and_begin(
        self, key: str, variant: str, message: InboundMessage, *, existing: bool = False
    ) -> Taken | None:
        """`receive_inbound`, then `begin_turn` with `earlier_first`, in one transaction: the
        caller holds the conversation's lock already (taken while the conversation was free).
        None when the message was stored before (a retry): nothing is written.

        With `existing`, the conversation must exist on the message's channel
        (`RecordNotFound` otherwise); nothing is created.
        """

        def take(session: Session) -> Taken | None:
            conversation = self._conversation_for(session, key, message, variant, existing)
            waiting = _earlier_waiting(session, conversation.id, None, RECENT)
            message_id = self._keep(session, conversation.id, message, started=not waiting)
            if message_id is None:
                return None
            begun = EARLIER_FIRST if waiting else _turn_start(session, conversation)
            return Taken(conversation, message_id, begun)

        taken = self._run(take)
        if taken is None or not isinstance(taken.begun, TurnStart):
            return taken
        return taken._replace(begun=_with_messages(taken.begun))

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
        conversation: ConversationRow | None = None,
    ) -> None:
        """Store the turn's history, its reply, the conversation's new counters and the turn's
        analytics `events` (tagged with the conversation's variant), at once; a turn that hands
        off opens its `ticket` in the same transaction as the state change; a message to a
        person (`relay`) goes on to the external helpdesk if one took the ticket.

        `outbox` holds the reply rendered for its channel: its payloads are queued in the same
        transaction, so a process stopped at any point either redoes the turn or delivers it.
        `conversation`, the row the turn began with, saves reading it again.
        """
        dicts = messages_to_dict(list(history))
        changes: dict[str, Any] = {"consecutive_fallbacks": fallbacks, "state": state}
        changes = {name: value for name, value in changes.items() if value is not None}

        def finish(session: Session) -> None:
            row = conversation
            if row is None or row.id != conversation_id:
                row = session.get(ConversationRow, conversation_id)
                if row is None:
                    raise RecordNotFound(f"no conversation {conversation_id}")
            if changes:
                core(session).execute(
                    update(CONVERSATIONS)
                    .where(CONVERSATIONS.c.id == conversation_id)
                    .values(**changes, updated_at=utcnow())
                )
            start = self._length(session, conversation_id)
            now = utcnow()
            entries = [
                dict(conversation_id=conversation_id, seq=start + n, type=d["type"], data=d,
                     created_at=now)
                for n, d in enumerate(dicts)
            ]  # fmt: skip
            if entries:
                core(session).execute(ADD_HISTORY, entries)
            if reply is not None:
                sent = core(session).scalar(
                    ADD_REPLY,
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
                    core(session).execute(ADD_OUTBOX, items)
            status = "failed" if error else "processed"
            answered = {"new_status": status, "new_error": error, "done_at": now}
            core(session).execute(ANSWER, {"message_id": message_id, **answered})
            add_events(session, conversation_id, row.variant, events)
            if ticket is not None:
                add_ticket(session, row, ticket)
            if relay is not None:
                relay_to_helpdesk(session, row, relay)
            session.flush()

        self._run(finish)


def _turn_start(session: Session, conversation: ConversationRow) -> TurnStart:
    """The conversation's history (as stored dicts) and what its customer asked to be
    remembered; `_with_messages` turns the dicts into messages outside the transaction."""
    rows: Any = list(core(session).scalars(HISTORY_OF, {"conversation_id": conversation.id}))
    return TurnStart(conversation, rows, _remembered(session, conversation))


def _remembered(session: Session, conversation: ConversationRow) -> Remembered:
    """What the conversation's customer asked to be remembered (nothing without a customer)."""
    if conversation.customer_id is None:
        return Remembered()
    return read_remembered(session, conversation.customer_id, conversation.id)


def _with_messages(begun: TurnStart) -> TurnStart:
    stored: Any = begun.history  # the dicts `_turn_start` read
    return begun._replace(history=messages_from_dict(stored))


def _earlier_waiting(
    session: Session, conversation_id: str, message_id: int | None, within: timedelta
) -> bool:
    """Whether an inbound message stored before `message_id` (None: any) in the conversation,
    in the last `within`, still waits for its turn (which should go first). Older ones are a
    stopped worker's, which the restart replays."""
    since = utcnow() - within
    before = ANY_ID if message_id is None else message_id
    found = core(session).scalars(
        WAITING, {"conversation_id": conversation_id, "since": since, "before": before}
    )
    return found.first() is not None
