"""Filters are exact per variant: one variant must meet every variant-level constraint."""

from decimal import Decimal

import pytest

from assistant.retrieval.filters import FilterTable, SearchFilters
from assistant.retrieval.models import Product, Variant


def _product(pid: str, category: str, variants: list[dict], **attributes: str) -> Product:
    return Product(
        id=pid,
        title=pid,
        category=category,
        attributes=attributes,
        variants=[Variant.model_validate(v) for v in variants],
    )


@pytest.fixture
def table() -> FilterTable:
    return FilterTable(
        [
            _product(
                "shell",
                "Rain Jackets",
                [
                    {
                        "id": "1",
                        "price": 189,
                        "options": {"size": "M", "color": "Navy Blue"},
                        "stock": 0,
                    },
                    {
                        "id": "2",
                        "price": 189,
                        "options": {"size": "L", "color": "Navy Blue"},
                        "stock": 4,
                    },
                    {
                        "id": "3",
                        "price": 149,
                        "options": {"size": "M", "color": "Black"},
                        "stock": 2,
                    },
                ],
                material="3-layer recycled nylon",
                gender="women",
            ),
            _product(
                "runner",
                "Trail Running Shoes",
                [
                    {"id": "4", "price": 140, "options": {"size": "10"}, "stock": 0},
                    {"id": "5", "price": 140, "options": {"size": "10.5"}, "stock": 3},
                ],
                gender="men",
            ),
            _product(
                "sock", "Socks", [{"id": "6", "price": 18}], material="Merino wool", gender="unisex"
            ),
        ]
    )


def _kept(table: FilterTable, filters: SearchFilters) -> dict[str, list[str]]:
    products, variants = table.apply(filters)
    names = ["shell", "runner", "sock"]
    return {names[i]: table.variants_of(i, variants) for i in range(3) if products[i]}


def test_no_filters_keep_everything(table: FilterTable) -> None:
    assert _kept(table, SearchFilters()) == {
        "shell": ["1", "2", "3"],
        "runner": ["4", "5"],
        "sock": ["6"],
    }


def test_size_and_stock_must_hold_on_the_same_variant(table: FilterTable) -> None:
    assert _kept(table, SearchFilters(size="10", in_stock=True)) == {}
    assert _kept(table, SearchFilters(size="10.5", in_stock=True)) == {"runner": ["5"]}
    assert _kept(table, SearchFilters(size="m", in_stock=True)) == {"shell": ["3"]}


def test_price_bounds_apply_to_variant_prices(table: FilterTable) -> None:
    assert _kept(table, SearchFilters(price_max=Decimal(150))) == {
        "shell": ["3"],
        "runner": ["4", "5"],
        "sock": ["6"],
    }
    assert _kept(table, SearchFilters(price_min=Decimal(150), price_max=Decimal(200))) == {
        "shell": ["1", "2"]
    }


def test_colour_matches_whole_words(table: FilterTable) -> None:
    assert _kept(table, SearchFilters(color="blue")) == {"shell": ["1", "2"]}
    assert _kept(table, SearchFilters(color="navy blue", in_stock=True)) == {"shell": ["2"]}
    assert _kept(table, SearchFilters(color="blu")) == {}


def test_category_material_and_attributes(table: FilterTable) -> None:
    assert list(_kept(table, SearchFilters(categories=["trail running shoes"]))) == ["runner"]
    assert list(_kept(table, SearchFilters(material="merino"))) == ["sock"]
    assert list(_kept(table, SearchFilters(attributes={"gender": ["men", "unisex"]}))) == [
        "runner",
        "sock",
    ]
    assert _kept(table, SearchFilters(attributes={"fit": ["slim"]})) == {}


def test_describe_reads_like_a_sentence() -> None:
    filters = SearchFilters(price_max=Decimal(200), in_stock=True, size="10")
    assert filters.describe() == "up to $200, in stock, size 10"
    assert SearchFilters().describe() == "none"


def test_the_product_mask_is_the_callers_and_remembered_masks_stay_put(
    table: FilterTable,
) -> None:
    """Columns remember the masks of constraints they saw, and the commonest variant masks are
    shared: no caller can change them."""
    for filters in (
        SearchFilters(),
        SearchFilters(in_stock=True),
        SearchFilters(size="m", categories=["rain jackets"], attributes={"gender": ["women"]}),
    ):
        before = _kept(table, filters)
        products, variants = table.apply(filters)
        products[:] = False
        if variants.flags.writeable:  # a mask made for this call
            variants[:] = False
        else:  # a shared one
            with pytest.raises(ValueError, match="read-only"):
                variants[:] = False
        assert _kept(table, filters) == before
