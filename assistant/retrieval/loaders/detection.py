"""Which loader reads a file: by extension, then by a look at the content.

==========================  ===============================================================
``.md``                     FAQ Markdown
``.yaml`` / ``.yml``        native products
``.json``                   FAQ JSON if the items have ``question`` and ``answer``; Shopify if
                            a product has ``body_html``/``product_type``/``vendor`` or a variant
                            has ``option1``/inventory fields, or (without native fields such as
                            ``category`` or variant ``options``) string prices or ``available``;
                            otherwise native products
``.csv``                    FAQ CSV if the header has question and answer; Shopify export if the
                            header starts with Handle; otherwise the documented product CSV
``.tsv`` / ``.txt``         Merchant Center TSV
``.xml`` / ``.rss``         Merchant Center RSS or Atom
==========================  ===============================================================
"""

from __future__ import annotations

from itertools import islice
from pathlib import Path
from typing import Any, Literal

from assistant.retrieval.loaders.faq import FAQ_JSON_KEYS
from assistant.retrieval.loaders.shopify_csv import is_shopify_export
from assistant.retrieval.loaders.source import parse_json, read_text
from assistant.retrieval.loaders.table import first_record

FileFormat = Literal[
    "faq_markdown",
    "faq_json",
    "faq_csv",
    "native",
    "shopify_json",
    "shopify_csv",
    "product_csv",
    "merchant_tsv",
    "merchant_xml",
]

_BY_SUFFIX: dict[str, FileFormat] = {
    ".md": "faq_markdown",
    ".yaml": "native",
    ".yml": "native",
    ".tsv": "merchant_tsv",
    ".txt": "merchant_tsv",
    ".xml": "merchant_xml",
    ".rss": "merchant_xml",
}
KNOWN_SUFFIXES = frozenset({*_BY_SUFFIX, ".json", ".csv"})
_SAMPLE = 20  # items looked at when sniffing a JSON file
_SHOPIFY_PRODUCT_KEYS = frozenset({"body_html", "product_type", "vendor", "published_at"})
_SHOPIFY_VARIANT_KEYS = frozenset(
    {"option1", "inventory_quantity", "inventory_policy", "inventory_management"}
)
_NATIVE_PRODUCT_KEYS = frozenset({"category", "attributes", "description", "currency", "brand"})


def detect_format(path: Path) -> FileFormat | None:
    """The format of `path`, or None for an extension no loader reads."""
    suffix = path.suffix.lower()
    if suffix in _BY_SUFFIX:
        return _BY_SUFFIX[suffix]
    if suffix == ".json":
        return json_format(parse_json(path, read_text(path)))
    if suffix == ".csv":
        return csv_format(first_record(read_text(path, latin1_fallback=True)))
    return None


def csv_format(header: list[str]) -> FileFormat:
    """FAQ, Shopify export or documented product CSV, from the header row."""
    names = {cell.strip().lower() for cell in header}
    if {"question", "answer"} <= names:
        return "faq_csv"
    return "shopify_csv" if is_shopify_export(header) else "product_csv"


def json_format(data: Any) -> FileFormat:
    """FAQ, Shopify or native products, from the shape of the parsed JSON."""
    items = [item for item in islice(_items(data), _SAMPLE) if isinstance(item, dict)]
    if any("question" in item and "answer" in item for item in items):
        return "faq_json"
    variants = [variant for item in items for variant in _variants(item)]
    if any(_SHOPIFY_PRODUCT_KEYS & item.keys() for item in items) or any(
        _SHOPIFY_VARIANT_KEYS & variant.keys() for variant in variants
    ):
        return "shopify_json"
    # Weaker signs (string prices, an `available` flag) only count when nothing looks native.
    native = any(_NATIVE_PRODUCT_KEYS & item.keys() for item in items) or any(
        "options" in variant or "stock" in variant for variant in variants
    )
    weak = any(isinstance(v.get("price"), str) or "available" in v for v in variants)
    return "shopify_json" if weak and not native else "native"


def _items(data: Any) -> list[Any]:
    if isinstance(data, dict):
        key = next((k for k in ("products", "product", *FAQ_JSON_KEYS) if k in data), None)
        data = data.get(key) if key else []
    if isinstance(data, dict):
        return [data]
    return data if isinstance(data, list) else []


def _variants(product: dict[str, Any]) -> list[dict[str, Any]]:
    variants = product.get("variants")
    return [v for v in variants if isinstance(v, dict)] if isinstance(variants, list) else []
