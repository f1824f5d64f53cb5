"""A turn's bookkeeping in two transactions instead of nine: one to begin, one to finish."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, Literal, NamedTuple, cast

from langchain_core.messages import BaseMessage, messages_from_dict, messages_to_dict
from sqlalchemy import Table, bindparam, insert, select, update

from assistant.messages import InboundMessage, Reply
from assistant.store.conversations import CONVERSATIONS, ConversationOps, load_conversation
from assistant.store.dead_letters import DeadLetterOps, bury
from assistant.store.direct import Direct
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

ANSWERED = ("processed", "failed", "dead")
EarlierFirst = Literal["earlier first"]
EARLIER_FIRST: EarlierFirst = "earlier first"  # begin_turn: an earlier message's turn goes first
RECENT = timedelta(minutes=1)  # an unanswered message older than this is a stopped worker's
# A turn's transactions run their statements on the driver (`direct`): the ORM's bookkeeping
# and SQLAlchemy's execution path cost more than these few rows. The statements are Core on the
# tables, built once with bound parameters and compiled once per dialect.
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
        MESSAGES.c.attempts == 0,  # one whose turn failed is retried later; none waits for it
        MESSAGES.c.created_at >= bindparam("since"),
        MESSAGES.c.id < bindparam("before"),
    )
    .limit(1)
)
ANY_ID = 2**62  # WAITING's `before` when any earlier message counts
ADD_HISTORY = insert(HISTORY)
ADD_REPLY = insert(MESSAGES).returning(MESSAGES.c.id)
ADD_OUTBOX = insert(OUTBOX)
STATUS_OF = select(MESSAGES.c.status, MESSAGES.c.attempts).where(
    MESSAGES.c.id == bindparam("message_id")
)
START = (
    update(MESSAGES)
    .where(MESSAGES.c.id == bindparam("message_id"))
    .values(status="processing", attempts=MESSAGES.c.attempts + 1)
)
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


class TurnOps(HistoryOps, ConversationOps, DeadLetterOps):
    """`begin_turn` and `finish_turn`: what the conversation core does around each turn."""

    def open_conversation(
        self, key: str, channel: str, sender: str, variant: str, *, secret_hash: str | None = None
    ) -> tuple[ConversationRow, Remembered]:
        """`get_or_create_conversation`, and what its customer asked to be remembered, in one
        transaction (a conversation's greeting offers a returning shopper's favourites). A new
        conversation keeps `secret_hash`, the hash of the secret its web chat holds."""

        def open_(unit: Direct) -> tuple[ConversationRow, Remembered]:
            conversation = self._get_or_create(unit, key, channel, sender, variant, secret_hash)
            return conversation, _remembered(unit, conversation)

        return self._run_direct(open_)

    def begin_turn(
        self,
        conversation_id: str,
        message_id: int,
        *,
        earlier_first: bool = False,
        max_attempts: int | None = None,
    ) -> TurnStart | EarlierFirst | None:
        """Mark the message in progress; return the conversation, its history and the
        customer's saved preferences, or None when the message was already answered (another
        worker, or a replay, finished it first). Called under the conversation's lock, so the
        check and the turn cannot interleave.

        With `earlier_first`, a message stored before this one in the last minute and not yet
        begun goes first: `EARLIER_FIRST` comes back and nothing is written. A message whose
        turn was begun `max_attempts` times already and never finished (each try stopped its
        worker, say) goes to the dead letters instead, and None comes back.
        """

        def begin(unit: Direct) -> TurnStart | EarlierFirst | None:
            conversation = load_conversation(unit, conversation_id)
            if conversation is None:
                raise RecordNotFound(f"no conversation {conversation_id}")
            found = unit.execute(STATUS_OF, {"message_id": message_id}).first()
            status, attempts = found or (None, 0)
            if status in ANSWERED:
                return None
            if max_attempts is not None and attempts >= max_attempts:
                bury(unit, conversation, message_id, attempts, "its turn never finished")
                return None
            if earlier_first and _earlier_waiting(unit, conversation_id, message_id, RECENT):
                return EARLIER_FIRST
            unit.execute(START, {"message_id": message_id})
            return _turn_start(unit, conversation)

        begun = self._run_direct(begin)
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

        def take(unit: Direct) -> Taken | None:
            conversation = self._conversation_for(unit, key, message, variant, existing)
            waiting = _earlier_waiting(unit, conversation.id, None, RECENT)
            message_id = self._keep(
                unit, conversation.id, message, started=not waiting, conversation=conversation
            )
            if message_id is None:
                return None
            begun = EARLIER_FIRST if waiting else _turn_start(unit, conversation)
            return Taken(conversation, message_id, begun)

        taken = self._run_direct(take)
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

        def finish(unit: Direct) -> None:
            row = conversation
            if row is None or row.id != conversation_id:
                row = load_conversation(unit, conversation_id)
                if row is None:
                    raise RecordNotFound(f"no conversation {conversation_id}")
            if changes:
                new = {f"new_{name}": value for name, value in changes.items()}
                unit.execute(
                    _changing(tuple(changes)),
                    {"conversation_id": conversation_id, **new, "new_updated_at": utcnow()},
                )
            start = self._length(unit, conversation_id)
            now = utcnow()
            entries = [
                dict(conversation_id=conversation_id, seq=start + n, type=d["type"], data=d,
                     created_at=now)
                for n, d in enumerate(dicts)
            ]  # fmt: skip
            if entries:
                unit.execute(ADD_HISTORY, entries)
            if reply is not None:
                sent = unit.scalar(
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
                    unit.execute(ADD_OUTBOX, items)
            status = "failed" if error else "processed"
            answered = {"new_status": status, "new_error": error, "done_at": now}
            unit.execute(ANSWER, {"message_id": message_id, **answered})
            add_events(unit, conversation_id, row.variant, events)
            if ticket is not None:  # rare: through the ORM, in the same transaction
                add_ticket(unit.session, row, ticket)
            if relay is not None:
                relay_to_helpdesk(unit.session, row, relay)

        self._run_direct(finish)


def _turn_start(unit: Direct, conversation: ConversationRow) -> TurnStart:
    """The conversation's history (as stored dicts) and what its customer asked to be
    remembered; `_with_messages` turns the dicts into messages outside the transaction."""
    rows: Any = unit.execute(HISTORY_OF, {"conversation_id": conversation.id}).scalars()
    return TurnStart(conversation, rows, _remembered(unit, conversation))


def _remembered(unit: Direct, conversation: ConversationRow) -> Remembered:
    """What the conversation's customer asked to be remembered (nothing without a customer)."""
    if conversation.customer_id is None:
        return Remembered()
    return read_remembered(unit, conversation.customer_id, conversation.id)


