"""Going on from a search: narrowing it ("only freestanding ones", "in kids sizes", "not down")
and shifting a measure from what was shown ("anything roomier?", "any brighter?", "cheaper?").

A shift is relative: roomier than the item in focus, else than the first item shown, so the
products found are past what the shopper was offered, in the direction they asked, and each
one's value is said. When nothing goes past, the reply says so.
"""

from __future__ import annotations

import re
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
_CENT = 0.01  # a price past another is at least a cent past it


def base(turn: Turn, *, same: bool = False) -> str:
    """What is being looked for: the search shown, else the item looked at (or the first
    shown) by its name without its cut, and its kind: "the same but for my husband" after a
    boot looked at by name, or put in the cart. `same`: the item first, though a search was
    shown ("the same one for my husband")."""
    carry = turn.carry
    if carry.search and not (same and turn.looked_at()):
        return carry.search
    item = turn.looked_at() or (carry.shown[0] if carry.shown else None)  # or the cart's
    if item is None:
        return ""
    return f"{item.title.split(' - ')[0]} {item.category}"  # its line, whoever it is for


def narrow(turn: Turn) -> Action:
    """The search being refined: its kind, its constraints (those the message restates
    replaced), the message's new ones, and its shifts kept."""
    return _bounded_search(turn, turn.carry.bounds, turn.carry.sort)


# A word pointing back at what was shown as the kind wanted ("the same kind for my wife")
_SAME = re.compile(r"\bsame\b", re.I)


def for_someone_else(turn: Turn) -> bool:
    """Whether the message asks for what was shown for someone else ("the same one for my
    husband", "got the same kind for my wife?")."""
    carry = turn.carry
    if not (carry.shown or carry.focus or carry.cart) or not _SAME.search(turn.text):
        return False
    return bool(turn.kit.parser.parse(turn.text).filters.attributes.get("gender"))


def same(turn: Turn) -> Action:
    """ "The same kind for my wife": the item looked at (else the search) for someone else."""
    return _bounded_search(turn, turn.carry.bounds, turn.carry.sort, same=True)


def shift(turn: Turn, sort: SortBy) -> Action:
    """More of a measure than shown: a search bounded past the item in focus, else past the
    first one shown (the one the list put forward)."""
    carry = turn.carry
    pointed = [carry.focus] if carry.focus else [s.product_id for s in carry.shown[:1]]
    values = [v for pid in pointed if (v := turn.kit.amount(pid, sort)) is not None]
    said = turn.kit.parser.parse(turn.text).filters
    if not values or said.measures or said.price_max is not None or said.price_min is not None:
        # nothing to be relative to, or the shopper said how much ("cheaper, under 100")
        return _bounded_search(turn, carry.bounds, sort.model_dump())
    reference = max(values) if sort.direction == "desc" else min(values)
    step = _CENT if sort.by == "price" else _STRICT * max(1.0, abs(reference))
    bound: dict[str, Any] = {"measure": sort.by}
    if sort.direction == "desc":
        bound["min"] = reference + step
    else:
        bound["max"] = reference - step
    kept = [b for b in carry.bounds if b.get("measure") != sort.by]
    return _bounded_search(turn, [*kept, bound], sort.model_dump())


