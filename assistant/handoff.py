"""When to hand a conversation to a person: a pure decision over one turn's signals.

`decide_handoff` reads what happened in the turn and returns a decision; acting on it (pausing
the bot, queueing a ticket, telling the shopper) happens elsewhere.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from assistant.config import HandoffSettings


def any_word(*alternatives: str) -> re.Pattern[str]:
    """Whole-word, case-insensitive match of any of the alternatives."""
    return re.compile(rf"\b(?:{'|'.join(alternatives)})\b", re.I)


EXPLICIT_ASK = any_word(
    r"(?:talk|speak|chat) (?:to|with) (?:a |an |some)?"
    r"(?:human|person|someone|agent|representative|rep|manager|real person)",
    r"(?:real|live) (?:person|human|agent)",
    r"(?:want|need|get me|give me|connect me (?:to|with)) (?:a |an |to a )?"
    r"(?:human|person|real person|agent|representative|rep|teammate)",
    r"human (?:agent|please)",
    r"customer (?:service|support) agent",
    r"transfer me",
    r"operator",
    r"escalate",
)
FRUSTRATION = re.compile(
    any_word(
        r"useless", r"terrible", r"awful", r"ridiculous", r"worst", r"hate this", r"not helpful",
        r"unhelpful", r"stupid", r"frustrat\w*", r"angry", r"furious", r"fed up",
        r"waste of (?:my )?time", r"wtf", r"damn", r"crap", r"scam", r"this sucks",
        r"you (?:don'?t|do not) understand",
    ).pattern
    + r"|!{3,}",
    re.I,
)  # fmt: skip
ABUSE = any_word(r"fuck\w*", r"shit\w*", r"bitch\w*", r"asshole", r"idiot", r"moron", r"dumb ?ass")
SENSITIVE = {
    "refund dispute": any_word(
        r"chargeback", r"dispute", r"never (?:got|received) (?:my )?refund",
        r"refund (?:hasn'?t|has not|never)",
    ),
    "legal": any_word(r"lawyer", r"attorney", r"sue", r"lawsuit", r"legal action", r"small claims"),
    "safety": any_word(
        r"injur\w*", r"hurt (?:me|myself)", r"burn(?:ed|t) (?:me|my)", r"allergic reaction",
        r"caught fire", r"exploded", r"unsafe",
    ),
    "payment problem": any_word(
        r"charged twice", r"double charged", r"card (?:was )?declined",
        r"payment (?:failed|didn'?t go through)", r"fraud\w*", r"unauthori[sz]ed charge",
    ),
}  # fmt: skip


@dataclass(frozen=True)
class TurnSignals:
    """What one turn showed. `similarity` is the best retrieval score, None when none ran."""

    text: str
    model_requested: str | None = None
    consecutive_fallbacks: int = 0
    similarity: float | None = None
    grounding_failed: bool = False
    fallback: bool = False  # this reply said it could not help (counted by consecutive_fallbacks)


Trigger = Literal["bot", "shopper"]
"""Who a handoff comes from: the bot's own signals, or what the shopper wrote (an ask for a
person, a sensitive topic, abuse, frustration), which says nothing of the bot's reply."""


class HandoffDecision(BaseModel):
    """Hand off or not, why, and how confident the bot was in its own answer (0-1)."""

    handoff: bool
    reason: str | None = None
    confidence: float = 1.0
    trigger: Trigger = "bot"


def confidence(signals: TurnSignals, settings: HandoffSettings) -> float:
    """The bot's confidence in its reply: retrieval strength, lowered by fallbacks and failures."""
    full = settings.confident_similarity
    score = 1.0 if signals.similarity is None else min(1.0, max(0.0, signals.similarity / full))
    score *= 0.5**signals.consecutive_fallbacks
    if signals.grounding_failed:
        score *= 0.5
    return round(score, 3)


def measured(signals: TurnSignals) -> bool:
    """Whether the turn measured anything of the reply: a retrieval score, fallbacks, grounding."""
    return (
        signals.similarity is not None
        or signals.consecutive_fallbacks > 0
        or signals.grounding_failed
    )


def desk_confidence(
    signals: TurnSignals, settings: HandoffSettings, understood: float | None
) -> float | None:
    """How sure the bot was that it understood the message and could help, for the desk: the
    reply's confidence times the confidence of the message's reading (`understood`, its act
    classifier's probability). None when nothing was measured, rather than a made-up 100 %."""
    if understood is None and not measured(signals):
        return None
    level = confidence(signals, settings) * (1.0 if understood is None else understood)
    return math.floor(min(1.0, max(0.0, level)) * 1000 + 1e-9) / 1000  # 0.9996 is not certain


def decide_handoff(signals: TurnSignals, settings: HandoffSettings) -> HandoffDecision:
    """Combine explicit asks, the model's own call, sensitivity, mood and confidence."""
    level = confidence(signals, settings)
    if EXPLICIT_ASK.search(signals.text):
        return _shoppers("shopper asked for a person", level)
    if signals.model_requested:
        return HandoffDecision(handoff=True, reason=signals.model_requested, confidence=level)
    for topic, pattern in SENSITIVE.items():
        if pattern.search(signals.text):
            return _shoppers(f"sensitive topic: {topic}", level)
    if ABUSE.search(signals.text):
        return _shoppers("abusive language", level)
    if FRUSTRATION.search(signals.text):
        return _shoppers("shopper is frustrated", level)
    if signals.consecutive_fallbacks >= settings.max_fallbacks:
        return HandoffDecision(handoff=True, reason="repeated failure to help", confidence=level)
    if signals.grounding_failed:
        return HandoffDecision(handoff=True, reason="reply could not be grounded", confidence=level)
    if not signals.fallback and level < settings.min_confidence:
        return HandoffDecision(handoff=True, reason="low confidence", confidence=level)
    return HandoffDecision(handoff=False, confidence=level)


def _shoppers(reason: str, level: float) -> HandoffDecision:
    """A handoff the shopper's own words call for."""
    return HandoffDecision(handoff=True, reason=reason, confidence=level, trigger="shopper")
