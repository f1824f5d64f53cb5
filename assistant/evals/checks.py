"""The assertions of one turn: each reads the turn's reply and tool calls, never re-runs it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from assistant.agent.guardrails import CatalogNames, Facts, ground
from assistant.brand import Brand, violations
from assistant.evals.arguments import describe, satisfied
from assistant.evals.cart import check_checkout
from assistant.evals.cases import Expectations, ProductConstraints, TopK
from assistant.evals.channel_limits import check_rendering
from assistant.evals.records import Check, TurnRecord
from assistant.retrieval.filters import describe_bound
from assistant.retrieval.measures import MeasureSchema
from assistant.retrieval.models import Product
from assistant.retrieval.quantities import Dimension, to_base


@dataclass(frozen=True)
class TurnContext:
    """What the checks need besides the turn: the catalog, the brand, the channel, the store."""

    product: Callable[[str], Product | None]
    product_of_variant: Callable[[str], Product | None]
    names: CatalogNames
    brand: Brand
    channel: str
    cart_of: Callable[[str], str | None]  # a tracked /c/ link -> the cart URL behind it
    discount_codes: list[str]
    measures: MeasureSchema | None = None  # the catalog's measures, for measure bounds


def check_turn(expect: Expectations, turn: TurnRecord, ctx: TurnContext) -> list[Check]:
    """Every assertion of the turn: the case's own, then grounding, brand rules, rendering."""
    checks: list[Check] = []
    checks += [_tool_called(turn, t.name, t.args) for t in expect.tools]
    checks += [_tool_not_called(turn, name) for name in expect.tools_not_called]
    if expect.products is not None:
        checks.append(_products(turn, expect.products, ctx))
    if expect.no_products:
        shown = [c.product_id for c in turn.reply.products]
        checks.append(Check.of("no products", not shown, f"shown: {shown}" if shown else ""))
    if expect.top_k is not None:
        checks.append(_top_products(turn, expect.top_k))
    if expect.faq is not None:
        checks.append(_top_faq(turn, expect.faq))
    if expect.checkout is not None:
        checks.append(
            check_checkout(turn.reply, expect.checkout, ctx.cart_of, ctx.product_of_variant)
        )
    if expect.no_checkout:
        url = turn.reply.checkout_url
        checks.append(Check.of("no checkout link", url is None, f"got {url}" if url else ""))
    if expect.handoff is not None:
        checks.append(_handoff(turn, expect.handoff.expected, expect.handoff.reason))
    checks += _text(turn.reply.text, expect)
    checks.append(_grounded(turn, ctx.names))
    if turn.reply.text:
        problems = violations(ctx.brand, turn.reply.text, ctx.channel)
        checks.append(Check.of("brand rules", not problems, "; ".join(problems)))
    if ctx.channel in ("whatsapp", "messenger", "instagram", "sms"):
        checks.append(check_rendering(turn.reply, ctx.channel, ctx.brand.style(ctx.channel)))
    return checks


def _tool_called(turn: TurnRecord, name: str, args: dict[str, Any]) -> Check:
    label = f"tool {name}" + (f" with {describe(args)}" if args else "")
    calls = [c for c in turn.calls if c.name == name]
    if not calls:
        ran = ", ".join(c.name for c in turn.calls) or "none"
        return Check.of(label, False, f"not called (tools run: {ran})")
    if any(satisfied(call.args, args) for call in calls):
        return Check.of(label, True)
    return Check.of(label, False, f"called with {[c.args for c in calls]}")


def _tool_not_called(turn: TurnRecord, name: str) -> Check:
    calls = [c.args for c in turn.calls if c.name == name]
    return Check.of(f"tool {name} not called", not calls, f"called with {calls}" if calls else "")


def _products(turn: TurnRecord, want: ProductConstraints, ctx: TurnContext) -> Check:
    cards = turn.reply.products
    problems = []
    if len(cards) < want.min_count:
        problems.append(f"{len(cards)} products shown, wanted at least {want.min_count}")
    if want.max_count is not None and len(cards) > want.max_count:
        problems.append(f"{len(cards)} products shown, wanted at most {want.max_count}")
    for card in cards:
        product = ctx.product(card.product_id)
        if product is None:
            problems.append(f"{card.product_id} is not in the catalog")
            continue
        problems += _card_problems(card.price, card.in_stock, product, want)
        problems += _measure_problems(product, want, ctx.measures)
    return Check.of("products satisfy constraints", not problems, "; ".join(problems))


