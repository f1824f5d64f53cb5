"""Putting a product in a cart: which variant, how many, which code, then the link."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from assistant.agent.offline import lines
from assistant.agent.offline.actions import Action, Answer, Call
from assistant.agent.offline.kit import Turn
from assistant.agent.offline.lookup import lookup
from assistant.agent.offline.memory import Shown, Step
from assistant.agent.offline.options import options_said, said_value
from assistant.agent.offline.products import option_values
from assistant.agent.offline.signals import (
    CHECKOUT,
    FOLLOW_UP,
    QUESTION,
    quantity,
)
from assistant.retrieval.query import SIZE_WORDS, title_words

_BUYING = re.compile(
    rf"{CHECKOUT.pattern}|\b(?:please|want|like|need|get|take|buy|add|cart|bag|code|coupon|"
    r"promo|discount|with|size|colou?r|in|of|and|the|a|an|my|me|to|for|quantity|pack|pair|"
    r"one|two|three|four|five|first|second|third|fourth|last|other|cheaper|cheapest|that|this|"
    r"those|these|them|it|[A-Z0-9_-]*\d[A-Z0-9_-]*)\b",
    re.I,
)
_DISCOUNT = re.compile(
    r"\b(?:code|coupon|promo|discount)\s*(?:code)?\s*:?\s*([A-Za-z0-9_-]{3,40})\b", re.I
)


def checkout(turn: Turn) -> Action:
    step = turn.memory.step
    if step is None:
        product_id = _meant(turn)
        if product_id is None:
            if _names_something(turn):
                return lookup(turn, "checkout")
            return turn.which_product(turn.carry.model_copy(deep=True))
        return Call(Step(flow="checkout"), [("get_product", {"product_id": product_id})])
    carry = turn.carry.model_copy(deep=True)
    if step.stage == 1:  # the cart as chosen: what a correction starts from
        carry.cart = dict(step.data.get("cart") or {})
        carry.basket = list(step.data.get("basket") or [])
        carry.focus, carry.intent = carry.cart.get("product_id", carry.focus), "checkout"
        carry.awaiting, carry.quantity, carry.discount, carry.options = "", None, None, {}
        return _checkout_done(turn, carry)
    details = turn.memory.result("get_product")
    if "error" in details:
        return turn.answer(turn.say("fallback"), carry=carry, fallback=True)
    carry.focus, carry.intent = details["product_id"], "checkout"
    count = how_many(turn, details) or step.data.get("quantity") or carry.quantity or 1
    code = _DISCOUNT.search(turn.text)
    discount = code.group(1) if code else step.data.get("discount") or carry.discount
    same = carry.awaiting == "variant" and carry.options_for == details["product_id"]
    options = dict(carry.options) if same else _stilloffered(step.data, details)
    if not same and not step.data.get("options"):
        options = {**searched_options(turn, details), **options}
    chosen, problem = choose_variant(turn, details, options)
    if chosen is None:
        carry.awaiting, carry.quantity, carry.discount = "variant", count, discount
        carry.options, carry.options_for = options, details["product_id"]
        return turn.answer(
            problem.text,
            carry=carry,
            quick_replies=problem.quick_replies,
            cards=[details["product_id"]],
        )
    cart = {
        "product_id": details["product_id"],
        "variant_id": chosen["variant_id"],
        "title": details["title"],
        "options": dict(chosen["options"]),
        "quantity": count,
        "discount": discount,
        "item": offered(details).model_dump(),  # what a correction may choose instead
    }
    return lines.link(details["title"], cart, lines.kept(turn, step.data, details["product_id"]))


def correct(turn: Turn) -> Action:
    """ "Sorry, the other one", "make that a medium", "actually 2": the last cart choice (or the
    one being made) again, with what the shopper changed."""
    carry = turn.carry
    before = carry.cart or {
        "product_id": carry.options_for or carry.focus,
        "options": dict(carry.options),
        "quantity": carry.quantity,
        "discount": carry.discount,
    }
    basket = list(carry.basket)
    if (line := lines.named_line(turn)) is not None and line is not carry.cart:
        before = line  # "make the beanie charcoal": an earlier line of the cart
        basket = [kept for kept in basket if kept is not line] + [carry.cart]
    product_id = before.get("product_id")
    other = _other(turn, product_id) if line is None else None
    if other is not None:
        product_id = other
    if product_id is None:
        return turn.which_product(carry.model_copy(deep=True))
    data = {
        "options": before.get("options") or {},
        "quantity": before.get("quantity"),
        "discount": before.get("discount"),
        "basket": basket,  # the other lines stay as they are
    }
    return Call(Step(flow="checkout", data=data), [("get_product", {"product_id": product_id})])


def only_options(turn: Turn) -> bool:
    """Whether the message says options of the item looked at and nothing else ("the fern
    one", "orange", "large please"): a choice of its variant, asking nothing."""
    item = turn.looked_at()
    if item is None or QUESTION.search(turn.text):
        return False
    options = item.options()
    if not options_said(turn.text, options):
        return False
    words = {w for values in options.values() for v in values for w in title_words(v)}
    return not (content_words(turn, item.title) - words - {"one", "ones"})


def _other(turn: Turn, current: str | None) -> str | None:
    """The product a correction switches to: one pointed at (an ordinal, a name, a colour), or
    "the other one" of two shown (of more, the next one)."""
    if (pointed := turn.refer(explicit=True)) is not None and pointed != current:
        return pointed
    if not re.search(r"\b(?:other|another|different|next)\b", turn.text, re.I):
        return None
    ids = [s.product_id for s in turn.carry.shown]
    if current not in ids:
        return ids[0] if ids else None
    others = ids[ids.index(current) + 1 :] + ids[: ids.index(current)]
    return others[0] if others else None


def offered(details: dict[str, Any]) -> Shown:
    """The product as shown, with every option's values in stock."""
    in_stock = [v for v in details["variants"] if v["in_stock"]] or details["variants"]
    names = sorted({k for v in in_stock for k in v["options"]} - {"color", "size"})
    return Shown(
        product_id=details["product_id"],
        title=details["title"],
        price=min((v["price"] for v in in_stock), key=float),
        category=details.get("category", ""),
        colors=option_values(in_stock, "color"),
        sizes=option_values(in_stock, "size"),
        others={name: option_values(in_stock, name) for name in names},
    )


def searched_options(turn: Turn, details: dict[str, Any]) -> dict[str, str]:
    """The options the search shown was for, when this product comes in them: its colour
    ("sage" sun hats, then "l/xl": a sage one in L/XL), or a value of another option said in
    it ("basecamp duffel 70 liters", then "orange": the 70 L one in orange)."""
    if not turn.carry.search:
        return {}
    variants = details["variants"]
    names = sorted({k for v in variants for k in v["options"]} - {"color"})
    said = options_said(turn.carry.search, {name: option_values(variants, name) for name in names})
    wanted = turn.kit.parser.parse(turn.carry.search).filters.color
    colours = option_values(variants, "color")
    match = next((c for c in colours if wanted and wanted in c.lower()), None)
    return {**said, "color": match} if match else said


def _stilloffered(data: dict[str, Any], details: dict[str, Any]) -> dict[str, str]:
    """Options chosen before (a correction's) that this product offers too."""
    offered = {(k, v) for variant in details["variants"] for k, v in variant["options"].items()}
    return {k: v for k, v in dict(data.get("options") or {}).items() if (k, v) in offered}


_COUNT_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                "nine": 9, "ten": 10, "a couple": 2, "a pair": 2}  # fmt: skip
_BARE_COUNT = re.compile(
    r"(?<![#\w.$'\u2019])(\d{1,2}|"
    + "|".join(_COUNT_WORDS)
    + r")(?![\w.%°'\u2019$])(?!\s*(?:st|nd|rd|th)\b)",
    re.I,
)


