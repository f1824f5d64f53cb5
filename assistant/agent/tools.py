"""The agent's tools. Inputs are typed; docstrings are what the model reads; dependencies come
from the injected `ShopContext`. Problems come back as `{"error": ...}` the model can act on.

Each is a `ShopTool` (`shop_tool`): a LangChain structured tool whose calls nobody listens to
skip the run bookkeeping. No `from __future__ import annotations` here: with a listener, the
tool runner resolves each tool's type hints on every call, and string annotations cost it about
four times as much to resolve.
"""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from langchain.tools import ToolRuntime
from pydantic import BaseModel, Field

from assistant.agent.cards import product_card, product_details
from assistant.agent.context import ShopContext
from assistant.agent.gifts import GiftNeeds
from assistant.agent.gifts import recommend as find_gifts
from assistant.agent.presentation import presentation
from assistant.agent.shop_tool import shop_tool
from assistant.checkout import CartLine, CheckoutError
from assistant.orders.errors import (
    OrderError,
    OrderLookupLocked,
    OrderNotVerified,
    OrderSourceError,
)
from assistant.retrieval.filters import SearchFilters
from assistant.retrieval.measure_columns import MeasureBound, SortBy, UnknownMeasure
from assistant.retrieval.models import Product

Runtime = ToolRuntime[ShopContext]
WEAK_FAQ_MATCH = 0.45
STRONG_PRODUCT_MATCH = 0.4  # measured: nonsense queries reach ~0.31 on the demo catalog


def _strong(similarity: float, lexical: float) -> bool:
    """A real product match: clearly similar, or fairly similar and sharing a word."""
    return similarity >= STRONG_PRODUCT_MATCH or (similarity >= 0.3 and lexical > 0)


class ProductFilters(BaseModel):
    """Hard constraints; leave a field empty when the shopper did not state it."""

    price_min: Decimal | None = Field(default=None, ge=0)
    price_max: Decimal | None = Field(default=None, ge=0)
    category: str | None = None
    color: str | None = None
    size: str | None = None
    material: str | None = None
    in_stock: bool = True
    measures: list[MeasureBound] = Field(
        default_factory=list,
        description="bounds on measures the shopper stated: weight at most 2 lb, capacity at "
        "least 30 L, temperature_rating at most 10 °F (measure names as get_product shows them)",
    )
    exclude_colors: list[str] = Field(default_factory=list, description="'anything but black'")
    exclude_words: list[str] = Field(
        default_factory=list, description="materials or features to leave out: 'no down'"
    )


class CartItem(BaseModel):
    variant_id: str = Field(description="a variant_id from get_product or search results")
    quantity: int = Field(default=1, description="how many")


@shop_tool
def search_products(
    query: str,
    runtime: Runtime,
    filters: ProductFilters | None = None,
    limit: int = 5,
    read_filters: bool = True,
    sort: SortBy | None = None,
) -> dict[str, Any]:
    """Search the catalog. `query` is the shopper's words ("waterproof jacket under $200");
    budgets, sizes and colours in it are understood, and `filters` adds explicit constraints.
    `sort` orders the most relevant results by price or a measure ("lightest": weight asc,
    "warmest bag": temperature_rating asc, "longest battery life": runtime desc).
    Set `read_filters` false to rank by the words alone (search again that way when the
    constraints read from them found nothing, or to look up a product by its name).
    Returns product cards (id, title, price, sizes/colours in stock, url) best first."""
    extra = SearchFilters(in_stock=False)
    if filters:
        extra = SearchFilters(
            price_min=filters.price_min,
            price_max=filters.price_max,
            categories=[filters.category] if filters.category else [],
            color=filters.color,
            size=filters.size,
            material=filters.material,
            measures=filters.measures,
            exclude_colors=filters.exclude_colors,
            exclude_words=filters.exclude_words,
        )
    in_stock = filters.in_stock if filters else True
    catalog, k = runtime.context.catalog, max(1, min(limit, 10))
    try:
        if read_filters:
            parsed, hits = catalog.search(query, k, in_stock=in_stock, filters=extra, sort=sort)
        else:
            parsed = catalog.parser.parse(query, in_stock=in_stock)
            parsed.filters = extra.model_copy(update={"in_stock": in_stock})
            hits = catalog.products.search(parsed.text, parsed.filters, k, sort)
    except UnknownMeasure as exc:
        return {"error": str(exc)}
    best = max(hits, key=lambda h: h.similarity, default=None)  # sorted, it may not be first
    found: dict[str, Any] = {
        "understood": parsed.filters.describe(),
        "match": "strong" if best and _strong(best.similarity, best.lexical) else "weak",
        "similarity": round(best.similarity, 3) if best else 0.0,
        "products": [product_card(h.product, h.variant_ids) for h in hits],
    }
    ordered = sort or (parsed.sort if read_filters else None)
    if ordered is not None:
        found["sorted_by"] = {
            "measure": ordered.by,
            "direction": ordered.direction,
            "values": {h.product.id: _stated(h.product, ordered.by) for h in hits},
        }
    return found


