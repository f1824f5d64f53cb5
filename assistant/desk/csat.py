"""Customer satisfaction: the question asked when a ticket closes, and reading the answer.

Only a message that is a rating and little else counts ("4", "5 stars", "4/5", "five",
"⭐⭐⭐", "5 - quick and kind"): "I need 2 more pairs" is a new question, not a rating.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.messages import QuickReply, Reply

QUESTION = (
    "Thanks for chatting with us. How did we do? Reply with a number from 1 (poor) to 5 (great)."
)
THANKS = "Thank you for your rating! I'm here if you need anything else."
WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_RATING = re.compile(
    r"^\s*(?P<n>[1-5]|one|two|three|four|five)\s*"
    r"(?:stars?|/\s*5|out of (?:5|five))?\s*[.!]*\s*"
    r"(?:[-:,\u2013\u2014]\s*(?P<comment>.+))?$",
    re.I | re.S,
)
_STARS = re.compile(r"^\s*(?P<stars>(?:[⭐★]\ufe0f?\s*){1,5})[.!]*\s*$")


@dataclass(frozen=True)
class Rating:
    score: int
    comment: str | None = None


def parse_rating(text: str) -> Rating | None:
    """The 1-5 rating in a message, or None when the message is something else."""
    if stars := _STARS.match(text):
        return Rating(sum(stars["stars"].count(s) for s in "⭐★"))
    found = _RATING.match(text)
    if found is None:
        return None
    value = found["n"].lower()
    score = WORDS.get(value) or int(value)
    comment = (found["comment"] or "").strip() or None
    return Rating(score, comment[:1000] if comment else None)


def question(*, chips: bool = True) -> Reply:
    """The rating request, with 1-5 as quick replies where the channel has buttons (a
    text-only channel would list "Reply 1 for 1, ...", which the question already says)."""
    if not chips:
        return Reply(text=QUESTION)
    options = [QuickReply(title=str(n), payload=str(n)) for n in range(1, 6)]
    return Reply(text=QUESTION, quick_replies=options)


def thanks() -> Reply:
    return Reply(text=THANKS)
