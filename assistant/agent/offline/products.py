"""Questions about a product: colours, sizes, materials, care, weight, stock; asked of all the
products shown ("are they waterproof?"), answered for each."""

from __future__ import annotations

import re
from typing import Any

from assistant.agent.offline.actions import Action, Call
from assistant.agent.offline.kit import Turn, as_that_one
from assistant.agent.offline.memory import Step


def product_question(turn: Turn) -> Action:
    step = turn.memory.step
    if step is None:
        product_id = turn.refer()
        if product_id is None and of_all_shown(turn):
            calls = [("get_product", {"product_id": s.product_id}) for s in turn.carry.shown]
            return Call(Step(flow="product", data={"all": True}), calls)
        if product_id is None:
            return turn.which_product(turn.carry.model_copy(deep=True))
        return Call(Step(flow="product"), [("get_product", {"product_id": product_id})])
    if step.data.get("all"):
        return _for_each(turn)
    details = turn.memory.result("get_product")
    carry = turn.carry.model_copy(deep=True)
    if "error" in details:
        return turn.answer(turn.say("fallback"), carry=carry, fallback=True)
    waiting = turn.carry.question if turn.carry.awaiting == "product" else ""
    asked = f"{waiting} {turn.text}".strip()  # "is it warm?" ... "the first one"
    carry.intent, carry.awaiting, carry.focus = "product", "", details["product_id"]
    carry.question = ""
    if all(s.product_id != details["product_id"] for s in carry.shown):
        carry.shown = turn.remember_shown([_card(details)])
    return turn.answer(
        _answer_about(turn, details, asked), carry=carry, cards=[details["product_id"]]
    )


def of_all_shown(turn: Turn) -> bool:
    """ "Are they waterproof?", "do these come in black?": a question about one thing, asked of
    every product shown (an overview of each would be too long: that one asks which)."""
    text = turn.text.lower()
    return (
        len(turn.carry.shown) > 1
        and bool(re.search(r"\b(?:they|them|these|those|all|each|any of)\b", text))
        and (
            any(re.search(pattern, text) for pattern, _, _ in _ATTRIBUTES)
            or bool(re.search(_SPECIFIC, text))
            or turn.kit.parser.parse(text).filters.size is not None
        )
    )


def _for_each(turn: Turn) -> Action:
    """The answer for every product shown, a line each, in the order shown."""
    found = [d for d in turn.memory.results.get("get_product", []) if "error" not in d]
    carry = turn.carry.model_copy(deep=True)
    carry.intent, carry.awaiting, carry.focus, carry.question = "product", "", None, ""
    if not found:
        return turn.answer(turn.say("fallback"), carry=carry, fallback=True)
    keys = list(dict.fromkeys(k for details in found for k in details["attributes"]))
    lines = [
        _answer_about(turn, details, turn.text, may_name=False, keys=keys) for details in found
    ]
    return turn.answer("\n".join(lines), carry=carry, cards=[d["product_id"] for d in found])


_SPECIFIC = r"come in|colou?r|available in|in stock|sold out|\bleft\b"
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


