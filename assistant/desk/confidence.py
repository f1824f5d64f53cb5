"""The confidence a ticket shows: how sure the bot was that it understood the shopper and
could help. A handoff the shopper's own words call for (an ask for a person, a sensitive topic)
says nothing of the bot's reply, so the turn before it is measured instead; with no turn
before, the ticket says "not measured" (None), never a flat 100 %."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from langchain_core.messages import BaseMessage, HumanMessage, ToolMessage

from assistant.agent.runner import shared_classifier
from assistant.config import HandoffSettings, Settings
from assistant.desk.reading import engine_state, message_text, tool_result
from assistant.errors import ConfigurationError, EmbeddingError
from assistant.handoff import HandoffDecision, TurnSignals, desk_confidence
from assistant.retrieval.index import CatalogIndex

Reader = Callable[[str], float | None]
"""The confidence of a message's dialogue-act reading; None when no classifier can read it."""

log = logging.getLogger("assistant.desk")


def act_reader(settings: Settings, catalog: CatalogIndex) -> Reader:
    """Reads messages with the process-shared act classifier over the catalog's embedder (the
    offline engine's own; a message it already read is not embedded again)."""

    def read(text: str) -> float | None:
        products = catalog.products
        try:
            classifier = shared_classifier(
                settings.prompts.dir,
                settings.data_dir / "understanding",
                settings.understanding.min_confidence,
                products.embedder,
            )
            return classifier.read(text, products.query_vector(text)).confidence
        except (ConfigurationError, EmbeddingError) as exc:
            log.warning("act classifier unavailable: %s", exc)
            return None

    return read


def ticket_confidence(
    decision: HandoffDecision,
    signals: TurnSignals,
    settings: HandoffSettings,
    turn: Sequence[BaseMessage],
    history: Sequence[BaseMessage],
    *,
    fallbacks_before: int,
    read: Reader | None,
) -> float | None:
    """The ticket's confidence for `decision` on the turn in progress (`signals`, its messages
    `turn`), given the stored `history` of the turns before, the unhelpful replies in a row
    before this turn, and the act `read`er if there is one."""
    if decision.trigger == "shopper":
        return _turn_before(history, fallbacks_before, settings, read)
    return desk_confidence(signals, settings, _understood(signals.text, turn, read))


def _turn_before(
    history: Sequence[BaseMessage], fallbacks: int, settings: HandoffSettings, read: Reader | None
) -> float | None:
    """The bot's confidence on the last turn before this one (None when there was none)."""
    start = max((i for i, m in enumerate(history) if isinstance(m, HumanMessage)), default=-1)
    if start < 0:
        return None
    turn, text = history[start:], message_text(history[start])
    scores = [
        float(similarity)
        for m in turn
        if isinstance(m, ToolMessage)
        and isinstance(similarity := tool_result(m).get("similarity"), int | float)
    ]
    signals = TurnSignals(
        text=text, similarity=max(scores) if scores else None, consecutive_fallbacks=fallbacks
    )
    return desk_confidence(signals, settings, _understood(text, turn, read))


def _understood(text: str, turn: Sequence[BaseMessage], read: Reader | None) -> float | None:
    """The reading's confidence the offline engine kept for the turn, else read now."""
    for message in reversed(turn):
        state = engine_state(message)
        if state is not None and state.confidence is not None:
            return state.confidence
    return read(text) if read is not None and text.strip() else None
