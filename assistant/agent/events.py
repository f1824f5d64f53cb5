"""What a turn emits while it runs, before its final outcome."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Token:
    """A piece of text from the model, in the message it belongs to."""

    text: str
    message_id: str


@dataclass(frozen=True)
class ToolResult:
    """A tool's result, as soon as the tool returned."""

    name: str
    result: dict[str, Any]


@dataclass(frozen=True)
class BecameToolCall:
    """The message turned out to be a tool call: its text so far is not part of the reply."""

    message_id: str


Event = Token | ToolResult | BecameToolCall
