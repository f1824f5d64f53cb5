"""The render context's messaging windows."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from tests.channels.conftest import context


def test_the_service_window_is_24_hours() -> None:
    assert context(hours_since_inbound=23.99).in_service_window
    assert not context(hours_since_inbound=24).in_service_window
    assert not context(hours_since_inbound=None).in_service_window  # never wrote: closed


def test_other_windows() -> None:
    assert context(hours_since_inbound=100).within(timedelta(days=7))
    assert not context(hours_since_inbound=170).within(timedelta(days=7))


def test_a_naive_last_inbound_time_counts_as_utc() -> None:
    twelve_hours_before_now = datetime(2025, 6, 1, 0, 0)  # NOW is 12:00 UTC that day
    inside = replace(context(), last_inbound_at=twelve_hours_before_now)
    assert inside.in_service_window