def _answer_about(
    turn: Turn,
    details: dict[str, Any],
    asked: str,
    *,
    may_name: bool = True,
    keys: list[str] | None = None,
) -> str:
    """`may_name`: the question may name the product (its words then ask nothing); `keys`: the
    attributes of all the products asked about (one lacking the one asked says so)."""
    title, variants = details["title"], details["variants"]
    lowered = _without_name(asked.lower(), title) if may_name else asked.lower()
    in_stock = [v for v in variants if v["in_stock"]]
    colors = option_values(variants, "color")
    sizes = option_values(variants, "size")
    wanted_color = next(
        (c for c in colors if re.search(rf"\b{re.escape(c.lower())}\b", lowered)), None
    )
    asked_color = wanted_color or _color_word(turn, lowered)
    if asked_color and (
        re.search(r"come in|colou?r|available in|have (?:it|one|that|this) in", lowered)
        or wanted_color
    ):
        if wanted_color:
            have = option_values(
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
    if colors and re.search(r"\bcolou?rs?\b|\bshades?\b", lowered):  # "what colours?"
        have = option_values(in_stock, "color")
        value = ", ".join(have) + (" in stock" if have else "sold out for now")
        return turn.say("product_attribute", title=title, label="colours:", value=value)
    wanted_size = turn.kit.parser.parse(asked).filters.size
    if wanted_size and sizes:
        if wanted_size not in sizes:
            return turn.say(
                "product_lacks_size", title=title, size=wanted_size, sizes=", ".join(sizes)
            )
        fitting = [v for v in in_stock if v["options"].get("size") == wanted_size]
        if fitting:
            have = option_values(fitting, "color")
            return turn.say(
                "product_has_size",
                title=title,
                size=wanted_size,
                colors=f" ({', '.join(have)})" if have else "",
            )
        others = option_values(in_stock, "size")
        return turn.say(
            "product_size_sold_out",
            title=title,
            size=wanted_size,
            alternatives=f" In stock: {', '.join(others)}." if others else "",
        )
    key = turn.kit.parser.attribute_asked(lowered, keys or list(details["attributes"]), named=True)
    if key is not None:  # the question names the attribute ("the fill", "battery life")
        if key not in details["attributes"]:
            label = key.replace("_", " ")
            return turn.say("product_attribute_unknown", title=title, label=label)
        return _attribute(turn, title, key, details["attributes"][key])
    attributes: dict[str, str] = details["attributes"]
    lowest = min((v["price"] for v in details["variants"]), key=float, default="")
    priced = {**attributes, "price": f"${lowest}"}  # "how much is it" asks the price
    # read without the product's name, which says nothing of the attribute asked
    meant = turn.kit.attribute_meant(as_that_one(lowered, title), details["product_id"], priced)
    meant = meant if meant in attributes else None  # the price: the overview says it
    for pattern, names, label in _ATTRIBUTES:
        if re.search(pattern, lowered):
            values = [attributes[k] for k in names if k in attributes]
            if meant is not None and meant not in names:
                break  # "how thick is the fabric": the whole question means the fabric weight
            if values:
                return turn.say(
                    "product_attribute", title=title, label=label, value=", ".join(values)
                )
            return turn.say("product_attribute_unknown", title=title, label=label.rstrip(":"))
    if meant is not None:  # "fit in the overhead bin": the carry-on fit, by meaning
        return _attribute(turn, title, meant, attributes[meant])
    key = turn.kit.parser.attribute_asked(lowered, list(details["attributes"]))
    if key is not None:  # a word of its kind ("how tall": a height)
        return _attribute(turn, title, key, details["attributes"][key])
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


def _attribute(turn: Turn, title: str, key: str, value: str) -> str:
    label = key.replace("_", " ")
    return turn.say("product_attribute", title=title, label=f"{label}:", value=value)


def _card(details: dict[str, Any]) -> dict[str, Any]:
    """What `remember_shown` needs of a product's details: id, title, lowest price, kind and
    the options in stock."""
    price = min((v["price"] for v in details["variants"]), key=float)
    in_stock = [v for v in details["variants"] if v["in_stock"]]
    others = sorted({k for v in in_stock for k in v["options"]} - {"color", "size"})
    return {
        "product_id": details["product_id"],
        "title": details["title"],
        "price": price,
        "category": details.get("category", ""),
        "colors_in_stock": option_values(in_stock, "color"),  # "the charcoal one in large"
        "sizes_in_stock": option_values(in_stock, "size"),
        "options_in_stock": {k: option_values(in_stock, k) for k in others},
    }


def _without_name(text: str, title: str) -> str:
    """The question without the product's own name: "Rain" in "Ridgeline Rain Jacket" asks
    nothing about rain."""
    words = {w for w in re.findall(r"[a-z0-9]+", title.lower()) if len(w) > 2}
    return re.sub(r"[a-z0-9]+", lambda m: " " if m.group(0) in words else m.group(0), text)


def _color_word(turn: Turn, lowered: str) -> str | None:
    color = turn.kit.parser.parse(lowered).filters.color
    return color


def option_values(variants: list[dict[str, Any]], option: str) -> list[str]:
    """Distinct values of one option across variants, in order."""
    return list(dict.fromkeys(v["options"][option] for v in variants if v["options"].get(option)))


def _stock_summary(variants: list[dict[str, Any]]) -> str:
    in_stock = [v for v in variants if v["in_stock"]]
    if not in_stock:
        return "sold out in every option right now"
    if len(in_stock) == len(variants):
        return "in stock in every option"
    names = [" / ".join(v["options"].values()) or "default" for v in in_stock]
    return f"in stock in {', '.join(names[:8])}" + (" and more" if len(names) > 8 else "")
