"""Search that sorts and bounds by the catalog's own measures, on the demo brand."""

from __future__ import annotations

import pytest

from assistant.retrieval.embeddings import LocalMiniLM
from assistant.retrieval.filters import SearchFilters
from assistant.retrieval.loaders import load_paths
from assistant.retrieval.measure_columns import MeasureBound, SortBy, UnknownMeasure
from assistant.retrieval.measures import MeasureSchema
from assistant.retrieval.search import ProductHit, ProductSearch
from tests.conftest import DEMO_CATALOG


@pytest.fixture(scope="module")
def products(embedder: LocalMiniLM) -> ProductSearch:
    load = load_paths([DEMO_CATALOG / "products"])
    return ProductSearch(
        load.products, embedder.embed([p.search_text() for p in load.products]), embedder
    )


@pytest.fixture(scope="module")
def schema(products: ProductSearch) -> MeasureSchema:
    return MeasureSchema.discover(products.products)


def _values(schema: MeasureSchema, hits: list[ProductHit], name: str) -> list[float]:
    return [schema.measures(h.product)[name].value for h in hits]


TENTS = SearchFilters(categories=["Tents"])


def test_lightest_tents_first(products: ProductSearch, schema: MeasureSchema) -> None:
    hits = products.search("tent", TENTS, 5, SortBy(by="weight", direction="asc"))
    lows = [schema.measures(h.product)["weight"].low for h in hits]
    assert len(hits) == 5
    assert lows == sorted(lows)


def test_roomiest_tents_first(products: ProductSearch, schema: MeasureSchema) -> None:
    hits = products.search("tent", TENTS, 4, SortBy(by="floor_area", direction="desc"))
    assert _values(schema, hits, "floor_area") == sorted(
        _values(schema, hits, "floor_area"), reverse=True
    )
    every = [m for p in products.products if (m := schema.measures(p).get("floor_area"))]
    assert _values(schema, hits, "floor_area")[0] == max(m.value for m in every)


def test_sort_by_price(products: ProductSearch) -> None:
    hits = products.search("rain jacket", None, 5, SortBy(by="price", direction="desc"))
    prices = [max(v.price for v in h.product.variants if v.id in h.variant_ids) for h in hits]
    assert prices == sorted(prices, reverse=True)


def test_brightest_headlamp(products: ProductSearch, schema: MeasureSchema) -> None:
    hits = products.search("headlamp", None, 3, SortBy(by="lumens", direction="desc"))
    assert hits and all("lumens" in schema.measures(h.product) for h in hits)
    assert _values(schema, hits, "lumens") == sorted(_values(schema, hits, "lumens"), reverse=True)


@pytest.mark.parametrize(
    ("bound", "check"),
    [
        (MeasureBound(measure="weight", max=2, unit="lb"), lambda m: m.low <= 907.19),
        (MeasureBound(measure="weight", max=1, unit="kg"), lambda m: m.low <= 1000),
        (MeasureBound(measure="capacity", min=30, unit="L"), lambda m: m.high >= 30_000),
        (MeasureBound(measure="temperature_rating", max=10, unit="°F"), lambda m: m.low <= -12.2),
        (MeasureBound(measure="lumens", min=400), lambda m: m.high >= 400),
    ],
)
def test_bounds_hold_for_every_result(
    products: ProductSearch, schema: MeasureSchema, bound: MeasureBound, check: object
) -> None:
    hits = products.search("", SearchFilters(measures=[bound]), 50)
    assert hits
    for hit in hits:
        assert check(schema.measures(hit.product)[bound.measure])  # type: ignore[operator]


def test_a_bound_leaves_out_products_without_the_measure(products: ProductSearch) -> None:
    hits = products.search("", SearchFilters(measures=[MeasureBound(measure="lumens", min=0)]), 50)
    assert hits
    assert all("lumens" in h.product.attributes for h in hits)  # a kids' torch has them too


def test_colour_family_finds_catalog_names(products: ProductSearch) -> None:
    hits = products.search("rain jacket", SearchFilters(color="blue"), 10)
    colours = {
        v.options.get("color") for h in hits for v in h.product.variants if v.id in h.variant_ids
    }
    assert "Cobalt" in colours  # no colour in the catalog is called just "blue" on a jacket
    assert not colours & {"Black", "Forest", "Charcoal"}


def test_exclude_a_colour_family(products: ProductSearch) -> None:
    hits = products.search("fleece", SearchFilters(exclude_colors=["black"]), 10)
    kept = {
        v.options.get("color") for h in hits for v in h.product.variants if v.id in h.variant_ids
    }
    assert hits and "Black" not in kept


def test_exclude_words(products: ProductSearch) -> None:
    hits = products.search("warm jacket", SearchFilters(exclude_words=["down"]), 10)
    assert hits
    assert not any("down" in h.product.attributes.get("fill", "") for h in hits)
    assert not any("down" in h.product.attributes.get("insulation", "") for h in hits)


def test_unknown_measure_names_what_there_is(products: ProductSearch) -> None:
    with pytest.raises(UnknownMeasure, match=r"measures: .*weight"):
        products.search("tent", None, 5, SortBy(by="horsepower"))


def test_a_unit_of_another_kind_is_refused(products: ProductSearch) -> None:
    bound = MeasureBound(measure="weight", max=2, unit="L")
    with pytest.raises(UnknownMeasure, match="does not measure mass"):
        products.search("tent", SearchFilters(measures=[bound]), 5)


def test_an_attribute_label_keeps_only_products_with_that_value(products: ProductSearch) -> None:
    hits = products.search("tent", SearchFilters(labels={"setup": ["freestanding"]}), 10)
    assert hits and all(h.product.attributes.get("setup") == "freestanding" for h in hits)


@pytest.mark.shared_data
def test_an_option_label_keeps_only_variants_with_that_value(embedder: LocalMiniLM) -> None:
    from tests.retrieval.test_measures import tau_retail_products

    catalog = tau_retail_products()
    search = ProductSearch(catalog, embedder.embed([p.search_text() for p in catalog]), embedder)
    hits = search.search("headphones", SearchFilters(labels={"connectivity": ["wireless"]}), 3)
    assert hits and hits[0].product.title == "Headphones"
    kept = [v for v in hits[0].product.variants if v.id in hits[0].variant_ids]
    assert kept and all(v.options["connectivity"] == "wireless" for v in kept)
