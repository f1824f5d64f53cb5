"""Store errors: SQLAlchemy and driver exceptions become these at the store's boundary."""

from __future__ import annotations

from assistant.errors import AssistantError


class StoreError(AssistantError):
    """The database refused or failed an operation."""


class StoreUnavailable(StoreError):
    """The database cannot be reached or stayed busy ("database is locked") after retries."""


class StoreConflict(StoreError):
    """A write broke a uniqueness or reference rule (an email already used by another customer)."""


class RecordNotFound(StoreError):
    """The conversation, customer or outbox item named does not exist."""


class ConversationBusy(StoreError):
    """Another turn held the conversation's lock for longer than the lock timeout."""
