"""The lifecycle table, team routing and reading a CSAT answer: pure functions."""

from __future__ import annotations

import pytest

from assistant.config import DeskSettings
from assistant.desk.csat import Rating, parse_rating
from assistant.desk.lifecycle import MOVES, TransitionError, allowed, bot_may_answer, next_state
from assistant.desk.routing import route
from assistant.store.models import STATES


@pytest.mark.parametrize(
    ("state", "action", "expected"),
    [
        ("bot", "handoff", "pending_human"),
        ("pending_human", "claim", "human"),
        ("pending_human", "reply", "human"),
        ("human", "reply", "human"),
        ("human", "handback", "bot"),
        ("pending_human", "handback", "bot"),
        ("human", "close", "closed"),
        ("pending_human", "close", "closed"),
        ("closed", "reopen", "human"),
        ("closed", "shopper", "bot"),
    ],
)
def test_allowed_moves(state: str, action: str, expected: str) -> None:
    assert next_state(state, action) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("state", "action"),
    [
        ("bot", "claim"), ("bot", "reply"), ("bot", "handback"), ("bot", "close"),
        ("bot", "reopen"), ("pending_human", "handoff"), ("human", "handoff"),
        ("human", "reopen"), ("closed", "claim"), ("closed", "reply"), ("closed", "close"),
        ("closed", "handback"),
    ],
)  # fmt: skip
def test_refused_moves(state: str, action: str) -> None:
    with pytest.raises(TransitionError, match=f"cannot {action}"):
        next_state(state, action)  # type: ignore[arg-type]


def test_a_reopened_conversation_goes_to_its_owner_if_it_has_one() -> None:
    assert next_state("closed", "shopper", owner=None) == "bot"
    assert next_state("closed", "shopper", owner="sam") == "human"


def test_every_state_is_covered_and_the_bot_waits_for_people() -> None:
    assert {source for source, _ in MOVES} == set(STATES)
    assert allowed("bot") == ["handoff"]
    assert [s for s in STATES if bot_may_answer(s)] == ["bot", "closed"]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("reason", "summary", "team"),
    [
        ("sensitive topic: refund dispute", "I want my money back", "orders"),
        ("sensitive topic: payment problem", "charged twice", "orders"),
        ("sensitive topic: legal", "my lawyer", "support"),
        ("sensitive topic: safety", "it caught fire", "support"),
        ("low confidence", "engrave my initials", "sales"),
        ("reply could not be grounded", "which tent", "sales"),
        ("shopper asked for a person", "where is my order #1234", "orders"),
        ("shopper is frustrated", "what size fits me, this is useless", "sales"),
        ("repeated failure to help", "blorp", "support"),
    ],
)
def test_routing_table(reason: str, summary: str, team: str) -> None:
    assert route(reason, summary, DeskSettings()) == team


def test_routes_in_settings_come_first() -> None:
    settings = DeskSettings(routes={"engrave": "workshop"}, default_team="care")
    assert route("low confidence", "can you engrave it", settings) == "workshop"
    assert route("repeated failure to help", "blorp", settings) == "care"


@pytest.mark.parametrize(
    ("text", "rating"),
    [
        ("5", Rating(5)), (" 4 ", Rating(4)), ("5 stars", Rating(5)), ("1 star", Rating(1)),
        ("4/5", Rating(4)), ("3 out of 5", Rating(3)), ("Five!", Rating(5)), ("2.", Rating(2)),
        ("⭐⭐⭐", Rating(3)), ("★★★★★", Rating(5)),
        ("5 - quick and kind", Rating(5, "quick and kind")),
        ("2: took too long", Rating(2, "took too long")),
    ],
)  # fmt: skip
def test_ratings_are_read(text: str, rating: Rating) -> None:
    assert parse_rating(text) == rating


@pytest.mark.parametrize(
    "text", ["6", "0", "10", "I need 2 more pairs", "merino socks", "", "5 pairs of socks"]
)
def test_other_messages_are_not_ratings(text: str) -> None:
    assert parse_rating(text) is None
