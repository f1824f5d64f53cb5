"""Shopping flows: search, questions about a product, comparison, checkout."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from assistant.agent.offline.actions import Action, Answer, Call
from assistant.agent.offline.kit import Turn
from assistant.agent.offline.memory import Step
from assistant.agent.offline.signals import quantity

_DISCOUNT = re.compile(
    r"\b(?:code|coupon|promo|discount)\s*(?:code)?\s*:?\s*([A-Za-z0-9_-]{3,40})\b", re.I
)


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


def product_question(turn: Turn) -> Action:
    step = turn.memory.step
    if step is None:
        product_id = turn.refer()
        if product_id is None:
            return turn.which_product(turn.carry.model_copy(deep=True))
        return Call(Step(flow="product"), [("get_product", {"product_id": product_id})])
    details = turn.memory.result("get_product")
    carry = turn.carry.model_copy(deep=True)
    if "error" in details:
        return turn.answer(turn.say("fallback"), carry=carry, fallback=True)
    carry.intent, carry.awaiting, carry.focus = "product", "", details["product_id"]
    return turn.answer(_answer_about(turn, details), carry=carry, cards=[details["product_id"]])


_ATTRIBUTES = [
    (r"waterproof|rain|wet|water", ("waterproofing", "waterproof_rating"), "waterproofing:"),
    (r"wash|care|clean|dry", ("care",), "care:"),
    (r"weigh|heavy|light", ("weight",), "weight:"),
    (r"made of|material|fabric", ("material",), "made of"),
    (r"warm|temperature|rated|cold", ("temperature_rating", "fill"), "warmth:"),
    (r"\bfit\b|run small|run large|true to size", ("fit",), "fit:"),
    (r"capacity|litre|liter|how big|volume", ("capacity",), "capacity:"),
    (r"bright|lumens", ("lumens",), "brightness:"),
    (r"battery", ("battery",), "battery:"),
    (r"warranty|guarantee", ("warranty",), "warranty:"),
]


def _answer_about(turn: Turn, details: dict[str, Any]) -> str:
    lowered = turn.text.lower()
    title, variants = details["title"], details["variants"]
    in_stock = [v for v in variants if v["in_stock"]]
    colors = _values(variants, "color")
    sizes = _values(variants, "size")
    wanted_color = next(
        (c for c in colors if re.search(rf"\b{re.escape(c.lower())}\b", lowered)), None
    )
    asked_color = wanted_color or _color_word(turn, lowered)
    if asked_color and (
        re.search(r"come in|colou?r|available in|have (?:it|one|that|this) in", lowered)
        or wanted_color
    ):
        if wanted_color:
            have = _values(
                [v for v in in_stock if v["options"].get("color") == wanted_color], "size"
            )
            return turn.say(
                "product_has_color",
                title=title,
                color=wanted_color,
                sizes=f" (in stock in {', '.join(have)})" if have else " (sold out for now)",
            )
        return turn.say(
            "product_lacks_color",
            title=title,
            color=asked_color,
            colors=", ".join(colors) or "one colour",
        )
    wanted_size = turn.kit.parser.parse(turn.text).filters.size
    if wanted_size and sizes:
        if wanted_size not in sizes:
            return turn.say(
                "product_lacks_size", title=title, size=wanted_size, sizes=", ".join(sizes)
            )
        fitting = [v for v in in_stock if v["options"].get("size") == wanted_size]
        if fitting:
            have = _values(fitting, "color")
            return turn.say(
                "product_has_size",
                title=title,
                size=wanted_size,
                colors=f" ({', '.join(have)})" if have else "",
            )
        others = _values(in_stock, "size")
        return turn.say(
            "product_size_sold_out",
            title=title,
            size=wanted_size,
            alternatives=f" In stock: {', '.join(others)}." if others else "",
        )
    for pattern, keys, label in _ATTRIBUTES:
        if re.search(pattern, lowered):
            values = [details["attributes"][k] for k in keys if k in details["attributes"]]
            if values:
                return turn.say(
                    "product_attribute", title=title, label=label, value=", ".join(values)
                )
            return turn.say("product_attribute_unknown", title=title, label=label.rstrip(":"))
    if re.search(r"in stock|left|available|sold out", lowered):
        return turn.say("product_stock", title=title, summary=_stock_summary(variants))
    price = min((v["price"] for v in in_stock or variants), key=float)
    facts = "; ".join(
        f"{k.replace('_', ' ')}: {v}" for k, v in list(details["attributes"].items())[:5]
    )
    text = turn.say(
        "product_overview", title=title, price=f"${price}", description=details["description"]
    )
    return f"{text}\n{facts}\n{_stock_summary(variants)}."


def _color_word(turn: Turn, lowered: str) -> str | None:
    color = turn.kit.parser.parse(lowered).filters.color
    return color


def _values(variants: list[dict[str, Any]], option: str) -> list[str]:
    return list(dict.fromkeys(v["options"][option] for v in variants if v["options"].get(option)))


def _stock_summary(variants: list[dict[str, Any]]) -> str:
    in_stock = [v for v in variants if v["in_stock"]]
    if not in_stock:
        return "sold out in every option right now"
    if len(in_stock) == len(variants):
        return "in stock in every option"
    names = [" / ".join(v["options"].values()) or "default" for v in in_stock]
    return f"in stock in {', '.join(names[:8])}" + (" and more" if len(names) > 8 else "")


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


def checkout(turn: Turn) -> Action:
    step = turn.memory.step
    if step is None:
        product_id = turn.refer()
        if product_id is None:
            return turn.which_product(turn.carry.model_copy(deep=True))
        return Call(Step(flow="checkout"), [("get_product", {"product_id": product_id})])
    carry = turn.carry.model_copy(deep=True)
    if step.stage == 1:
        return _checkout_done(turn, carry)
    details = turn.memory.result("get_product")
    if "error" in details:
        return turn.answer(turn.say("fallback"), carry=carry, fallback=True)
    carry.focus, carry.intent = details["product_id"], "checkout"
    count = quantity(turn.text) or carry.quantity or 1
    code = _DISCOUNT.search(turn.text)
    discount = code.group(1) if code else carry.discount
    same = carry.awaiting == "variant" and carry.options_for == details["product_id"]
    options = dict(carry.options) if same else {}
    chosen, problem = _choose_variant(turn, details, options)
    if chosen is None:
        carry.awaiting, carry.quantity, carry.discount = "variant", count, discount
        carry.options, carry.options_for = options, details["product_id"]
        return turn.answer(
            problem.text,
            carry=carry,
            quick_replies=problem.quick_replies,
            cards=[details["product_id"]],
        )
    carry.awaiting, carry.quantity, carry.discount, carry.options = "", None, None, {}
    args: dict[str, Any] = {"items": [{"variant_id": chosen["variant_id"], "quantity": count}]}
    if discount:
        args["discount_code"] = discount
    return Call(
        Step(flow="checkout", stage=1, data={"title": details["title"]}),
        [("create_checkout_link", args)],
    )


def _checkout_done(turn: Turn, carry: Any) -> Answer:
    link = turn.memory.result("create_checkout_link")
    if "error" in link:
        return turn.answer(turn.say("checkout_problem", error=link["error"]), carry=carry)
    summary = ", ".join(
        f"{line['quantity']} x {line['title']} ({' / '.join(line['options'].values())})"
        for line in link["lines"]
    )
    subtotal = f"${Decimal(str(link['subtotal'])):.2f}"
    text = turn.say("checkout_ready", summary=summary, subtotal=subtotal, url=link["url"])
    return turn.answer(text, carry=carry, checkout_url=link["url"])


def _choose_variant(
    turn: Turn, details: dict[str, Any], wanted: dict[str, str]
) -> tuple[dict[str, Any] | None, Answer]:
    """The one variant the shopper means, or the question that narrows it down.

    `wanted` holds the options already chosen in earlier answers; it is updated in place.
    """
    variants, lowered, title = details["variants"], turn.text.lower(), details["title"]
    parsed = turn.kit.parser.parse(turn.text).filters
    for option in sorted({k for v in variants for k in v["options"]}):
        values = _values(variants, option)
        said = next(
            (
                x
                for x in values
                if re.search(rf"(?<![\w.]){re.escape(x.lower())}(?![\w.])", lowered)
            ),
            None,
        )
        if option == "size":
            said = said or parsed.size or (turn.carry.size if turn.carry.size in values else None)
        if option == "color" and not said and parsed.color:
            said = next((x for x in values if parsed.color in x.lower()), None)
            if said is None:  # a colour the product does not come in
                return None, turn.answer(
                    turn.say(
                        "option_missing", title=title, wanted=parsed.color, values=", ".join(values)
                    )
                )
        if said:
            wanted[option] = said
        elif wanted.get(option) in values:
            continue
        elif len(values) == 1:
            wanted[option] = values[0]
    matching = [v for v in variants if all(v["options"].get(k) == x for k, x in wanted.items())]
    in_stock = [v for v in matching if v["in_stock"]]
    if len(in_stock) == 1 or (
        in_stock and len({tuple(v["options"].items()) for v in in_stock}) == 1
    ):
        return in_stock[0], turn.answer("")
    if matching and not in_stock:
        wanted_text = " / ".join(wanted.values())
        alternatives = ", ".join(
            " / ".join(v["options"].values()) for v in variants if v["in_stock"]
        )[:300]
        return None, turn.answer(
            turn.say(
                "option_sold_out",
                title=title,
                wanted=wanted_text,
                alternatives=alternatives or "nothing right now",
            )
        )
    if not matching:
        option, said = next(iter(wanted.items()))
        return None, turn.answer(
            turn.say(
                "option_missing",
                title=title,
                wanted=said,
                values=", ".join(_values(variants, option)),
            )
        )
    missing = next(
        k
        for k in sorted({k for v in in_stock for k in v["options"]}, key=lambda k: (k != "size", k))
        if k not in wanted
    )
    values = _values(in_stock, missing)
    return None, turn.answer(
        turn.say("ask_option", option=missing, values=", ".join(values)), quick_replies=values[:10]
    )
