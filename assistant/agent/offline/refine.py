"""Going on from a search: narrowing it ("only freestanding ones", "in kids sizes", "not down")
and shifting a measure from what was shown ("anything roomier?", "any brighter?", "cheaper?").

A shift is relative: roomier than the item in focus, else than the first item shown, so the
products found are past what the shopper was offered, in the direction they asked, and each
one's value is said. When nothing goes past, the reply says so.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from assistant.agent.offline import shopping
from assistant.agent.offline.actions import Action, Call
from assistant.agent.offline.kit import Turn
from assistant.agent.offline.memory import Step
from assistant.retrieval.measure_columns import SortBy

# How far past the reference a value must be to count as "more" (in the measure's base unit,
# scaled by its size): equal values are not roomier.
_STRICT = 1e-6


def narrow(turn: Turn) -> Action:
    """The search being refined, with the new words added (and its shifts kept)."""
    query = f"{turn.carry.search} {turn.text}".strip()
    if turn.carry.bounds:
        return _bounded_search(turn, query, turn.carry.bounds, turn.carry.sort)
    return shopping.search(turn, query)


def shift(turn: Turn, sort: SortBy) -> Action:
    """More of a measure than shown: a search bounded past the item in focus, else past the
    first one shown (the one the list put forward)."""
    carry = turn.carry
    pointed = [carry.focus] if carry.focus else [s.product_id for s in carry.shown[:1]]
    values = [v for pid in pointed if (v := turn.kit.amount(pid, sort)) is not None]
    query = f"{carry.search} {turn.kit.parser.parse(turn.text).text}".strip() or turn.text
    if not values:  # nothing to be relative to: the search, in that order
        return _bounded_search(turn, query, carry.bounds, sort.model_dump())
    reference = max(values) if sort.direction == "desc" else min(values)
    step = _STRICT * max(1.0, abs(reference))
    bound: dict[str, Any] = {"measure": sort.by}
    if sort.direction == "desc":
        bound["min"] = reference + step
    else:
        bound["max"] = reference - step
    kept = [b for b in carry.bounds if b.get("measure") != sort.by]
    return _bounded_search(turn, query, [*kept, bound], sort.model_dump(), past=reference)


def _bounded_search(
    turn: Turn,
    query: str,
    bounds: list[dict[str, Any]],
    sort: dict[str, Any] | None,
    *,
    past: float | None = None,
) -> Call:
    filters: dict[str, Any] = {}
    measures = [b for b in bounds if b["measure"] != "price"]
    for b in bounds:
        if b["measure"] == "price":
            if b.get("max") is not None:
                filters["price_max"] = str(round(Decimal(str(b["max"])), 2))
            if b.get("min") is not None:
                filters["price_min"] = str(round(Decimal(str(b["min"])), 2))
    if measures:
        filters["measures"] = measures
    arguments: dict[str, Any] = {"query": query}
    if filters:
        arguments["filters"] = filters
    if sort:
        arguments["sort"] = sort
    data = {"query": query, "bounds": bounds, "sort": sort, "past": past}
    return Call(Step(flow="shift", data=data), [("search_products", arguments)])


def shifted(turn: Turn, step: Step) -> Action:
    """The products past the reference, or that there are none."""
    result = turn.memory.result("search_products")
    cards = result.get("products", [])
    carry = turn.carry.model_copy(deep=True)
    sort = step.data.get("sort")
    if "error" in result or not cards:
        label = str((sort or {}).get("by", "that")).replace("_", " ")
        carry.awaiting = ""
        text = turn.say("shift_none", label=label)
        return turn.answer(text, carry=carry, fallback="error" in result)
    shown = turn.showable(cards)
    carry.intent, carry.awaiting = "search", ""
    carry.search, carry.bounds, carry.sort = step.data["query"], step.data["bounds"], sort
    carry.shown, carry.focus = turn.remember_shown(shown), None
    values = result.get("sorted_by", {}).get("values", {})
    label = str(result.get("sorted_by", {}).get("measure", "")).replace("_", " ")
    said = "; ".join(
        f"{c['title']}: {values[c['product_id']]}" for c in shown if c["product_id"] in values
    )
    text = turn.say("search_intro", constraints="") + turn.listing(cards)
    if said and label:
        text += "\n" + turn.say("shift_values", label=label, values=said)
    chips = ["Tell me about #1", "Compare top two"] if len(shown) > 1 else ["Tell me more"]
    return turn.answer(
        text, carry=carry, cards=[c["product_id"] for c in cards], quick_replies=chips
    )