def _stated(product: Product, measure: str) -> str:
    """A product's value of a measure as the catalog states it ("980 g", "55 L or 65 L")."""
    key = measure.strip().lower().replace(" ", "_")
    if key == "price":
        low, high = product.price_min, product.price_max
        return f"${low}" if low == high else f"${low}-${high}"
    if key in product.attributes:
        return product.attributes[key]
    return " / ".join(product.option_values(key)) or "-"


@shop_tool
def get_product(product_id: str, runtime: Runtime) -> dict[str, Any]:
    """Full details of one product: description, attributes (material, waterproofing, care...),
    and every variant with its options, price and stock. Use for questions about a product."""
    product = runtime.context.catalog.products.get(product_id.strip())
    if product is None:
        return {
            "error": f"no product with id {product_id[:60]!r}; use a product_id from search results"
        }
    return product_details(product)


@shop_tool
def search_faq(question: str, runtime: Runtime) -> dict[str, Any]:
    """Look up the shop's policies (shipping, returns, exchanges, sizing, warranty, payment, gift
    cards, store hours). Answer only from the returned entries and name them as the source."""
    hits = runtime.context.catalog.search_faq(question, k=2)
    return {
        "match": "strong" if hits and hits[0].similarity >= WEAK_FAQ_MATCH else "weak",
        "similarity": round(hits[0].similarity, 3) if hits else 0.0,
        "entries": [
            {"id": h.entry.id, "question": h.entry.question, "answer": h.entry.answer} for h in hits
        ],
    }


@shop_tool
def recommend(needs: GiftNeeds, runtime: Runtime) -> dict[str, Any]:
    """Gift finder. Pass what you know (recipient, age, budget, interests, occasion). If key facts
    are missing it returns the questions to ask (ask them, at most two); otherwise 2-3 diverse
    in-stock picks inside the budget, each with a reason."""
    return find_gifts(runtime.context.catalog, needs)


@shop_tool
def compare(product_ids: list[str], runtime: Runtime, sort: SortBy | None = None) -> dict[str, Any]:
    """Side-by-side comparison of 2-4 products on price and the attributes they share.
    With `sort`, they come ordered by price or a measure ("which is lightest": weight asc),
    with each one's value in `sorted_by`."""
    ids = list(dict.fromkeys(p.strip() for p in product_ids))
    if not 2 <= len(ids) <= 4:
        return {"error": "compare takes 2 to 4 different product ids"}
    catalog = runtime.context.catalog.products
    products = [catalog.get(i) for i in ids]
    unknown = [i for i, p in zip(ids, products, strict=True) if p is None]
    if unknown:
        return {"error": f"unknown product ids: {', '.join(unknown)}; use ids from search results"}
    found = [p for p in products if p is not None]
    ordered: dict[str, Any] | None = None
    if sort is not None:
        try:
            ranked = catalog.rank(found, sort)
        except UnknownMeasure as exc:
            return {"error": str(exc)}
        found = [p for p, _ in ranked]
        ordered = {
            "measure": sort.by,
            "direction": sort.direction,
            "values": {p.id: _stated(p, sort.by) if v is not None else "-" for p, v in ranked},
        }
    keys = [k for k in found[0].attributes if sum(k in p.attributes for p in found) >= 2]
    result: dict[str, Any] = {
        "products": [product_card(p) for p in found],
        "attributes": {k: {p.id: p.attributes.get(k, "-") for p in found} for k in keys},
    }
    if ordered is not None:
        result["sorted_by"] = ordered
    return result