def how_many(turn: Turn, details: dict[str, Any]) -> int | None:
    """How many: "add two", "x3"; and, for a message that is a cart choice or a correction,
    a bare count ("actually 2", "three of the small"), though not a size or a number of the
    product's name ("size 10", "Cairn 28")."""
    if said := quantity(turn.text):
        return said
    if (counted := _count_of_name(turn.text, details["title"])) is not None:
        return counted  # "2 fuel canisters", "two packing cube sets in teal"
    reading = turn.reading()
    if reading is None or reading.act not in ("choose_variant", "correct", "checkout", "pick"):
        return None
    text = turn.text.lower()
    for item in turn.carry.shown:
        text = text.replace(item.title.lower(), " ")
    text = text.replace(details["title"].lower(), " ")
    values = {v.lower() for variant in details["variants"] for v in variant["options"].values()}
    values |= {m.group(0) for v in values if (m := re.match(r"\d+(?:\.\d+)?", v))}  # "the 20"
    titles = [details["title"], *(item.title for item in turn.carry.shown)]
    values |= {n for title in titles for n in re.findall(r"\d+", title)}  # "fernrunner 3"
    for m in _BARE_COUNT.finditer(text):
        word = m.group(1).lower()
        if word in values or re.search(r"\bsize\s*$", text[: m.start()]):
            continue
        if _is_measure(turn, text[m.start() :]):
            continue  # "the 2 person", "the 32 oz one": a measure, not a count
        count = _COUNT_WORDS.get(word) or int(word)
        if 1 <= count <= 99:
            return count
    return None


