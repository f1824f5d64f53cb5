"""The analytics queries (SQLAlchemy Core, the same on SQLite and PostgreSQL).

Only the window's events are read (`kind IN (...) AND created_at` in range, which the
`(kind, created_at)` index serves). The window holds the conversations with a shopper message
in it; for each, one row of facts aggregated from its events in the window (conditional
counts, first and last times). A WhatsApp or SMS thread that goes on for weeks is one
conversation row: it counts in every window it is active in, with that window's events.
Survey ratings and handoff reasons come from two narrow queries over the same window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from assistant.analytics import kinds
from assistant.store.models import ConversationRow, Event

_events = Event.__table__
_conversations = ConversationRow.__table__


@dataclass(frozen=True, slots=True)
class ConversationFacts:
    """What one conversation's events add up to."""

    conversation_id: str
    channel: str
    variant: str
    state: str
    first_in: datetime
    last_in: datetime
    first_out: datetime | None
    bot_answers: int
    handoffs: int
    closed: bool
    links: int
    links_clicked: int
    clicks: int
    tool_calls: int
    products_shown: int
    last_event: datetime


@dataclass(frozen=True, slots=True)
class Rating:
    conversation_id: str
    rating: int


@dataclass(frozen=True, slots=True)
class Reason:
    conversation_id: str
    reason: str


def _is(kind: str) -> ColumnElement[bool]:
    return _events.c.kind == kind


def _bot_answer() -> ColumnElement[bool]:
    by_bot = _events.c.data["by"].as_string() == kinds.BOT
    return and_(_is(kinds.MESSAGE_OUT), by_bot, _events.c.data["error"].as_boolean().is_(None))


def _count(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


COUNTED = (
    kinds.MESSAGE_IN,
    kinds.MESSAGE_OUT,
    kinds.HANDOFF,
    kinds.CLOSED,
    kinds.LINK_CREATED,
    kinds.LINK_CLICKED,
    kinds.TOOL_CALLED,
    kinds.PRODUCTS_SHOWN,
)


def _in_window(kinds_read: tuple[str, ...], since: datetime, until: datetime) -> Any:
    created = _events.c.created_at
    return and_(_events.c.kind.in_(kinds_read), created >= since, created < until)


def conversation_facts(
    session: Session, since: datetime, until: datetime
) -> list[ConversationFacts]:
    """One row per conversation with a shopper message in [since, until), from its events
    in that window."""
    created = _events.c.created_at
    first_in = func.min(case((_is(kinds.MESSAGE_IN), created)))
    clicked_token = case((_is(kinds.LINK_CLICKED), _events.c.data["token"].as_string()))
    query = (
        select(
            _events.c.conversation_id,
            _conversations.c.channel,
            _conversations.c.variant,
            _conversations.c.state,
            first_in.label("first_in"),
            func.max(case((_is(kinds.MESSAGE_IN), created))).label("last_in"),
            func.min(case((_bot_answer(), created))).label("first_out"),
            _count(_bot_answer()).label("bot_answers"),
            _count(_is(kinds.HANDOFF)).label("handoffs"),
            _count(_is(kinds.CLOSED)).label("closed_events"),
            _count(_is(kinds.LINK_CREATED)).label("links"),
            func.count(func.distinct(clicked_token)).label("links_clicked"),
            _count(_is(kinds.LINK_CLICKED)).label("clicks"),
            _count(_is(kinds.TOOL_CALLED)).label("tool_calls"),
            _count(_is(kinds.PRODUCTS_SHOWN)).label("products_shown"),
            func.max(created).label("last_event"),
        )
        .join(_conversations, _conversations.c.id == _events.c.conversation_id)
        .where(_in_window(COUNTED, since, until))
        .group_by(
            _events.c.conversation_id,
            _conversations.c.channel,
            _conversations.c.variant,
            _conversations.c.state,
        )
        .having(first_in.is_not(None))
        .order_by(first_in)
    )
    return [_facts(row._mapping) for row in session.execute(query)]


def _facts(row: Any) -> ConversationFacts:
    return ConversationFacts(
        conversation_id=row["conversation_id"],
        channel=row["channel"],
        variant=row["variant"],
        state=row["state"],
        first_in=row["first_in"],
        last_in=row["last_in"],
        first_out=row["first_out"],
        bot_answers=int(row["bot_answers"]),
        handoffs=int(row["handoffs"]),
        closed=bool(row["closed_events"]) or row["state"] == "closed",
        links=int(row["links"]),
        links_clicked=int(row["links_clicked"]),
        clicks=int(row["clicks"]),
        tool_calls=int(row["tool_calls"]),
        products_shown=int(row["products_shown"]),
        last_event=row["last_event"],
    )


def ratings(session: Session, since: datetime, until: datetime) -> list[Rating]:
    """Every satisfaction rating given in [since, until), oldest first."""
    rating = _events.c.data["rating"].as_integer()
    query = (
        select(_events.c.conversation_id, rating)
        .where(_in_window((kinds.CSAT,), since, until), rating.is_not(None))
        .order_by(_events.c.id)
    )
    return [Rating(cid, int(value)) for cid, value in session.execute(query) if cid is not None]


def handoff_reasons(session: Session, since: datetime, until: datetime) -> list[Reason]:
    """The reason of every handoff in [since, until), oldest first."""
    reason = _events.c.data["reason"].as_string()
    query = (
        select(_events.c.conversation_id, reason)
        .where(_in_window((kinds.HANDOFF,), since, until))
        .order_by(_events.c.id)
    )
    return [Reason(cid, value or "unspecified") for cid, value in session.execute(query) if cid]
