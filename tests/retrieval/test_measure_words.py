"""Shopper words about measures become bounds and sorts over the catalog's own measures."""

from __future__ import annotations

from collections import Counter

import pytest

from assistant.retrieval.loaders import load_paths
from assistant.retrieval.measure_columns import MeasureBound
from assistant.retrieval.measure_words import Measures, MeasureWords
from assistant.retrieval.query import QueryParser
from tests.conftest import DEMO_CATALOG

GEAR = Measures(
    {
        "weight": "mass",
        "packed_weight": "mass",
        "capacity": "volume",
        "temperature_rating": "temperature",
        "lumens": "luminous_flux",
        "runtime": "duration",
        "peak_height": "length",
        "laptop_sleeve": "length",
        "floor_area": "area",
        "sleeps": "count",
    },
    Counter(weight=100, packed_weight=5, capacity=30, peak_height=10, laptop_sleeve=4),
)


@pytest.mark.parametrize(
    ("text", "measure", "low", "high", "unit"),
    [
        ("tent under two pounds", "weight", None, 2, "pounds"),
        ("a tent under a pound", "weight", None, 1, "pound"),
        ("lighter than 900g", "weight", None, 900, "g"),
        ("sleeping bag rated to 10 degrees", "temperature_rating", None, 10, "°F"),
        ("good down to -5°C", "temperature_rating", None, -5, "°c"),
        ("a 20 degree bag", "temperature_rating", None, 20, "°F"),
        ("headlamp at least 400 lumens", "lumens", 400, None, "lumens"),
        ("300+ lumens", "lumens", 300, None, "lumens"),
        ("a 30l daypack", "capacity", 24, 36, "l"),
        ("pack between 20-30 L", "capacity", 20, 30, "l"),
        ("backpack for a 15 inch laptop", "laptop_sleeve", 12, 18, "inch"),  # the name echoed
        ("bottle that holds at least 20 oz", "capacity", 20, None, "fl oz"),  # a volume here
        ("headlamp that lasts over 20 hours", "runtime", 20, None, "hours"),
        ("a sleeve that fits a 14 inch laptop", "laptop_sleeve", 14, None, "inch"),  # fits: room
        ("a quilt good to 25F", "temperature_rating", None, 25, "°f"),  # a rating's bare F
        ("something that holds 2 liters", "capacity", 2, None, "liters"),
    ],
)
def test_bounds(text: str, measure: str, low: float | None, high: float | None, unit: str) -> None:
    bounds, rest = MeasureWords.from_data().bounds(text, GEAR)
    assert bounds == [MeasureBound(measure=measure, min=low, max=high, unit=unit)]
    assert not any(ch.isdigit() for ch in rest)  # the quantity left the text to rank


@pytest.mark.parametrize(
    "text",
    [
        "size 10 boots",
        "a tent for 4 people",
        "jacket under $200",
        "under 200 dollars",
        "for a week-long trek",  # a duration, but no product's runtime is meant
        "gift for my 10 year old",
        "ten tents",
        "2 lb tent",  # a weight without a direction is not a bound
    ],
)
def test_no_bounds(text: str) -> None:
    assert MeasureWords.from_data().bounds(text, GEAR)[0] == []


@pytest.mark.parametrize(
    ("text", "by", "direction"),
    [
        ("the lightest tent", "weight", "asc"),
        ("which has the longest battery life", "runtime", "desc"),  # the noun wins: a duration
        ("anything roomier?", "floor_area", "desc"),
        ("the biggest of those", "capacity", "desc"),
        ("warmest one", "temperature_rating", "asc"),  # a lower rating is warmer
        ("brightest headlamp", "lumens", "desc"),
        ("cheapest rain jacket", "price", "asc"),
        ("which is the most expensive", "price", "desc"),
        ("which one is tallest inside", "peak_height", "desc"),
    ],
)
def test_sorts(text: str, by: str, direction: str) -> None:
    sort, _ = MeasureWords.from_data().sort(text, GEAR)
    assert sort is not None and (sort.by, sort.direction) == (by, direction)


