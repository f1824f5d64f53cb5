import shutil
from pathlib import Path

import pytest

from assistant.errors import CatalogError
from assistant.retrieval.loaders import detect_format, load_path, load_paths
from assistant.retrieval.loaders.detection import csv_format, json_format
from assistant.retrieval.loaders.report import CatalogLoad

LAYOUT = {
    "products/jackets.yaml": ("native/jackets.yaml", "native"),
    "products/more.json": ("native/products.json", "native"),
    "products/shopify/storefront.json": ("shopify/storefront_products.json", "shopify_json"),
    "sheets/products.csv": ("csv/products.csv", "product_csv"),
    "sheets/shopify_export.csv": ("csv/shopify_export.csv", "shopify_csv"),
    "feeds/google.txt": ("merchant/feed.tsv", "merchant_tsv"),
    "feeds/google.rss": ("merchant/feed.xml", "merchant_xml"),
    "feeds/tents.xml": ("merchant/feed_atom.xml", "merchant_xml"),
    "faq/policies.md": ("faq/policies.md", "faq_markdown"),
    "faq/more.csv": ("faq/faqs.csv", "faq_csv"),
    "faq/more.json": ("faq/faqs.json", "faq_json"),
}


def errors_by_line(load: CatalogLoad) -> dict[int | None, str]:
    return {error.line: error.reason for error in load.errors}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def mixed_catalog(tmp_path: Path, fixtures: Path) -> Path:
    for target, (source, _) in LAYOUT.items():
        (tmp_path / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(fixtures / source, tmp_path / target)
    write(tmp_path / "README.md", "## Not a FAQ\n")
    write(tmp_path / ".draft.yaml", "- not: loaded\n")
    write(tmp_path / ".cache/products.json", "[not json")
    write(tmp_path / "notes.pdf", "%PDF-1.4")
    return tmp_path


def test_every_format_is_detected(mixed_catalog: Path) -> None:
    detected = {target: detect_format(mixed_catalog / target) for target in LAYOUT}

    assert detected == {target: expected for target, (_, expected) in LAYOUT.items()}


def test_directory_walk_loads_each_format_once_in_sorted_order(mixed_catalog: Path) -> None:
    load = load_paths([mixed_catalog])

    assert load.files == sorted(mixed_catalog / target for target in LAYOUT)
    products = {p.id for p in load.products}
    assert {"harbor-rain-shell", "tide-pool-sandal", "7981234567001", "granite-hoodie"} <= products
    assert {"basecamp-fleece", "CC-SP", "CC-TR", "CC-TENT-2"} <= products
    assert len(load.products) == 3 + 2 + 2 + 2 + 2 + 2 + 2 + 1
    assert len(load.faqs) == 4 + 2 + 2
    # Only the deliberate bad rows of the fixtures, nothing from README, hidden files or the PDF.
    assert {Path(e.path).name for e in load.errors} == {
        "more.json",
        "policies.md",
        "more.csv",
        "shopify_export.csv",
    }
    assert len(load.errors) == 1 + 1 + 1 + 2 + 2


def test_duplicate_ids_across_files_keep_the_first(tmp_path: Path) -> None:
    first = write(
        tmp_path / "a.yaml",
        "- {id: p1, title: First, variants: [{id: v1, price: 10}]}\n",
    )
    write(
        tmp_path / "b.yaml",
        "- {id: p1, title: Again, variants: [{id: v9, price: 10}]}\n"
        "- {id: p2, title: Shares v1, variants: [{id: v1, price: 10}, {id: v2, price: 12}]}\n"
        "- {id: p3, title: Only v1, variants: [{id: v1, price: 10}]}\n",
    )
    write(tmp_path / "c.md", "## Do you ship?\nYes.\n")
    write(tmp_path / "d.json", '[{"id": "do-you-ship", "question": "Shipping?", "answer": "Yes."}]')

    load = load_paths([tmp_path])

    assert [(p.id, p.title) for p in load.products] == [("p1", "First"), ("p2", "Shares v1")]
    assert [v.id for v in load.products[1].variants] == ["v2"]
    assert [faq.question for faq in load.faqs] == ["Do you ship?"]
    where = f"{first}:1"
    b, d = tmp_path / "b.yaml", tmp_path / "d.json"
    assert [str(e) for e in load.errors] == [
        f"{b}:1: duplicate product id: p1 (first seen in {where})",
        f"{b}:2: duplicate variant id: v1 in product p2 (first seen in {where})",
        f"{b}:3: duplicate variant ids: v1 (first seen in {where}); "
        "product p3 skipped, it has no other variant",
        f"{d}:1: duplicate FAQ id: do-you-ship (first seen in {tmp_path / 'c.md'}:1)",
    ]


def test_duplicate_within_one_file_is_reported_at_the_later_line(fixtures: Path) -> None:
    path = fixtures / "native/broken.yaml"
    load = load_path(path)

    assert [p.id for p in load.products] == ["good-anorak", "last-good-cap"]
    assert errors_by_line(load)[23] == f"duplicate product id: good-anorak (first seen in {path}:1)"
    assert len(load.errors) == 5


def test_unparseable_file_is_one_error_and_other_files_still_load(tmp_path: Path) -> None:
    write(tmp_path / "a_bad.json", '[\n  {"id": "x",\n  "title": }\n]')
    write(tmp_path / "b_good.yaml", "- {id: ok, title: Ok, variants: [{id: '1', price: 5}]}\n")

    load = load_paths([tmp_path])

    assert [p.id for p in load.products] == ["ok"]
    (error,) = load.errors
    assert (Path(error.path).name, error.line) == ("a_bad.json", 3)
    assert error.reason.startswith("invalid JSON: Expecting value")


def test_explicit_unknown_file_is_reported_and_missing_path_raises(tmp_path: Path) -> None:
    pdf = write(tmp_path / "catalog.pdf", "%PDF-1.4")

    load = load_paths([pdf])

    assert [str(e) for e in load.errors] == [f"{pdf}: unsupported file type: '.pdf'"]
    with pytest.raises(CatalogError, match="no such file or directory"):
        load_paths([tmp_path / "missing"])


def test_utf8_bom_files_load(tmp_path: Path) -> None:
    path = tmp_path / "faq.json"
    path.write_bytes('\ufeff[{"question": "Größe?", "answer": "Siehe Tabelle."}]'.encode())

    load = load_path(path)

    assert [(f.id, f.question) for f in load.faqs] == [("grosse", "Größe?")]


@pytest.mark.shared_data
def test_real_shopify_products_share_one_variant_id(shared_data: Path) -> None:
    path = shared_data / "shopify-api-fixtures/products.json"

    load = load_path(path)

    # The four example products reuse variant 808950810; checkout links need it unique.
    assert [p.id for p in load.products] == ["1"]
    assert [e.line for e in load.errors] == [53, 104, 155]
    assert all("808950810" in e.reason for e in load.errors)


def test_json_sniffing_rules() -> None:
    native_with_string_prices = [
        {"id": "a", "title": "A", "category": "X", "variants": [{"id": "1", "price": "9.99"}]}
    ]
    storefront = {"products": [{"id": 1, "title": "A", "variants": [{"id": 2, "price": "9.99"}]}]}
    admin = [{"id": 1, "title": "A", "body_html": "", "variants": []}]

    assert json_format(native_with_string_prices) == "native"
    assert json_format(storefront) == "shopify_json"
    assert json_format(admin) == "shopify_json"
    assert json_format({"questions": [{"question": "q", "answer": "a"}]}) == "faq_json"


def test_csv_sniffing_rules() -> None:
    assert csv_format(["Question", "Answer", "Category"]) == "faq_csv"
    assert csv_format(["Handle", "Title", "Body (HTML)", "Vendor"]) == "shopify_csv"
    assert csv_format(["product_id", "title", "variant_id", "price"]) == "product_csv"


def test_demo_brand_catalog_loads_cleanly(repo: Path) -> None:
    catalog = repo / "catalog"
    if not (catalog / "products").is_dir():
        pytest.skip("the demo brand catalog (catalog/products) is not written yet")

    load = load_paths([catalog])

    assert [str(e) for e in load.errors] == []
    assert len(load.products) >= 10
    assert all(p.variants for p in load.products)
    variant_ids = [v.id for p in load.products for v in p.variants]
    assert len(variant_ids) == len(set(variant_ids))
    if (catalog / "faq.md").is_file():
        assert load.faqs
        assert all(faq.category != "General" for faq in load.faqs)  # every entry under a # heading
