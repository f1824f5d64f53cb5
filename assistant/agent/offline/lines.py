"""The cart's lines as the conversation keeps them: the line chosen last (`Carry.cart`, what a
correction changes) and the lines before it (`Carry.basket`), and the checkout link for them."""

from __future__ import annotations

from typing import Any

from assistant.agent.offline.actions import Action, Call
from assistant.agent.offline.kit import Turn
from assistant.agent.offline.memory import Step
from assistant.retrieval.query import title_words


def link(title: str, cart: dict[str, Any], basket: list[dict[str, Any]]) -> Action:
    """The checkout link for the lines kept (`basket`) and the one just chosen (`cart`)."""
    items = [{"variant_id": x["variant_id"], "quantity": x["quantity"]} for x in [*basket, cart]]
    args: dict[str, Any] = {"items": items}
    if cart.get("discount"):
        args["discount_code"] = cart["discount"]
    return Call(
        Step(flow="checkout", stage=1, data={"title": title, "cart": cart, "basket": basket}),
        [("create_checkout_link", args)],
    )


def kept(turn: Turn, data: dict[str, Any], product_id: str) -> list[dict[str, Any]]:
    """The cart's lines a new choice of `product_id` keeps: those a correction started from,
    else the cart so far (a link holds what was chosen before: "oh and 2 fuel canisters"),
    without an earlier line of the same product, which the new choice replaces."""
    if "basket" in data:
        lines = list(data["basket"])
    else:
        lines = list(turn.carry.basket)
        if turn.carry.cart.get("variant_id"):
            lines.append(turn.carry.cart)
    return [as_kept(item) for item in lines if item.get("product_id") != product_id]


def as_kept(chosen: dict[str, Any]) -> dict[str, Any]:
    """A line of the cart as kept: which product, which variant, how many."""
    keys = ("product_id", "variant_id", "title", "options", "quantity")
    return {key: chosen.get(key) for key in keys}


def of(turn: Turn) -> list[dict[str, Any]]:
    """The cart's lines, the one chosen last at the end."""
    carry = turn.carry
    return [*carry.basket, carry.cart] if carry.cart.get("variant_id") else []


def named_line(turn: Turn) -> dict[str, Any] | None:
    """The line of a cart of several that the message names by a word of its name no other
    line has ("the beanie", "the fuel"); None for none or more than one."""
    lines = of(turn)
    if len(lines) < 2:
        return None
    said = set(title_words(turn.text))
    names = [set(title_words(str(entry.get("title", "")))) for entry in lines]
    meant = [
        entry for n, (entry, name) in enumerate(zip(lines, names, strict=True))
        if said & (name - set().union(*(o for m, o in enumerate(names) if m != n)))
    ]  # fmt: skip
    return meant[0] if len(meant) == 1 else None
