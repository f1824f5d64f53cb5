"""Fuzzing every catalog and FAQ loader with arbitrary and almost-valid files: a loader reports
bad rows and files, it never raises (load_file's contract)."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.retrieval.loaders import load_file

FUZZ = settings(
    max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
NAMES = [
    "products.yaml", "products.json", "products.csv", "shopify.csv", "feed.tsv", "feed.xml",
    "faq.md", "faq.json", "faq.csv",
]  # fmt: skip
SCALARS = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20)
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "title",
                    "price",
                    "variants",
                    "products",
                    "question",
                    "answer",
                    "options",
                    "stock",
                    "handle",
                    "body_html",
                    "tags",
                    "x",
                ]
            ),
            inner,
            max_size=5,
        )
    ),
    max_leaves=30,
)
CSV_HEADERS = {
    "products.csv": ["product_id", "title", "category", "variant_id", "price", "stock",
                     "option:size"],
    "shopify.csv": ["Handle", "Title", "Body (HTML)", "Variant SKU", "Variant Price",
                    "Option1 Name", "Option1 Value", "Variant Inventory Qty"],
    "feed.tsv": ["id", "title", "description", "price", "availability", "item_group_id", "size"],
    "faq.csv": ["question", "answer", "category"],
}  # fmt: skip


def _load(name: str, content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        load_file(path, shop_domain="shop.example")  # must not raise


@FUZZ
@given(name=st.sampled_from(NAMES), content=st.binary(max_size=3000))
def test_arbitrary_bytes(name: str, content: bytes) -> None:
    _load(name, content)


@FUZZ
@given(name=st.sampled_from(["products.yaml", "products.json", "faq.json"]), value=JSON)
def test_arbitrary_structures(name: str, value: Any) -> None:
    text = yaml.safe_dump(value) if name.endswith(".yaml") else json.dumps(value)
    _load(name, text.encode())


@FUZZ
@given(
    name=st.sampled_from(sorted(CSV_HEADERS)),
    rows=st.lists(st.lists(st.text(max_size=15), min_size=0, max_size=9), max_size=8),
)
def test_tables_with_arbitrary_cells(name: str, rows: list[list[str]]) -> None:
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t" if name.endswith(".tsv") else ",")
    writer.writerow(CSV_HEADERS[name])
    writer.writerows(rows)
    _load(name, out.getvalue().encode())


@FUZZ
@given(
    items=st.lists(
        st.dictionaries(
            st.sampled_from(["g:id", "title", "g:price", "g:item_group_id", "g:size", "link"]),
            st.text(max_size=15),
            max_size=6,
        ),
        max_size=5,
    )
)
def test_merchant_xml_with_arbitrary_fields(items: list[dict[str, str]]) -> None:
    from xml.sax.saxutils import escape

    def item(fields: dict[str, str]) -> str:
        return "<item>" + "".join(f"<{k}>{escape(v)}</{k}>" for k, v in fields.items()) + "</item>"

    body = "".join(item(i) for i in items)
    xml = (
        '<?xml version="1.0"?><rss version="2.0" xmlns:g="http://base.google.com/ns/1.0">'
        f"<channel>{body}</channel></rss>"
    )
    _load("feed.xml", xml.encode("utf-8", errors="surrogatepass"))


@FUZZ
@given(
    blocks=st.lists(
        st.tuples(st.sampled_from(["# ", "## ", "", "Also asked: "]), st.text(max_size=40)),
        max_size=12,
    )
)
def test_faq_markdown_with_arbitrary_lines(blocks: list[tuple[str, str]]) -> None:
    text = "\n".join(prefix + line for prefix, line in blocks)
    _load("faq.md", text.encode("utf-8", errors="surrogatepass"))
