"""Order lookup attempts: misses counted per order and per client, shared by every worker.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Types frozen here on purpose: a revision must not change when the models do.
TS = sa.DateTime(timezone=True)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "order_lookup_attempts",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_lookup_attempts")),
    )
    for columns in (("scope", "key_hash", "created_at"), ("created_at",)):
        op.create_index(
            op.f(f"ix_order_lookup_attempts_{'_'.join(columns)}"),
            "order_lookup_attempts",
            list(columns),
        )


def downgrade() -> None:
    op.drop_table("order_lookup_attempts")
