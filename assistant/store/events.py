"""Analytics events: one row per step of a conversation (message in or out, tool called,
products shown, checkout link created or clicked, handoff, CSAT...), each tagged with the
conversation's prompt variant so every figure can be split by A/B variant.

The kinds and what their `data` holds are defined in `assistant.analytics.kinds`; the store
only keeps them. `record_event` is its own short transaction; `add_events` writes events
inside a transaction already open (a turn's events go in with `finish_turn`'s other writes,
so recording them costs no extra round-trip).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from assistant.store.base import StoreCore, core
from assistant.store.direct import Direct
from assistant.store.models import ConversationRow, Event, utcnow

MAX_KIND = 64
ADD_EVENTS = insert(cast(Table, Event.__table__))  # Core, built once: cheaper than the ORM's


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event to write: its kind, its data, and when it happened (now if not given)."""

    kind: str
    data: dict[str, Any] = field(default_factory=dict)
    at: datetime | None = None


def add_events(
    unit: Session | Direct,
    conversation_id: str | None,
    variant: str | None,
    events: Iterable[NewEvent],
) -> None:
    """Write `events` of one conversation in the open transaction of `unit`."""
    now = utcnow()
    rows = [
        {
            "conversation_id": conversation_id,
            "kind": _checked_kind(event.kind),
            "variant": variant,
            "data": event.data,
            "created_at": event.at or now,
        }
        for event in events
    ]
    if rows:
        core(unit).execute(ADD_EVENTS, rows)


def _checked_kind(kind: str) -> str:
    if not kind or len(kind) > MAX_KIND:
        raise ValueError(f"an event kind is 1 to {MAX_KIND} characters, got {kind!r}")
    return kind


def variant_of(session: Session, conversation_id: str | None) -> str | None:
    """The prompt variant of a conversation (None for no or an unknown conversation)."""
    if conversation_id is None:
        return None
    query = select(ConversationRow.variant).where(ConversationRow.id == conversation_id)
    return session.scalar(query)


class EventOps(StoreCore):
    """Recording and reading analytics events."""

    def record_event(
        self,
        conversation_id: str | None,
        kind: str,
        *,
        variant: str | None = None,
        data: dict[str, Any] | None = None,
        at: datetime | None = None,
    ) -> None:
        """Append one event; its variant is the conversation's unless given."""
        event = NewEvent(kind, dict(data or {}), at)

        def record(session: Session) -> None:
            chosen = variant if variant is not None else variant_of(session, conversation_id)
            add_events(session, conversation_id, chosen, [event])

        self._run(record)

    def events(
        self,
        *,
        kind: str | None = None,
        conversation_id: str | None = None,
        since: datetime | None = None,
    ) -> list[Event]:
        """Events, oldest first, optionally of one kind, one conversation, or since a time."""
        query = select(Event).order_by(Event.id)
        if kind is not None:
            query = query.where(Event.kind == kind)
        if conversation_id is not None:
            query = query.where(Event.conversation_id == conversation_id)
        if since is not None:
            query = query.where(Event.created_at >= since)
        return self._run(lambda s: list(s.scalars(query)), write=False)
