"""The expected wait a shopper is told: the median time to claim of the team's recent
tickets, on both backends, or the brand's stated wait until there are enough."""

from __future__ import annotations

from datetime import timedelta

import pytest

from assistant.desk.wait import describe, expected_wait
from assistant.store import Store
from assistant.store.desk_models import HandoffTicket
from assistant.store.models import ConversationRow, utcnow
from assistant.store.tickets import NewTicket, add_ticket


def _claimed(store: Store, key: str, team: str, minutes: float) -> None:
    conversation = store.get_or_create_conversation(key, "web", key, "default")
    with store.session() as session:
        row = session.get(ConversationRow, conversation.id)
        assert row is not None
        ticket: HandoffTicket = add_ticket(
            session, row, NewTicket(team=team, reason="low confidence", confidence=0.1)
        )
        ticket.claimed_at = ticket.created_at + timedelta(minutes=minutes)


def test_the_wait_is_the_teams_median_time_to_claim(store: Store) -> None:
    for n, minutes in enumerate([4, 12, 17, 18, 40]):
        _claimed(store, f"s-{n}", "sales", minutes)
    _claimed(store, "o-1", "orders", 120)
    waits = store.claim_waits("sales", since=utcnow() - timedelta(days=1))
    assert sorted(round(w / 60) for w in waits) == [4, 12, 17, 18, 40]
    assert expected_wait(store, "sales", "about 10 minutes") == "about 20 minutes"
    assert expected_wait(store, "orders", "about 10 minutes") == "about 10 minutes"  # too few


@pytest.mark.parametrize(
    ("minutes", "words"),
    [(1, "a few minutes"), (3, "a few minutes"), (4, "about 5 minutes"),
     (17, "about 20 minutes"), (59, "about 55 minutes"), (60, "about an hour"),
     (61, "about 2 hours"), (150, "about 3 hours")],
)  # fmt: skip
def test_waits_in_words(minutes: float, words: str) -> None:
    assert describe(minutes * 60) == words


def test_the_measured_wait_is_what_the_shopper_reads_during_hours() -> None:
    from datetime import UTC, datetime

    from assistant.brand import load_prompts
    from assistant.config import PROJECT_ROOT

    prompts = load_prompts(PROJECT_ROOT / "prompts", "default")
    tuesday_morning = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)  # 10:00 in Portland
    assert "about 20 minutes" in prompts.handoff_message(tuesday_morning, wait="about 20 minutes")
    assert "about 10 minutes" in prompts.handoff_message(tuesday_morning)  # the brand's own
