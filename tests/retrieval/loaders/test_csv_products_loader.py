from decimal import Decimal
from pathlib import Path

import pytest

from assistant.retrieval.loaders.csv_products import load_csv_products
from assistant.retrieval.loaders.file_load import UnreadableFileError
from assistant.retrieval.loaders.report import CatalogLoad


def errors_by_line(load: CatalogLoad) -> dict[int | None, str]:
    return {error.line: error.reason for error in load.errors}


def test_documented_csv_groups_rows_into_products(fixtures: Path) -> None:
    load = load_csv_products(fixtures / "csv/products.csv")

    assert load.errors == []
    hoodie, tote = load.products
    assert (hoodie.id, hoodie.title, hoodie.category) == (
        "granite-hoodie",
        "Granite Hoodie",
        "Hoodies",
    )
    assert hoodie.brand == "Tidewater Supply"
    assert hoodie.tags == ["cotton", "casual"]
    assert hoodie.attributes == {"material": "organic cotton", "fit": "relaxed"}
    assert hoodie.url == "https://tidewater.example/products/granite-hoodie"
    assert hoodie.images == [
        "https://tidewater.example/img/granite-grey.jpg",
        "https://tidewater.example/img/granite-rust.jpg",
    ]
    assert [v.options for v in hoodie.variants] == [
        {"size": "M", "color": "Grey"},
        {"size": "L", "color": "Grey"},
        {"size": "L", "color": "Rust"},
    ]
    assert [v.price for v in hoodie.variants] == [
        Decimal("75.00"),
        Decimal("75.00"),
        Decimal("1099.00"),
    ]
    assert [v.stock for v in hoodie.variants] == [12, 0, None]
    assert [v.in_stock for v in hoodie.variants] == [True, False, True]
    assert load.product_lines == [2, 5]
    (bag,) = tote.variants
    assert (bag.price, bag.compare_at_price, bag.sku) == (
        Decimal("45.00"),
        Decimal("55.00"),
        "CT-01",
    )
    assert tote.attributes == {"material": "waxed canvas"}


def test_broken_csv_rows_are_skipped_and_the_rest_loads(fixtures: Path) -> None:
    path = fixtures / "csv/products_broken.csv"
    load = load_csv_products(path)

    assert errors_by_line(load) == {
        3: "price: missing (product ok-shirt, variant 9002)",
        4: "price: Input should be greater than or equal to 0 (product ok-shirt, variant 9003)",
        5: "stock: 'plenty' is not a whole number (product ok-shirt, variant 9004)",
        6: "title: missing (product no-title-shirt, variant 9101)",
        7: "wrong number of columns: row has 8, the header has 11",
        8: "duplicate variant id: 9001 (product ok-shirt, variant 9001)",
    }
    assert all(error.path == str(path) for error in load.errors)
    shirt, flannel = load.products
    assert [v.id for v in shirt.variants] == ["9001", "9006"]
    assert flannel.description == "Soft brushed flannel.\n- Two pockets"


def test_csv_without_required_columns_is_one_file_error(tmp_path: Path) -> None:
    path = tmp_path / "products.csv"
    path.write_text("product_id,title,price\np1,Shirt,10\n", encoding="utf-8")

    with pytest.raises(UnreadableFileError, match="missing required column\\(s\\): variant_id"):
        load_csv_products(path)


def test_latin1_csv_and_quoted_multiline_cells_keep_physical_lines(tmp_path: Path) -> None:
    path = tmp_path / "products.csv"
    text = (
        "product_id,title,description,variant_id,price\n"
        'p1,Caf\xe9 Mug,"Two\nlines",v1,9.50\n'
        "p2,Broken,,v2,\n"
    )
    path.write_bytes(text.encode("latin-1"))

    load = load_csv_products(path)

    assert load.products[0].title == "Café Mug"
    assert load.products[0].description == "Two\nlines"
    assert errors_by_line(load) == {4: "price: missing (product p2, variant v2)"}


def test_bad_first_row_does_not_orphan_the_continuation_rows(tmp_path: Path) -> None:
    path = tmp_path / "products.csv"
    path.write_text(
        "product_id,title,variant_id,price\np1,Shirt,v1,\np1,,v2,10\n", encoding="utf-8"
    )

    load = load_csv_products(path)

    assert errors_by_line(load) == {2: "price: missing (product p1, variant v1)"}
    assert [(p.title, [v.id for v in p.variants]) for p in load.products] == [("Shirt", ["v2"])]


def test_shopify_export_groups_continuation_and_image_rows(fixtures: Path) -> None:
    load = load_csv_products(fixtures / "csv/shopify_export.csv", shop_domain="cairn.example")

    fleece, mug = load.products
    assert (fleece.id, fleece.handle, fleece.title) == (
        "basecamp-fleece",
        "basecamp-fleece",
        "Basecamp Fleece",
    )
    assert fleece.category == "Fleece"
    assert fleece.brand == "Cairn & Compass"
    assert fleece.tags == ["fleece", "midlayer", "hiking"]
    assert fleece.description == "Grid fleece that breathes on the climb."
    assert fleece.url == "https://cairn.example/products/basecamp-fleece"
    assert len(fleece.images) == 3  # two variant rows with images plus an image-only row
    assert [v.id for v in fleece.variants] == ["BCF-S-MOS", "BCF-M-MOS", "basecamp-fleece-m-ember"]
    assert [v.options for v in fleece.variants] == [
        {"size": "S", "color": "Moss"},
        {"size": "M", "color": "Moss"},
        {"size": "M", "color": "Ember"},
    ]
    assert [v.price for v in fleece.variants] == [Decimal("110.00")] * 3
    assert fleece.variants[0].compare_at_price == Decimal("130.00")
    # Tracked with policy deny: 6 and 0 on hand; policy continue: available at zero.
    assert [(v.stock, v.in_stock) for v in fleece.variants] == [(6, True), (0, False), (0, True)]
    assert fleece.variants[2].image == "https://cdn.shopify.com/s/files/basecamp-ember.jpg"
    # "Title: Default Title" is no option; the category falls back to the taxonomy's last step.
    assert (mug.category, mug.variants[0].options, mug.variants[0].title) == ("Mugs", {}, "Default")


def test_shopify_export_reports_bad_rows_and_draft_products(fixtures: Path) -> None:
    load = load_csv_products(fixtures / "csv/shopify_export.csv")

    assert errors_by_line(load) == {
        6: "Variant Price: 'not-a-price' is not a number (product basecamp-fleece)",
        8: "not for sale: status is draft (product winter-prototype)",
    }
    assert [p.id for p in load.products] == ["basecamp-fleece", "enamel-mug"]
