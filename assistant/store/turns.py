"""A turn's bookkeeping in two transactions instead of nine: one to begin, one to finish."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.messages import BaseMessage, messages_from_dict, messages_to_dict
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from assistant.messages import Reply
from assistant.store.errors import RecordNotFound
from assistant.store.history import HistoryOps
from assistant.store.models import (
    ConversationRow,
    HistoryEntry,
    MessageRow,
    OutboxItem,
    State,
    utcnow,
)


class TurnOps(HistoryOps):
    """`begin_turn` and `finish_turn`: what the conversation core does around each turn."""

    def begin_turn(
        self, conversation_id: str, message_id: int
    ) -> tuple[ConversationRow, list[BaseMessage]]:
        """Mark the message in progress; return the conversation and its history."""

        def begin(session: Session) -> tuple[ConversationRow, list[dict[str, Any]]]:
            conversation = session.get(ConversationRow, conversation_id)
            if conversation is None:
                raise RecordNotFound(f"no conversation {conversation_id}")
            session.execute(
                update(MessageRow).where(MessageRow.id == message_id).values(status="processing")
            )
            query = select(HistoryEntry.data).where(HistoryEntry.conversation_id == conversation_id)
            return conversation, list(session.scalars(query.order_by(HistoryEntry.seq)))

        conversation, rows = self._run(begin)
        return conversation, messages_from_dict(rows)

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
        outbox: Sequence[dict[str, Any]] = (),
        recipient: str = "",
    ) -> None:
        """Store the turn's history, its reply and the conversation's new counters, at once.

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
            session.add_all(
                HistoryEntry(
                    conversation_id=conversation_id,
                    seq=start + n,
                    type=d["type"],
                    data=d,
                    created_at=now,
                )
                for n, d in enumerate(dicts)
            )
            if reply is not None:
                sent = MessageRow(
                    conversation_id=conversation_id, direction="outbound", channel=channel,
                    text=reply.text, payload=reply.model_dump(mode="json"),
                    status="queued" if outbox else "sent", created_at=now,
                )  # fmt: skip
                session.add(sent)
                session.flush()
                for payload in outbox:
                    session.add(
                        OutboxItem(
                            conversation_id=conversation_id, message_id=sent.id, channel=channel,
                            recipient=recipient, payload=payload, status="pending", attempts=0,
                            next_attempt_at=now, created_at=now, updated_at=now,
                        )
                    )  # fmt: skip
            status = "failed" if error else "processed"
            session.execute(
                update(MessageRow)
                .where(MessageRow.id == message_id)
                .values(status=status, error=error, processed_at=now)
            )
            session.flush()

        self._run(finish)
