"""How long a failed send waits before the next attempt: exponential, capped, with jitter."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Backoff:
    """Delay after the n-th failed attempt: half of min(cap, base * 2**(n-1)) plus a random
    part up to the other half ("equal jitter": never zero, never in lock-step)."""

    base_s: float = 2.0
    cap_s: float = 600.0
    max_attempts: int = 8  # attempts, counting the first; the item is dead after that

    def delay(self, attempt: int, rng: random.Random | None = None) -> timedelta:
        ceiling = min(self.cap_s, self.base_s * 2 ** max(0, attempt - 1))
        jitter = (rng or random).uniform(0, ceiling / 2)
        return timedelta(seconds=ceiling / 2 + jitter)

    def exhausted(self, attempts: int) -> bool:
        return attempts >= self.max_attempts
