"""Releases streamed reply text only once it is grounded, a sentence at a time.

Tokens are held per model message; a sentence goes out when it is complete and every price,
link and product in it is backed by a tool result already returned in this turn. Text of a
message that turns into a tool call is dropped. Whatever is held at the end waits for the
final reply, which the conversation grounds as a whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from assistant.agent.events import BecameToolCall, Event, Token, ToolResult
from assistant.agent.guardrails import CatalogNames, Facts, ground

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


class GroundedStream:
    """Feed it a turn's events; it returns the text that is safe to show now."""

    def __init__(self, names: CatalogNames, allows: Callable[[str], bool] | None = None) -> None:
        self._names = names
        self._allows = allows  # a further check a sentence must pass (the disclosure guard)
        self._results: list[dict[str, Any]] = []
        self._held: dict[str, str] = {}
        self._stopped: set[str] = set()
        self.released = ""

    def feed(self, event: Event) -> str:
        if isinstance(event, ToolResult):
            self._results.append(event.result)
            return ""
        if isinstance(event, BecameToolCall):
            self._held.pop(event.message_id, None)
            return ""
        return self._token(event)

    def _token(self, token: Token) -> str:
        held = self._held.get(token.message_id, "") + token.text
        if token.message_id in self._stopped:
            self._held[token.message_id] = held
            return ""
        facts = Facts.collect(self._results)
        start = 0
        for end in _SENTENCE_END.finditer(held):
            sentence = held[start : end.end()]
            unsafe = self._allows is not None and not self._allows(sentence)
            if unsafe or not ground(sentence, facts, self._names).ok:
                self._stopped.add(token.message_id)  # the final check decides the rest
                break
            start = end.end()
        self._held[token.message_id] = held[start:]
        self.released += held[:start]
        return held[:start]
