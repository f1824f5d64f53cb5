"""Schema migrations with Alembic, run from the revisions shipped in `assistant/migrations`.

New revision (after changing `assistant/store/models.py`), from the repository root::

    from alembic import command
    from assistant.store.schema import alembic_config
    command.revision(alembic_config("sqlite:///.data/assistant.db"), "what changed",
                     autogenerate=True)

then read the generated file in `assistant/migrations/versions` and keep it dialect-neutral
(SQLite changes go through batch mode, which `env.py` turns on).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Connection, Engine, text

from assistant.store.engine import BEGIN_OPTION
from assistant.store.models import Base

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
LOCK_KEY = 0x636F6E63  # PostgreSQL advisory lock held while migrating ("conc")


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    """An Alembic config for our migrations, bound to a URL or to an open connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to `revision` (idempotent; concurrent callers take turns)."""
    with engine.connect() as connection:
        connection = connection.execution_options(**{BEGIN_OPTION: "IMMEDIATE"})
        with connection.begin():
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
            command.upgrade(alembic_config(connection=connection), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None before the first migration."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def schema_differences(engine: Engine) -> list[Any]:
    """What Alembic autogenerate sees between the models and the database (empty when equal)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_object}
        )
        return list(compare_metadata(context, Base.metadata))


def include_object(obj: Any, name: str | None, kind: str, reflected: bool, compare_to: Any) -> bool:
    """Compare only our own tables (a shared PostgreSQL database may hold others)."""
    if kind == "table":
        return name in Base.metadata.tables
    return True
