"""What the engine does next: call tools, or answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.agent.offline.memory import Carry, Step


@dataclass
class Call:
    """Call these tools, then resume `step`."""

    step: Step
    calls: list[tuple[str, dict[str, Any]]]


@dataclass
class Answer:
    """The reply, what it shows, and the state to carry to the next turn."""

    text: str
    carry: Carry
    cards: list[str] = field(default_factory=list)
    quick_replies: list[str] = field(default_factory=list)
    checkout_url: str | None = None
    fallback: bool = False


Action = Call | Answer
