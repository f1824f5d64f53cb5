"""The store: everything the assistant keeps, in SQLite (default) or PostgreSQL.

Open and migrate::

    store = Store.open(default_url(settings.data_dir))    # sqlite:///<data_dir>/assistant.db
    store = Store.open("postgresql+psycopg://user:pw@host/db")
    store.create_schema()          # Alembic `upgrade head` from assistant/migrations; idempotent

A turn, as the conversation core drives it::

    conversation = store.get_or_create_conversation(key, message.channel, message.sender, variant)
    row, created = store.record_inbound(conversation.id, message)   # kept before anything else
    if not created:
        return                                  # a webhook retry: already handled or in hand
    with store.conversation_lock(conversation.id):                  # one turn per conversation
        store.mark_processing(row.id)
        history = store.load_history(conversation.id)
        ...                                                         # agent, guardrails, handoff
        store.append_history(conversation.id, turn_messages)
        store.queue_reply(conversation.id, reply, channel=..., recipient=..., payloads=rendered)
        store.mark_processed(row.id)

A sender loop: ``claim_due(limit=n)`` -> send each -> ``mark_sent(id, provider_id)`` or
``mark_failed(id, error)``; call ``reclaim_stuck(timedelta(minutes=5))`` now and then.
Items of one conversation go out in order; a dead item no longer holds the ones after it.
Senders should check ``is_opted_out(channel, recipient)`` before sending marketing content.

Tables: customers, identities, conversations, messages, agent_history, outbox,
conversation_locks, checkout_links, clicks, events, consents (see `assistant.store.models`).

SQLite settings on every connection: WAL journal, ``foreign_keys=ON``, a busy timeout,
``synchronous=NORMAL``; writes BEGIN IMMEDIATE so a busy database waits instead of failing.
PostgreSQL uses psycopg 3 with a pool (one connection per turn in progress for its lock).

Errors: SQLAlchemy errors never leave the store. `StoreUnavailable` (unreachable, or still
locked after the busy timeout and retries), `StoreConflict` (uniqueness, references),
`RecordNotFound`, `ConversationBusy` (lock timeout), all `StoreError`, an `AssistantError`.
Times are timezone-aware UTC on both backends.

Changing the schema: edit `models.py`, add a revision (see `assistant.store.schema`); the test
suite checks that the migrated schema and the models agree on both backends.
"""

from assistant.store.backoff import Backoff
from assistant.store.engine import default_url
from assistant.store.errors import (
    ConversationBusy,
    RecordNotFound,
    StoreConflict,
    StoreError,
    StoreUnavailable,
)
from assistant.store.models import (
    CheckoutLink,
    Consent,
    ConversationRow,
    Customer,
    Event,
    Identity,
    LinkClick,
    MessageRow,
    OutboxItem,
)
from assistant.store.store import Store

__all__ = [
    "Backoff",
    "CheckoutLink",
    "Consent",
    "ConversationBusy",
    "ConversationRow",
    "Customer",
    "Event",
    "Identity",
    "LinkClick",
    "MessageRow",
    "OutboxItem",
    "RecordNotFound",
    "Store",
    "StoreConflict",
    "StoreError",
    "StoreUnavailable",
    "default_url",
]
