"""Per-conversation serialisation: one turn at a time per conversation.

PostgreSQL: a transaction on its own pooled connection holds ``SELECT ... FOR UPDATE`` on the
conversation's row in ``conversation_locks`` for the whole turn, so API workers on any machine
take turns; waiting is bounded by ``lock_timeout``. The conversation row itself is not locked:
the turn updates it (state, fallbacks) and inserts children whose foreign-key checks take a
key-share lock on it, both from other connections, which would wait on the lock forever.

SQLite: a lock per conversation inside this process (threads take turns), then an exclusive
`flock` on one of the store's `lock_files` lock files beside the database, picked by a hash of
the conversation id (processes on the machine take turns; see `file_lock`), while SQLite's own
write lock serialises every write. The lock is not re-entrant on either backend (a nested lock
on the same conversation waits for the timeout; on SQLite, so may one on another conversation
that shares its lock file, so a turn never holds two).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from sqlalchemy import Connection, exc, select, text
from sqlalchemy.dialects import postgresql

from assistant.store.base import StoreCore
from assistant.store.engine import translate
from assistant.store.errors import ConversationBusy
from assistant.store.file_lock import file_lock, lock_dir
from assistant.store.models import ConversationLock, utcnow


@dataclass
class _Entry:
    lock: threading.Lock = field(default_factory=threading.Lock)
    users: int = 0


_guard = threading.Lock()
_process_locks: dict[tuple[str, str], _Entry] = {}


class LockOps(StoreCore):
    """`conversation_lock`."""

    @contextmanager
    def conversation_lock(
        self, conversation_id: str, *, timeout_s: float | None = None
    ) -> Iterator[None]:
        """Hold the conversation for one turn; `ConversationBusy` after `timeout_s` (default:
        the store's `lock_timeout_s`) of waiting for another turn of it."""
        timeout = self.lock_timeout_s if timeout_s is None else timeout_s
        if self.dialect == "postgresql":
            with self._row_lock(conversation_id, timeout):
                yield
        else:
            database, directory = self._lock_place
            started = time.monotonic()
            with _process_lock((database, conversation_id), timeout):
                if directory is None:
                    yield
                    return
                left = max(0.0, timeout - (time.monotonic() - started))
                with file_lock(directory, conversation_id, left, stripes=self.lock_files):
                    yield

    @cached_property
    def _lock_place(self) -> tuple[str, Path | None]:
        """The database's name and its lock files' directory, worked out once per store (the
        path resolution behind them costs more than taking a free lock)."""
        url = self.engine.url
        return url.render_as_string(hide_password=True), lock_dir(url.database)

    @contextmanager
    def conversation_lock_if_free(self, conversation_id: str) -> Iterator[bool]:
        """Hold the conversation if no turn of it runs now (True), without waiting: False
        when another turn holds it (nothing is held then)."""
        with ExitStack() as held:
            try:
                held.enter_context(self.conversation_lock(conversation_id, timeout_s=0))
            except ConversationBusy:
                yield False
                return
            yield True

    @contextmanager
    def _row_lock(self, conversation_id: str, timeout: float) -> Iterator[None]:
        try:
            connection = self.engine.connect()
        except exc.SQLAlchemyError as error:
            raise translate(error) from error
        with connection:
            transaction = connection.begin()
            try:
                _lock_row(connection, conversation_id, timeout)
            except exc.OperationalError as error:
                transaction.rollback()
                if getattr(error.orig, "sqlstate", None) == "55P03":
                    raise ConversationBusy(f"conversation {conversation_id} is busy") from error
                raise translate(error) from error
            except exc.SQLAlchemyError as error:
                transaction.rollback()
                raise translate(error) from error
            try:
                yield
            finally:
                try:
                    transaction.rollback()  # nothing was written; ending it releases the lock
                except exc.SQLAlchemyError:
                    connection.invalidate()  # a dead connection lost the lock with the session


def _lock_row(connection: Connection, conversation_id: str, timeout: float) -> None:
    milliseconds = max(1, int(timeout * 1000))
    connection.execute(text(f"SET LOCAL lock_timeout = {milliseconds}"))
    connection.execute(
        postgresql.insert(ConversationLock)
        .values(conversation_id=conversation_id, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["conversation_id"])
    )
    connection.execute(
        select(ConversationLock.conversation_id)
        .where(ConversationLock.conversation_id == conversation_id)
        .with_for_update()
    )


@contextmanager
def _process_lock(key: tuple[str, str], timeout: float) -> Iterator[None]:
    with _guard:
        entry = _process_locks.setdefault(key, _Entry())
        entry.users += 1
    try:
        if not entry.lock.acquire(timeout=timeout):
            raise ConversationBusy(f"conversation {key[1]} is busy")
        try:
            yield
        finally:
            entry.lock.release()
    finally:
        with _guard:
            entry.users -= 1
            if entry.users == 0:
                del _process_locks[key]
