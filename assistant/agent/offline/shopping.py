"""Shopping flows: search and comparison."""

from __future__ import annotations

import re

from assistant.agent.offline.actions import Action, Call
from assistant.agent.offline.kit import Turn
from assistant.agent.offline.memory import Step


def search(turn: Turn, query: str) -> Action:
    if turn.memory.step is None:
        return Call(
            Step(flow="search", data={"query": query}), [("search_products", {"query": query})]
        )
    result = turn.memory.result("search_products")
    cards = result.get("products", [])
    constraints = _constraints(result.get("understood", ""))
    carry = turn.carry.model_copy(deep=True)
    carry.intent, carry.awaiting, carry.search = (
        "search",
        "",
        turn.memory.step.data.get("query", query),
    )
    parsed = turn.kit.parser.parse(carry.search)
    carry.size = parsed.filters.size or carry.size
    if not cards and turn.memory.step.stage == 0 and parsed.text.strip() and constraints:
        step = Step(flow="search", stage=1, data={"query": carry.search})
        relaxed = {"query": parsed.text, "filters": {"in_stock": True}}
        return Call(step, [("search_products", relaxed)])
    if not cards:
        return turn.answer(
            turn.say("search_none", constraints=constraints), carry=carry, fallback=True
        )
    carry.shown, carry.focus = turn.remember_shown(cards), None
    key = "search_relaxed" if turn.memory.step.stage == 1 else "search_intro"
    text = (
        turn.say(key, constraints=constraints)
        + turn.listing(cards)
        + "\n"
        + turn.say("search_more")
    )
    chips = ["Tell me about #1", "Compare top two"] if len(cards) > 1 else ["Tell me more"]
    return turn.answer(
        text, carry=carry, cards=[c["product_id"] for c in cards], quick_replies=chips
    )


def _constraints(understood: str) -> str:
    kept = [
        p
        for p in understood.split(", ")
        if p and p not in ("none", "in stock") and not p.startswith("category ")
    ]
    return f" ({', '.join(kept)})" if kept else ""


def compare(turn: Turn) -> Action:
    step = turn.memory.step
    if step is None:
        ids = _compare_ids(turn)
        if len(ids) < 2:
            return Call(Step(flow="compare", stage=1), [("search_products", {"query": turn.text})])
        return Call(Step(flow="compare", stage=2), [("compare", {"product_ids": ids})])
    if step.stage == 1:
        found = [
            c["product_id"] for c in turn.memory.result("search_products").get("products", [])[:2]
        ]
        if len(found) < 2:
            return turn.answer(turn.say("search_none", constraints=""), fallback=True)
        return Call(Step(flow="compare", stage=2), [("compare", {"product_ids": found})])
    result = turn.memory.result("compare")
    carry = turn.carry.model_copy(deep=True)
    if "error" in result:
        return turn.answer(turn.say("fallback"), carry=carry, fallback=True)
    cards = result["products"]
    lines = [turn.say("compare_intro")]
    lines.append(" | ".join(f"{c['title']}: ${c['price']}" for c in cards))
    for attribute, values in result["attributes"].items():
        lines.append(
            f"{attribute.replace('_', ' ')}: " + " | ".join(values[c["product_id"]] for c in cards)
        )
    cheapest = min(cards, key=lambda c: float(c["price"]))
    if sum(c["price"] == cheapest["price"] for c in cards) == 1:
        lines.append(
            turn.say("compare_cheaper", title=cheapest["title"], price=f"${cheapest['price']}")
        )
    carry.intent, carry.awaiting, carry.shown, carry.focus = (
        "compare",
        "",
        turn.remember_shown(cards),
        None,
    )
    return turn.answer("\n".join(lines), carry=carry, cards=[c["product_id"] for c in cards])


def _compare_ids(turn: Turn) -> list[str]:
    shown = [s.product_id for s in turn.carry.shown]
    lowered = turn.text.lower()
    if m := re.search(r"\b(?:first|top) (two|three|2|3)\b", lowered):
        return shown[
            : {"two": 2, "three": 3}.get(m.group(1), int(m.group(1)) if m.group(1).isdigit() else 2)
        ]
    picked = [
        s.product_id
        for s in turn.carry.shown
        if any(w in lowered for w in _distinct_words(s.title, turn))
    ]
    if len(picked) >= 2:
        return picked[:4]
    if re.search(r"\b(?:them|these|those|both|the two)\b", lowered) or (
        shown and not turn.kit.parser.parse(turn.text).filters.categories
    ):
        return shown[:2] if len(shown) >= 2 else []
    return []


def _distinct_words(title: str, turn: Turn) -> list[str]:
    words = re.findall(r"[a-z0-9]+", title.lower())
    common = {
        w
        for s in turn.carry.shown
        if s.title != title
        for w in re.findall(r"[a-z0-9]+", s.title.lower())
    }
    return [w for w in words if w not in common and len(w) > 3]
