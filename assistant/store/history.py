"""The agent's memory of a conversation: LangChain messages in order, so a turn can be run
again after a restart with exactly the history the model saw."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from langchain_core.messages import BaseMessage, messages_from_dict, messages_to_dict
from sqlalchemy import Table, bindparam, func, select
from sqlalchemy.orm import Session

from assistant.store.base import StoreCore, core
from assistant.store.direct import Direct
from assistant.store.errors import StoreConflict
from assistant.store.models import HistoryEntry, utcnow

_TABLE = cast(Table, HistoryEntry.__table__)
LENGTH = select(func.coalesce(func.max(_TABLE.c.seq) + 1, 0)).where(
    _TABLE.c.conversation_id == bindparam("conversation_id")
)  # Core, built once: the next seq of a conversation's history


class HistoryOps(StoreCore):
    """`load_history` / `append_history` over the `agent_history` table."""

    def load_history(self, conversation_id: str, *, last: int | None = None) -> list[BaseMessage]:
        """The conversation's LangChain messages, oldest first (only the `last` n if given)."""
        query = select(HistoryEntry.data).where(HistoryEntry.conversation_id == conversation_id)
        if last is not None:
            query = query.order_by(HistoryEntry.seq.desc()).limit(last)
            rows = self._run(lambda s: list(s.scalars(query)), write=False)[::-1]
        else:
            query = query.order_by(HistoryEntry.seq)
            rows = self._run(lambda s: list(s.scalars(query)), write=False)
        return messages_from_dict(rows)

    def append_history(self, conversation_id: str, messages: Sequence[BaseMessage]) -> int:
        """Add messages after the ones stored; returns how many the history now holds.

        Callers append under `conversation_lock`; two unlocked appenders racing for the same
        sequence numbers are retried once, then `StoreConflict` is raised.
        """
        if not messages:
            return self._run(lambda s: self._length(s, conversation_id), write=False)
        dicts = messages_to_dict(list(messages))

        def append(session: Session) -> int:
            start = self._length(session, conversation_id)
            now = utcnow()
            session.add_all(
                HistoryEntry(
                    conversation_id=conversation_id,
                    seq=start + offset,
                    type=data["type"],
                    data=data,
                    created_at=now,
                )
                for offset, data in enumerate(dicts)
            )
            session.flush()
            return start + len(dicts)

        try:
            return self._run(append)
        except StoreConflict:
            return self._run(append)

    @staticmethod
    def _length(unit: Session | Direct, conversation_id: str) -> int:
        return int(core(unit).execute(LENGTH, {"conversation_id": conversation_id}).scalar() or 0)
