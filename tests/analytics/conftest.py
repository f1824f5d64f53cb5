"""The analytics tests reuse the store fixture (SQLite and PostgreSQL) of the store tests."""

from tests.store.conftest import postgres_url, store

__all__ = ["postgres_url", "store"]
