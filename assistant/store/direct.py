"""Core statements run straight on the database driver, for the transactions of every turn.

A turn's bookkeeping is a handful of small statements in two transactions. Through the ORM
session and SQLAlchemy's execution layer each statement costs 100 to 200 µs of Python, while
SQLite does its own part in a few: on the web chat benchmark the two transactions took about a
fifth of a turn's CPU time.

`Prepared` compiles a Core statement once per dialect with SQLAlchemy, so the SQL is the
dialect's own, and keeps its types' bind and result processors, so values are written and read
exactly as SQLAlchemy writes and reads them (UTC datetimes as SQLite text, JSON through the
engine's serializer). `Direct` is one transaction on an engine connection: `execute` runs
prepared statements on the driver's cursor, and `session` binds an ORM session to the same
transaction for the rare writes that need one (a handoff ticket, a message for a helpdesk).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from typing import Any, cast

from sqlalchemy import Connection, Insert, exc
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

Processor = Callable[[Any], Any] | None
MAX_PREPARED = 256  # statements are built once at import; this only bounds a misuse


class Prepared:
    """One Core statement compiled for one dialect, with its parameters' processors."""

    def __init__(self, statement: Any, dialect: Dialect, keys: Sequence[str] | None) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=keys)
        if compiled.insert_prefetch or compiled.update_prefetch:
            missing = [c.name for c in [*compiled.insert_prefetch, *compiled.update_prefetch]]
            raise Unprepared(f"no value for the columns with a default {missing}")
        if compiled.literal_execute_params or compiled.post_compile_params:
            raise Unprepared("parameters compiled at execution")
        self.sql: str = compiled.string
        self.dialect = dialect
        escaped = compiled.escaped_bind_names
        binds: list[tuple[str, str, Any, Processor]] = []
        by_name = {name: bind for bind, name in compiled.bind_names.items()}
        order = compiled.positiontup if dialect.positional else list(by_name)
        for name in order or []:
            bind = by_name[name]
            fixed = _REQUIRED if bind.required else bind.effective_value
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            binds.append((name, escaped.get(name, name), fixed, processor))
        self._binds = binds
        self._positional = dialect.positional
        self._columns = [column.type for column in statement.exported_columns]
        self.returns_rows = bool(self._columns)
        self._results: list[Processor] | None = None

    def parameters(self, values: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        """The driver's parameters for `values` (by bind name), processed as SQLAlchemy would."""
        out = []
        for name, _, fixed, processor in self._binds:
            value = values.get(name, fixed)
            if value is _REQUIRED:
                raise KeyError(f"no value for the parameter {name!r}")
            out.append(processor(value) if processor is not None else value)
        if self._positional:
            return out
        return {key: value for (_, key, _, _), value in zip(self._binds, out, strict=True)}

    def rows(
        self, fetched: list[Sequence[Any]], description: Sequence[Any]
    ) -> list[tuple[Any, ...]]:
        """Fetched driver rows, each value through its column type's result processor."""
        if self._results is None:  # the driver's type codes are known after the first run
            self._results = [
                kind.dialect_impl(self.dialect).result_processor(self.dialect, column[1])
                for kind, column in zip(self._columns, description, strict=True)
            ]
        processors = self._results
        if not any(processors):
            return [tuple(row) for row in fetched]
        return [
            tuple(p(v) if p is not None else v for p, v in zip(processors, row, strict=True))
            for row in fetched
        ]


class Unprepared(Exception):
    """A statement SQLAlchemy must run itself (defaults to compute, parameters to expand)."""


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


_REQUIRED: Any = _Required()
_prepared: dict[tuple[int, int, tuple[str, ...] | None], tuple[Any, Any, Prepared | None]] = {}
_guard = threading.Lock()


def prepare(statement: Any, dialect: Dialect, keys: Sequence[str] | None = None) -> Prepared | None:
    """`statement` compiled for `dialect` (once: statements and dialects are kept by identity,
    a dialect's processors being its engine's own), or None when SQLAlchemy must run it itself
    (see `Unprepared`).

    An INSERT is compiled for the columns given (`keys`); the others name their parameters
    with `bindparam`."""
    columns = tuple(sorted(keys)) if keys is not None and isinstance(statement, Insert) else None
    key = (id(dialect), id(statement), columns)
    found = _prepared.get(key)
    if found is not None and found[0] is statement and found[1] is dialect:
        return found[2]
    prepared: Prepared | None
    try:
        prepared = Prepared(statement, dialect, columns)
    except Unprepared:
        prepared = None
    with _guard:
        if len(_prepared) >= MAX_PREPARED:
            _prepared.clear()
        _prepared[key] = (statement, dialect, prepared)  # kept alive: their ids stay their own
    return prepared


class Rows:
    """What a statement returned: its rows (read at once) and how many rows it changed."""

    def __init__(self, rows: list[tuple[Any, ...]], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def all(self) -> list[tuple[Any, ...]]:
        return self._rows

    def first(self) -> tuple[Any, ...] | None:
        return self._rows[0] if self._rows else None

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None

    def scalars(self) -> list[Any]:
        return [row[0] for row in self._rows]


class Direct:
    """One open transaction on `connection`: prepared statements on its driver cursor."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.dialect = connection.dialect
        self._dbapi = cast(Any, connection.connection).dbapi_connection
        self._cursor: Any = None
        self._session: Session | None = None

    def execute(
        self, statement: Executable, values: Mapping[str, Any] | Sequence[Mapping[str, Any]]
    ) -> Rows:
        """Run `statement` with `values` (a list of them: once per item, returning nothing)."""
        self._flush()
        many = not isinstance(values, Mapping)
        if many and not values:
            return Rows([], 0)
        first = cast(Sequence[Mapping[str, Any]], values)[0] if many else values
        prepared = prepare(statement, self.dialect, list(cast(Mapping[str, Any], first)))
        if prepared is None:  # through SQLAlchemy's execution path, still in this transaction
            result = self.connection.execute(statement, values)
            rows = [tuple(row) for row in result.all()] if result.returns_rows else []
            return Rows(rows, result.rowcount)
        cursor = self._cursor_open()
        try:
            if many:
                batch = [prepared.parameters(v) for v in cast(Sequence[Mapping[str, Any]], values)]
                cursor.executemany(prepared.sql, batch)
                return Rows([], cursor.rowcount)
            cursor.execute(prepared.sql, prepared.parameters(cast(Mapping[str, Any], values)))
            if cursor.description is None or not prepared.returns_rows:
                return Rows([], cursor.rowcount)  # (PostgreSQL's implicit RETURNING of the id)
            return Rows(prepared.rows(cursor.fetchall(), cursor.description), cursor.rowcount)
        except self.dialect.loaded_dbapi.Error as error:
            raise self._wrapped(error, prepared.sql, values) from error

    def scalar(self, statement: Executable, values: Mapping[str, Any]) -> Any:
        return self.execute(statement, values).scalar()

    @property
    def session(self) -> Session:
        """An ORM session in this transaction (made when first asked for); its changes are
        flushed before the next statement and at the end."""
        if self._session is None:
            self._session = Session(bind=self.connection, expire_on_commit=False)
        return self._session

    def finish(self) -> None:
        """Flush and close the session, if one was made: its objects come back detached."""
        if self._session is not None:
            self._session.flush()
            self._session.close()

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
        if self._cursor is not None:
            with suppress(self.dialect.loaded_dbapi.Error):  # a lost connection: invalidated
                self._cursor.close()

    def _flush(self) -> None:
        if self._session is not None and (
            self._session.new or self._session.dirty or self._session.deleted
        ):
            self._session.flush()

    def _cursor_open(self) -> Any:
        if self._cursor is None:
            self._cursor = self._dbapi.cursor()
        return self._cursor

    def _wrapped(self, error: Exception, sql: str, values: Any) -> exc.DBAPIError:
        """The SQLAlchemy error SQLAlchemy itself would raise (so the store's retries and error
        translation apply); a lost connection is invalidated, never reused."""
        lost = self.dialect.is_disconnect(cast(Any, error), self._dbapi, self._cursor)
        if lost:
            self._cursor = None
            self.connection.invalidate(error)
        return cast(
            exc.DBAPIError,
            exc.DBAPIError.instance(
                sql,
                values,
                error,
                self.dialect.loaded_dbapi.Error,
                hide_parameters=True,  # shopper text and addresses stay out of error messages
                connection_invalidated=lost,
                dialect=self.dialect,
            ),
        )
