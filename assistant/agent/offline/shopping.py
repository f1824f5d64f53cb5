"""Shopping flows: search and comparison."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from assistant.agent.offline.actions import Action, Call
from assistant.agent.offline.kit import Turn
from assistant.agent.offline.lookup import named
from assistant.agent.offline.memory import Step


def search(turn: Turn, query: str, *, weak_ok: bool = False) -> Action:
    """Search; a saved budget filters from the start, a saved size once the best match is a
    sized product (a bottle search ignores it); saved filters that find nothing are dropped.
    `weak_ok`: the message is known to ask for products (its act), so weak matches show."""
    step = turn.memory.step
    if step is None:
        saved = _remembered(turn, query)
        budget = {k: v for k, v in saved.items() if k == "price_max"}
        return _search_call(query, budget, size=saved.get("size"))
    asked = step.data.get("query", query)
    results = turn.memory.results.get("search_products", [{}])
    result, remembered = results[-1], dict(step.data.get("remembered") or {})
    cards = result.get("products", [])
    size = step.data.get("size")
    if not cards and remembered and step.stage != 3:
        return _search_call(asked, {}, stage=2, size=size)
    if size and step.stage in (0, 2) and cards and cards[0].get("sizes_in_stock"):
        return _search_call(asked, {**remembered, "size": size}, stage=3)
    if step.stage == 3 and not cards and len(results) > 1:  # not in that size: as before
        result, remembered = results[-2], {k: v for k, v in remembered.items() if k != "size"}
        cards = result.get("products", [])
    constraints = said(result.get("understood", ""), remembered)
    carry = turn.carry.model_copy(deep=True)
    carry.intent, carry.awaiting, carry.search = (
        "search",
        "",
        step.data.get("query", query),
    )
    parsed = turn.kit.parser.parse(carry.search)
    carry.size = parsed.filters.size or remembered.get("size") or carry.size
    if not cards and step.stage != 1 and parsed.text.strip() and constraints:
        again = Step(flow="search", stage=1, data={"query": carry.search})
        relaxed = {"query": parsed.text, "filters": {"in_stock": True}, "read_filters": False}
        return Call(again, [("search_products", relaxed)])
    weak = result.get("match") == "weak" and not parsed.filters.categories and not weak_ok
    if not cards or weak:
        # weak matches for words naming no kind of product we sell ("hockey gear") are noise
        return turn.answer(
            turn.say("search_none", constraints=constraints), carry=carry, fallback=True
        )
    shown = turn.showable(cards)
    carry.shown = turn.remember_shown(shown)
    carry.focus = named(carry.search, shown, turn.kit.parser)
    key = "search_relaxed" if step.stage == 1 else "search_intro"
    text = (
        turn.say(key, constraints=constraints)
        + turn.listing(cards)
        + "\n"
        + turn.say("search_more")
    )
    chips = ["Tell me about #1", "Compare top two"] if len(shown) > 1 else ["Tell me more"]
    return turn.answer(
        text, carry=carry, cards=[c["product_id"] for c in cards], quick_replies=chips
    )


def _search_call(
    query: str, remembered: dict[str, str], *, stage: int = 0, size: str | None = None
) -> Call:
    """Search with saved filters (stage 2: without those that found nothing; 3: with the
    saved size; `size`: the saved size still to try)."""
    arguments: dict[str, object] = {"query": query}
    if remembered:
        arguments["filters"] = dict(remembered)
    data = {"query": query, "remembered": remembered, "size": size}
    step = Step(flow="search", stage=stage, data=data)
    return Call(step, [("search_products", arguments)])


def _remembered(turn: Turn, query: str) -> dict[str, str]:
    """Saved size and budget as filters, unless this message says its own."""
    saved = turn.memory.preferences
    if not saved:
        return {}
    said = turn.kit.parser.parse(query).filters
    filters = {}
    if saved.get("size") and said.size is None:
        filters["size"] = str(saved["size"])
    if saved.get("budget") and said.price_max is None and said.price_min is None:
        filters["price_max"] = str(saved["budget"])
    return filters


def said(understood: str, remembered: dict[str, str] | None = None) -> str:
    """The constraints a search understood, as the reply repeats them (" (up to $100)")."""
    saved = remembered or {}
    said = {f"size {saved['size']}" if "size" in saved else ""}
    if "price_max" in saved:
        said.add(f"up to ${Decimal(saved['price_max']):g}")
    kept = [
        p
        for p in understood.split(", ")
        if p and p not in ("none", "in stock") and not p.startswith("category ") and p not in said
    ]
    if "size" in saved:
        kept.append(f"your saved size {saved['size']}")
    if "price_max" in saved:
        kept.append(f"your saved budget of up to ${Decimal(saved['price_max']):g}")
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
        picked = [
            named(n, r.get("products", []), turn.kit.parser)
            for n, r in zip(names, results, strict=False)
        ]
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