def _with_messages(begun: TurnStart) -> TurnStart:
    stored: Any = begun.history  # the dicts `_turn_start` read
    return begun._replace(history=messages_from_dict(stored))


def _earlier_waiting(
    unit: Direct, conversation_id: str, message_id: int | None, within: timedelta
) -> bool:
    """Whether an inbound message stored before `message_id` (None: any) in the conversation,
    in the last `within`, still waits for its turn (which should go first). Older ones are a
    stopped worker's, which the restart replays."""
    since = utcnow() - within
    before = ANY_ID if message_id is None else message_id
    found = unit.execute(
        WAITING, {"conversation_id": conversation_id, "since": since, "before": before}
    )
    return found.first() is not None


def _changing(columns: tuple[str, ...]) -> Any:
    """The UPDATE of a conversation's `columns` (and `updated_at`), built once per set of
    columns; their new values are the parameters `new_<column>`."""
    key = tuple(sorted(columns))
    statement = _CHANGES.get(key)
    if statement is None:
        values: dict[str, Any] = {n: bindparam(f"new_{n}") for n in (*key, "updated_at")}
        statement = _CHANGES[key] = (
            update(CONVERSATIONS).where(CONVERSATIONS.c.id == bindparam("conversation_id"))
            .values(values)
        )  # fmt: skip
    return statement


_CHANGES: dict[tuple[str, ...], Any] = {}
