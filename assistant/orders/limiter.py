"""Limits on order lookups, so order numbers and ZIPs can't be guessed in bulk.

Every lookup holds a try against its order number and against who asks (the web client's
address, or the channel's sender) before the source is asked; a miss keeps the try, a shown
order gives it back. Over either limit in the window, the lookup is refused before the source
is asked, so the refusal is the same whether the order exists and whatever proof was given.

The tries live in the database (`AttemptLedger`, implemented by the store), so every worker
and every new chat shares them. Keys are kept as an HMAC under the service's secret key:
the table holds no order numbers, addresses or phone numbers.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

Scope = Literal["order", "client", "offer"]
IPV6_PREFIX = 64  # one subscriber usually holds a whole /64: count it as one client


class AttemptLedger(Protocol):
    """Where tries are counted: the store (`LookupAttemptOps`)."""

    def hold_attempts(
        self, keys: Sequence[tuple[str, str]], *, at: datetime, since: datetime
    ) -> tuple[list[int], list[int]]:
        """Add a try per (scope, key hash), commit, then count each key's tries since `since`."""
        ...

    def drop_attempts(self, ids: Sequence[int]) -> None:
        """Remove tries that do not count."""
        ...


@dataclass(frozen=True)
class LookupLimits:
    """Misses allowed per order number and per client within `window`."""

    per_order: int = 5
    per_client: int = 10
    window: timedelta = timedelta(hours=1)


def requester_key(channel: str, sender: str, client_address: str | None = None) -> str:
    """Who asks, as limits count them: the web client's address (an IPv6 /64 as one), else
    the channel and its sender id (a WhatsApp number, a Messenger id, a phone)."""
    if client_address:
        try:
            address = ipaddress.ip_address(client_address)
        except ValueError:
            return f"address:{client_address[:100]}"
        if isinstance(address, ipaddress.IPv6Address):
            if address.ipv4_mapped is not None:  # "::ffff:203.0.113.5" is 203.0.113.5
                return f"address:{address.ipv4_mapped}"
            return f"address:{ipaddress.ip_network(f'{address}/{IPV6_PREFIX}', strict=False)}"
        return f"address:{address}"
    return f"{channel}:{sender}"


class LookupLimiter:
    """Holds order lookup tries against the limits; see the module docstring."""

    def __init__(
        self,
        ledger: AttemptLedger,
        key: bytes,
        limits: LookupLimits | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if len(key) < 16:
            raise ValueError("the lookup limiter's key must be at least 16 bytes")
        self._ledger = ledger
        self._key = key
        self.limits = limits or LookupLimits()
        self._clock = clock

    def admit(self, order_id: str, requester: str | None) -> list[int] | None:
        """Hold a try against `order_id` (canonical) and `requester`; None when either is over
        its limit (nothing is held then). Keep what is returned for a miss, `release` it else."""
        keys = [self._key_of("order", order_id)]
        limits = [self.limits.per_order]
        if requester:
            keys.append(self._key_of("client", requester))
            limits.append(self.limits.per_client)
        return self._hold(keys, limits)

    def release(self, held: Sequence[int]) -> None:
        """Give back tries that were not misses (the order was shown, or the source failed)."""
        self._ledger.drop_attempts(held)

    def offer_once(self, requester: str | None) -> bool:
        """Whether `requester` may be offered a person for a failed lookup: once per window."""
        if not requester:
            return False
        return self._hold([self._key_of("offer", requester)], [1]) is not None

    def _hold(self, keys: list[tuple[str, str]], limits: list[int]) -> list[int] | None:
        now = self._clock()
        ids, counts = self._ledger.hold_attempts(keys, at=now, since=now - self.limits.window)
        if any(count > limit for count, limit in zip(counts, limits, strict=True)):
            self._ledger.drop_attempts(ids)  # a refused try does not prolong the lockout
            return None
        return ids

    def _key_of(self, scope: Scope, value: str) -> tuple[str, str]:
        message = f"order-lookup\0{scope}\0{value}".encode()
        return scope, hmac.new(self._key, message, hashlib.sha256).hexdigest()
