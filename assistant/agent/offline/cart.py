"""Putting a product in a cart: which variant, how many, which code, then the link."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from assistant.agent.offline.actions import Action, Answer, Call
from assistant.agent.offline.kit import Turn
from assistant.agent.offline.lookup import lookup
from assistant.agent.offline.memory import Step
from assistant.agent.offline.products import option_values
from assistant.agent.offline.signals import CHECKOUT, FOLLOW_UP, quantity

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


def _meant(turn: Turn) -> str | None:
    """The product being bought: picked from those shown, the one whose options are being
    chosen, or (for "buy it") the one in focus."""
    carry = turn.carry
    if product_id := turn.refer(explicit=True):
        title = next(s.title for s in carry.shown if s.product_id == product_id)
        return None if len(_content_words(turn, title)) >= 2 else product_id
    if carry.awaiting == "variant" and carry.options_for:
        return carry.options_for
    if FOLLOW_UP.search(turn.text) or not _names_something(turn):
        return turn.refer()
    return None


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
        said = next(
            (
                x
                for x in values
                if re.search(rf"(?<![\w.'\u2019]){re.escape(x.lower())}(?![\w.'\u2019])", lowered)
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
