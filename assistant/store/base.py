"""The store's core: an engine, short units of work, retries of transient failures, and the
dialect-neutral "insert unless it exists" the idempotent writes are built on."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, Self, TypeVar, cast

from sqlalchemy import Connection, Engine, Table, exc, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from assistant.store.backoff import Backoff
from assistant.store.direct import Direct
from assistant.store.engine import BEGIN_OPTION, is_transient, make_engine, translate, translated
from assistant.store.errors import StoreError
from assistant.store.write_gate import WriteGate

T = TypeVar("T")
RETRY_DELAYS_S = (0.05, 0.2, 0.5)  # after the busy timeout already waited on SQLite


def core(unit: Session | Direct) -> Connection | Direct:
    """Where to run a Core statement on tables (no ORM entity in it): the session's connection
    (the session's own `execute` costs about twice as much a statement), or a `Direct`
    transaction as it is. Pending ORM changes are flushed first, as the session's autoflush
    would."""
    if isinstance(unit, Direct):
        return unit
    if unit.new or unit.deleted or unit.dirty:
        unit.flush()
    return unit.connection()


class StoreCore:
    """Engine, sessions and retries; the operations live in the mixins `Store` combines."""

    def __init__(
        self,
        engine: Engine,
        *,
        lock_timeout_s: float = 60.0,
        outbox_backoff: Backoff | None = None,
        busy_timeout_s: float = 5.0,
        lock_files: int = 256,
    ):
        self.engine = engine
        self.lock_timeout_s = lock_timeout_s
        self.lock_files = lock_files
        self.outbox_backoff = outbox_backoff or Backoff()
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        sqlite = engine.dialect.name == "sqlite"
        self._gate = WriteGate.for_database(engine.url.database) if sqlite else None
        self._busy_timeout_s = busy_timeout_s

    @classmethod
    def open(
        cls,
        url: str,
        *,
        busy_timeout_s: float = 5.0,
        lock_timeout_s: float = 60.0,
        pool_size: int = 5,
        outbox_backoff: Backoff | None = None,
        lock_files: int = 256,
    ) -> Self:
        """A store on `url` (`sqlite:///path.db` or `postgresql+psycopg://...`); connects lazily.

        `busy_timeout_s` is SQLite's wait for the write lock (and PostgreSQL's connect timeout);
        `lock_timeout_s` bounds the wait in `conversation_lock`; `pool_size` sizes the
        PostgreSQL pool, which needs a connection per turn in progress plus a few;
        `outbox_backoff` paces retries of failed sends; `lock_files` bounds the conversation
        lock files beside a SQLite database (conversations share them by hash).
        """
        with translated():
            engine = make_engine(url, busy_timeout_s=busy_timeout_s, pool_size=pool_size)
        return cls(
            engine,
            lock_timeout_s=lock_timeout_s,
            outbox_backoff=outbox_backoff,
            busy_timeout_s=busy_timeout_s,
            lock_files=lock_files,
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def create_schema(self) -> None:
        """Run the Alembic migrations up to head (safe to call at every start)."""
        from assistant.store import schema  # Alembic loads only when migrating

        self._with_retries(lambda: schema.upgrade(self.engine))

    def ping(self) -> None:
        """Raise `StoreUnavailable` unless the database answers."""

        def ping() -> None:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))

        self._with_retries(ping)

    def close(self) -> None:
        """Close pooled connections."""
        self.engine.dispose()

    @contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        """One short unit of work: committed on success, rolled back on error.

        On SQLite a writing session takes the write lock at BEGIN (waiting up to the busy
        timeout); pass `write=False` for reads, which never wait in WAL mode.
        """
        with translated(), self._unit(write) as session:
            yield session

    @contextmanager
    def _unit(self, write: bool) -> Iterator[Session]:
        with self._queued(write), self._sessions() as session, session.begin():
            if write:  # procures the connection, so BEGIN IMMEDIATE is what starts it
                session.connection(execution_options={BEGIN_OPTION: "IMMEDIATE"})
            yield session

    def _queued(self, write: bool) -> AbstractContextManager[None]:
        """On SQLite, a write waits its turn at the gate before it begins (see `write_gate`)."""
        if write and self._gate is not None:
            return self._gate.held(self._busy_timeout_s)
        return nullcontext()

    def _run(self, work: Callable[[Session], T], *, write: bool = True) -> T:
        """`work` in its own unit of work, retried on transient failures (busy, disconnect)."""

        def attempt() -> T:
            with self._unit(write) as session:
                return work(session)

        return self._with_retries(attempt)

    def _run_direct(self, work: Callable[[Direct], T]) -> T:
        """`work` in one write transaction whose statements go straight to the driver (see
        `direct`), retried on transient failures like `_run`."""

        def attempt() -> T:
            with self._queued(True), self.engine.connect() as connection:
                if self._gate is not None:  # SQLite: the write lock at BEGIN
                    connection.execution_options(**{BEGIN_OPTION: "IMMEDIATE"})
                with connection.begin():
                    direct = Direct(connection)
                    try:
                        done = work(direct)
                        direct.finish()
                        return done
                    finally:
                        direct.close()

        return self._with_retries(attempt)

    def _with_retries(self, attempt: Callable[[], T]) -> T:
        for delay in (*RETRY_DELAYS_S, None):
            try:
                return attempt()
            except exc.SQLAlchemyError as error:
                if delay is None or not is_transient(error):
                    raise translate(error) from error
                time.sleep(delay)
        raise StoreError("unreachable")  # pragma: no cover

    def _insert_ignore(
        self, unit: Session | Direct, model: type[Any], values: dict[str, Any], keys: Sequence[str]
    ) -> Any:
        """INSERT ... ON CONFLICT (keys) DO NOTHING RETURNING the primary key, or None."""
        table = cast(Table, model.__table__)  # Core: nothing comes back as an ORM object
        statement = _IGNORING.get((self.dialect, table.name, tuple(keys)))
        if statement is None:
            dialect = postgresql if self.dialect == "postgresql" else sqlite
            statement = (
                dialect.insert(table)
                .on_conflict_do_nothing(index_elements=list(keys))
                .returning(*table.primary_key.columns)
            )
            _IGNORING[(self.dialect, table.name, tuple(keys))] = statement
        return core(unit).execute(statement, values).scalar()


# "Insert unless it exists" statements, built once per dialect, table and keys (the values are
# bound at each call): building a statement costs more than running it.
_IGNORING: dict[tuple[str, str, tuple[str, ...]], Any] = {}
