"""A conversation's brief read from its stored history, whichever chat model wrote it.

Every model's turns leave the same trace: the tool calls with their arguments (the search
query, its filters and sort, the gift facts) and the tools' results (what the search
understood, the products found, the checkout link's lines). The offline engine also leaves its
working state on each final reply; `engine_state` reads it, tolerant of missing keys, and
where present it says which items are shown and which one is in focus.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from assistant.agent.offline.memory import KEY
from assistant.agent.presentation import PRESENT
from assistant.desk.brief import Brief

MAX_SHOWN = 4
NOT_CONSTRAINTS = {"in stock", "none", ""}
OWNERS = ("your ", "my ", "his ", "her ", "their ")
UNNAMED_VARIANTS = ("default", "default title")  # a product's only variant


@dataclass(frozen=True)
class EngineState:
    """What the offline engine's reply carried; every field may be missing."""

    search: str = ""
    shown: tuple[str, ...] = ()
    focus: str = ""  # the title of the product in focus
    gift: dict[str, Any] = field(default_factory=dict)
    size: str = ""
    confidence: float | None = None  # its reading of the shopper's message, when it kept one
    fallback: bool = False


def engine_state(message: BaseMessage) -> EngineState | None:
    """The offline engine's state on a final reply (None on any other message); a final reply
    may present products (`present_products`) but calls no other tool."""
    if not isinstance(message, AIMessage) or any(c["name"] != PRESENT for c in message.tool_calls):
        return None
    state = message.additional_kwargs.get(KEY)
    if not isinstance(state, dict):
        return None
    carry = _mapping(state.get("carry"))
    shown = [s for s in carry.get("shown") or [] if isinstance(s, dict) and s.get("title")]
    focus = next((s["title"] for s in shown if s.get("product_id") == carry.get("focus")), "")
    confidence = state.get("confidence", carry.get("confidence"))
    return EngineState(
        search=_string(carry.get("search")),
        shown=tuple(str(s["title"]) for s in shown),
        focus=str(focus),
        gift=_mapping(carry.get("gift")),
        size=_string(carry.get("size")),
        confidence=float(confidence) if isinstance(confidence, int | float) else None,
        fallback=state.get("fallback") is True,
    )


def message_text(message: BaseMessage) -> str:
    """A message's text, whatever the shape of its content (text parts joined)."""
    return message.text


def tool_result(message: ToolMessage) -> dict[str, Any]:
    """A tool's result as the tools return it: a JSON object."""
    try:
        data = json.loads(message_text(message))
    except json.JSONDecodeError:
        return {"error": message_text(message)}
    return data if isinstance(data, dict) else {"value": data}


@dataclass
class _Notes:
    """The facts gathered so far, newest last; a shopper message starts a new turn."""

    last_message: str = ""
    wants: str = ""
    gift: dict[str, Any] = field(default_factory=dict)
    constraints: list[str] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)
    focus: str = ""
    cart: list[str] = field(default_factory=list)
    handed: list[str] = field(default_factory=list)  # reasons the model gave for a handoff
    problems: list[str] = field(default_factory=list)  # of the latest turn
    earlier: list[str] = field(default_factory=list)  # of the turn before
    searched: bool = False  # in the latest turn
    constrained: bool = False  # a search of the latest turn understood constraints

    def turn(self, text: str) -> None:
        self.last_message, self.earlier, self.problems = text, self.problems, []
        self.searched = self.constrained = False

    def call(self, name: str, args: dict[str, Any]) -> None:
        if name == "search_products" and not self.searched:
            self.wants, self.searched = _string(args.get("query")) or self.wants, True
        elif name == "search_faq":
            self.wants = _string(args.get("question")) or self.wants
        elif name == "order_status":
            self.wants = "the status of an order"
        elif name == "recommend":
            self.gift.update(_mapping(args.get("needs")))
        elif name == "handoff_to_human" and (reason := _string(args.get("reason"))):
            self.handed.append(reason)

    def result(self, name: str, result: dict[str, Any]) -> None:
        handler = _RESULTS.get(name)
        if handler is not None:
            handler(self, result)

    def engine(self, state: EngineState) -> None:
        if state.shown:
            self.shown = list(state.shown)
        self.focus = state.focus
        self.gift.update(state.gift)
        self.wants = self.wants or state.search
        if state.size and not any(c.startswith("size ") for c in self.constraints):
            self.constraints.append(f"size {state.size}")

    def brief(self, trouble: Sequence[str]) -> Brief:
        known = {t.lower() for t in trouble}
        handed = [f"the assistant's reason: {r}" for r in self.handed if r.lower() not in known]
        return Brief(
            wants=self.wants or ("a gift" if self.gift else ""),
            recipient=_recipient(self.gift),
            constraints=tuple(self.constraints),
            shown=tuple(self.shown[:MAX_SHOWN]),  # the best of the latest listing
            focus=self.focus,
            cart=tuple(self.cart),
            trouble=tuple(dict.fromkeys([*trouble, *handed[-1:], *self.earlier, *self.problems])),
            last_message=self.last_message,
        )


