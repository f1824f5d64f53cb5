"""Outbox: an `uncertain` state for sends whose outcome is unknown (never sent again).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = "status IN ('pending', 'sending', 'sent', 'dead')"
AFTER = "status IN ('pending', 'sending', 'sent', 'dead', 'uncertain')"


def _status_check(condition: str) -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_constraint(op.f("ck_outbox_status"), type_="check")
        batch.create_check_constraint(op.f("ck_outbox_status"), condition)


def upgrade() -> None:
    _status_check(AFTER)


def downgrade() -> None:
    # An uncertain send is not known to be out: back to dead, which is never retried either.
    op.execute("UPDATE outbox SET status = 'dead' WHERE status = 'uncertain'")
    _status_check(BEFORE)
