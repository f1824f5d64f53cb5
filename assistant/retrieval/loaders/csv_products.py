"""Products from a CSV file with one row per variant.

Columns (header row; names are case-insensitive, order is free, unknown columns are ignored):

==================  ==========================================================================
``product_id``      required; rows sharing a product_id are one product
``title``           required on a product's first row
``description``     plain text (HTML is stripped)
``category``        e.g. "Rain Jackets"; blank -> "Uncategorised"
``brand``
``tags``            comma-separated, e.g. "waterproof, hiking"
``image_url``       the row's image; every distinct image of a product is kept, in row order
``product_url``     the product page
``handle``          optional URL handle
``currency``        optional ISO code, default USD
``variant_id``      required; unique across the whole catalog (checkout links use it)
``sku``
``price``           required, e.g. 59.99
``compare_at_price``  the "was" price of a sale
``stock``           units on hand, a whole number; blank = not tracked (always available)
``option:<name>``   a variant option, e.g. ``option:size``, ``option:color``
``attr:<name>``     a product attribute, e.g. ``attr:material``, ``attr:fit``
==================  ==========================================================================

Product-level fields (title, description, category, brand, tags, product_url, currency,
``attr:*``) are taken from a product's first row; later rows may leave them blank.
Lines are reported as the CSV physical line, the header being line 1.

Shopify's own product CSV export (header starting ``Handle,Title,Body (HTML),...``) is
recognised and read by `assistant.retrieval.loaders.shopify_csv`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from assistant.retrieval.loaders.file_load import FileLoad, UnreadableFileError
from assistant.retrieval.loaders.html_text import plain_text
from assistant.retrieval.loaders.shopify_csv import is_shopify_export, read_shopify_export
from assistant.retrieval.loaders.source import read_text
from assistant.retrieval.loaders.table import TableRow, first_record, read_table
from assistant.retrieval.loaders.validation import describe_validation_error, located
from assistant.retrieval.loaders.values import parse_money, parse_optional_money, parse_whole_number
from assistant.retrieval.models import Product, Variant

REQUIRED_COLUMNS = ("product_id", "title", "variant_id", "price")
OPTION_PREFIX = "option:"
ATTRIBUTE_PREFIX = "attr:"


@dataclass
class _ProductRows:
    """A product being assembled from its rows."""

    line: int
    fields: dict[str, Any]
    variants: list[Variant] = field(default_factory=list)
    images: list[str] = field(default_factory=list)


def load_csv_products(path: Path, *, shop_domain: str | None = None) -> FileLoad:
    """Products from a documented-column CSV, or from a Shopify product CSV export."""
    text = read_text(path, latin1_fallback=True)
    if is_shopify_export(first_record(text)):
        return read_shopify_export(path, text, shop_domain=shop_domain)
    load = FileLoad.of(path)
    header, rows = read_table(text, load, normalise=lambda name: name.strip().lower())
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise UnreadableFileError(path, f"missing required column(s): {', '.join(missing)}", 1)
    products: dict[str, _ProductRows] = {}
    for row in rows:
        try:
            _add_row(row, products)
        except ValidationError as exc:
            load.skip_row(row.line, describe_validation_error(exc, *_row_place(row)))
        except ValueError as exc:
            load.skip_row(row.line, located(str(exc), *_row_place(row)))
    for draft in products.values():
        _finish(draft, load)
    return load


def _add_row(row: TableRow, products: dict[str, _ProductRows]) -> None:
    product_id = row.get("product_id")
    if not product_id:
        raise ValueError("product_id: missing")
    draft = products.get(product_id)
    if draft is None:
        # Registered before its variant is checked, so a bad first variant does not orphan
        # the continuation rows that leave the product fields blank.
        draft = products[product_id] = _ProductRows(row.line, _product_fields(row))
    variant = _variant(row)
    if variant.id in {v.id for v in draft.variants}:
        raise ValueError(f"duplicate variant id: {variant.id}")
    draft.variants.append(variant)
    image = row.get("image_url")
    if image and image not in draft.images:
        draft.images.append(image)


def _variant(row: TableRow) -> Variant:
    if not row.get("variant_id"):
        raise ValueError("variant_id: missing")
    if not row.get("price"):
        raise ValueError("price: missing")
    options = {
        name.removeprefix(OPTION_PREFIX): value
        for name, value in row.cells.items()
        if name.startswith(OPTION_PREFIX) and value.strip()
    }
    return Variant(
        id=row.get("variant_id"),
        sku=row.get("sku") or None,
        options=options,
        price=parse_money(row.get("price")),
        compare_at_price=parse_optional_money(row.get("compare_at_price"), "compare_at_price"),
        stock=parse_whole_number(row.get("stock")),
        image=row.get("image_url") or None,
    )


def _product_fields(row: TableRow) -> dict[str, Any]:
    if not row.get("title"):
        raise ValueError("title: missing")
    fields: dict[str, Any] = {
        "id": row.get("product_id"),
        "title": row.get("title"),
        "description": plain_text(row.get("description")),
        "category": row.get("category"),
        "brand": row.get("brand"),
        "handle": row.get("handle"),
        "tags": row.get("tags"),
        "url": row.get("product_url"),
        "currency": row.get("currency").upper(),
        "attributes": {
            name.removeprefix(ATTRIBUTE_PREFIX): value.strip()
            for name, value in row.cells.items()
            if name.startswith(ATTRIBUTE_PREFIX) and value.strip()
        },
    }
    return {key: value for key, value in fields.items() if value != ""}


def _finish(draft: _ProductRows, load: FileLoad) -> None:
    if not draft.variants:
        return  # each of its rows was reported
    try:
        product = Product.model_validate(
            {**draft.fields, "images": draft.images, "variants": draft.variants}
        )
    except ValidationError as exc:
        place = f"product {draft.fields.get('id')}"
        load.skip_row(draft.line, describe_validation_error(exc, place))
        return
    load.add_product(product, draft.line)


def _row_place(row: TableRow) -> tuple[str, str]:
    product_id, variant_id = row.get("product_id"), row.get("variant_id")
    return (
        f"product {product_id}" if product_id else "",
        f"variant {variant_id}" if variant_id else "",
    )
