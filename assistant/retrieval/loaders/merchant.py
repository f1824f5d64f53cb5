"""Google Merchant Center product feeds: tab-separated text or RSS/Atom XML.

Attributes read (``g:`` prefix optional): ``id, title, description, link, image_link,
additional_image_link, price`` ("59.99 USD"), ``sale_price``, ``availability`` ("in stock",
"out of stock", "preorder", "backorder"), ``brand, product_type`` ("Apparel > Jackets": the last
segment is the category), ``google_product_category, item_group_id, color, size, material,
pattern, gender, age_group, condition, mpn``.

Items sharing ``item_group_id`` become one product (id = the group id) with one variant per
item; an item without a group is a single-variant product. Color and size are variant options;
material and pattern are options when they differ within a group, otherwise attributes.
A sale price becomes the price, with the regular price as compare_at_price.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from assistant.retrieval.loaders.file_load import FileLoad, UnreadableFileError
from assistant.retrieval.loaders.html_text import plain_text
from assistant.retrieval.loaders.merchant_xml import read_feed
from assistant.retrieval.loaders.source import read_text
from assistant.retrieval.loaders.table import read_table
from assistant.retrieval.loaders.validation import describe_validation_error, located
from assistant.retrieval.loaders.values import parse_money
from assistant.retrieval.models import Product, Variant

REQUIRED_ATTRIBUTES = ("id", "title", "price")
_AVAILABILITY = {
    "in stock": True,
    "out of stock": False,
    "preorder": True,
    "backorder": True,
    "limited availability": True,
}
_ALWAYS_OPTIONS = ("color", "size")
_VARYING_OPTIONS = ("material", "pattern")
_PRODUCT_ATTRIBUTES = ("gender", "age_group", "condition")
_TITLE_SEPARATOR = re.compile(r"(?:\s*[-/|,]\s*|\s+)$")
_PRICE = re.compile(
    r"^\s*(?:(?P<pre>[A-Za-z]{3})\s+)?(?P<amount>[^\sA-Za-z]+)\s*(?P<post>[A-Za-z]{3})?\s*$"
)


@dataclass(frozen=True)
class _Offer:
    """One valid feed item: its line, the product group it belongs to, its fields and variant."""

    line: int
    group: str
    fields: dict[str, str]
    variant: Variant
    currency: str | None


def load_merchant_tsv(path: Path) -> FileLoad:
    """Products from a tab-separated Merchant Center feed (header row of attribute names)."""
    load = FileLoad.of(path)
    text = read_text(path, latin1_fallback=True)
    header, rows = read_table(text, load, delimiter="\t", normalise=attribute_name)
    missing = [name for name in REQUIRED_ATTRIBUTES if name not in header]
    if missing:
        raise UnreadableFileError(path, f"missing required column(s): {', '.join(missing)}", 1)
    _build_products(((row.line, row.cells) for row in rows), load)
    return load


def load_merchant_xml(path: Path) -> FileLoad:
    """Products from an RSS 2.0 or Atom Merchant Center feed."""
    load = FileLoad.of(path)
    items = read_feed(path, load)
    _build_products(((item.line, item.fields) for item in items), load)
    return load


def attribute_name(header_cell: str) -> str:
    """A header cell as an attribute name: "g:Item Group ID" -> "item_group_id"."""
    name = header_cell.strip().lower().removeprefix("g:")
    return re.sub(r"[\s-]+", "_", name)


def parse_feed_price(text: str, column: str = "price") -> tuple[Decimal, str | None]:
    """("59.99 USD") -> (Decimal("59.99"), "USD"); the currency is optional."""
    match = _PRICE.match(text)
    if not match:
        raise ValueError(f"{column}: {text.strip()!r} is not a price like '59.99 USD'")
    currency = match.group("pre") or match.group("post")
    return parse_money(match.group("amount"), column), currency.upper() if currency else None


def _build_products(items: Iterable[tuple[int, dict[str, str]]], load: FileLoad) -> None:
    groups: dict[str, list[_Offer]] = {}
    for line, fields in items:
        cells = {name: value.strip() for name, value in fields.items() if value and value.strip()}
        try:
            offer = _offer(line, cells)
        except ValidationError as exc:
            load.skip_row(line, describe_validation_error(exc, _item_place(cells)))
            continue
        except ValueError as exc:
            load.skip_row(line, located(str(exc), _item_place(cells)))
            continue
        groups.setdefault(offer.group, []).append(offer)
    for group_id, offers in groups.items():
        _add_product(group_id, offers, load)


def _offer(line: int, cells: dict[str, str]) -> _Offer:
    for name in REQUIRED_ATTRIBUTES:
        if not cells.get(name):
            raise ValueError(f"{name}: missing")
    price, currency = parse_feed_price(cells["price"])
    compare_at = None
    if cells.get("sale_price"):
        compare_at, price = price, parse_feed_price(cells["sale_price"], "sale_price")[0]
    availability = cells.get("availability", "").lower().replace("_", " ")
    variant = Variant(
        id=cells["id"],
        sku=cells.get("mpn"),
        options={name: cells[name] for name in _ALWAYS_OPTIONS if cells.get(name)},
        price=price,
        compare_at_price=compare_at,
        available=_AVAILABILITY.get(availability),
        image=cells.get("image_link"),
    )
    return _Offer(line, cells.get("item_group_id") or cells["id"], cells, variant, currency)


def _add_product(group_id: str, offers: list[_Offer], load: FileLoad) -> None:
    first = offers[0].fields
    varying = {name for name in _VARYING_OPTIONS if len({o.fields.get(name) for o in offers}) > 1}
    variants = [_with_options(o, varying) for o in offers]
    constant = [n for n in (*_VARYING_OPTIONS, *_PRODUCT_ATTRIBUTES) if n not in varying]
    fields: dict[str, Any] = {
        "id": group_id,
        "title": _group_title(first["title"], offers) if len(offers) > 1 else first["title"],
        "description": plain_text(first.get("description", "")),
        "category": _category(first),
        "brand": first.get("brand"),
        "url": first.get("link"),
        "images": _images(offers),
        "attributes": {name: first[name] for name in constant if first.get(name)},
        "variants": variants,
    }
    if offers[0].currency:
        fields["currency"] = offers[0].currency
    try:
        product = Product.model_validate({k: v for k, v in fields.items() if v is not None})
    except ValidationError as exc:
        load.skip_row(offers[0].line, describe_validation_error(exc, f"product {group_id}"))
        return
    load.add_product(product, offers[0].line)


def _with_options(offer: _Offer, varying: set[str]) -> Variant:
    extra = {name: offer.fields[name] for name in sorted(varying) if offer.fields.get(name)}
    if not extra:
        return offer.variant
    data = offer.variant.model_dump()
    return Variant.model_validate({**data, "options": {**data["options"], **extra}, "title": ""})


def _group_title(title: str, offers: list[_Offer]) -> str:
    """The first item's title without trailing option values: "Parka - Blue - M" -> "Parka"."""
    values = sorted({v.lower() for o in offers for v in o.variant.options.values()}, key=len)
    trimmed = title
    while True:
        value = next((v for v in reversed(values) if trimmed.lower().endswith(v)), None)
        head = trimmed[: -len(value)] if value else ""
        separator = _TITLE_SEPARATOR.search(head)
        if not value or separator is None or separator.start() == 0:
            return trimmed
        trimmed = head[: separator.start()]


def _category(fields: dict[str, str]) -> str | None:
    for name in ("product_type", "google_product_category"):
        last = fields.get(name, "").split(">")[-1].strip()
        if last and not last.isdigit():
            return last
    return None


def _images(offers: list[_Offer]) -> list[str]:
    links: dict[str, None] = {}
    for offer in offers:
        for name in ("image_link", "additional_image_link"):
            for link in offer.fields.get(name, "").split(","):
                if link.strip():
                    links.setdefault(link.strip(), None)
    return list(links)


def _item_place(cells: dict[str, str]) -> str:
    return f"item {cells['id']}" if cells.get("id") else ""
