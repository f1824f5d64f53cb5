"""Shopify's product CSV export (the file from Products > Export).

One row per variant; the first row of a product carries its fields (Title, Body (HTML),
Vendor, Type, Tags, Option1 Name...), continuation rows share the Handle and leave them blank.
Rows with only an ``Image Src`` add an image. The export has no variant ids, so a variant's id is
its ``Variant SKU`` or, without one, the handle plus its option values. Products whose
``Status`` is draft or archived are skipped (reported once, on their first row).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from assistant.retrieval.loaders.file_load import FileLoad, UnreadableFileError
from assistant.retrieval.loaders.html_text import html_to_text
from assistant.retrieval.loaders.shopify import (
    NOT_FOR_SALE,
    product_url,
    shopify_stock,
    split_options,
)
from assistant.retrieval.loaders.slug import slugify
from assistant.retrieval.loaders.table import TableRow, read_table
from assistant.retrieval.loaders.validation import describe_validation_error, located
from assistant.retrieval.loaders.values import parse_money, parse_optional_money, parse_whole_number
from assistant.retrieval.models import Product, Variant

_OPTION_NUMBERS = (1, 2, 3)
_VARIANT_COLUMNS = ("Variant SKU", "Variant Price", "Option1 Value", "Option2 Value")
_MAX_VARIANT_ID = 64


@dataclass
class _ShopifyProduct:
    line: int
    fields: dict[str, Any]
    option_names: list[str]
    variants: list[Variant] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    variant_rows: int = 0


def is_shopify_export(header: list[str]) -> bool:
    """True for a Shopify product export header (it starts with Handle)."""
    return bool(header) and header[0].strip().lower() == "handle"


def read_shopify_export(path: Path, text: str, *, shop_domain: str | None = None) -> FileLoad:
    """Products from the text of a Shopify product CSV export."""
    load = FileLoad.of(path)
    header, rows = read_table(text, load)
    if "Title" not in header or "Variant Price" not in header:
        raise UnreadableFileError(path, "Shopify export without Title or Variant Price column", 1)
    products: dict[str, _ShopifyProduct] = {}
    rejected: set[str] = set()
    for row in rows:
        handle = row.get("Handle")
        if not handle:
            load.skip_row(row.line, "Handle: missing")
        elif handle in rejected:
            continue  # its first row was reported; the continuation rows go with it
        elif handle not in products:
            _start_product(row, handle, products, rejected, load, shop_domain)
        else:
            _add_row(row, products[handle], load)
    for draft in products.values():
        _finish(draft, load)
    return load


def _start_product(
    row: TableRow,
    handle: str,
    products: dict[str, _ShopifyProduct],
    rejected: set[str],
    load: FileLoad,
    shop_domain: str | None,
) -> None:
    status = row.get("Status").lower()
    if status in NOT_FOR_SALE:
        load.skip_row(row.line, located(f"not for sale: status is {status}", f"product {handle}"))
        rejected.add(handle)
        return
    if not row.get("Title"):
        load.skip_row(row.line, located("Title: missing", f"product {handle}"))
        rejected.add(handle)
        return
    names = [row.get(f"Option{n} Name") for n in _OPTION_NUMBERS]
    products[handle] = _ShopifyProduct(row.line, _product_fields(row, handle, shop_domain), names)
    _add_row(row, products[handle], load)


def _product_fields(row: TableRow, handle: str, shop_domain: str | None) -> dict[str, Any]:
    taxonomy = row.get("Product Category").split(">")[-1].strip()
    return {
        "id": handle,
        "handle": handle,
        "title": row.get("Title"),
        "description": html_to_text(row.get("Body (HTML)")),
        "category": row.get("Type") or taxonomy or "Uncategorised",
        "brand": row.get("Vendor") or None,
        "tags": row.get("Tags"),
        "url": product_url(shop_domain, handle),
    }


def _add_row(row: TableRow, draft: _ShopifyProduct, load: FileLoad) -> None:
    image = row.get("Image Src")
    if image and image not in draft.images:
        draft.images.append(image)
    if not any(row.get(column) for column in _VARIANT_COLUMNS):
        return  # an image-only row
    draft.variant_rows += 1
    place = f"product {draft.fields['id']}"
    try:
        variant = _variant(row, draft)
    except ValidationError as exc:
        load.skip_row(row.line, describe_validation_error(exc, place))
        return
    except ValueError as exc:
        load.skip_row(row.line, located(str(exc), place))
        return
    if variant.id in {v.id for v in draft.variants}:
        load.skip_row(row.line, located(f"duplicate variant id: {variant.id}", place))
        return
    draft.variants.append(variant)


def _variant(row: TableRow, draft: _ShopifyProduct) -> Variant:
    if not row.get("Variant Price"):
        raise ValueError("Variant Price: missing")
    values: list[object] = [row.get(f"Option{n} Value") for n in _OPTION_NUMBERS]
    options = split_options(draft.option_names, values)
    shown = [str(v) for v in values if v and v != "Default Title"]
    quantity = parse_whole_number(row.get("Variant Inventory Qty"), "Variant Inventory Qty")
    stock, available = shopify_stock(
        bool(row.get("Variant Inventory Tracker")), row.get("Variant Inventory Policy"), quantity
    )
    return Variant(
        id=_variant_id(str(draft.fields["id"]), row.get("Variant SKU"), shown),
        sku=row.get("Variant SKU") or None,
        title=" / ".join(shown),
        options=options,
        price=parse_money(row.get("Variant Price"), "Variant Price"),
        compare_at_price=parse_optional_money(
            row.get("Variant Compare At Price"), "Variant Compare At Price"
        ),
        stock=stock,
        available=available,
        image=row.get("Variant Image") or None,
    )


def _variant_id(handle: str, sku: str, values: list[str]) -> str:
    """The SKU, else handle + option values; long ones are shortened with a hash to stay unique."""
    variant_id = sku or slugify("-".join([handle, *values]) if values else f"{handle}-default", 200)
    if len(variant_id) <= _MAX_VARIANT_ID:
        return variant_id
    digest = hashlib.sha1(variant_id.encode("utf-8"), usedforsecurity=False).hexdigest()[:10]
    return f"{variant_id[: _MAX_VARIANT_ID - 11]}-{digest}"


def _finish(draft: _ShopifyProduct, load: FileLoad) -> None:
    if not draft.variants:
        if not draft.variant_rows:  # otherwise each bad variant row was reported
            load.skip_row(draft.line, located("no variant rows", f"product {draft.fields['id']}"))
        return
    try:
        product = Product.model_validate(
            {**draft.fields, "images": draft.images, "variants": draft.variants}
        )
    except ValidationError as exc:
        load.skip_row(
            draft.line, f"product {draft.fields['id']}: " + describe_validation_error(exc)
        )
        return
    load.add_product(product, draft.line)
