"""Alembic migrations of the store (see `assistant.store.schema`); shipped inside the package."""
