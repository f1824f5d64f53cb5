"""Which team takes a ticket: an explicit table from the handoff reason (and, for reasons that
say nothing of the topic, the shopper's own words), overridable in settings."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.config import DeskSettings
from assistant.store.models import MessageRow

SHOPPER_WORDS = 3  # the shopper's latest messages a ticket is routed on

# Reasons from assistant.handoff.decide_handoff, in order; the first match wins.
REASON_TEAMS: tuple[tuple[str, str], ...] = (
    ("refund dispute", "orders"),
    ("payment problem", "orders"),
    ("sensitive topic: legal", "support"),
    ("sensitive topic: safety", "support"),
    ("reply could not be grounded", "sales"),
    ("low confidence", "sales"),
)
# For the other reasons (asked for a person, frustration, repeated failure, abuse) the topic
# comes from what the shopper wrote.
TOPIC_TEAMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"\b(?:order|orders|tracking|track|deliver\w*|shipp\w*|parcel|package|refund\w*|"
            r"return\w*|exchange|cancel\w*|invoice|receipt|charged?|payment)\b",
            re.I,
        ),
        "orders",
    ),
    (
        re.compile(
            r"\b(?:buy|price|cost|discount|code|size|sizing|fit|stock|recommend\w*|gift|"
            r"product|colou?r|which|compare|cheaper)\b",
            re.I,
        ),
        "sales",
    ),
)


def route(reason: str, summary: str, settings: DeskSettings) -> str:
    """The team for a ticket with this reason and summary (settings' routes first)."""
    text = f"{reason} {summary}".lower()
    for keyword, team in settings.routes.items():
        if keyword.lower() in text:
            return team
    for prefix, team in REASON_TEAMS:
        if prefix in reason.lower():
            return team
    for pattern, team in TOPIC_TEAMS:
        if pattern.search(summary):
            return team
    return settings.default_team


def shopper_words(rows: Sequence[MessageRow]) -> str:
    """The shopper's latest few messages, joined: what routing reads of the topic."""
    asked = [row.text.strip() for row in rows if row.direction == "inbound" and row.text]
    return " / ".join(asked[-SHOPPER_WORDS:])[:500]
