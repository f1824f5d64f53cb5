"""What a case run produced: each turn's reply and tool calls, each assertion's verdict."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from langchain_core.messages import AIMessage, ToolMessage

from assistant.agent.runner import TurnOutcome
from assistant.messages import Reply

Status = Literal["passed", "failed", "skipped"]


@dataclass(frozen=True)
class ToolCall:
    """One tool the turn ran: its name, the arguments the model gave, and the result."""

    name: str
    args: dict[str, Any]
    result: dict[str, Any]


@dataclass(frozen=True)
class Check:
    """One assertion's verdict; `detail` says what was expected and what happened."""

    name: str
    status: Status
    detail: str = ""

    @classmethod
    def of(cls, name: str, ok: bool, detail: str = "") -> Check:
        return cls(name, "passed" if ok else "failed", detail)


@dataclass
class TurnRecord:
    """One shopper message and everything the assistant did with it."""

    said: str
    reply: Reply
    calls: list[ToolCall] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if c.status == "failed"]

    def results_of(self, tool: str) -> list[dict[str, Any]]:
        return [c.result for c in self.calls if c.name == tool]


def tool_calls(outcome: TurnOutcome) -> list[ToolCall]:
    """The turn's tool calls, each paired with its result by tool call id."""
    results = {m.tool_call_id: _as_dict(m) for m in outcome.messages if isinstance(m, ToolMessage)}
    calls = []
    for message in outcome.messages:
        if isinstance(message, AIMessage):
            for call in message.tool_calls:
                result = results.get(call.get("id") or "", {})
                calls.append(ToolCall(call["name"], dict(call.get("args") or {}), result))
    return calls


def _as_dict(message: ToolMessage) -> dict[str, Any]:
    try:
        data = json.loads(message.text)
    except (json.JSONDecodeError, TypeError):
        return {"error": message.text}
    return data if isinstance(data, dict) else {"value": data}


@dataclass
class CaseResult:
    """A whole case: passed when no assertion failed, skipped when its words were unavailable."""

    case_id: str
    category: str
    channel: str
    status: Status
    turns: list[TurnRecord] = field(default_factory=list)
    note: str = ""
    source: str = ""
    seconds: float = 0.0

    @property
    def first_failure(self) -> str:
        for n, turn in enumerate(self.turns, 1):
            for check in turn.failed:
                return f"turn {n}: {check.name}: {check.detail}"
        return self.note
