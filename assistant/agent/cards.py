"""Products as tool results: compact facts the model reads and the grounding check trusts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from assistant.retrieval.models import Product, Variant

LOW_STOCK = 3


def money(value: Decimal) -> str:
    return f"{value:.2f}"


def variant_dict(variant: Variant) -> dict[str, Any]:
    """One variant: id, options, price, availability (with a count when stock runs low)."""
    data: dict[str, Any] = {
        "variant_id": variant.id,
        "options": variant.options,
        "price": money(variant.price),
        "in_stock": variant.in_stock,
    }
    if variant.compare_at_price and variant.compare_at_price > variant.price:
        data["compare_at_price"] = money(variant.compare_at_price)
    if variant.in_stock and variant.stock is not None and variant.stock <= LOW_STOCK:
        data["only_left"] = variant.stock
    return data


def product_card(product: Product, variant_ids: tuple[str, ...] | None = None) -> dict[str, Any]:
    """A search result: enough to present and compare, with the variants that fit the filters."""
    fitting = [v for v in product.variants if variant_ids is None or v.id in variant_ids]
    fitting = fitting or product.variants
    in_stock = [v for v in fitting if v.in_stock]
    priced = in_stock or fitting
    card: dict[str, Any] = {
        "product_id": product.id,
        "title": product.title,
        "category": product.category,
        "price": money(min(v.price for v in priced)),
        "in_stock": bool(in_stock),
        "url": product.url,
        "image": product.images[0] if product.images else None,
        "key_facts": _key_facts(product),
    }
    high = max(v.price for v in priced)
    if high != min(v.price for v in priced):
        card["price_max"] = money(high)
    sale = [v for v in priced if v.compare_at_price and v.compare_at_price > v.price]
    if sale:
        card["compare_at_price"] = money(
            max(v.compare_at_price for v in sale if v.compare_at_price)
        )
    for option in ("size", "color"):
        values = _option_values(in_stock, option)
        if values:
            card[f"{option}s_in_stock"] = values
    others = sorted({k for v in in_stock for k in v.options} - {"size", "color"})
    if others:  # "regular length", "the 32 oz": options a shopper chooses by saying them
        card["options_in_stock"] = {k: _option_values(in_stock, k) for k in others}
    if len(fitting) == 1:
        card["variant_id"] = fitting[0].id
    return card


def product_details(product: Product) -> dict[str, Any]:
    """Everything about one product, for follow-up questions."""
    return {
        "product_id": product.id,
        "title": product.title,
        "brand": product.brand,
        "category": product.category,
        "description": product.description,
        "attributes": product.attributes,
        "tags": product.tags,
        "url": product.url,
        "image": product.images[0] if product.images else None,
        "in_stock": product.in_stock,
        "variants": [variant_dict(v) for v in product.variants],
    }


def _option_values(variants: list[Variant], option: str) -> list[str]:
    seen: dict[str, None] = {}
    for variant in variants:
        if value := variant.options.get(option):
            seen.setdefault(value, None)
    return list(seen)


_FACT_KEYS = (
    "waterproofing",
    "material",
    "weight",
    "capacity",
    "temperature_rating",
    "fit",
    "gender",
)


def _key_facts(product: Product) -> dict[str, str]:
    return {k: product.attributes[k] for k in _FACT_KEYS if k in product.attributes}