def _card_problems(
    price: Decimal, in_stock: bool, product: Product, want: ProductConstraints
) -> list[str]:
    name, found = product.id, []
    if want.price_max is not None and price > Decimal(str(want.price_max)):
        found.append(f"{name} costs {price} > {want.price_max}")
    if want.price_min is not None and price < Decimal(str(want.price_min)):
        found.append(f"{name} costs {price} < {want.price_min}")
    if want.categories and product.category.lower() not in {c.lower() for c in want.categories}:
        found.append(f"{name} is in {product.category!r}, not {want.categories}")
    if want.in_stock and not (in_stock and product.in_stock):
        found.append(f"{name} is sold out")
    for option, value in (("size", want.size), ("color", want.color)):
        if value and value.lower() not in _in_stock_values(product, option):
            found.append(f"{name} has no {option} {value} in stock")
    return found


def _measure_problems(
    product: Product, want: ProductConstraints, schema: MeasureSchema | None
) -> list[str]:
    found = []
    values = schema.measures(product) if schema is not None and want.measures else {}
    for bound in want.measures:
        measure = values.get(bound.measure)
        if measure is None:
            found.append(f"{product.id} has no {bound.measure}")
            continue
        low = _base(bound.min, bound.unit, measure.dimension)
        high = _base(bound.max, bound.unit, measure.dimension)
        if (low is not None and measure.high < low - 1e-6) or (
            high is not None and measure.low > high + 1e-6
        ):
            found.append(f"{product.id}'s {bound.measure} is outside {describe_bound(bound)}")
    return found


def _base(value: float | None, unit: str | None, dimension: Dimension) -> float | None:
    if value is None or not unit or dimension in {"count", "rank"}:
        return value
    return to_base(value, unit, dimension)


def _in_stock_values(product: Product, option: str) -> set[str]:
    names = {k for v in product.variants for k in v.options if k.lower() == option}
    values: set[str] = set()
    for key in names:
        values.update(v.lower() for v in product.option_values(key, in_stock_only=True))
    return values


def _top_products(turn: TurnRecord, want: TopK) -> Check:
    shown = [c.product_id for c in turn.reply.products][: want.k]
    ok = any(pid in shown for pid in want.ids)
    return Check.of(f"one of {want.ids} in top {want.k}", ok, f"shown: {shown}")


def _top_faq(turn: TurnRecord, want: TopK) -> Check:
    found: list[str] = []
    for result in turn.results_of("search_faq"):
        found += [e.get("id", "") for e in result.get("entries", [])[: want.k]]
    ok = any(entry in found for entry in want.ids)
    return Check.of(f"FAQ {want.ids} in top {want.k}", ok, f"found: {found or 'no FAQ search'}")


def _handoff(turn: TurnRecord, expected: bool, reason: str | None) -> Check:
    handoff = turn.reply.handoff
    label = f"handoff {'expected' if expected else 'not expected'}"
    if (handoff is not None) != expected:
        got = f"handed off ({handoff.reason})" if handoff else "no handoff"
        return Check.of(label, False, got)
    if expected and reason and handoff and reason.lower() not in handoff.reason.lower():
        return Check.of(f"{label} ({reason})", False, f"reason was {handoff.reason!r}")
    return Check.of(label + (f" ({reason})" if reason else ""), True)


def _text(text: str, expect: Expectations) -> list[Check]:
    lowered = text.lower()
    checks = [
        Check.of(f"contains {want!r}", want.lower() in lowered, f"reply: {text[:200]!r}")
        for want in expect.contains
    ]
    if expect.contains_any:
        hit = any(w.lower() in lowered for w in expect.contains_any)
        checks.append(
            Check.of(f"contains one of {expect.contains_any}", hit, f"reply: {text[:200]!r}")
        )
    checks += [
        Check.of(f"excludes {bad!r}", bad.lower() not in lowered, f"reply: {text[:200]!r}")
        for bad in expect.excludes
    ]
    return checks


def _grounded(turn: TurnRecord, names: CatalogNames) -> Check:
    """No product, id, price or link in the reply (text or cards) that no tool returned."""
    facts = Facts.collect(c.result for c in turn.calls)
    if turn.reply.checkout_url:  # the tracked link the conversation built from a tool's cart
        facts.urls.add(turn.reply.checkout_url)
    problems = list(ground(turn.reply.text, facts, names).problems)
    for card in turn.reply.products:
        if card.product_id not in facts.ids:
            problems.append(f"card {card.product_id} not from a tool")
        if card.price.quantize(Decimal("0.01")) not in facts.amounts:
            problems.append(f"card price {card.price} not from a tool")
    return Check.of("grounded", not problems, "; ".join(problems))
