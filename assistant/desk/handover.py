"""What a handoff hands the desk: the reason, the bot's real confidence and the brief."""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.messages import BaseMessage

from assistant.config import HandoffSettings
from assistant.desk.confidence import Reader, ticket_confidence
from assistant.desk.reading import read_brief
from assistant.handoff import HandoffDecision, TurnSignals
from assistant.messages import Handoff


def handover(
    decision: HandoffDecision,
    signals: TurnSignals,
    settings: HandoffSettings,
    history: Sequence[BaseMessage],
    turn: Sequence[BaseMessage],
    *,
    fallbacks_before: int,
    read: Reader | None,
) -> Handoff:
    """The handoff of the turn in progress (`signals`, its messages `turn`: the shopper's
    message first) after the stored `history`, with `fallbacks_before` unhelpful replies in a
    row before it; `read` gives a message's act confidence (None: no classifier)."""
    reason = decision.reason or "handoff"
    level = ticket_confidence(
        decision, signals, settings, turn, history, fallbacks_before=fallbacks_before, read=read
    )
    trouble = [reason]
    if unhelpful := max(signals.consecutive_fallbacks, fallbacks_before):
        trouble.append(f"{unhelpful} unhelpful {'reply' if unhelpful == 1 else 'replies'} in a row")
    brief = read_brief([*history, *turn], trouble)
    return Handoff(reason=reason, confidence=level, summary=brief.render())
