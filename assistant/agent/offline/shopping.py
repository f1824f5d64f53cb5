"""Shopping flows: search and comparison."""

from __future__ import annotations

import re
from typing import Any

from assistant.agent.offline.actions import Action, Call
from assistant.agent.offline.kit import Turn
from assistant.agent.offline.lookup import named
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
        relaxed = {"query": parsed.text, "filters": {"in_stock": True}, "read_filters": False}
        return Call(step, [("search_products", relaxed)])
    if not cards or (result.get("match") == "weak" and not parsed.filters.categories):
        # weak matches for words naming no kind of product we sell ("hockey gear") are noise
        return turn.answer(
            turn.say("search_none", constraints=constraints), carry=carry, fallback=True
        )
    carry.shown, carry.focus = turn.remember_shown(cards), named(carry.search, cards)
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
            names = _names(turn.text)
            calls: list[tuple[str, dict[str, Any]]] = [
                (
                    "search_products",
                    {"query": n, "filters": {"in_stock": False}, "read_filters": False},
                )
                for n in names
            ]
            calls.append(("search_products", {"query": turn.text}))
            return Call(Step(flow="compare", stage=1, data={"names": names}), calls)
        return Call(Step(flow="compare", stage=2), [("compare", {"product_ids": ids})])
    if step.stage == 1:
        results = turn.memory.results.get("search_products", [])
        names = step.data.get("names", [])
        picked = [named(n, r.get("products", [])) for n, r in zip(names, results, strict=False)]
        found = list(dict.fromkeys(p for p in picked if p))
        if len(found) < 2:
            found = [
                c["product_id"] for c in (results[-1] if results else {}).get("products", [])[:2]
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


_JOINS = re.compile(r",|\b(?:and|vs\.?|versus|or|with|to|against)\b", re.I)
_LEAD = re.compile(
    r"^.*?\b(?:compare|comparison of|difference between|differences between|between)\b", re.I
)


def _names(text: str) -> list[str]:
    """The products a comparison names: "compare the A and the B" -> ["the A", "the B"]."""
    body = _LEAD.sub(" ", text).rstrip("?!. ")
    parts = [p.strip() for p in _JOINS.split(body)]
    return [p for p in parts if len(re.findall(r"[a-z]{3,}", p.lower())) >= 1][:4]


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
