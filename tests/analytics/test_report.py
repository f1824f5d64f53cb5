"""The report's queries and arithmetic over hand-made events, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from assistant.analytics import kinds
from assistant.analytics.report import build_report, window_start
from assistant.store import Store

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
T0 = NOW - timedelta(days=2)


def _conversation(store: Store, key: str, channel: str, variant: str) -> str:
    return store.get_or_create_conversation(key, channel, f"sender-{key}", variant).id


def _say(store: Store, cid: str, at: datetime, answer_after_s: float | None = None) -> None:
    store.record_event(cid, kinds.MESSAGE_IN, data={"message_id": 1}, at=at)
    if answer_after_s is not None:
        answered = at + timedelta(seconds=answer_after_s)
        store.record_event(cid, kinds.MESSAGE_OUT, data={"by": "bot"}, at=answered)


@pytest.fixture
def seeded(store: Store) -> Store:
    c1 = _conversation(store, "c1", "web", "default")
    _say(store, c1, T0, 2)
    _say(store, c1, T0 + timedelta(minutes=1), 9)
    store.record_event(c1, kinds.TOOL_CALLED, data={"tool": "search_products"}, at=T0)
    store.record_event(c1, kinds.PRODUCTS_SHOWN, data={"count": 3}, at=T0)
    store.record_event(c1, kinds.LINK_CREATED, data={"token": "t1"}, at=T0)
    store.record_event(c1, kinds.LINK_CLICKED, data={"token": "t1"}, at=T0)
    store.record_event(c1, kinds.LINK_CLICKED, data={"token": "t1"}, at=T0)
    store.record_event(c1, kinds.CSAT, data={"rating": 5}, at=T0)

    c2 = _conversation(store, "c2", "whatsapp", "playful")
    _say(store, c2, T0, 4)
    reason = "wants a call on +44 7700 900123 or jo@example.com"
    store.record_event(c2, kinds.HANDOFF, data={"reason": reason, "by": "bot"}, at=T0)
    store.record_event(c2, kinds.HANDOFF, data={"reason": "duplicate by the desk"}, at=T0)
    store.record_event(c2, kinds.CLOSED, at=T0 + timedelta(hours=1))
    store.record_event(c2, kinds.CSAT, data={"rating": 2}, at=T0 + timedelta(hours=1))

    c3 = _conversation(store, "c3", "sms", "playful")
    _say(store, c3, NOW - timedelta(minutes=5), 1)

    c4 = _conversation(store, "c4", "web", "default")
    store.record_event(c4, kinds.MESSAGE_IN, at=T0)
    store.record_event(c4, kinds.MESSAGE_OUT, data={"by": "bot", "error": True}, at=T0)

    c5 = _conversation(store, "c5", "web", "default")
    _say(store, c5, NOW - timedelta(days=40), 1)

    c6 = _conversation(store, "c6", "messenger", "playful")
    _say(store, c6, T0, 3)
    store.record_event(c6, kinds.LINK_CREATED, data={"token": "t6"}, at=T0)
    store.record_event(c6, kinds.CLOSED, at=T0)

    _conversation(store, "c7", "web", "default")  # started, never written to: not counted
    return store


def test_the_window_starts_at_midnight_utc() -> None:
    assert window_start(1, NOW) == datetime(2026, 11, 28, tzinfo=UTC)
    assert window_start(7, NOW) == datetime(2026, 11, 22, tzinfo=UTC)
    with pytest.raises(ValueError):
        window_start(0, NOW)


def test_overall_figures(seeded: Store) -> None:
    report = build_report(seeded, days=30, now=NOW, baseline="default")
    overall = report.overall
    assert overall.conversations == 5  # c5 is too old, c7 has no message
    assert (overall.bot_answered, overall.resolved_by_bot, overall.open) == (4, 2, 1)
    assert (overall.handed_off, overall.handoff_rate) == (1, 0.2)
    assert overall.resolution_rate == 0.4
    assert (overall.links_created, overall.links_clicked, overall.clicks) == (2, 1, 2)
    assert overall.link_click_through == 0.5
    assert (overall.conversations_with_link, overall.conversations_clicked) == (2, 1)
    assert overall.click_through == 0.5
    assert overall.csat.count == 2 and overall.csat.average == 3.5
    assert overall.csat.distribution == {1: 0, 2: 1, 3: 0, 4: 0, 5: 1}
    assert overall.first_response_median_s == 2.5  # 2, 4, 1 and 3 seconds
    assert (overall.tool_calls, overall.products_shown) == (1, 1)


def test_handoff_reasons_count_conversations_and_hide_contact_details(seeded: Store) -> None:
    reasons = build_report(seeded, now=NOW).overall.handoff_reasons
    assert list(reasons.values()) == [1]  # the desk's second event does not count twice
    (reason,) = reasons
    assert "900123" not in reason and "jo@example.com" not in reason
    assert reason.startswith("wants a call on")


def test_split_by_channel_and_variant(seeded: Store) -> None:
    report = build_report(seeded, now=NOW, baseline="default")
    assert {name: s.conversations for name, s in report.by_channel.items()} == {
        "messenger": 1, "sms": 1, "web": 2, "whatsapp": 1,
    }  # fmt: skip
    default, playful = report.by_variant["default"], report.by_variant["playful"]
    assert (default.conversations, playful.conversations) == (2, 3)
    assert (default.resolved_by_bot, playful.resolved_by_bot) == (1, 1)
    assert playful.handed_off == 1 and playful.open == 1
    assert report.by_channel["whatsapp"].csat.average == 2.0


def test_daily_counts_per_channel(seeded: Store) -> None:
    report = build_report(seeded, days=3, now=NOW)
    counted = {(d.day.isoformat(), d.channel): d.conversations for d in report.daily}
    assert len(report.daily) == 3 * 4  # every day, every channel seen, zeros included
    assert counted[("2026-11-26", "web")] == 2
    assert counted[("2026-11-28", "sms")] == 1
    assert counted[("2026-11-27", "web")] == 0


def test_a_b_comparison_of_click_through(seeded: Store) -> None:
    report = build_report(seeded, now=NOW, baseline="default")
    assert report.ab_baseline == "default"
    (comparison,) = report.ab
    assert comparison.variant == "playful"
    assert (comparison.clicked, comparison.with_link) == (0, 1)
    assert (comparison.baseline_clicked, comparison.baseline_with_link) == (1, 1)
    assert comparison.difference == -1.0
    assert comparison.low < comparison.difference < comparison.high or comparison.low == -1.0
    assert comparison.high > 0 and not comparison.significant  # one link each proves nothing


def test_the_idle_threshold_settles_conversations(seeded: Store) -> None:
    later = build_report(seeded, now=NOW + timedelta(hours=1), resolved_after_minutes=30)
    assert later.overall.open == 0 and later.overall.resolved_by_bot == 3
    patient = build_report(seeded, now=NOW, resolved_after_minutes=3 * 24 * 60)
    assert patient.overall.resolved_by_bot == 1  # only the closed c6


def test_a_long_thread_counts_in_each_window_with_that_windows_events(store: Store) -> None:
    thread = _conversation(store, "wa:thread", "whatsapp", "default")
    _say(store, thread, NOW - timedelta(days=40), 2)
    store.record_event(
        thread, kinds.LINK_CREATED, data={"token": "old"}, at=NOW - timedelta(days=40)
    )
    store.record_event(thread, kinds.HANDOFF, data={"reason": "old"}, at=NOW - timedelta(days=40))
    _say(store, thread, NOW - timedelta(hours=3), 5)
    store.record_event(thread, kinds.CSAT, data={"rating": 4}, at=NOW + timedelta(hours=1))
    report = build_report(store, days=7, now=NOW)
    assert report.overall.conversations == 1
    assert report.overall.first_response_median_s == 5.0  # this window's first message
    assert report.overall.links_created == 0 and report.overall.handed_off == 0
    assert report.overall.resolved_by_bot == 1
    assert report.overall.csat.count == 0  # given after the window's end
    older = build_report(store, days=7, now=NOW - timedelta(days=39))
    assert older.overall.handed_off == 1 and older.overall.links_created == 1
    assert older.overall.handoff_reasons == {"old": 1}


def test_an_empty_store_reports_zeros(store: Store) -> None:
    report = build_report(store, days=7, now=NOW)
    assert report.overall.conversations == 0
    assert report.overall.resolution_rate is None and report.overall.click_through is None
    assert report.daily == [] and report.ab == [] and report.ab_baseline is None
