"""Engines: the SQLite defaults (WAL, foreign keys, busy timeout, BEGIN IMMEDIATE for writes),
PostgreSQL over psycopg 3, JSON that accepts Decimal and datetime, and error translation."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel
from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import URL, make_url

from assistant.storable import SURROGATE, storable_tree
from assistant.store.errors import StoreConflict, StoreError, StoreUnavailable

BEGIN_OPTION = "assistant_sqlite_begin"  # execution option: "IMMEDIATE" for write transactions


def default_url(data_dir: Path) -> str:
    """The embedded default: one SQLite file in the data directory."""
    return f"sqlite:///{Path(data_dir).resolve() / 'assistant.db'}"


def make_engine(url: str | URL, *, busy_timeout_s: float = 5.0, pool_size: int = 5) -> Engine:
    """An engine for `url` with our connection settings; connects lazily."""
    parsed = make_url(url)
    options: dict[str, Any] = {"json_serializer": dumps, "json_deserializer": loads}
    if parsed.get_backend_name() == "sqlite":
        _prepare_sqlite_file(parsed)
        engine = create_engine(parsed, **options)
        _configure_sqlite(engine, busy_timeout_s)
        return engine
    if parsed.get_backend_name() == "postgresql":
        options["connect_args"] = {"connect_timeout": max(1, round(busy_timeout_s))}
        options.update(pool_size=pool_size, max_overflow=pool_size * 2, pool_pre_ping=True)
    return create_engine(parsed, **options)


def _prepare_sqlite_file(url: URL) -> None:
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        parent = Path(database).parent
        if not parent.exists():
            try:
                parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise StoreUnavailable(f"cannot create the database directory {parent}") from error


def _configure_sqlite(engine: Engine, busy_timeout_s: float) -> None:
    """Take transactions from pysqlite's hands so writes can BEGIN IMMEDIATE.

    A deferred transaction that reads and then writes fails at once with "database is locked"
    when another connection wrote in between (busy timeouts do not help there); IMMEDIATE takes
    the write lock up front and waits for it instead.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")  # durable enough in WAL mode, much faster
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get(BEGIN_OPTION, "DEFERRED")
        statement = f"BEGIN {mode}"
        try:  # on the driver: SQLAlchemy's execution path costs more than this statement
            connection.connection.driver_connection.execute(statement)
        except sqlite3.Error as error:  # reported as SQLAlchemy would (retries, translation)
            raise exc.DBAPIError.instance(
                statement, None, error, sqlite3.Error, dialect=connection.dialect
            ) from error


def dumps(value: Any) -> str:
    """JSON for payload columns; Decimal, datetime and pydantic models are written as text.

    orjson writes it (a turn stores a few payloads, and the standard library took several times
    as long); what orjson refuses (integers past 64 bits, say) the standard library writes.

    A string PostgreSQL's JSONB would refuse (a NUL, a lone surrogate) is written `storable`:
    inbound text is made storable where it arrives; this covers whatever else carries one."""
    try:
        options = orjson.OPT_NON_STR_KEYS
        written = orjson.dumps(value, default=_json_default, option=options).decode()
        refused = "\\u0000" in written
    except orjson.JSONEncodeError:  # a lone surrogate, or an integer past 64 bits
        written = json.dumps(value, default=_json_default, ensure_ascii=False)
        refused = "\\u0000" in written or SURROGATE.search(written) is not None
    if not refused:
        return written
    return json.dumps(storable_tree(value), default=_json_default, ensure_ascii=False)


def loads(text: str | bytes) -> Any:
    """A payload column's JSON; the standard library reads what orjson refuses (NaN, say)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"cannot store {type(value).__name__} as JSON")


SQLITE_TRANSIENT = ("locked", "busy", "unable to open", "disk i/o")
TRANSIENT_SQLSTATES = {"40001", "40P01", "55P03", "57P01", "08000", "08001", "08003", "08006"}


def is_transient(error: BaseException) -> bool:
    """Worth retrying: a busy SQLite file, a lost connection, a serialisation failure."""
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    original = getattr(error, "orig", None)
    if isinstance(original, sqlite3.Error):  # SQLite also says "no such table" this way
        return any(word in str(original).lower() for word in SQLITE_TRANSIENT)
    if isinstance(error, exc.OperationalError | exc.InterfaceError | exc.TimeoutError):
        return True
    return getattr(original, "sqlstate", None) in TRANSIENT_SQLSTATES


def translate(error: exc.SQLAlchemyError) -> StoreError:
    """The store error for a SQLAlchemy error (the original stays chained as the cause)."""
    detail = str(getattr(error, "orig", None) or error).strip().splitlines()[0][:300]
    if isinstance(error, exc.IntegrityError):
        return StoreConflict(detail)
    if is_transient(error) or isinstance(error, exc.DisconnectionError):
        return StoreUnavailable(f"database unavailable: {detail}")
    return StoreError(detail)


@contextmanager
def translated() -> Iterator[None]:
    """Re-raise SQLAlchemy errors as store errors."""
    try:
        yield
    except exc.SQLAlchemyError as error:
        raise translate(error) from error
