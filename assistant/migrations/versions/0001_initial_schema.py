"""Initial schema: customers, identities, conversations, messages, agent history, outbox,
conversation locks, checkout links and clicks, events, consents.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Types frozen here on purpose: a revision must not change when the models do.
TS = sa.DateTime(timezone=True)
JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MESSAGE_STATUSES = "'received', 'processing', 'processed', 'failed', 'queued', 'sent', "
MESSAGE_STATUSES += "'delivered', 'read'"


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


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("display_name", sa.String(200)),
        sa.Column("email", sa.String(320)),
        sa.Column("phone", sa.String(32)),
        sa.Column("preferences", JSON_DOC, nullable=False),
        sa.Column("consent", JSON_DOC, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("email", name=op.f("uq_customers_email")),
        sa.UniqueConstraint("phone", name=op.f("uq_customers_phone")),
    )
    op.create_table(
        "identities",
        _id(),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("external_id", sa.String(200), nullable=False),
        sa.Column("customer_id", sa.String(32), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        _fk("customer_id", "identities", "customers.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identities")),
        sa.UniqueConstraint(
            "channel", "external_id", name=op.f("uq_identities_channel_external_id")
        ),
    )
    _index("identities", "customer_id")
    op.create_table(
        "conversations",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(32)),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("sender", sa.String(200), nullable=False),
        sa.Column("variant", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("consecutive_fallbacks", sa.Integer(), nullable=False),
        sa.Column("assigned_agent", sa.String(200)),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("last_inbound_at", TS),
        sa.CheckConstraint(
            "state IN ('bot', 'pending_human', 'human', 'closed')",
            name=op.f("ck_conversations_state"),
        ),
        _fk("customer_id", "conversations", "customers.id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
    )
    _index("conversations", "channel", "sender")
    _index("conversations", "customer_id")
    _index("conversations", "state", "updated_at")
    op.create_table(
        "messages",
        _id(),
        sa.Column("conversation_id", sa.String(64), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("provider_message_id", sa.String(200)),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("payload", JSON_DOC, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("processed_at", TS),
        sa.Column("error", sa.Text()),
        sa.CheckConstraint(
            "direction IN ('inbound', 'outbound')", name=op.f("ck_messages_direction")
        ),
        sa.CheckConstraint(f"status IN ({MESSAGE_STATUSES})", name=op.f("ck_messages_status")),
        _fk("conversation_id", "messages", "conversations.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
        sa.UniqueConstraint(
            "channel", "provider_message_id", name=op.f("uq_messages_channel_provider_message_id")
        ),
    )
    _index("messages", "conversation_id", "id")
    _index("messages", "direction", "status")
    op.create_table(
        "agent_history",
        _id(),
        sa.Column("conversation_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("data", JSON_DOC, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        _fk("conversation_id", "agent_history", "conversations.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_history")),
        sa.UniqueConstraint(
            "conversation_id", "seq", name=op.f("uq_agent_history_conversation_id_seq")
        ),
    )
    op.create_table(
        "outbox",
        _id(),
        sa.Column("conversation_id", sa.String(64), nullable=False),
        sa.Column("message_id", BIG_ID),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("recipient", sa.String(200), nullable=False),
        sa.Column("payload", JSON_DOC, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("claimed_at", TS),
        sa.Column("last_error", sa.Text()),
        sa.Column("provider_message_id", sa.String(200)),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'dead')", name=op.f("ck_outbox_status")
        ),
        _fk("conversation_id", "outbox", "conversations.id", "CASCADE"),
        _fk("message_id", "outbox", "messages.id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    _index("outbox", "conversation_id", "status", "id")
    _index("outbox", "message_id")
    _index("outbox", "status", "next_attempt_at")
    op.create_table(
        "conversation_locks",
        sa.Column("conversation_id", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_conversation_locks")),
    )
    op.create_table(
        "checkout_links",
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("conversation_id", sa.String(64)),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("variant", sa.String(64)),
        sa.Column("target_url", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        _fk("conversation_id", "checkout_links", "conversations.id", "SET NULL"),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_checkout_links")),
    )
    _index("checkout_links", "conversation_id")
    op.create_table(
        "clicks",
        _id(),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("clicked_at", TS, nullable=False),
        sa.Column("user_agent", sa.String(256)),
        _fk("token", "clicks", "checkout_links.token", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clicks")),
    )
    _index("clicks", "token")
    op.create_table(
        "events",
        _id(),
        sa.Column("conversation_id", sa.String(64)),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("variant", sa.String(64)),
        sa.Column("data", JSON_DOC, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        _fk("conversation_id", "events", "conversations.id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    _index("events", "conversation_id")
    _index("events", "kind", "created_at")
    op.create_table(
        "consents",
        _id(),
        sa.Column("customer_id", sa.String(32)),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("sender", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("value", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        _fk("customer_id", "consents", "customers.id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    _index("consents", "channel", "sender", "kind", "id")
    _index("consents", "customer_id")


def downgrade() -> None:
    for table in (
        "consents", "events", "clicks", "checkout_links", "conversation_locks", "outbox",
        "agent_history", "messages", "conversations", "identities", "customers",
    ):  # fmt: skip
        op.drop_table(table)
