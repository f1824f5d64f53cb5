from decimal import Decimal
from pathlib import Path

import pytest

from assistant.retrieval.loaders.file_load import UnreadableFileError
from assistant.retrieval.loaders.native import load_native
from assistant.retrieval.loaders.report import CatalogLoad


def errors_by_line(load: CatalogLoad) -> dict[int | None, str]:
    return {error.line: error.reason for error in load.errors}


def test_yaml_products_load_with_options_prices_and_stock(fixtures: Path) -> None:
    load = load_native(fixtures / "native/jackets.yaml")

    assert load.errors == []
    shell, fleece, beanie = load.products
    assert shell.title == "Harbor Rain Shell"
    assert shell.category == "Rain Jackets"
    assert shell.tags == ["rain", "waterproof", "packable"]
    assert shell.attributes == {"material": "recycled nylon", "waterproofing": "10k/10k"}
    assert shell.option_values("color") == ["Navy", "Olive"]
    assert [v.price for v in shell.variants] == [Decimal("129"), Decimal("129"), Decimal("99.5")]
    assert shell.variants[2].compare_at_price == Decimal("129")
    assert [v.in_stock for v in shell.variants] == [True, False, True]
    assert fleece.tags == ["warm", "midlayer"]
    assert fleece.variants[0].price == Decimal("64.95")
    assert beanie.category == "Uncategorised"
    assert beanie.variants[0].id == "5201"
    assert not beanie.in_stock


def test_yaml_lines_are_where_each_item_starts(fixtures: Path) -> None:
    load = load_native(fixtures / "native/jackets.yaml")

    assert load.product_lines == [2, 19, 28]


def test_broken_yaml_rows_are_skipped_with_line_and_reason(fixtures: Path) -> None:
    path = fixtures / "native/broken.yaml"
    load = load_native(path)

    assert errors_by_line(load) == {
        6: "price: Input should be greater than or equal to 0 "
        "(product negative-price-vest, variant 2)",
        12: "title: Field required (product untitled-parka)",
        16: "stock: Input should be a valid integer, unable to parse string as an integer "
        "(product lots-of-gloves, variant 1)",
        21: "not a product: expected a mapping, got str",
    }
    assert {e.path for e in load.errors} == {str(path)}
    # The later copy of good-anorak is a duplicate only across the catalog (see load_paths).
    assert [p.id for p in load.products] == ["good-anorak", "good-anorak", "last-good-cap"]


def test_json_products_get_line_numbers(fixtures: Path) -> None:
    load = load_native(fixtures / "native/products.json")

    assert [p.id for p in load.products] == ["tide-pool-sandal", "beach-towel"]
    assert load.product_lines == [3, 17]
    assert errors_by_line(load) == {
        12: "variants: List should have at least 1 item after validation, not 0 "
        "(product no-variants-towel)"
    }
    assert load.products[0].option_values("size", in_stock_only=True) == ["42"]


def test_invalid_yaml_is_one_file_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("- id: a\n  title: [unclosed\n- id: b\n", encoding="utf-8")

    with pytest.raises(UnreadableFileError) as caught:
        load_native(path)

    assert caught.value.line == 3
    assert caught.value.reason.startswith("invalid YAML")


def test_products_key_and_single_product_mapping(tmp_path: Path) -> None:
    wrapped = tmp_path / "wrapped.yaml"
    wrapped.write_text(
        "products:\n  - id: a\n    title: A\n    variants: [{id: '1', price: 1}]\n",
        encoding="utf-8",
    )
    single = tmp_path / "single.yml"
    single.write_text("id: b\ntitle: B\nvariants: [{id: '2', price: 2}]\n", encoding="utf-8")

    assert load_native(wrapped).product_lines == [2]
    assert [p.id for p in load_native(single).products] == ["b"]
