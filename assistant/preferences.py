"""Declared preferences: a shopper's size, budget and favourite categories, read from what they
say ("I'm a size M", "my budget is $150", "I love backpacks"), remembered only with consent.

Pure: parsing and wording here; asking, storing and forgetting in `assistant.preference_keeper`.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from assistant.retrieval.query import QueryParser

NOTE_KEY = "concierge_preferences"  # where a note carries them for the offline engine
MAX_CATEGORIES = 3

_SELF_SIZE = re.compile(
    r"\b(?:i'?m|i am|i(?: usually| normally| always| typically)? (?:wear|take)|my size is)"
    r"\s+(?:an?\s+)?(?:size\s+)?([a-z0-9.-]{1,12})\b",
    re.I,
)
_ASKED_SIZE = re.compile(r"\bsize\s+([a-z0-9.-]{1,12})\b", re.I)
_BUDGET = re.compile(
    r"\b(?:my budget|budget (?:is|of)|i (?:can|could|want to) spend|spend (?:up to|at most|"
    r"no more than)|i can afford)\b",
    re.I,
)
_FAVOURITE = re.compile(
    r"\b(?:i (?:really )?(?:love|like|prefer)|i'?m (?:really )?into|i (?:mostly|usually|always)"
    r" (?:buy|shop for|get)|my favou?rites? (?:is|are)|favou?rite)\b",
    re.I,
)
_FORGET = re.compile(
    r"\b(?:forget (?:all )?(?:about )?(?:my|me)\b(?: (?:preferences|prefs|sizes?|budget|details|"
    r"info))?|(?:delete|clear|erase|remove) my (?:preferences|prefs|saved (?:size|budget|details))"
    r"|stop remembering|don'?t remember (?:me|my))",
    re.I,
)


class Preferences(BaseModel):
    """What a shopper told us about themselves; empty fields were not said."""

    size: str | None = Field(default=None, max_length=20)
    budget: Decimal | None = Field(default=None, gt=0, description="an upper bound, in dollars")
    categories: list[str] = Field(default_factory=list, max_length=MAX_CATEGORIES)

    @classmethod
    def stored(cls, data: dict[str, Any]) -> Preferences:
        """From a customer's `preferences` column (unknown keys ignored, bad values dropped)."""
        known = {k: data[k] for k in ("size", "budget", "categories") if k in data}
        try:
            return cls.model_validate(known)
        except ValueError:
            return cls()

    def is_empty(self) -> bool:
        return self.size is None and self.budget is None and not self.categories

    def news(self, stated: Preferences) -> Preferences:
        """What `stated` says that differs from these."""
        return Preferences(
            size=stated.size if stated.size != self.size else None,
            budget=stated.budget if stated.budget != self.budget else None,
            categories=[c for c in stated.categories if c not in self.categories],
        )

    def merged(self, newer: Preferences) -> Preferences:
        """These, updated with what `newer` says (latest favourites first)."""
        categories = list(dict.fromkeys([*newer.categories, *self.categories]))
        return Preferences(
            size=newer.size or self.size,
            budget=newer.budget or self.budget,
            categories=categories[:MAX_CATEGORIES],
        )

    def document(self) -> dict[str, Any]:
        """For the `preferences` column: JSON values only."""
        return self.model_dump(mode="json", exclude_none=True, exclude_defaults=True)

    def describe(self) -> str:
        """'your size M, your budget of up to $150 and your favourite Backpacks'."""
        parts = []
        if self.size:
            parts.append(f"your size {self.size}")
        if self.budget is not None:
            parts.append(f"your budget of up to ${self.budget:g}")
        if self.categories:
            parts.append(f"your favourite {' and '.join(self.categories)}")
        return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]

    def note(self) -> str:
        """The system note a hosted model gets at each turn."""
        said = []
        if self.size:
            said.append(f"size {self.size}")
        if self.budget is not None:
            said.append(f"budget up to ${self.budget:g}")
        if self.categories:
            said.append(f"favourite categories: {', '.join(self.categories)}")
        return (
            "Saved preferences of this shopper (they agreed we remember them): "
            + "; ".join(said)
            + ". Use them as defaults when searching (the size and budget as filters) unless "
            "the shopper says otherwise in this conversation; do not recite them unasked."
        )


def declared(text: str, parser: QueryParser, *, in_requests: bool = True) -> Preferences:
    """The preferences a message states: a size said of oneself ("I'm a medium") or, with
    `in_requests`, asked for ("fleece in size M"); a budget said as one ("my budget is $150");
    favourite categories ("I love backpacks")."""
    parsed = parser.parse(text)
    size = None
    patterns = (_SELF_SIZE, _ASKED_SIZE) if in_requests else (_SELF_SIZE,)
    for said in (m for pattern in patterns for m in pattern.finditer(text)):
        if size := parser.parse(f"size {said.group(1)}").filters.size:
            break
    if size is None and in_requests:
        size = parsed.filters.size
    budget = parsed.filters.price_max if _BUDGET.search(text) else None
    favourites = parsed.filters.categories if _FAVOURITE.search(text) else []
    return Preferences(size=size, budget=budget, categories=favourites[:MAX_CATEGORIES])


def asks_to_forget(text: str) -> bool:
    """ "Forget my preferences", "delete my saved size", "stop remembering me"."""
    return bool(_FORGET.search(text))
