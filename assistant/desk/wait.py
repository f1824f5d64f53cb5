"""How long a shopper will wait for a person: measured from the team's recent tickets (the
median time to claim), or the brand's stated wait until there are enough of them."""

from __future__ import annotations

import math
import statistics
from datetime import timedelta

from assistant.store import Store
from assistant.store.models import utcnow

WINDOW = timedelta(days=7)
MIN_SAMPLES = 5
SAMPLES = 50


def describe(seconds: float) -> str:
    """A wait in words, rounded up: "a few minutes", "about 15 minutes", "about 2 hours"."""
    minutes = seconds / 60
    if minutes <= 3:
        return "a few minutes"
    if minutes < 60:
        return f"about {min(55, 5 * math.ceil(minutes / 5))} minutes"
    hours = math.ceil(minutes / 60)
    return "about an hour" if hours == 1 else f"about {hours} hours"


def expected_wait(store: Store, team: str, default: str) -> str:
    """The median time to claim of `team`'s recent tickets, else `default`."""
    waits = store.claim_waits(team, since=utcnow() - WINDOW, limit=SAMPLES)
    if len(waits) < MIN_SAMPLES:
        return default
    return describe(statistics.median(waits))
