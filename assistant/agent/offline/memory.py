"""What the offline engine remembers, read back from the message history alone.

Each final reply of the engine carries its working state (`Carry`) in the message's
`additional_kwargs`, and tool results are read from the ToolMessages of the current turn.
So the engine holds no state of its own: the same history always gives the same next step.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from pydantic import BaseModel, Field

from assistant.preferences import NOTE_KEY

KEY = "concierge_offline"


class Shown(BaseModel):
    """A product the shopper has seen, in the order shown."""

    product_id: str
    title: str
    price: str
    category: str = ""  # what kind of thing: "anything lighter?" looks for more of it
    colors: list[str] = Field(default_factory=list)  # in stock: "the charcoal one"
    sizes: list[str] = Field(default_factory=list)
    others: dict[str, list[str]] = Field(default_factory=dict)  # width, length, capacity...

    def options(self) -> dict[str, list[str]]:
        """Every option's values in stock, by option name."""
        return {"color": self.colors, "size": self.sizes, **self.others}


class Carry(BaseModel):
    """The dialogue state, carried from one reply to the next: what the shopper is looking for
    (the search, its measure bounds and order, the gift facts), what they were shown and which
    item is in focus, what the last reply asked for, and what went into the cart: the line
    chosen last (`cart`) and the lines before it (`basket`)."""

    intent: str = ""
    awaiting: str = ""  # what the last reply asked for: order_details, gift_facts, variant, product
    question: str = ""  # awaiting a product: the question asked about it ("is it warm?")
    topic: str = ""  # the policy question last answered, for a follow-up ("how long does it take?")
    shown: list[Shown] = Field(default_factory=list)
    focus: str | None = None
    search: str = ""
    bounds: list[dict[str, Any]] = Field(default_factory=list)  # shifts kept: "roomier", "cheaper"
    sort: dict[str, Any] | None = None  # the order the search was last shown in
    size: str | None = None
    gift: dict[str, Any] = Field(default_factory=dict)
    order: dict[str, str] = Field(default_factory=dict)
    quantity: int | None = None
    discount: str | None = None
    options: dict[str, str] = Field(default_factory=dict)  # chosen so far for `options_for`
    options_for: str | None = None
    cart: dict[str, Any] = Field(default_factory=dict)  # the line chosen last: what a
    # correction changes (product, variant, options, count)
    basket: list[dict[str, Any]] = Field(default_factory=list)  # the cart's other lines
    fallbacks: int = 0
    act: str = ""  # what the last message was read as, and how sure
    confidence: float | None = None


class Step(BaseModel):
    """The plan of the turn in progress: which flow, and what it has done so far."""

    flow: str
    stage: int = 0
    data: dict[str, Any] = Field(default_factory=dict)


@dataclass
class Memory:
    """The history as the engine needs it."""

    latest: str
    carry: Carry
    step: Step | None = None
    results: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    turn_count: int = 0
    preferences: dict[str, Any] = field(default_factory=dict)  # saved, with the shopper's consent

    @classmethod
    def read(cls, messages: list[BaseMessage]) -> Memory:
        last_human = max(
            (i for i, m in enumerate(messages) if isinstance(m, HumanMessage)), default=-1
        )
        latest = _text(messages[last_human]) if last_human >= 0 else ""
        carry = Carry()
        for message in reversed(messages[: max(last_human, 0)]):
            if isinstance(message, AIMessage) and KEY in message.additional_kwargs:
                carry = Carry.model_validate(message.additional_kwargs[KEY].get("carry", {}))
                break
        memory = cls(
            latest=latest,
            carry=carry,
            turn_count=sum(isinstance(m, HumanMessage) for m in messages),
        )
        for message in messages[last_human + 1 :]:
            if isinstance(message, AIMessage) and KEY in message.additional_kwargs:
                memory.step = Step.model_validate(message.additional_kwargs[KEY]["step"])
            elif isinstance(message, ToolMessage):
                memory.results.setdefault(message.name or "", []).append(_json(message))
            elif isinstance(message, SystemMessage) and NOTE_KEY in message.additional_kwargs:
                memory.preferences = dict(message.additional_kwargs[NOTE_KEY])
        return memory

    def result(self, tool: str) -> dict[str, Any]:
        """The latest result of a tool in this turn ({} if it was not called)."""
        return self.results.get(tool, [{}])[-1]


def _text(message: BaseMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    return " ".join(
        part.get("text", "") if isinstance(part, dict) else str(part) for part in content
    )


def _json(message: ToolMessage) -> dict[str, Any]:
    try:
        data = json.loads(_text(message))
    except json.JSONDecodeError:
        return {"error": _text(message)}
    return data if isinstance(data, dict) else {"value": data}
