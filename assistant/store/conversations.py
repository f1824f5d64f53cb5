"""Conversations and their messages: inbound kept before processing (deduplicated by provider
message id), outbound replies, delivery statuses, state and fallbacks."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from assistant.messages import InboundMessage, Reply
from assistant.store.base import core
from assistant.store.customers import CustomerOps
from assistant.store.direct import Direct
from assistant.store.errors import RecordNotFound
from assistant.store.models import (
    ConversationLock,
    ConversationRow,
    MessageRow,
    OutboundStatus,
    State,
    utcnow,
)

_UNSET: Any = object()
CONVERSATIONS = cast(Table, ConversationRow.__table__)
# Every message loads its conversation: `Session.get` builds this statement and its cache key
# each time, more than twice the cost of running one built once.
_CONVERSATION = select(ConversationRow).where(ConversationRow.id == bindparam("conversation_id"))
_CONVERSATION_COLUMNS = select(CONVERSATIONS).where(
    CONVERSATIONS.c.id == bindparam("conversation_id")
)  # the same, for a `Direct` transaction
# Built once, run through Core: every message sets these two columns, and the ORM's update
# path (statement, evaluation against the session) costs several times the statement itself.
_TOUCH = (
    update(CONVERSATIONS)
    .where(CONVERSATIONS.c.id == bindparam("conversation_id"))
    .values(last_inbound_at=bindparam("inbound_at"), updated_at=bindparam("touched_at"))
)


class ConversationOps(CustomerOps):
    """Conversation rows and the messages in them."""

    def get_or_create_conversation(
        self, key: str, channel: str, sender: str, variant: str
    ) -> ConversationRow:
        """The conversation `key`, created (and its sender identified as a customer) if new.
        An existing conversation keeps its channel, sender and variant."""
        return self._run(lambda s: self._get_or_create(s, key, channel, sender, variant))

    def receive_inbound(
        self, key: str, variant: str, message: InboundMessage, *, existing: bool = False
    ) -> tuple[ConversationRow, MessageRow, bool]:
        """`get_or_create_conversation` for the message's channel and sender, then
        `record_inbound`, in one transaction: the conversation, the message's row and whether
        the message was new. With `existing`, the conversation must exist on the message's
        channel (`RecordNotFound` otherwise): nothing is created."""

        def receive(session: Session) -> tuple[ConversationRow, MessageRow, bool]:
            conversation = self._conversation_for(session, key, message, variant, existing)
            row, created = self._record(session, conversation.id, message)
            return conversation, row, created

        return self._run(receive)

    def _conversation_for(
        self,
        unit: Session | Direct,
        key: str,
        message: InboundMessage,
        variant: str,
        existing: bool,
    ) -> ConversationRow:
        """The message's conversation: created if new, unless it must be `existing`."""
        if not existing:
            return self._get_or_create(unit, key, message.channel, message.sender, variant)
        conversation = load_conversation(unit, key)
        if conversation is None or conversation.channel != message.channel:
            raise RecordNotFound(f"no {message.channel} conversation {key}")
        return conversation

    def _get_or_create(
        self,
        unit: Session | Direct,
        key: str,
        channel: str,
        sender: str,
        variant: str,
        secret_hash: str | None = None,
    ) -> ConversationRow:
        found = load_conversation(unit, key)
        if found is not None:
            return found
        customer_id = self._identify(unit, channel, sender)
        now = utcnow()
        values: dict[str, Any] = {"id": key, "customer_id": customer_id, "channel": channel}
        values |= {"sender": sender, "variant": variant, "state": "bot", "created_at": now}
        values |= {"consecutive_fallbacks": 0, "assigned_agent": None, "updated_at": now}
        values |= {"last_inbound_at": None, "secret_hash": secret_hash}
        self._insert_ignore(unit, ConversationRow, values, ("id",))
        lock = {"conversation_id": key, "created_at": now}
        self._insert_ignore(unit, ConversationLock, lock, ("conversation_id",))
        if isinstance(unit, Session):  # a row this session loaded before is read again
            row = unit.get(ConversationRow, key, populate_existing=True)
        else:
            row = load_conversation(unit, key)
        assert row is not None
        return row

    def get_conversation(self, conversation_id: str) -> ConversationRow | None:
        return self._run(lambda s: s.get(ConversationRow, conversation_id), write=False)

    def set_state(
        self, conversation_id: str, state: State, *, assigned_agent: str | None = _UNSET
    ) -> ConversationRow:
        """Move the conversation to `state` (and assign or clear its human agent)."""
        changes: dict[str, Any] = {"state": state}
        if assigned_agent is not _UNSET:
            changes["assigned_agent"] = assigned_agent
        return self._update_conversation(conversation_id, changes)

    def set_fallbacks(self, conversation_id: str, count: int) -> ConversationRow:
        """Store how many unhelpful replies in a row the bot has given."""
        return self._update_conversation(conversation_id, {"consecutive_fallbacks": count})

    def _update_conversation(
        self, conversation_id: str, changes: dict[str, Any]
    ) -> ConversationRow:
        def change(session: Session) -> ConversationRow:
            row = session.get(ConversationRow, conversation_id)
            if row is None:
                raise RecordNotFound(f"no conversation {conversation_id}")
            for name, value in changes.items():
                setattr(row, name, value)
            session.flush()
            return row

        return self._run(change)

    def record_inbound(
        self, conversation_id: str, message: InboundMessage
    ) -> tuple[MessageRow, bool]:
        """Keep an inbound message before anything else happens to it.

        Returns the row and whether it was new: a webhook retry carrying a provider message id
        already seen on that channel returns the first row and False (nothing is written).
        """
        return self._run(lambda s: self._record(s, conversation_id, message))

    def _record(
        self, session: Session, conversation_id: str, message: InboundMessage
    ) -> tuple[MessageRow, bool]:
        new_id = self._keep(session, conversation_id, message)
        if new_id is None:
            return self._by_provider_id(session, message.channel, message.provider_message_id)
        row = session.get(MessageRow, new_id)
        assert row is not None
        return row, True

    def _keep(
        self,
        unit: Session | Direct,
        conversation_id: str,
        message: InboundMessage,
        *,
        started: bool = False,
        conversation: ConversationRow | None = None,
    ) -> int | None:
        """Insert the inbound message (`processing` when its turn starts at once) and note the
        conversation's last inbound time; None when its provider message id was seen before.

        The row the turn goes on with (`conversation`, or the session's copy if loaded) sees
        the new times: the channel's reply window is measured from the last inbound message."""
        values: dict[str, Any] = {
            "conversation_id": conversation_id,
            "direction": "inbound",
            "channel": message.channel,
            "provider_message_id": message.provider_message_id,
            "text": message.text,
            "payload": message.model_dump(mode="json"),
            "status": "processing" if started else "received",
            "attempts": 1 if started else 0,
            "created_at": message.received_at,
        }
        keys = ("channel", "provider_message_id")
        new_id = self._insert_ignore(unit, MessageRow, values, keys)
        if new_id is None:
            return None
        touched = {"inbound_at": message.received_at, "touched_at": utcnow()}
        core(unit).execute(_TOUCH, {"conversation_id": conversation_id, **touched})
        row = conversation
        if row is None and isinstance(unit, Session):
            row = unit.identity_map.get(identity_key(ConversationRow, conversation_id))
        if row is not None:
            set_committed_value(row, "last_inbound_at", touched["inbound_at"])
            set_committed_value(row, "updated_at", touched["touched_at"])
        return int(new_id)

    @staticmethod
    def _by_provider_id(
        session: Session, channel: str, provider_id: str | None
    ) -> tuple[MessageRow, bool]:
        query = select(MessageRow).where(
            MessageRow.channel == channel, MessageRow.provider_message_id == provider_id
        )
        return session.scalars(query).one(), False

    def mark_processing(self, message_id: int) -> None:
        """An inbound message's turn has started."""
        self._set_message(message_id, status="processing")

    def mark_processed(self, message_id: int, *, error: str | None = None) -> None:
        """An inbound message's turn is over: `processed`, or `failed` with the error."""
        status = "failed" if error else "processed"
        self._set_message(message_id, status=status, error=error, processed_at=utcnow())

    def _set_message(self, message_id: int, **values: Any) -> None:
        def change(session: Session) -> None:
            result = session.execute(
                update(MessageRow).where(MessageRow.id == message_id).values(**values)
            )
            if result.rowcount == 0:  # type: ignore[attr-defined]
                raise RecordNotFound(f"no message {message_id}")

        self._run(change)

    def record_outbound(
        self,
        conversation_id: str,
        reply: Reply,
        *,
        channel: str,
        status: OutboundStatus = "queued",
        provider_message_id: str | None = None,
    ) -> MessageRow:
        """Keep a reply the assistant (or a human agent) is sending."""
        return self._run(
            lambda s: self._outbound(
                s, conversation_id, reply, channel, status, provider_message_id
            )
        )

    @staticmethod
    def _outbound(
        session: Session,
        conversation_id: str,
        reply: Reply,
        channel: str,
        status: OutboundStatus,
        provider_message_id: str | None,
    ) -> MessageRow:
        row = MessageRow(
            conversation_id=conversation_id,
            direction="outbound",
            channel=channel,
            provider_message_id=provider_message_id,
            text=reply.text,
            payload=reply.model_dump(mode="json"),
            status=status,
            created_at=utcnow(),
        )
        session.add(row)
        session.flush()
        return row

    def record_delivery_status(
        self, channel: str, provider_message_id: str, status: OutboundStatus
    ) -> bool:
        """Apply a provider's delivery receipt (delivered, read, failed); False if unknown."""

        def change(session: Session) -> bool:
            result = session.execute(
                update(MessageRow)
                .where(
                    MessageRow.channel == channel,
                    MessageRow.provider_message_id == provider_message_id,
                    MessageRow.direction == "outbound",
                )
                .values(status=status)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

        return self._run(change)

    def messages(self, conversation_id: str, *, limit: int = 100) -> list[MessageRow]:
        """The conversation's last `limit` messages, oldest first."""
        query = (
            select(MessageRow)
            .where(MessageRow.conversation_id == conversation_id)
            .order_by(MessageRow.id.desc())
            .limit(limit)
        )
        return self._run(lambda s: list(reversed(s.scalars(query).all())), write=False)

    def messages_after(
        self, conversation_id: str, after: int, *, limit: int = 100
    ) -> list[MessageRow]:
        """The conversation's first `limit` messages with ids above `after`, oldest first."""
        query = (
            select(MessageRow)
            .where(MessageRow.conversation_id == conversation_id, MessageRow.id > after)
            .order_by(MessageRow.id)
            .limit(limit)
        )
        return self._run(lambda s: list(s.scalars(query)), write=False)

    def unprocessed_inbound(self, *, before: datetime | None = None) -> list[MessageRow]:
        """Inbound messages kept but never finished (`received`/`processing`), oldest first:
        what a restarted worker replays."""
        query = select(MessageRow).where(
            MessageRow.direction == "inbound",
            MessageRow.status.in_(("received", "processing")),
        )
        if before is not None:
            query = query.where(MessageRow.created_at < before)
        return self._run(lambda s: list(s.scalars(query.order_by(MessageRow.id))), write=False)


def load_conversation(unit: Session | Direct, conversation_id: str) -> ConversationRow | None:
    if isinstance(unit, Session):
        return unit.scalars(_CONVERSATION, {"conversation_id": conversation_id}).first()
    found = unit.execute(_CONVERSATION_COLUMNS, {"conversation_id": conversation_id}).first()
    if found is None:
        return None
    names = _CONVERSATION_COLUMNS.selected_columns.keys()
    row = ConversationRow(**dict(zip(names, found, strict=True)))
    make_transient_to_detached(row)  # as a row a session loaded and let go of
    return row
