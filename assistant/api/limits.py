"""Per-sender rate limits: token buckets kept in this process, bounded in memory.

Each key (a conversation, a client address, a channel sender) has a bucket of `burst` tokens
refilled at `per_minute`; a request takes one token or is told how long to wait. Buckets live
in one worker's memory: with several workers each limits on its own (a shopper gets at most
workers x the rate), which is enough to stop floods without a shared service.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from assistant.config import LimitSettings

STREAM_RETRY_S = 5.0  # what a refused live-update stream is asked to wait


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Token buckets per key, holding only keys seen within one refill time.

    A bucket left alone for `burst / rate` seconds is full again, as good as a new one, so it
    is dropped: memory follows the senders active in that window, not every sender ever seen.
    `max_keys` still bounds a flood of fresh keys within the window (least recently seen go).
    """

    def __init__(
        self,
        per_minute: float,
        burst: int,
        *,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rate = per_minute / 60.0
        self._burst = float(burst)
        self._max_keys = max_keys
        self._refill_s = self._burst / self._rate
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def acquire(self, key: str) -> float:
        """Take a token for `key`: 0.0 when allowed, else the seconds until one is free."""
        with self._lock:
            now = self._clock()
            bucket = self._buckets.pop(key, None) or _Bucket(self._burst, now)
            bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.updated) * self._rate)
            bucket.updated = now
            self._buckets[key] = bucket  # most recently seen last
            self._forget(now)
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / self._rate

    def refund(self, key: str) -> None:
        """Give back the token `acquire` took for `key` (a request that turned out not to
        count); nothing happens to a key no longer tracked."""
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is not None:
                bucket.tokens = min(self._burst, bucket.tokens + 1.0)

    def _forget(self, now: float) -> None:
        """Drop the buckets that have refilled since last seen, and any past `max_keys`."""
        buckets = self._buckets
        while len(buckets) > self._max_keys:
            buckets.popitem(last=False)
        while buckets:  # least recently seen first; each key is dropped once, so O(1) a call
            key = next(iter(buckets))
            if now - buckets[key].updated < self._refill_s:
                break
            del buckets[key]

    def __len__(self) -> int:
        return len(self._buckets)


class RateLimited(Exception):
    """A client or sender went over its rate; `retry_after_s` says when to try again."""

    def __init__(self, scope: str, retry_after_s: float) -> None:
        super().__init__(f"too many requests from this {scope}; retry in {retry_after_s:.0f}s")
        self.scope = scope
        self.retry_after_s = retry_after_s

    @property
    def retry_after(self) -> str:
        """The Retry-After header value: whole seconds, at least 1."""
        return str(max(1, math.ceil(self.retry_after_s)))


class TooManyStreams(RateLimited):
    """A client address (or the worker) holds as many live-update streams as allowed."""

    def __init__(self, retry_after_s: float) -> None:
        super().__init__("client", retry_after_s)

    def __str__(self) -> str:
        return "too many live-update streams open from this address; retry later"


class StreamSlots:
    """Live-update streams held open at once: at most `per_client` per client address and
    `total` in all (in this worker). A stream holds its slot until it ends."""

    def __init__(self, per_client: int, total: int) -> None:
        self._per_client = per_client
        self._total = total
        self._held: dict[str, int] = {}
        self._lock = threading.Lock()

    @contextmanager
    def hold(self, address: str) -> Iterator[None]:
        """A slot for a stream from `address` while the block runs; `TooManyStreams` if none."""
        with self._lock:
            held = self._held.get(address, 0)
            if held >= self._per_client or sum(self._held.values()) >= self._total:
                raise TooManyStreams(STREAM_RETRY_S)
            self._held[address] = held + 1
        try:
            yield
        finally:
            with self._lock:
                left = self._held.pop(address) - 1
                if left:
                    self._held[address] = left

    def __len__(self) -> int:
        with self._lock:
            return sum(self._held.values())


class Limits:
    """The service's limiters, built from the `limits` settings."""

    def __init__(self, settings: LimitSettings) -> None:
        self.settings = settings
        keys = settings.tracked_keys
        self.senders = RateLimiter(settings.sender_per_minute, settings.sender_burst, max_keys=keys)
        self.clients = RateLimiter(settings.ip_per_minute, settings.ip_burst, max_keys=keys)
        self.logins = RateLimiter(
            settings.login_failures_per_minute, settings.login_failures_burst, max_keys=keys
        )
        self.login_pairs = RateLimiter(
            settings.login_pair_failures_per_minute,
            settings.login_pair_failures_burst,
            max_keys=keys,
        )
        self.linking = RateLimiter(settings.link_per_minute, settings.link_burst, max_keys=keys)
        self.streams = StreamSlots(settings.streams_per_client, settings.streams_total)

    def sender(self, key: str) -> None:
        """Raise `RateLimited` when this conversation or channel sender is over its rate."""
        if wait := self.senders.acquire(key):
            raise RateLimited("sender", wait)

    def client(self, address: str) -> None:
        """Raise `RateLimited` when this client address is over its rate."""
        if wait := self.clients.acquire(address):
            raise RateLimited("client", wait)

    def link(self, address: str, conversation_id: str) -> None:
        """Raise `RateLimited` when this address, or this conversation, asked for or typed
        link codes too often: codes go to phones, and each guess is one of a million."""
        for scope, key in (("client", f"address:{address}"), ("conversation", conversation_id)):
            if wait := self.linking.acquire(key):
                raise RateLimited(scope, wait)

    @contextmanager
    def login(self, address: str, username: str) -> Iterator[None]:
        """Around a console login to `username` from `address`: raise `RateLimited`, before
        any password is checked (so a guess over the limit learns nothing), when that address
        failed too often lately across accounts, or failed too often on this account. A login
        that succeeds (the block ends without an exception) costs nothing; one that fails for
        any reason costs a token of both.

        No account is ever locked: failures slow down the (account, address) pair, so guesses
        from one address cannot stop the agent logging in from theirs; the address's own budget
        stops spraying many accounts, which no one account's count can see."""
        taken: list[tuple[RateLimiter, str]] = []
        for limiter, key in ((self.logins, address), (self.login_pairs, f"{username}\n{address}")):
            if wait := limiter.acquire(key):
                for earlier, earlier_key in taken:  # this try is refused, not counted
                    earlier.refund(earlier_key)
                raise RateLimited("client", wait)
            taken.append((limiter, key))
        yield  # an exception from the block leaves here: the tokens stay spent
        for limiter, key in taken:
            limiter.refund(key)
