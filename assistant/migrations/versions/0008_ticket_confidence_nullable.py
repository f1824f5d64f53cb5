"""Ticket confidence may be NULL: not measured (a shopper who asks for a person at once).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-09
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("handoff_tickets") as batch:
        batch.alter_column("confidence", existing_type=sa.Float(), nullable=True)


def downgrade() -> None:
    # Every ticket had a number before: one whose confidence was not measured goes back as 0.
    op.execute("UPDATE handoff_tickets SET confidence = 0 WHERE confidence IS NULL")
    with op.batch_alter_table("handoff_tickets") as batch:
        batch.alter_column("confidence", existing_type=sa.Float(), nullable=False)
