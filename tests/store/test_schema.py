"""The schema comes from Alembic migrations and matches the models; connection settings;
errors translated at the boundary."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from assistant.errors import AssistantError
from assistant.store import Store, StoreUnavailable, default_url
from assistant.store.models import Base
from assistant.store.schema import alembic_config, current_revision, schema_differences

HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_migrated_schema_matches_the_models(store: Store) -> None:
    assert current_revision(store.engine) == HEAD
    assert schema_differences(store.engine) == []
    tables = set(inspect(store.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_create_schema_is_idempotent(store: Store) -> None:
    store.create_schema()
    store.create_schema()
    assert current_revision(store.engine) == HEAD
    assert schema_differences(store.engine) == []


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    store = Store.open(default_url(tmp_path / "data"), busy_timeout_s=2.5)
    store.create_schema()
    with store.engine.connect() as connection:
        pragma = {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout")
        }
    store.close()
    assert pragma == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 2500}
    assert (tmp_path / "data" / "assistant.db").is_file()


def test_unknown_foreign_key_is_refused(store: Store) -> None:
    from assistant.store import StoreConflict

    with pytest.raises(StoreConflict):
        store.enqueue("no-such-conversation", "sms", "+15550100", {"text": "hi"})


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_unreachable_database_raises_store_unavailable(backend: str, tmp_path: Path) -> None:
    if backend == "sqlite":
        (tmp_path / "not-a-dir").write_text("a file where a directory should be")
        url = f"sqlite:///{tmp_path / 'not-a-dir' / 'assistant.db'}"
    else:
        url = "postgresql+psycopg://postgres@127.0.0.1:9/concierge"  # nothing listens on 9
    with pytest.raises(StoreUnavailable) as raised:
        Store.open(url).ping()
    assert isinstance(raised.value, AssistantError)


def test_sqlite_locked_beyond_the_busy_timeout_raises_store_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    store = Store.open(f"sqlite:///{path}", busy_timeout_s=0.05)
    store.create_schema()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    started = time.monotonic()
    try:
        with pytest.raises(StoreUnavailable, match="locked"):
            store.record_event(None, "search")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert time.monotonic() - started < 5
    store.record_event(None, "search")  # usable again once the lock is gone
    assert [event.id for event in store.events()] == [1]
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM events")).scalar() == 1
    store.close()


def test_missing_schema_is_a_store_error_not_an_outage(tmp_path: Path) -> None:
    from assistant.store import StoreError

    store = Store.open(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(StoreError, match="no such table") as raised:
        store.record_event(None, "search")
    assert not isinstance(raised.value, StoreUnavailable)
    store.close()


def test_session_is_a_unit_of_work(store: Store) -> None:
    from assistant.store import Event, StoreConflict

    with store.session() as session:
        session.add(Event(kind="kept", data={}))
    with pytest.raises(StoreConflict), store.session() as session:
        session.add(Event(kind="rolled back", data={}))
        session.flush()
        session.add(Event(kind=None, data={}))  # NOT NULL: the whole unit is undone
        session.flush()
    assert [e.kind for e in store.events()] == ["kept"]
