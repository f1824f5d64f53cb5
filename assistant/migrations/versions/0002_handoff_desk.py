"""The human desk: handoff tickets, agents, agent sessions, helpdesk webhook deliveries and
inbound receipts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Types frozen here on purpose: a revision must not change when the models do.
TS = sa.DateTime(timezone=True)
JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _id() -> sa.Column[int]:
    return sa.Column("id", BIG_ID, nullable=False)


def _fk(column: str, table: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [target],
        name=op.f(f"fk_{table}_{column}_{target.split('.')[0]}"),
        ondelete=ondelete,
    )


def _index(table: str, *columns: str) -> None:
    op.create_index(op.f(f"ix_{table}_{'_'.join(columns)}"), table, list(columns))


def _queue_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("claimed_at", TS),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "agents",
        _id(),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("team", sa.String(32), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("password_hash", sa.String(200)),
        sa.Column("api_key_hash", sa.String(64)),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", TS),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agents")),
        sa.UniqueConstraint("api_key_hash", name=op.f("uq_agents_api_key_hash")),
        sa.UniqueConstraint("username", name=op.f("uq_agents_username")),
    )
    op.create_table(
        "agent_sessions",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("agent_id", BIG_ID, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        _fk("agent_id", "agent_sessions", "agents.id", "CASCADE"),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_agent_sessions")),
    )
    _index("agent_sessions", "agent_id")
    _index("agent_sessions", "expires_at")
    op.create_table(
        "handoff_tickets",
        _id(),
        sa.Column("conversation_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("team", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("products", JSON_DOC, nullable=False),
        sa.Column("transcript", JSON_DOC, nullable=False),
        sa.Column("assigned_agent", sa.String(64)),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("claimed_at", TS),
        sa.Column("closed_at", TS),
        sa.Column("resolution", sa.String(16)),
        sa.Column("csat_requested_at", TS),
        sa.Column("csat_rating", sa.Integer()),
        sa.Column("csat_comment", sa.Text()),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'claimed', 'closed')", name=op.f("ck_handoff_tickets_status")
        ),
        sa.CheckConstraint(
            "csat_rating IS NULL OR csat_rating BETWEEN 1 AND 5",
            name=op.f("ck_handoff_tickets_csat"),
        ),
        _fk("conversation_id", "handoff_tickets", "conversations.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoff_tickets")),
    )
    _index("handoff_tickets", "conversation_id", "id")
    _index("handoff_tickets", "status", "team", "created_at")
    _index("handoff_tickets", "updated_at")
    op.create_table(
        "helpdesk_deliveries",
        _id(),
        sa.Column("ticket_id", BIG_ID),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("body", JSON_DOC, nullable=False),
        *_queue_columns(),
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'dead')",
            name=op.f("ck_helpdesk_deliveries_status"),
        ),
        _fk("ticket_id", "helpdesk_deliveries", "handoff_tickets.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_helpdesk_deliveries")),
    )
    _index("helpdesk_deliveries", "status", "next_attempt_at")
    _index("helpdesk_deliveries", "ticket_id")
    op.create_table(
        "helpdesk_receipts",
        sa.Column("id", sa.String(200), nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_helpdesk_receipts")),
    )
    _index("helpdesk_receipts", "received_at")


def downgrade() -> None:
    for table in (
        "helpdesk_receipts", "helpdesk_deliveries", "handoff_tickets", "agent_sessions", "agents",
    ):  # fmt: skip
        op.drop_table(table)