def _bounded_search(
    turn: Turn, bounds: list[dict[str, Any]], sort: dict[str, Any] | None, *, same: bool = False
) -> Call:
    """Search the kind being looked for with the constraints carried and said, and `bounds`
    (shifts: measure or price bounds past what was shown)."""
    parser = turn.kit.parser
    searched, said = base(turn, same=same), parser.parse(turn.text)
    if said.filters.attributes.get("gender"):  # "the same kind for my wife": hers, not his
        searched = parser.without_gender(searched)
    before = parser.parse(searched)
    query = f"{before.text} {turn.text}".strip()
    old, new = before.filters, said.filters
    filters: dict[str, Any] = {}
    prices = (new.price_min, new.price_max)
    if prices == (None, None):
        prices = (old.price_min, old.price_max)
    for name, price in zip(("price_min", "price_max"), prices, strict=True):
        if price is not None:
            filters[name] = str(price)
    for name in ("color", "size", "material"):
        if value := getattr(new, name) or getattr(old, name):
            filters[name] = value
    if sort and (kind := _kind_shown(turn, new.categories or old.categories)):
        filters["category"] = kind  # "cheaper?" after insulated parkas: not a rain parka
    measures = {m.measure: m.model_dump(exclude_none=True) for m in old.measures}
    measures |= {m.measure: m.model_dump(exclude_none=True) for m in new.measures}
    for b in bounds:
        if b["measure"] != "price":
            measures[b["measure"]] = b
        elif new.price_max is None and new.price_min is None:
            for end in ("min", "max"):
                if b.get(end) is not None:
                    filters[f"price_{end}"] = str(round(Decimal(str(b[end])), 2))
    if measures:
        filters["measures"] = list(measures.values())
    for name in ("exclude_colors", "exclude_words"):
        if merged := list(dict.fromkeys([*getattr(old, name), *getattr(new, name)])):
            filters[name] = merged
    arguments: dict[str, Any] = {"query": query}
    if filters:
        arguments["filters"] = filters
    if sort:
        arguments["sort"] = sort
    search = f"{searched} {turn.text}".strip()
    data: dict[str, Any] = {"query": search, "bounds": bounds, "sort": sort}
    if same and (item := turn.looked_at()) is not None:
        data["line"] = _line_of(item.title)  # its other cuts come first
    return Call(Step(flow="shift", data=data), [("search_products", arguments)])


def _line_of(title: str) -> str:
    """A product's name without its cut: "Fernrunner 3 - Men's" -> "fernrunner 3"."""
    return title.split(" - ")[0].strip().lower()


def _kind_shown(turn: Turn, named: list[str]) -> str | None:
    """The one kind every item shown is of, when the words searched name it among others
    ("parka": insulated or rain jackets) or name none; None when the message names another.
    A shift keeps to it; a narrowing may leave it ("in kids sizes" of rain jackets)."""
    kinds = {s.category for s in turn.carry.shown if s.category}
    if len(kinds) != 1:
        return None
    kind = next(iter(kinds))
    return kind if not named or kind in named else None


def shifted(turn: Turn, step: Step) -> Action:
    """The products past the reference, or that there are none."""
    result = turn.memory.result("search_products")
    cards = result.get("products", [])
    carry = turn.carry.model_copy(deep=True)
    sort = step.data.get("sort")
    constraints = shopping.said(result.get("understood", ""))
    if "error" in result or not cards:
        carry.awaiting = ""
        if sort and step.data["bounds"] != turn.carry.bounds:  # a shift found nothing past
            label = str(sort.get("by", "that")).replace("_", " ")
            return turn.answer(turn.say("shift_none", label=label), carry=carry)
        text = turn.say("search_none", constraints=constraints)
        return turn.answer(text, carry=carry, fallback=True)
    if line := step.data.get("line"):  # "the same one for my husband": that line first
        cards = sorted(cards, key=lambda card: _line_of(card["title"]) != line)
    shown = turn.showable(cards)
    carry.intent, carry.awaiting = "search", ""
    carry.search, carry.bounds, carry.sort = step.data["query"], step.data["bounds"], sort
    carry.shown, carry.focus = turn.remember_shown(shown), None
    values = result.get("sorted_by", {}).get("values", {})
    label = str(result.get("sorted_by", {}).get("measure", "")).replace("_", " ")
    said = "; ".join(
        f"{c['title']}: {values[c['product_id']]}" for c in shown if c["product_id"] in values
    )
    text = turn.say("search_intro", constraints=constraints) + turn.listing(cards)
    if said and label:
        text += "\n" + turn.say("shift_values", label=label, values=said)
    chips = ["Tell me about #1", "Compare top two"] if len(shown) > 1 else ["Tell me more"]
    return turn.answer(
        text, carry=carry, cards=[c["product_id"] for c in cards], quick_replies=chips
    )
