"""Checkout validity: the tracked link resolves through the store to a cart permalink whose
variants exist and are in stock, with the expected quantities and discount."""

from __future__ import annotations

from collections.abc import Callable

from assistant.checkout import CartUrlError, parse_cart_url
from assistant.evals.cases import CheckoutExpectation
from assistant.evals.records import Check
from assistant.messages import Reply
from assistant.retrieval.models import Product

NAME = "checkout link valid"


def check_checkout(
    reply: Reply,
    want: CheckoutExpectation,
    cart_of: Callable[[str], str | None],
    product: Callable[[str], Product | None],
) -> Check:
    """The reply carries a checkout link matching `want` exactly (lines and discount)."""
    if not reply.checkout_url:
        return Check.of(NAME, False, "the reply has no checkout link")
    cart = cart_of(reply.checkout_url)
    if cart is None:
        return Check.of(NAME, False, f"{reply.checkout_url} does not resolve to a cart")
    try:
        parsed = parse_cart_url(cart)
    except CartUrlError as exc:
        return Check.of(NAME, False, str(exc))
    problems = _line_problems({line.variant_id: line.quantity for line in parsed.lines}, product)
    wanted = {item.variant: item.quantity for item in want.items}
    got = {line.variant_id: line.quantity for line in parsed.lines}
    if wanted and got != wanted:
        problems.append(f"cart holds {got}, expected {wanted}")
    if (parsed.discount or "").upper() != (want.discount or "").upper():
        problems.append(f"discount {parsed.discount!r}, expected {want.discount!r}")
    return Check.of(NAME, not problems, "; ".join(problems) or cart)


def _line_problems(lines: dict[str, int], product_of: Callable[[str], Product | None]) -> list[str]:
    """Each variant exists in the catalog (`product_of` maps a variant id to its product)."""
    problems = []
    for variant_id, quantity in lines.items():
        product = product_of(variant_id)
        variant = product.variant(variant_id) if product else None
        if product is None or variant is None:
            problems.append(f"variant {variant_id} is not in the catalog")
        elif not variant.in_stock:
            problems.append(f"variant {variant_id} is sold out")
        elif quantity < 1:
            problems.append(f"quantity {quantity} for {variant_id}")
    return problems
