"""Order numbers as shoppers type them, and the ones that aren't order numbers at all."""

from __future__ import annotations

import time

import pytest

from assistant.orders import InvalidOrderId, PrefixedOrderIds, ShopifyOrderIds


@pytest.mark.parametrize(
    "typed",
    [
        "#W2611340",
        "W2611340",
        "w2611340",
        "#w2611340",
        "2611340",
        "#2611340",
        "order 2611340",
        "Order #W2611340",
        "order no. 2611340",
        "Order number: W2611340",
        "ORDER NR 2611340",
        "W-2611340",
        "#W 2611340",
        "  #W2611340\n",
    ],
)
def test_prefixed_ids_accept_the_ways_shoppers_type_them(typed: str) -> None:
    assert PrefixedOrderIds().normalise(typed) == "#W2611340"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "#",
        "W",
        "order",
        "W261134",  # six digits
        "W26113400",  # eight digits
        "#X2611340",  # another prefix
        "WW2611340",
        "W2611340X",
        "W2611340; DROP TABLE orders",
        "#W2611340 #W1000001",
        "#W2611340\n#W1000001",
        "ordre 2611340",
        "W 261 1340",
        "W2611340.5",
        "\u0662\u0666\u0661\u0661\u0663\u0664\u0660",  # Arabic-Indic: \d to Python, not to us
        "W\uff12\uff16\uff11\uff11\uff13\uff14\uff10",  # full-width digits
        "../../orders.json",
        "{{order_id}}",
        "%23W2611340",
    ],
)
def test_malformed_ids_say_what_an_order_number_looks_like(typed: str) -> None:
    with pytest.raises(InvalidOrderId, match="Order numbers look like #W1234567") as caught:
        PrefixedOrderIds().normalise(typed)
    assert caught.value.example == "#W1234567"


def test_very_long_input_is_refused_quickly_without_echoing_it() -> None:
    typed = "W2611340" * 50_000
    start = time.perf_counter()
    with pytest.raises(InvalidOrderId) as caught:
        PrefixedOrderIds().normalise(typed)
    assert time.perf_counter() - start < 0.05
    assert "W2611340W2611340" not in str(caught.value)


def test_a_brand_can_have_its_own_prefix_and_length() -> None:
    ids = PrefixedOrderIds("cc", 5)
    assert ids.example == "#CC12345"
    assert ids.normalise("cc-00042") == "#CC00042"
    assert ids.normalise("order 00042") == "#CC00042"
    with pytest.raises(InvalidOrderId, match="#CC12345"):
        ids.normalise("#W0004200")


def test_a_prefix_must_be_letters() -> None:
    with pytest.raises(ValueError, match="prefix"):
        PrefixedOrderIds("W1", 7)


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("#1001", "#1001"),
        ("1001", "#1001"),
        ("order 1001", "#1001"),
        ("Order #1001", "#1001"),
        ("order no. 1001", "#1001"),
        ("#01001", "#1001"),
        ("450789469", "450789469"),  # a numeric order id, as in the admin URL
        ("#450789469", "450789469"),
        ("5524126974264", "5524126974264"),
    ],
)
def test_shopify_ids_are_names_or_numeric_ids(typed: str, canonical: str) -> None:
    assert ShopifyOrderIds().normalise(typed) == canonical


@pytest.mark.parametrize("typed", ["", "#W1001", "1001a", "#", "1" * 21, "#10 01", "x" * 10_000])
def test_malformed_shopify_ids_say_what_an_order_number_looks_like(typed: str) -> None:
    with pytest.raises(InvalidOrderId, match="Order numbers look like #1001"):
        ShopifyOrderIds().normalise(typed)
