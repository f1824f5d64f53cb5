"""The small pieces every loader shares: error text, HTML to text, JSON lines, slugs, values."""

from decimal import Decimal

import pytest
from pydantic import ValidationError

from assistant.retrieval.loaders.html_text import html_to_text, plain_text
from assistant.retrieval.loaders.slug import SlugSet, slugify
from assistant.retrieval.loaders.source import item_lines
from assistant.retrieval.loaders.validation import describe_validation_error
from assistant.retrieval.loaders.values import parse_money, parse_whole_number
from assistant.retrieval.models import Product


def product_error(data: dict[str, object]) -> str:
    with pytest.raises(ValidationError) as caught:
        Product.model_validate(data)
    return describe_validation_error(caught.value)


def test_validation_errors_read_as_one_short_line() -> None:
    good = {"id": "1", "price": "5"}
    bad = {"id": "2", "price": "-1"}

    assert (
        product_error({"id": "p", "title": "T", "variants": [good, bad]})
        == "price: Input should be greater than or equal to 0 (variant 2)"
    )
    assert product_error({"id": "p", "title": "T", "variants": [good, good]}) == (
        "duplicate variant ids in product p"
    )
    many = product_error({"id": "", "title": "", "tags": [1], "variants": [], "x": 1})
    assert many.startswith("id: String should have at least 1 character; title: ")
    assert many.endswith("(and 2 more)")
    with pytest.raises(ValidationError) as caught:
        Product.model_validate({"id": "p", "title": "T", "variants": [good], "attributes": 3})
    assert describe_validation_error(caught.value, "product p") == (
        "attributes: Input should be a valid dictionary (product p)"
    )


def test_html_becomes_readable_text() -> None:
    html = (
        "<h2>Fit</h2><p>True to size.<br>Runs&nbsp;long.</p><style>p{}</style><ul><li>A</li></ul>"
    )

    assert html_to_text(html) == "Fit\nTrue to size.\nRuns long.\n- A"
    assert plain_text("  5 < 6 and plain  ") == "5 < 6 and plain"
    assert html_to_text("<p><img src='x.png'></p>") == ""


def test_json_item_lines_follow_the_array_under_a_key() -> None:
    text = '{\n "meta": {"products": []},\n "products": [\n  {"id": 1},\n\n  {"id": 2}\n ]\n}'

    assert item_lines(text, "products") == [4, 6]
    assert item_lines("[1,\n2]") == [1, 2]
    assert item_lines('{"other": []}', "products") == []


def test_slugs_are_unique_within_a_file() -> None:
    slugs = SlugSet()
    slugs.reserve("returns")

    assert slugify("What's your Return Policy?") == "what-s-your-return-policy"
    assert [slugs.claim("Returns"), slugs.claim("Returns!")] == ["returns-2", "returns-3"]


def test_cell_values() -> None:
    assert parse_money("$1,299.50") == Decimal("1299.50")
    assert parse_money("-3") == Decimal("-3")
    with pytest.raises(ValueError, match="price: 'NaN' is not a number"):
        parse_money("NaN")
    assert parse_whole_number(" ") is None
    with pytest.raises(ValueError, match=r"stock: '2\.5' is not a whole number"):
        parse_whole_number("2.5")
