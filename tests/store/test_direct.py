"""`Direct`: Core statements run on the driver write and read exactly what SQLAlchemy's own
execution path writes and reads, report errors as SQLAlchemy does, and hand statements they
cannot run themselves back to SQLAlchemy, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

import pytest
from sqlalchemy import Table, bindparam, exc, func, insert, select

from assistant.store import Store, StoreConflict
from assistant.store.direct import Direct, prepare
from assistant.store.models import ConversationRow, Event, MessageRow

EVENTS = cast(Table, Event.__table__)
MESSAGES = cast(Table, MessageRow.__table__)
ADD_EVENT = insert(EVENTS)
EVENT_BY_KIND = select(EVENTS.c.data, EVENTS.c.created_at, EVENTS.c.variant).where(
    EVENTS.c.kind == bindparam("wanted")
)
MOMENT = datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)
DATA = {"price": Decimal("19.99"), "when": MOMENT, "tags": ["a", "é"], "nested": {"n": 1}}


def _event(kind: str) -> dict[str, Any]:
    return {"conversation_id": None, "kind": kind, "variant": "b", "data": DATA,
            "created_at": MOMENT}  # fmt: skip


def _raw(store: Store, kind: str) -> tuple[Any, ...]:
    """The row as the database holds it, read without any type processing."""
    with store.engine.connect() as connection:
        found = connection.exec_driver_sql(
            "SELECT CAST(data AS TEXT), CAST(created_at AS TEXT) FROM events WHERE kind = "
            + ("?" if store.dialect == "sqlite" else "%(kind)s"),
            (kind,) if store.dialect == "sqlite" else {"kind": kind},
        ).one()
    return tuple(found)


def test_a_row_written_directly_is_stored_as_sqlalchemy_stores_it(store: Store) -> None:
    with store.session() as session:
        session.connection().execute(ADD_EVENT, _event("through-sqlalchemy"))
    store._run_direct(lambda direct: direct.execute(ADD_EVENT, _event("direct")))
    assert _raw(store, "direct") == _raw(store, "through-sqlalchemy")


def test_a_row_read_directly_comes_back_as_sqlalchemy_reads_it(store: Store) -> None:
    store._run_direct(lambda direct: direct.execute(ADD_EVENT, [_event("x"), _event("x")]))
    with store.session() as session:
        expected = [tuple(r) for r in session.connection().execute(EVENT_BY_KIND, {"wanted": "x"})]
    read = store._run_direct(lambda direct: direct.execute(EVENT_BY_KIND, {"wanted": "x"}).all())
    assert read == expected and len(read) == 2
    data, created_at, variant = read[0]
    assert created_at == MOMENT and created_at.tzinfo is not None  # aware UTC on SQLite too
    assert data["price"] == "19.99" and data["tags"] == ["a", "é"] and variant == "b"


def test_a_constraint_violation_is_a_store_conflict(store: Store) -> None:
    row = {"id": "dup", "channel": "web", "sender": "s", "variant": "default", "state": "bot",
           "consecutive_fallbacks": 0, "created_at": MOMENT, "updated_at": MOMENT}  # fmt: skip
    conversations = insert(cast(Table, ConversationRow.__table__))
    store._run_direct(lambda direct: direct.execute(conversations, row))
    with pytest.raises(StoreConflict):
        store._run_direct(lambda direct: direct.execute(conversations, row))


def test_a_failed_statement_rolls_back_the_whole_transaction(store: Store) -> None:
    def half_done(direct: Direct) -> None:
        direct.execute(ADD_EVENT, _event("kept?"))
        direct.execute(ADD_EVENT, {**_event("broken"), "kind": None})  # NOT NULL

    with pytest.raises(StoreConflict):
        store._run_direct(half_done)
    assert store.events(kind="kept?") == []


def test_the_driver_error_becomes_sqlalchemys_without_the_parameters(store: Store) -> None:
    statement = insert(EVENTS)

    def broken(direct: Direct) -> None:
        direct.execute(statement, {**_event("secret@example.com"), "kind": None})

    with pytest.raises(StoreConflict) as raised:
        store._run_direct(broken)
    cause = raised.value.__cause__
    assert isinstance(cause, exc.IntegrityError)
    assert "secret@example.com" not in str(cause)  # shopper data stays out of errors


def test_a_statement_with_python_defaults_runs_through_sqlalchemy(store: Store) -> None:
    conversations = insert(cast(Table, ConversationRow.__table__))
    assert prepare(conversations, store.engine.dialect, ["id", "channel", "sender"]) is None
    row = {
        "id": "c-defaults",
        "channel": "web",
        "sender": "s",
        "variant": "default",
        "created_at": MOMENT,
        "updated_at": MOMENT,
    }  # fmt: skip; state and fallbacks default
    store._run_direct(lambda direct: direct.execute(conversations, row))
    stored = store.get_conversation("c-defaults")
    assert stored is not None and stored.state == "bot" and stored.consecutive_fallbacks == 0


def test_an_orm_session_shares_the_transaction(store: Store) -> None:
    def both(direct: Direct) -> int:
        direct.session.add(Event(kind="orm", variant=None, data={}, created_at=MOMENT))
        direct.execute(ADD_EVENT, _event("core"))  # flushes the session's event first
        counted = select(func.count()).select_from(EVENTS)
        return int(direct.execute(counted, {}).scalar())

    assert store._run_direct(both) == 2
    assert [e.kind for e in store.events()] == ["orm", "core"]


def test_a_missing_parameter_is_named(store: Store) -> None:
    with pytest.raises(KeyError, match="wanted"):
        store._run_direct(lambda direct: direct.execute(EVENT_BY_KIND, {}))


def test_a_statement_is_compiled_once_per_dialect(store: Store) -> None:
    dialect = store.engine.dialect
    assert prepare(EVENT_BY_KIND, dialect) is prepare(EVENT_BY_KIND, dialect)
    columns = ["conversation_id", "kind", "variant", "data", "created_at"]
    once = prepare(ADD_EVENT, dialect, columns)
    assert once is not None and once is prepare(ADD_EVENT, dialect, columns[::-1])
    assert prepare(ADD_EVENT, dialect, columns[1:]) not in (None, once)


def test_an_empty_batch_runs_nothing(store: Store) -> None:
    assert store._run_direct(lambda direct: direct.execute(ADD_EVENT, []).rowcount) == 0
    assert store.events() == []


def test_each_engine_gets_its_own_compilation(store: Store) -> None:
    """A dialect's processors are its engine's (its JSON serializer, say)."""
    other = Store.open(store.engine.url.render_as_string(hide_password=False))
    try:
        mine = prepare(EVENT_BY_KIND, store.engine.dialect)
        theirs = prepare(EVENT_BY_KIND, other.engine.dialect)
        assert mine is not None and theirs is not None and mine is not theirs
        assert theirs.dialect is other.engine.dialect
    finally:
        other.close()
