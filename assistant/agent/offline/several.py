"""Carts of several things in the shoppers' words: several named in one message ("the
flashpoint stove and the titanium pot"), one more after a link ("oh and 2 fuel canisters w
it"), one taken out ("actually drop the pot, i have one")."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from assistant.agent.offline import lines
from assistant.agent.offline.actions import Action, Call
from assistant.agent.offline.cart import (
    choose_variant,
    content_words,
    how_many,
    offered,
    searched_options,
)
from assistant.agent.offline.kit import Turn
from assistant.agent.offline.lookup import lookup, named
from assistant.agent.offline.memory import Step
from assistant.agent.offline.signals import ADDING, DROPPING, QUESTION

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


def look_up(turn: Turn, pieces: list[str]) -> Action:
    """Look up each thing a message buys by its name, in one step."""
    calls = [
        ("search_products", {"query": piece, "filters": {"in_stock": False}, "limit": 8,
                             "read_filters": False})
        for piece in pieces
    ]  # fmt: skip
    return Call(Step(flow="several", data={"pieces": pieces}), calls)


def chosen(turn: Turn) -> Action:
    """After `look_up`: each thing found by its name goes in the cart with the options said
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
        count = how_many(part, details) or 1
        options = searched_options(turn, details)
        chosen, problem = choose_variant(part, details, options)
        product_id = details["product_id"]
        kept = [lines.as_kept(x) for x in basket if x.get("product_id") != product_id]
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
                "item": offered(details).model_dump(),
            }
        )
    *earlier, last = chosen_lines
    return lines.link(last["title"], last, [*basket, *(lines.as_kept(x) for x in earlier)])


def dropped(turn: Turn) -> Action | None:
    """ "Actually drop the pot, i have one", "remove the fuel": the cart without the line the
    message names, when it says to take one out (None otherwise)."""
    if not DROPPING.search(turn.text) or QUESTION.search(turn.text):
        return None
    if (gone := lines.named_line(turn)) is None:
        return None
    *basket, last = [entry for entry in lines.of(turn) if entry is not gone]
    return lines.link(str(last.get("title", "")), last, [lines.as_kept(x) for x in basket])


def adds(turn: Turn) -> bool:
    """Whether the message adds another product to the cart made ("oh and 2 fuel canisters
    w it", "plus the titanium pot"): it goes on from the last words, asks nothing, and names
    something beside the item in the cart."""
    item = turn.carry.cart
    if not item.get("variant_id") or QUESTION.search(turn.text):
        return False
    if not ADDING.search(turn.text):
        return False
    return bool(content_words(turn, str(item.get("title", ""))) - {"also", "plus", "too", "well"})
