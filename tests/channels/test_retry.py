"""The retry policy on its own: backoff, Retry-After forms, the in-process cap."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from assistant.channels import SendError, UncertainSendError
from assistant.channels.retry import retry_after, send_with_retries
from assistant.channels.settings import RetrySettings


def test_retry_after_in_seconds_or_as_a_date() -> None:
    assert retry_after(httpx.Response(429, headers={"Retry-After": "7"})) == 7.0
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= (retry_after(httpx.Response(503, headers={"Retry-After": later})) or 0) <= 30
    assert retry_after(httpx.Response(503, headers={"Retry-After": "soon"})) is None
    assert retry_after(httpx.Response(503)) is None


class Flaky:
    def __init__(self, *errors: SendError) -> None:
        self.errors, self.calls = list(errors), 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "id-1"


@pytest.mark.anyio
async def test_backoff_windows_double_up_to_the_cap_with_jitter(
    sleeps: list[float], sleep: object
) -> None:
    policy = RetrySettings(max_attempts=5, backoff_s=1, max_backoff_s=3)
    random.seed(20261207)  # the wait is drawn with the random module: seeded, it is repeatable
    attempt = Flaky(*[SendError("x", retryable=True)] * 4)
    assert await send_with_retries(attempt, policy, sleep=sleep) == ("id-1", 5)  # type: ignore[arg-type]
    windows = [1, 2, 3, 3]
    random.seed(20261207)
    assert sleeps == [random.uniform(0, window) for window in windows]  # full jitter
    assert sleeps != windows and all(0 <= s <= w for s, w in zip(sleeps, windows, strict=True))


@pytest.mark.anyio
async def test_senders_failing_together_do_not_retry_together(
    sleeps: list[float], sleep: object
) -> None:
    for _ in range(20):
        attempt = Flaky(SendError("x", retryable=True))
        await send_with_retries(attempt, RetrySettings(), sleep=sleep)  # type: ignore[arg-type]
    assert len(sleeps) == 20 and len(set(sleeps)) > 10  # not one shared wait


@pytest.mark.anyio
async def test_an_uncertain_send_is_never_retried(sleeps: list[float], sleep: object) -> None:
    attempt = Flaky(UncertainSendError("no answer within 10 s"))
    with pytest.raises(UncertainSendError):
        await send_with_retries(attempt, RetrySettings(), sleep=sleep)  # type: ignore[arg-type]
    assert attempt.calls == 1 and sleeps == []


@pytest.mark.anyio
async def test_a_final_error_is_not_retried(sleeps: list[float], sleep: object) -> None:
    attempt = Flaky(SendError("bad request", retryable=False))
    with pytest.raises(SendError, match="bad request"):
        await send_with_retries(attempt, RetrySettings(), sleep=sleep)  # type: ignore[arg-type]
    assert attempt.calls == 1 and sleeps == []


@pytest.mark.anyio
async def test_the_real_clock_waits_for_retry_after() -> None:
    attempt = Flaky(SendError("slow down", retryable=True, retry_after_s=0.3))
    started = time.monotonic()
    assert await send_with_retries(attempt, RetrySettings()) == ("id-1", 2)
    assert time.monotonic() - started >= 0.3
