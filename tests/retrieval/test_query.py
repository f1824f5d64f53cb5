"""Shopper phrases become filters the demo catalog can check, and nothing it cannot."""

from decimal import Decimal

import pytest

from assistant.retrieval.loaders import load_paths
from assistant.retrieval.measure_columns import SortBy
from assistant.retrieval.query import QueryParser
from tests.conftest import DEMO_CATALOG


@pytest.fixture(scope="module")
def parser() -> QueryParser:
    return QueryParser(load_paths([DEMO_CATALOG / "products"]).products)


@pytest.mark.parametrize(
    ("query", "price_min", "price_max"),
    [
        ("waterproof jacket under $200", None, 200),
        ("tent below 300 dollars", None, 300),
        ("boots less than 150", None, 150),
        ("headlamp up to $40", None, 40),
        ("fleece between $50 and $100", 50, 100),
        ("socks $15-$30", 15, 30),
        ("a stove around 100 bucks", 80, 120),
        ("packs over $200", 200, None),
        ("sleeping bag with a budget of $250", None, 250),
        ("jacket for $120", None, 120),
    ],
)
def test_prices(
    parser: QueryParser, query: str, price_min: int | None, price_max: int | None
) -> None:
    filters = parser.parse(query).filters
    assert filters.price_min == (None if price_min is None else Decimal(price_min))
    assert filters.price_max == (None if price_max is None else Decimal(price_max))


def test_waterproof_jacket_under_200(parser: QueryParser) -> None:
    parsed = parser.parse("waterproof jacket under $200")
    assert parsed.text == "waterproof jacket"
    assert parsed.filters.in_stock
    assert set(parsed.filters.categories) == {"Rain Jackets", "Insulated Jackets"}
    assert parsed.filters.attributes["waterproofing"] == ["waterproof"]


def test_size_and_category_synonym(parser: QueryParser) -> None:
    parsed = parser.parse("size 10 trail runners")
    assert parsed.filters.size == "10"
    assert parsed.filters.categories == ["Trail Running Shoes"]
    assert parsed.text == "trail runners"


@pytest.mark.parametrize(
    ("query", "size"),
    [
        ("rain jacket in a large", "L"),
        ("fleece size M", "M"),
        ("base layer xl", "XL"),
        ("boots size 9.5", "9.5"),
        ("rain jacket in size L", "L"),
    ],
)
def test_sizes(parser: QueryParser, query: str, size: str) -> None:
    assert parser.parse(query).filters.size == size


def test_unknown_size_is_not_a_filter(parser: QueryParser) -> None:
    assert parser.parse("tent in a fortnight").filters.size is None


def test_colour_gender_and_material(parser: QueryParser) -> None:
    filters = parser.parse("women's merino base layer in black").filters
    assert filters.color == "black"
    assert filters.material == "merino"
    assert filters.attributes["gender"] == ["women", "unisex"]


def test_age_means_kids(parser: QueryParser) -> None:
    filters = parser.parse("gift for a 10 year old who likes camping under $50").filters
    assert filters.attributes["gender"] == ["kids"]
    assert filters.price_max == Decimal(50)


@pytest.mark.parametrize(
    ("query", "kids"),
    [
        ("rain boots for a 7 yr old", True),
        ("sleeping bag for my daughter, shes 8", True),
        ("a headlamp for my 9yo", True),
        ("hat for my son aged 4", True),
        ("a pack with a 10 year warranty", False),  # years, not an age
        ("he's 6 foot tall, what pad length", False),  # a height
    ],
)
def test_an_age_said_in_chat_words_means_kids(parser: QueryParser, query: str, kids: bool) -> None:
    assert (parser.parse(query).filters.attributes.get("gender") == ["kids"]) is kids


@pytest.mark.parametrize(
    ("query", "gender"),
    [
        ("winter boots for me, a guy", "men"),
        ("a fleece for my brother", "men"),
        ("rain shell for my mother", "women"),
        ("a man-made fabric jacket", None),  # no one it is for
    ],
)
def test_whom_it_is_for_in_chat_words(parser: QueryParser, query: str, gender: str | None) -> None:
    said = parser.parse(query).filters.attributes.get("gender")
    assert (said[0] if said else None) == gender


def test_a_number_before_a_measure_name_bounds_it_only_when_it_says_how(
    parser: QueryParser,
) -> None:
    [none] = parser.parse("any zero drop running shoes").filters.measures
    assert (none.measure, none.min, none.max) == ("drop", None, 0)
    assert parser.parse("a 3 season tent").filters.labels == {"season": ["3-season"]}  # a name


