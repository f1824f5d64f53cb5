"""Bounded retries for provider sends: backoff on 429, 5xx and timeouts, Retry-After honoured.

A wait longer than `max_retry_after_s` is not slept here: the `SendError` carries it so the
outbox can try again later without holding a worker.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from assistant.channels.errors import SendError
from assistant.channels.settings import RetrySettings

Sleep = Callable[[float], Awaitable[None]]
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


async def send_with_retries(
    attempt: Callable[[], Awaitable[str]], policy: RetrySettings, *, sleep: Sleep | None = None
) -> tuple[str, int]:
    """Run `attempt` until it returns a message id; the id and how many attempts it took."""
    pause = sleep or asyncio.sleep
    for number in range(1, policy.max_attempts + 1):
        try:
            return await attempt(), number
        except SendError as error:
            last = not error.retryable or number == policy.max_attempts
            wait = None if last else _wait(error, number, policy)
            if wait is None:
                raise
            await pause(wait)
    raise AssertionError("unreachable: the last attempt returns or raises")


def _wait(error: SendError, number: int, policy: RetrySettings) -> float | None:
    """Seconds to wait before attempt `number + 1`; None when the provider asks for longer."""
    if error.retry_after_s is not None:
        return error.retry_after_s if error.retry_after_s <= policy.max_retry_after_s else None
    return min(policy.backoff_s * 2 ** (number - 1), policy.max_backoff_s)


def retry_after(response: httpx.Response) -> float | None:
    """The Retry-After header in seconds (delta-seconds or an HTTP date), if usable."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


async def post(
    client: httpx.AsyncClient, url: str, timeout_s: float, **kwargs: Any
) -> httpx.Response:
    """POST once; transport failures become retryable `SendError`s (no token in the message)."""
    try:
        return await client.post(url, timeout=timeout_s, **kwargs)
    except httpx.TimeoutException as exc:
        raise SendError(f"timed out after {timeout_s:g} s", retryable=True) from exc
    except httpx.TransportError as exc:
        raise SendError(f"connection failed ({type(exc).__name__})", retryable=True) from exc


def json_object(response: httpx.Response, provider: str) -> dict[str, Any]:
    """The JSON object a provider answered; anything else is an error worth reporting."""
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        # It answered 2xx, so the message may be out: retrying could send it twice.
        raise SendError(
            f"{provider} answered {response.status_code} without a JSON object",
            retryable=False,
            status=response.status_code,
        )
    return data


def status_error(
    response: httpx.Response, provider: str, detail: str, *, code: str | None = None
) -> SendError:
    """A `SendError` for a non-2xx answer, retryable for 408, 429 and 5xx."""
    status = response.status_code
    return SendError(
        f"{provider} refused the message ({status}{f', code {code}' if code else ''}): {detail}",
        retryable=status in RETRY_STATUSES or status >= 500,
        status=status,
        code=code,
        retry_after_s=retry_after(response),
    )
