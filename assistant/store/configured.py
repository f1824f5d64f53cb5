"""The store the settings describe, migrated and ready."""

from __future__ import annotations

from assistant.config import Settings
from assistant.store.backoff import Backoff
from assistant.store.engine import default_url
from assistant.store.store import Store


def open_store(settings: Settings) -> Store:
    """SQLite in data_dir by default, or ASSISTANT_DATABASE_URL; the schema brought up to date."""
    url = (
        settings.database_url.get_secret_value()
        if settings.database_url
        else default_url(settings.data_dir)
    )
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    options = settings.store
    store = Store.open(
        url,
        busy_timeout_s=options.busy_timeout_s,
        lock_timeout_s=options.lock_timeout_s,
        lock_files=options.lock_files,
        pool_size=options.pool_size,
        outbox_backoff=Backoff(
            options.outbox_backoff_base_s, options.outbox_backoff_cap_s, options.outbox_max_attempts
        ),
    )
    store.create_schema()
    return store
