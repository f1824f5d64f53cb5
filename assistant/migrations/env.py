"""Alembic environment: runs on the connection `assistant.store.schema` passes in, or on the
`sqlalchemy.url` of the config when invoked another way."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from assistant.store.models import Base
from assistant.store.schema import include_object


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters by table copy
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    engine = create_engine(context.config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as fresh:
        run(fresh)
    engine.dispose()