def test_one_word_is_one_label_the_one_most_of_those_products_have(parser: QueryParser) -> None:
    """ "Wide" of trail shoes is a width several are offered in and the fit one says: one
    label (both together would find nothing), the width, which more of them have."""
    labels = parser.parse("wide trail runners for my flat feet").filters.labels
    assert labels == {"width": ["Wide"]}


def test_a_feature_named_is_asked_for_and_its_words_are_no_colour(parser: QueryParser) -> None:
    filters = parser.parse("any lamps with a red light setting").filters
    assert filters.attributes.get("red_light") == ["yes"] and filters.color is None
    assert parser.parse("a red headlamp").filters.color == "red"  # a colour where it is one


def test_a_superlative_means_the_measure_the_message_names(parser: QueryParser) -> None:
    """ "Fastest" is first of all the most power; of a stove said to boil, the least boil time."""
    assert parser.parse("which stove brings water to a boil fastest").sort == SortBy(
        by="boil_time", direction="asc"
    )
    assert parser.parse("the fastest stove").sort == SortBy(by="output", direction="desc")


def test_a_thing_named_by_the_end_of_product_names(parser: QueryParser) -> None:
    assert parser.names_a_thing("a camp chair for my niece")
    assert parser.names_a_thing("headlamps?")
    assert not parser.names_a_thing("gift for my dad who likes camping")


def test_full_category_name_beats_head_noun(parser: QueryParser) -> None:
    assert parser.parse("warm sleeping bag").filters.categories == ["Sleeping Bags & Pads"]
    assert parser.parse("rain jacket").filters.categories == ["Rain Jackets"]


def test_plain_words_make_no_filters(parser: QueryParser) -> None:
    parsed = parser.parse("something for my dad who loves the outdoors", in_stock=False)
    assert parsed.filters.categories == []
    assert parsed.filters.price_max is None
    assert not parsed.filters.in_stock


def test_activity_words_name_no_category() -> None:
    """ "for backpacking" says what the shopper does, not that they want a backpack."""
    parser = QueryParser(load_paths([DEMO_CATALOG / "products"]).products)
    assert parser.parse("water filter for backpacking").filters.categories == []
    assert parser.parse("backpacking backpack").filters.categories == ["Backpacks"]
    assert parser.parse("camp lighting").filters.categories == ["Headlamps & Lighting"]
    kids = parser.parse("rain jacket for my 6 year old").filters.categories
    assert "Kids' Gear" in kids and "Rain Jackets" in kids


def test_a_repeated_query_gives_a_fresh_copy_each_time(parser: QueryParser) -> None:
    first = parser.parse("black merino socks under $30")
    first.filters.price_max = Decimal("1")
    first.filters.attributes["gender"] = ["kids"]
    first.understood.append("changed by a caller")
    again = parser.parse("black merino socks under $30")
    assert again.filters.price_max == Decimal("30") and "gender" not in again.filters.attributes
    assert "changed by a caller" not in again.understood
    assert parser.parse("black merino socks under $30", in_stock=False).filters.in_stock is False


def test_the_longest_colour_named_wins(parser: QueryParser) -> None:
    assert parser.parse("a blue hat or a glacier blue jacket").filters.color == "glacier blue"
    tie = parser.parse("glacier blue or electric blue").filters.color
    assert tie == "electric blue"  # equal lengths: alphabetical, the same in every process


def test_changing_a_copys_lists_in_place_leaves_the_next_parse_alone(
    parser: QueryParser,
) -> None:
    query = "women's rain jacket under $200"
    first = parser.parse(query)
    assert first.filters.categories and first.filters.attributes, first.filters
    expected = first.filters.model_copy(deep=True)
    first.filters.categories.append("Socks")
    for values in first.filters.attributes.values():
        values.append("changed by a caller")
    assert parser.parse(query).filters == expected


@pytest.mark.parametrize(
    ("query", "sleeps"),
    [
        ("tent for 4 people", ["4", "6"]),
        ("I'm looking for a tent for four people", ["4", "6"]),
        ("2-person tent", ["2", "3", "4", "6"]),
        ("a tent that sleeps six", ["6"]),
        ("family tent for 6 under $400", ["6"]),
        ("tent for 10 people", ["10"]),  # none does: the search finds nothing, then relaxes
    ],
)
def test_how_many_a_tent_must_sleep(parser: QueryParser, query: str, sleeps: list[str]) -> None:
    assert parser.parse(query).filters.attributes["sleeps"] == sleeps


@pytest.mark.parametrize(
    "query",
    [
        "cookset for 4 people",  # its products do not say how many they sleep
        "tent for 3 seasons",
        "rain jacket for my 6 year old",
        "something for 2 people",  # no kind of product named
    ],
)
def test_a_count_of_something_else_is_not_a_sleeping_filter(
    parser: QueryParser, query: str
) -> None:
    assert "sleeps" not in parser.parse(query).filters.attributes
