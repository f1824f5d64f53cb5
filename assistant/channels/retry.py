"""Bounded retries for provider sends, only where a repeat cannot deliver a message twice.

What is safe to try again: a connection that failed before the request went out (httpx
`ConnectError`, `ConnectTimeout`, `PoolTimeout`) and an answer saying the provider did not take
the message (429, 503, 408, and the error codes a provider documents as throttling or a
transient failure, see `meta.py`). Anything after the request was written without an answer
(a read timeout, a dropped connection) or a 5xx the provider does not document as "nothing
sent" is an unknown outcome: `UncertainSendError`, never retried, here or by the outbox.
Neither the Graph API nor Twilio's Messages API takes an idempotency key that would make such
a repeat safe.

Waits grow exponentially with full jitter (tenacity's `wait_random_exponential`), so senders
that failed together do not come back together; a provider's Retry-After is honoured as given.
A wait longer than `max_retry_after_s` is not slept here: the `SendError` carries it so the
outbox can try again later without holding a worker.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from tenacity import AsyncRetrying, RetryCallState, stop_after_attempt, wait_random_exponential

from assistant.channels.errors import SendError, UncertainSendError
from assistant.channels.settings import RetrySettings

Sleep = Callable[[float], Awaitable[None]]
# Answers that say the message was not taken: throttled (429), unavailable (503), or the
# request never arrived whole (408, RFC 9110 section 15.5.9).
NOT_TAKEN = frozenset({408, 429, 503})
# Failures before a byte of the request reached the provider.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


async def send_with_retries(
    attempt: Callable[[], Awaitable[str]], policy: RetrySettings, *, sleep: Sleep | None = None
) -> tuple[str, int]:
    """Run `attempt` until it returns a message id; the id and how many attempts it took.

    Only a retryable `SendError` is tried again, at most `policy.max_attempts` times in all;
    the last error is raised as it was (with its Retry-After for the outbox).
    """
    options: dict[str, Any] = {} if sleep is None else {"sleep": sleep}
    retrying = AsyncRetrying(
        stop=stop_after_attempt(policy.max_attempts),
        wait=_Wait(policy),
        retry=lambda state: _worth_retrying(state, policy),
        reraise=True,
        **options,
    )
    message_id, number = "", 0
    async for try_ in retrying:  # ends after a success; raises the error it gives up on
        with try_:
            number = try_.retry_state.attempt_number
            message_id = await attempt()
    return message_id, number


def _error(state: RetryCallState) -> BaseException | None:
    outcome = state.outcome
    return outcome.exception() if outcome is not None and outcome.failed else None


def _worth_retrying(state: RetryCallState, policy: RetrySettings) -> bool:
    """A retryable `SendError` whose wait, if the provider named one, we may sleep here."""
    error = _error(state)
    if not isinstance(error, SendError) or not error.retryable:
        return False
    return error.retry_after_s is None or error.retry_after_s <= policy.max_retry_after_s


class _Wait:
    """The provider's Retry-After when it gave one, else exponential backoff with full jitter."""

    def __init__(self, policy: RetrySettings) -> None:
        self._jittered = wait_random_exponential(
            multiplier=policy.backoff_s, max=policy.max_backoff_s
        )

    def __call__(self, state: RetryCallState) -> float:
        error = _error(state)
        if isinstance(error, SendError) and error.retry_after_s is not None:
            return error.retry_after_s
        return float(self._jittered(state))


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
    """POST once. A connection that failed before the request went out is a retryable
    `SendError`; one lost after (no answer) an `UncertainSendError`. No token in either."""
    try:
        return await client.post(url, timeout=timeout_s, **kwargs)
    except NOT_SENT as exc:
        raise SendError(f"could not connect ({type(exc).__name__})", retryable=True) from exc
    except httpx.TimeoutException as exc:
        raise UncertainSendError(
            f"no answer within {timeout_s:g} s ({type(exc).__name__}): the provider may have "
            "taken the message"
        ) from exc
    except httpx.TransportError as exc:
        raise UncertainSendError(
            f"connection lost before an answer ({type(exc).__name__}): the provider may have "
            "taken the message"
        ) from exc


def json_object(response: httpx.Response, provider: str) -> dict[str, Any]:
    """The JSON object a provider answered; anything else is an error worth reporting."""
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        # It answered 2xx, so the message may be out: retrying could send it twice.
        raise UncertainSendError(
            f"{provider} answered {response.status_code} without a JSON object",
            status=response.status_code,
        )
    return data


def status_error(
    response: httpx.Response,
    provider: str,
    detail: str,
    *,
    code: str | None = None,
    not_taken: bool = False,
) -> SendError:
    """A `SendError` for a non-2xx answer: retryable when the status (or, with `not_taken`,
    the provider's error code) says the message was not taken; an `UncertainSendError` for
    any other 5xx, which may come after the provider took it; final otherwise."""
    status = response.status_code
    named = f", code {code}" if code else ""
    message = f"{provider} refused the message ({status}{named}): {detail}"
    if status in NOT_TAKEN or not_taken:
        return SendError(
            message, retryable=True, status=status, code=code, retry_after_s=retry_after(response)
        )
    if status >= 500:
        return UncertainSendError(message, status=status, code=code)
    return SendError(message, retryable=False, status=status, code=code)
