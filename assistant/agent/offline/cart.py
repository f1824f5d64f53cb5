"""Putting a product in a cart: which variant, how many, which code, then the link."""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from typing import Any

from assistant.agent.offline.actions import Action, Answer, Call
from assistant.agent.offline.kit import Turn
from assistant.agent.offline.lookup import lookup, named
from assistant.agent.offline.memory import Shown, Step
from assistant.agent.offline.options import options_said, said_value
from assistant.agent.offline.products import option_values
from assistant.agent.offline.signals import (
    ADDING,
    CHECKOUT,
    DROPPING,
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
    count = _count(turn, details) or step.data.get("quantity") or carry.quantity or 1
    code = _DISCOUNT.search(turn.text)
    discount = code.group(1) if code else step.data.get("discount") or carry.discount
    same = carry.awaiting == "variant" and carry.options_for == details["product_id"]
    options = dict(carry.options) if same else _still_offered(step.data, details)
    if not same and not step.data.get("options"):
        options = {**_searched(turn, details), **options}
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
    cart = {
        "product_id": details["product_id"],
        "variant_id": chosen["variant_id"],
        "title": details["title"],
        "options": dict(chosen["options"]),
        "quantity": count,
        "discount": discount,
        "item": _offered(details).model_dump(),  # what a correction may choose instead
    }
    return _link(details["title"], cart, _basket(turn, step.data, details["product_id"]))


def _link(title: str, cart: dict[str, Any], basket: list[dict[str, Any]]) -> Action:
    """The checkout link for the lines kept (`basket`) and the one just chosen (`cart`)."""
    lines = [*basket, cart]
    items = [{"variant_id": line["variant_id"], "quantity": line["quantity"]} for line in lines]
    args: dict[str, Any] = {"items": items}
    if cart.get("discount"):
        args["discount_code"] = cart["discount"]
    return Call(
        Step(flow="checkout", stage=1, data={"title": title, "cart": cart, "basket": basket}),
        [("create_checkout_link", args)],
    )


def _basket(turn: Turn, data: dict[str, Any], product_id: str) -> list[dict[str, Any]]:
    """The cart's lines a new choice of `product_id` keeps: those a correction started from,
    else the cart so far (a link holds what was chosen before: "oh and 2 fuel canisters"),
    without an earlier line of the same product, which the new choice replaces."""
    if "basket" in data:
        lines = list(data["basket"])
    else:
        lines = list(turn.carry.basket)
        if turn.carry.cart.get("variant_id"):
            lines.append(turn.carry.cart)
    return [_line(line) for line in lines if line.get("product_id") != product_id]


def _line(line: dict[str, Any]) -> dict[str, Any]:
    """A line of the cart as kept: which product, which variant, how many."""
    keys = ("product_id", "variant_id", "title", "options", "quantity")
    return {key: line.get(key) for key in keys}


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
    if (line := named_line(turn)) is not None and line is not carry.cart:
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


# Where a message lists things: "the stove and the titanium pot", "a pot, a spork", "plus".
_LISTED = re.compile(r"\s*(?:,\s*(?:and|plus)?|\band\b|\bplus\b|&)\s*", re.I)


def parts(turn: Turn) -> list[str]:
    """The things a message buys, when it lists two or more, each said with its own words of
    a product ("add the campfire headlamp in blue and a beanie in charcoal"); [] for one
    ("the quarter zip, navy, large": options of one)."""
    pieces = [p.strip() for p in _LISTED.split(turn.text) if p and p.strip(" .!")]
    if len(pieces) < 2 or len(pieces) > 5:
        return []
    if not all(turn.kit.parser.title_words_of(piece) for piece in pieces):
        return []  # "drop the pot, i have one": one thing
    return pieces


def _said(turn: Turn, text: str) -> Turn:
    """The turn as if the shopper had said only `text` (one of the things a message lists)."""
    return Turn(replace(turn.memory, latest=text), turn.kit)


def several(turn: Turn, pieces: list[str]) -> Action:
    """Look up each thing a message buys by its name, in one step."""
    calls = [
        ("search_products", {"query": piece, "filters": {"in_stock": False}, "limit": 8,
                             "read_filters": False})
        for piece in pieces
    ]  # fmt: skip
    return Call(Step(flow="several", data={"pieces": pieces}), calls)


def several_found(turn: Turn) -> Action:
    """After `several`: each thing found by its name goes in the cart with the options said
    beside it; the first that needs a choice (a size, a colour) is asked about, with the rest
    of the cart kept. A thing not found by its name: the message as one cart choice."""
    step = turn.memory.step
    assert step is not None
    pieces: list[str] = step.data["pieces"]
    if step.stage == 0:
        results = turn.memory.results.get("search_products", [])
        found = [
            named(piece, result.get("products", []), turn.kit.parser)
            for piece, result in zip(pieces, results, strict=False)
        ]
        if len(found) != len(pieces) or None in found or len(set(found)) < len(found):
            return lookup(turn, "checkout")
        calls = [("get_product", {"product_id": product_id}) for product_id in found]
        return Call(Step(flow="several", stage=1, data={"pieces": pieces}), calls)
    carry = turn.carry.model_copy(deep=True)
    basket = list(carry.basket) + ([carry.cart] if carry.cart.get("variant_id") else [])
    chosen_lines: list[dict[str, Any]] = []
    for piece, details in zip(pieces, turn.memory.results.get("get_product", []), strict=False):
        if "error" in details:
            return turn.answer(turn.say("fallback"), carry=carry, fallback=True)
        part = _said(turn, piece)
        count = _count(part, details) or 1
        options = _searched(turn, details)
        chosen, problem = _choose_variant(part, details, options)
        kept = [_line(line) for line in basket if line.get("product_id") != details["product_id"]]
        if chosen is None:  # ask about this one; the others wait in the cart
            carry.basket = [*kept, *chosen_lines]
            carry.cart = {}
            carry.awaiting, carry.quantity, carry.intent = "variant", count, "checkout"
            carry.options, carry.options_for = options, details["product_id"]
            carry.focus = details["product_id"]
            return turn.answer(
                problem.text,
                carry=carry,
                quick_replies=problem.quick_replies,
                cards=[details["product_id"]],
            )
        basket = kept
        chosen_lines.append(
            {
                "product_id": details["product_id"],
                "variant_id": chosen["variant_id"],
                "title": details["title"],
                "options": dict(chosen["options"]),
                "quantity": count,
                "discount": None,
                "item": _offered(details).model_dump(),
            }
        )
    *earlier, last = chosen_lines
    return _link(last["title"], last, [*basket, *(_line(line) for line in earlier)])


def _lines(turn: Turn) -> list[dict[str, Any]]:
    """The cart's lines, the one chosen last at the end."""
    carry = turn.carry
    return [*carry.basket, carry.cart] if carry.cart.get("variant_id") else []


def named_line(turn: Turn) -> dict[str, Any] | None:
    """The line of a cart of several that the message names by a word of its name no other
    line has ("the beanie", "the fuel"); None for none or more than one."""
    lines = _lines(turn)
    if len(lines) < 2:
        return None
    said = set(title_words(turn.text))
    names = [set(title_words(str(line.get("title", "")))) for line in lines]
    meant = [
        line for n, (line, name) in enumerate(zip(lines, names, strict=True))
        if said & (name - set().union(*(o for m, o in enumerate(names) if m != n)))
    ]  # fmt: skip
    return meant[0] if len(meant) == 1 else None


def dropped(turn: Turn) -> Action | None:
    """ "Actually drop the pot, i have one", "remove the fuel": the cart without the line the
    message names, when it says to take one out (None otherwise)."""
    if not DROPPING.search(turn.text) or QUESTION.search(turn.text):
        return None
    if (line := named_line(turn)) is None:
        return None
    *basket, last = [kept for kept in _lines(turn) if kept is not line]
    cart = {**last, "item": turn.carry.cart.get("item")} if last is turn.carry.cart else last
    return _link(str(last.get("title", "")), cart, [_line(line) for line in basket])


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
    return not (_content_words(turn, item.title) - words - {"one", "ones"})


def adds(turn: Turn) -> bool:
    """Whether the message adds another product to the cart made ("oh and 2 fuel canisters
    w it", "plus the titanium pot"): it goes on from the last words, asks nothing, and names
    something beside the item in the cart."""
    item = turn.carry.cart
    if not item.get("variant_id") or QUESTION.search(turn.text):
        return False
    if not ADDING.search(turn.text):
        return False
    return bool(_content_words(turn, str(item.get("title", ""))) - {"also", "plus", "too", "well"})


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


def _offered(details: dict[str, Any]) -> Shown:
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


def _searched(turn: Turn, details: dict[str, Any]) -> dict[str, str]:
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


def _still_offered(data: dict[str, Any], details: dict[str, Any]) -> dict[str, str]:
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


def _count(turn: Turn, details: dict[str, Any]) -> int | None:
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
        return None if len(_content_words(turn, title)) >= 2 else product_id
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
    return bool(_content_words(turn))


def _content_words(turn: Turn, title: str = "") -> set[str]:
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


def _choose_variant(
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
