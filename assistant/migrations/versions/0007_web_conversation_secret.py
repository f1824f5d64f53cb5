"""Web conversation secrets: the hash of the secret a web chat widget holds.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Conversations opened before keep NULL: no secret matches it, so they cannot be resumed.
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("secret_hash", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("secret_hash")