def _count_of_name(text: str, title: str) -> int | None:
    """A count said right before words of the product's name ("2 fuel canisters" of the
    Isobutane Fuel Canister 230 g), though not a number of the name ("the cairn 28") nor a
    size ("size 10 trail runners")."""
    name = set(title_words(title))
    lowered = text.lower()
    for m in _BARE_COUNT.finditer(lowered):
        word = m.group(1).lower()
        after = title_words(lowered[m.end() :])[:2]
        if word in name or not set(after) & name or re.search(r"\bsize\s*$", lowered[: m.start()]):
            continue  # "size 10 trail runners": a size
        count = _COUNT_WORDS.get(word) or int(word)
        if 1 <= count <= 99:
            return count
    return None


def _is_measure(turn: Turn, rest: str) -> bool:
    """Whether the number opening `rest` is a measure of the catalog with the word after it."""
    said = " ".join(rest.split()[:2])
    return bool(turn.kit.parser.parse(said).filters.measures)


def _meant(turn: Turn) -> str | None:
    """The product being bought: picked from those shown, the one whose options are being
    chosen, or (for "buy it") the one in focus."""
    carry = turn.carry
    if product_id := turn.refer(explicit=True):
        title = next(s.title for s in carry.shown if s.product_id == product_id)
        reading = turn.reading()
        if reading is not None and not reading.unsure and not _names_kind(turn):
            return product_id  # read as a cart choice, naming no other kind of product
        return None if len(content_words(turn, title)) >= 2 else product_id
    if carry.awaiting == "variant" and carry.options_for:
        return carry.options_for
    if FOLLOW_UP.search(turn.text) or not _names_something(turn):
        return turn.refer()
    if (item := turn.looked_at()) is not None and options_said(turn.text, item.options()):
        return item.product_id  # "regular length is fine" of the pad looked at
    return None


def _names_kind(turn: Turn) -> bool:
    return bool(turn.kit.parser.parse(turn.text).filters.categories)


def names_product(turn: Turn) -> bool:
    """Whether the message names a product by its name or kind ("buying the flashpoint
    stove", not "checkout please" nor "what payment options can I use for an order")."""
    parser = turn.kit.parser
    return bool(parser.named_by(turn.text) or parser.parse(turn.text).filters.categories)


def _names_something(turn: Turn) -> bool:
    """Whether the message holds words that could name a product, beyond buying words."""
    return bool(content_words(turn))


def content_words(turn: Turn, title: str = "") -> set[str]:
    """Words of the message that are not about buying, options or the product `title`: a
    message with two or more of them names some other product."""
    parsed = turn.kit.parser.parse(turn.text)
    rest = _BUYING.sub(" ", parsed.text.lower())
    skip = set(re.findall(r"[a-z0-9]+", f"{title} {parsed.filters.color or ''}".lower()))
    return {w for w in re.findall(r"[a-z0-9]+", rest) if len(w) > 2 and not w.isdigit()} - skip


def _size_word(text: str, sizes: list[str]) -> str | None:
    """A size said in words in a cart choice ("medium", "the large"), as the product has it."""
    offered = {s.lower(): s for s in sizes}
    for word in re.findall(r"[a-z-]+", text):
        if (size := offered.get(SIZE_WORDS.get(word, "").lower())) is not None:
            return size
    return None


def _checkout_done(turn: Turn, carry: Any) -> Answer:
    link = turn.memory.result("create_checkout_link")
    if "error" in link:
        problem = turn.say(f"checkout_{link.get('problem', 'cart')}")  # never the tool's text
        return turn.answer(turn.say("checkout_problem", problem=problem), carry=carry)
    summary = ", ".join(
        f"{line['quantity']} x {line['title']}"
        + (f" ({' / '.join(line['options'].values())})" if line["options"] else "")
        for line in link["lines"]
    )
    subtotal = f"${Decimal(str(link['subtotal'])):.2f}"
    text = turn.say("checkout_ready", summary=summary, subtotal=subtotal, url=link["url"])
    return turn.answer(text, carry=carry, checkout_url=link["url"])


def choose_variant(
    turn: Turn, details: dict[str, Any], wanted: dict[str, str]
) -> tuple[dict[str, Any] | None, Answer]:
    """The one variant the shopper means, or the question that narrows it down.

    `wanted` holds the options already chosen in earlier answers; it is updated in place.
    """
    variants, title = details["variants"], details["title"]
    lowered = turn.text.lower().replace(title.lower(), " ")  # the name is not an option choice
    parsed = turn.kit.parser.parse(turn.text).filters
    for option in sorted({k for v in variants for k in v["options"]}):
        values = option_values(variants, option)
        said = said_value(lowered, values, option=option)
        if option == "size":
            said = said or parsed.size or _size_word(lowered, values)
            said = said or (turn.carry.size if turn.carry.size in values else None)
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
                values=", ".join(option_values(variants, option)),
            )
        )
    missing = next(
        k
        for k in sorted({k for v in in_stock for k in v["options"]}, key=lambda k: (k != "size", k))
        if k not in wanted
    )
    values = option_values(in_stock, missing)
    return None, turn.answer(
        turn.say("ask_option", option=missing, values=", ".join(values)), quick_replies=values[:10]
    )
