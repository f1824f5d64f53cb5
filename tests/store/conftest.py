"""The `store` fixture: every store test runs on SQLite (a fresh file) and on PostgreSQL.

PostgreSQL: ``ASSISTANT_TEST_POSTGRES_URL`` if set, else ``postgres@127.0.0.1:5432/test`` then
``root@127.0.0.1:5432/test`` (trust auth). The run creates its own database
``concierge_test_<random>``, migrates it once, empties the tables before each test and drops
the database at the end. No server answering fails the PostgreSQL tests, unless
``ASSISTANT_TEST_SKIP_POSTGRES=1``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, exc, make_url, text

from assistant.store import Store
from assistant.store.models import Base

CANDIDATES = (
    "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    "postgresql+psycopg://root@127.0.0.1:5432/test",
)


def _find_server() -> str:
    configured = os.environ.get("ASSISTANT_TEST_POSTGRES_URL")
    problems = []
    for url in (configured,) if configured else CANDIDATES:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return url
        except exc.SQLAlchemyError as error:
            problems.append(
                f"{url}: {str(getattr(error, 'orig', None) or error).strip().splitlines()[0]}"
            )
        finally:
            engine.dispose()
    message = "no PostgreSQL server for the store tests:\n  " + "\n  ".join(problems)
    message += "\nStart one (.ci/run does), set ASSISTANT_TEST_POSTGRES_URL, or set "
    message += "ASSISTANT_TEST_SKIP_POSTGRES=1 to skip the PostgreSQL variant."
    if os.environ.get("ASSISTANT_TEST_SKIP_POSTGRES") == "1":
        pytest.skip(message)
    pytest.fail(message, pytrace=False)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A migrated PostgreSQL database of this test run's own, dropped at the end."""
    server = make_url(_find_server())
    name = f"concierge_test_{secrets.token_hex(6)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    store = Store.open(url)
    try:
        store.create_schema()
        store.close()
        yield url
    finally:
        store.close()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _empty(store: Store) -> None:
    tables = ", ".join(f'"{name}"' for name in Base.metadata.tables)
    with store.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A migrated, empty store on each backend."""
    if request.param == "sqlite":
        opened = Store.open(f"sqlite:///{tmp_path / 'store' / 'assistant.db'}")
        opened.create_schema()
    else:
        opened = Store.open(request.getfixturevalue("postgres_url"))
        _empty(opened)
    try:
        yield opened
    finally:
        opened.close()