@shop_tool
def create_checkout_link(
    items: list[CartItem], runtime: Runtime, discount_code: str | None = None
) -> dict[str, Any]:
    """Build the checkout link for variant ids and quantities (the only way to make a link;
    never write one yourself). Only apply a discount code the shopper gave you."""
    lines = [CartLine(variant_id=i.variant_id, quantity=i.quantity) for i in items]
    try:
        link = runtime.context.checkout.build(lines, discount_code)
    except CheckoutError as exc:  # the text is for the model; the shopper gets the template
        return {"error": str(exc), "problem": exc.problem}
    return link.model_dump(mode="json")


@shop_tool
def order_status(order_id: str, email_or_zip: str, runtime: Runtime) -> dict[str, Any]:
    """Status, items and tracking of an order. Only after the shopper gave both the order number
    and the email or shipping ZIP code of that order; never guess either. When it can't find the
    order, tell the shopper what `error` says; offer a person only if `offer_person` is true, and
    never hand a failed lookup to a person otherwise."""
    context = runtime.context
    desk = context.orders
    if desk is None:
        return {
            "error": "order lookup is not available here; offer a human instead",
            "problem": "order_unavailable",
        }
    requester = context.requester or f"{context.channel}:{context.conversation_id}"
    try:
        return desk.lookup(order_id, email_or_zip, requester).model_dump(mode="json")
    except OrderNotVerified as exc:  # a miss: a person is offered once per shopper and window
        if desk.may_offer_person(requester):
            return {"error": str(exc), "offer_person": True}
        context.lookup_refused = True
        return {"error": str(exc), "offer_person": False}
    except OrderLookupLocked as exc:  # too many misses: no person either, so no desk flood
        context.lookup_refused = True
        return {"error": str(exc), "locked": True, "offer_person": False}
    except OrderSourceError as exc:  # about our systems, not for the shopper's eyes
        return {"error": str(exc), "problem": "order_unavailable"}
    except OrderError as exc:  # written for the shopper (see assistant/orders/errors.py)
        return {"error": str(exc)}


@shop_tool
def present_products(
    product_ids: list[str], runtime: Runtime, quick_replies: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Show products to the shopper as cards, in the order given, and offer quick replies
    (short tappable choices, a few words each, such as "Compare top two"). The only way to
    show cards or quick replies. `product_ids` are product_id values from this turn's results
    (an empty list offers quick replies alone). Call it with your reply text in the same
    message, or before writing it. Returns the cards shown, or an error saying what to fix."""
    return presentation(product_ids, quick_replies, runtime.context)


@shop_tool
def handoff_to_human(reason: str, runtime: Runtime) -> dict[str, Any]:
    """Hand the conversation to a person: when the shopper asks for one, is upset, raises a
    refund dispute, legal, safety or payment problem, or when you cannot help."""
    if runtime.context.lookup_refused:  # misses must not each open a desk ticket
        return {
            "status": "not_queued",
            "error": "a failed order lookup is not handed to a person; tell the shopper what "
            "order_status said",
        }
    runtime.context.handoff_reasons.append(reason[:200])
    return {
        "status": "queued",
        "message": runtime.context.prompts.handoff_message(datetime.now(UTC)),
    }


TOOLS = [
    search_products,
    get_product,
    search_faq,
    recommend,
    compare,
    create_checkout_link,
    order_status,
    handoff_to_human,
    present_products,
]
for _tool in TOOLS:
    # Validate only what the model sends. The inferred schema also holds `runtime`, and a
    # tool call validates and then dumps it whole (the graph state, every message of the
    # conversation so far) on every call; the runtime is injected from the signature anyway.
    _tool.args_schema = _tool.tool_call_schema
# A presentation ends the graph's pass: when it came with the reply text the turn is done with
# no further model call; otherwise the runner lets the model go on (`presentation`).
present_products.return_direct = True
