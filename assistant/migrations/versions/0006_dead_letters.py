"""Dead letters: an inbound message counts the turns begun for it and may end `dead`.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here on purpose: a revision must not change when the models do.
BEFORE = "'received', 'processing', 'processed', 'failed', 'queued', 'sent', 'delivered', 'read'"
AFTER = (
    "'received', 'processing', 'processed', 'failed', 'dead', 'queued', 'sent', 'delivered', 'read'"
)


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch.drop_constraint(op.f("ck_messages_status"), type_="check")
        batch.create_check_constraint(op.f("ck_messages_status"), f"status IN ({AFTER})")


def downgrade() -> None:
    op.execute("UPDATE messages SET status = 'failed' WHERE status = 'dead'")
    with op.batch_alter_table("messages") as batch:
        batch.drop_constraint(op.f("ck_messages_status"), type_="check")
        batch.create_check_constraint(op.f("ck_messages_status"), f"status IN ({BEFORE})")
        batch.drop_column("attempts")