def read_brief(messages: Sequence[BaseMessage], trouble: Sequence[str] = ()) -> Brief:
    """The brief of a conversation from its history (the turn in progress included); `trouble`
    is what went wrong as the caller knows it (the handoff reason, fallbacks), listed first."""
    notes, calls = _Notes(), {}
    for message in messages:
        if isinstance(message, HumanMessage):
            notes.turn(message_text(message).strip())
        elif isinstance(message, AIMessage):
            for call in message.tool_calls:
                calls[call.get("id") or ""] = call["name"]
                notes.call(call["name"], call.get("args") or {})
            if (state := engine_state(message)) is not None:
                notes.engine(state)
        elif isinstance(message, ToolMessage):
            name = calls.get(message.tool_call_id) or message.name or ""
            notes.result(name, tool_result(message))
    return notes.brief(trouble)


def _searched(notes: _Notes, result: dict[str, Any]) -> None:
    understood = [
        part.strip()
        for part in _string(result.get("understood")).split(",")
        if part.strip().lower() not in NOT_CONSTRAINTS
    ]
    if understood and not notes.constrained:  # new constraints replace the earlier ones
        notes.constraints, notes.constrained = [], True
    notes.constraints += [c for c in understood if c not in notes.constraints]
    _sorted(notes, result)
    _listed(notes, result.get("products"))
    if not result.get("products"):
        notes.problems.append("a search found nothing")
    elif result.get("match") == "weak":
        notes.problems.append("a search found only weak matches")


def _sorted(notes: _Notes, result: dict[str, Any]) -> None:
    """The order the shopper asked for ("lightest first"), replacing an earlier one."""
    order = _mapping(result.get("sorted_by"))
    if order.get("measure"):
        way = "highest" if order.get("direction") == "desc" else "lowest"
        sort = f"sorted by {str(order['measure']).replace('_', ' ')}, {way} first"
        notes.constraints = [c for c in notes.constraints if not c.startswith("sorted by")]
        notes.constraints.append(sort)


def _compared(notes: _Notes, result: dict[str, Any]) -> None:
    _listed(notes, result.get("products"))
    _sorted(notes, result)


def _listed(notes: _Notes, cards: Any) -> None:
    titles = [str(c["title"]) for c in cards or [] if isinstance(c, dict) and c.get("title")]
    if titles:
        notes.shown, notes.focus = titles, ""


def _product(notes: _Notes, result: dict[str, Any]) -> None:
    notes.focus = _string(result.get("title")) or notes.focus


def _checkout(notes: _Notes, result: dict[str, Any]) -> None:
    if result.get("error"):
        problem = _string(result.get("problem")) or "error"
        notes.problems.append(f"the checkout link failed ({problem.replace('_', ' ')})")
        return
    lines = [line for line in result.get("lines") or [] if isinstance(line, dict)]
    notes.cart = [_cart_line(line) for line in lines]
    if result.get("subtotal") is not None:
        notes.cart.append(f"subtotal {result['subtotal']} {_string(result.get('currency'))}")


def _order(notes: _Notes, result: dict[str, Any]) -> None:
    if result.get("error"):
        notes.problems.append("the order lookup did not find or verify the order")


_RESULTS: dict[str, Callable[[_Notes, dict[str, Any]], None]] = {
    "search_products": _searched,
    "compare": _compared,
    "recommend": lambda notes, result: _listed(notes, result.get("items")),
    "get_product": _product,
    "create_checkout_link": _checkout,
    "order_status": _order,
}


def _cart_line(line: dict[str, Any]) -> str:
    variant = _string(line.get("variant_title"))
    named = f" ({variant})" if variant and variant.lower() not in UNNAMED_VARIANTS else ""
    return f"{line.get('quantity', 1)} x {_string(line.get('title')) or 'item'}{named}"


def _recipient(gift: dict[str, Any]) -> str:
    """A gift's recipient and facts: "dad, age 60, men; birthday; likes hiking; up to $150"."""
    who = _string(gift.get("recipient"))
    for owner in OWNERS:
        who = who[len(owner) :] if who.lower().startswith(owner) else who
    person = ", ".join(
        part
        for part in (
            who,
            f"age {gift['age']}" if gift.get("age") is not None else "",
            _string(gift.get("gender")) if gift.get("gender") not in (None, "any") else "",
        )
        if part
    )
    interests = ", ".join(str(i) for i in gift.get("interests") or [])
    budget = (
        f"budget up to ${gift['budget_max']}"
        if gift.get("budget_max") is not None
        else "budget open"
        if gift.get("budget_flexible")
        else ""
    )
    parts = (person, _string(gift.get("occasion")), f"likes {interests}" if interests else "")
    return "; ".join(p for p in (*parts, budget) if p)


def _mapping(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _string(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""
