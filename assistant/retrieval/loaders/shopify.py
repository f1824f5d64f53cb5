"""Shopify `products.json`: the Admin API shape and the storefront `/products.json` export.

Admin API: ``{"products": [...]}``, a bare list, or ``{"product": {...}}``; variants carry
``inventory_quantity``, ``inventory_management`` and ``inventory_policy``; ``tags`` is a
comma-separated string. Storefront export: ``{"products": [...]}`` with ``tags`` as a list and
variants with an ``available`` flag instead of inventory. Both map the same way:

- ``body_html`` -> description as plain text; ``product_type`` -> category; ``vendor`` -> brand
- ``option1``..``option3`` -> variant options named by ``options[].name`` (lowercased,
  "Colour" -> "color"); an option named "Title" or a "Default Title" value means no option
- stock: ``inventory_quantity`` when inventory is managed; policy "continue" (sell when out of
  stock) makes the variant available; the storefront's ``available`` flag is used as given
- url: ``https://{shop_domain}/products/{handle}`` when a shop domain is given

A bad variant is skipped (the product keeps its other variants); a bad product is skipped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from assistant.retrieval.loaders.file_load import FileLoad
from assistant.retrieval.loaders.html_text import html_to_text
from assistant.retrieval.loaders.source import load_json_items
from assistant.retrieval.loaders.validation import describe_validation_error, located
from assistant.retrieval.loaders.values import parse_whole_number
from assistant.retrieval.models import Product, Variant

NOT_FOR_SALE = frozenset({"draft", "archived"})
DEFAULT_TITLE = "Default Title"


def load_shopify_json(path: Path, *, shop_domain: str | None = None) -> FileLoad:
    """Products from a Shopify Admin API or storefront products JSON file."""
    load = FileLoad.of(path)
    for item, line in load_json_items(path, ("products", "product")):
        if not isinstance(item, dict):
            load.skip_row(line, f"not a product: expected an object, got {type(item).__name__}")
            continue
        product = _product(item, load, line, shop_domain)
        if product is not None:
            load.add_product(product, line)
    return load


def product_url(shop_domain: str | None, handle: str | None) -> str | None:
    """The storefront product page, e.g. https://shop.example/products/rain-jacket."""
    if not shop_domain or not handle:
        return None
    domain = shop_domain.strip().removeprefix("https://").removeprefix("http://").rstrip("/")
    return f"https://{domain}/products/{handle}"


def split_options(names: list[str], values: list[object]) -> dict[str, str]:
    """Option values keyed by option name, leaving out Shopify's "Title: Default Title" filler."""
    options: dict[str, str] = {}
    for name, value in zip(names, values, strict=False):
        text = str(value).strip() if value is not None else ""
        if text and text != DEFAULT_TITLE and name and name.strip().lower() != "title":
            options[name] = text
    return options


def shopify_stock(
    managed: bool, policy: str | None, quantity: int | None
) -> tuple[int | None, bool | None]:
    """(stock, available) from Shopify inventory settings.

    Unmanaged inventory is untracked; policy "continue" sells past zero, so it is available.
    """
    if not managed:
        return None, None
    stock = max(quantity, 0) if quantity is not None else None
    if (policy or "").strip().lower() == "continue":
        return stock, True
    return stock, None