def test_no_sort_without_the_measure() -> None:
    nothing = Measures({}, Counter())
    assert MeasureWords.from_data().sort("the brightest one", nothing)[0] is None
    assert MeasureWords.from_data().sort("cheap stove", GEAR)[0] is None  # "cheap" is no order


@pytest.fixture(scope="module")
def parser() -> QueryParser:
    return QueryParser(load_paths([DEMO_CATALOG / "products"]).products)


@pytest.mark.parametrize(
    ("query", "understood"),
    [
        ("tent under two pounds", "weight at most 2 pounds"),
        ("sleeping bag rated to 10 degrees", "temperature rating at most 10 °F"),
        ("headlamp at least 400 lumens", "lumens at least 400"),
    ],
)
def test_the_parser_reads_bounds_before_prices(
    parser: QueryParser, query: str, understood: str
) -> None:
    parsed = parser.parse(query)
    assert understood in parsed.understood[0]
    assert parsed.filters.price_max is None  # "under two pounds" is no budget


def test_the_parser_keeps_budgets_and_sorts(parser: QueryParser) -> None:
    parsed = parser.parse("warmest sleeping bag under $300")
    assert parsed.filters.price_max == 300
    assert parsed.sort is not None and parsed.sort.by == "temperature_rating"
    assert parsed.text == "sleeping bag"


@pytest.mark.parametrize(
    ("query", "colours", "words", "text"),
    [
        ("fleece but not black", ["black"], [], "fleece"),
        ("anything but black", ["black"], [], ""),
        ("insulated jacket, no down", [], ["down"], "insulated jacket,"),
        ("boots not leather", [], ["leather"], "boots"),
        ("blue fleece not navy", ["navy"], [], "blue fleece"),
        ("not more than $100 jacket", [], [], "jacket"),  # a budget, nothing ruled out
        ("no idea, a gift for my dad", [], [], "no idea, a gift for my dad"),
    ],
)
def test_the_parser_reads_what_is_ruled_out(
    parser: QueryParser, query: str, colours: list[str], words: list[str], text: str
) -> None:
    parsed = parser.parse(query)
    assert parsed.filters.exclude_colors == colours
    assert parsed.filters.exclude_words == words
    assert parsed.text == text
    assert parsed.filters.color not in colours or not colours  # never the colour asked for


@pytest.mark.parametrize(
    ("query", "label", "value"),
    [
        ("2 person tent only freestanding ones", "setup", "freestanding"),
        ("mummy sleeping bag", "shape", "mummy"),
        ("4 season tent", "season", "4-season"),
        ("slim fit fleece", "fit", "slim"),
        ("crew socks", "height", "crew"),
    ],
)
def test_catalog_labels_become_filters(
    parser: QueryParser, query: str, label: str, value: str
) -> None:
    assert parser.parse(query).filters.labels == {label: [value]}


def test_a_label_of_another_kind_of_product_is_ignored(parser: QueryParser) -> None:
    assert parser.parse("a slim tent").filters.labels == {}  # fit is for clothes here


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("query", "label", "value"),
    [
        ("wireless headphones", "connectivity", "wireless"),
        ("over-ear headphones", "type", "over-ear"),
        ("polarized sunglasses", "lens_type", "polarized"),
        ("hardshell luggage set", "material", "hardshell"),
        ("mechanical keyboard with clicky switches", "switch_type", "clicky"),
    ],
)
def test_labels_on_a_catalog_nobody_here_wrote(query: str, label: str, value: str) -> None:
    from tests.retrieval.test_measures import tau_retail_products

    parser = QueryParser(tau_retail_products())
    assert parser.parse(query).filters.labels == {label: [value]}


def test_no_label_without_a_kind_of_product(parser: QueryParser) -> None:
    assert parser.parse("how long does it take?").filters.labels == {}