def _product(
    raw: dict[str, Any], load: FileLoad, line: int | None, shop_domain: str | None
) -> Product | None:
    label = f"product {raw.get('id') or raw.get('handle') or '?'}"
    status = str(raw.get("status") or "").lower()
    if status in NOT_FOR_SALE:
        load.skip_row(line, located(f"not for sale: status is {status}", label))
        return None
    names = _option_names(raw.get("options"))
    images = [img for img in raw.get("images") or [] if isinstance(img, dict) and img.get("src")]
    image_by_id = {img.get("id"): str(img["src"]) for img in images}
    raw_variants = raw.get("variants") or []
    variants: list[Variant] = []
    for index, raw_variant in enumerate(raw_variants, start=1):
        try:
            variants.append(_variant(raw_variant, names, image_by_id))
        except ValidationError as exc:
            load.skip_row(line, describe_validation_error(exc, label, f"variant {index}"))
        except ValueError as exc:
            load.skip_row(line, located(str(exc), label, f"variant {index}"))
    if raw_variants and not variants:
        return None  # every variant was reported above
    fields = {
        "id": raw.get("id"),
        "title": raw.get("title"),
        "description": html_to_text(str(raw.get("body_html") or "")),
        "category": raw.get("product_type") or None,
        "brand": raw.get("vendor") or None,
        "handle": raw.get("handle") or None,
        "tags": raw.get("tags") or [],
        "images": [str(img["src"]) for img in images],
        "url": product_url(shop_domain, raw.get("handle")),
        "variants": variants,
        "attributes": {"weight": weight} if (weight := _weight(raw_variants)) else None,
    }
    try:
        return Product.model_validate({k: v for k, v in fields.items() if v is not None})
    except ValidationError as exc:
        load.skip_row(line, describe_validation_error(exc, label))
        return None


_WEIGHT_UNITS = {"g": "g", "kg": "kg", "oz": "oz", "lb": "lb", "grams": "g", "kilograms": "kg"}


def _weight(raw_variants: list[object]) -> str | None:
    """The variants' weight as an attribute ("200 g", "1.2 kg to 1.5 kg"): `weight` with its
    `weight_unit`, or the older `grams`; None when any variant leaves it out or says 0."""
    weights: list[tuple[float, str]] = []
    for raw in raw_variants:
        if not isinstance(raw, dict):
            return None
        amount, unit = raw.get("weight"), _WEIGHT_UNITS.get(str(raw.get("weight_unit", "")).lower())
        if unit is None or not isinstance(amount, int | float) or isinstance(amount, bool):
            amount, unit = raw.get("grams"), "g"
        if not isinstance(amount, int | float) or isinstance(amount, bool) or amount <= 0:
            return None
        weights.append((float(amount), unit))
    units = {unit for _, unit in weights}
    if len(units) != 1:
        return None  # mixed units: nothing sound to say in one line
    unit = units.pop()
    low, high = min(a for a, _ in weights), max(a for a, _ in weights)
    return f"{low:g} {unit}" if low == high else f"{low:g} {unit} to {high:g} {unit}"


def _option_names(raw_options: object) -> list[str]:
    if not isinstance(raw_options, list):
        return []
    names = []
    for option in raw_options:
        name = option.get("name") if isinstance(option, dict) else option
        names.append(str(name) if name else "")
    return names


def _variant(raw: object, names: list[str], image_by_id: dict[object, str]) -> Variant:
    if not isinstance(raw, dict):
        raise ValueError(f"not a variant: expected an object, got {type(raw).__name__}")
    values = [raw.get(f"option{n}") for n in (1, 2, 3)]
    stock, available = _variant_stock(raw)
    title = str(raw.get("title") or "")
    featured = raw.get("featured_image")
    image = image_by_id.get(raw.get("image_id"))
    if image is None and isinstance(featured, dict) and featured.get("src"):
        image = str(featured["src"])
    fields = {
        "id": raw.get("id"),
        "sku": str(raw["sku"]) if raw.get("sku") else None,
        "title": "" if title == DEFAULT_TITLE else title,
        "options": split_options(names or ["option1", "option2", "option3"], values),
        "price": raw.get("price"),
        "compare_at_price": raw.get("compare_at_price") or None,
        "stock": stock,
        "available": available,
        "image": image,
    }
    # Absent and null fields are left out, so a missing price reads "price: Field required".
    return Variant.model_validate({k: v for k, v in fields.items() if v is not None})


def _variant_stock(raw: dict[str, Any]) -> tuple[int | None, bool | None]:
    if "available" in raw:  # storefront export: no inventory numbers, only the flag
        return None, bool(raw["available"])
    quantity = raw.get("inventory_quantity")
    if isinstance(quantity, str):
        quantity = parse_whole_number(quantity, "inventory_quantity")
    elif quantity is not None and not isinstance(quantity, int):
        raise ValueError(f"inventory_quantity: {quantity!r} is not a whole number")
    return shopify_stock(
        bool(raw.get("inventory_management")), raw.get("inventory_policy"), quantity
    )
