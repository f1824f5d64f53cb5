"""Conversations that go on from what was shown, in shoppers' words: a shift of a measure
past the item put forward, a cart choice in free text, and corrections of the cart."""

from __future__ import annotations

import pytest

from assistant.checkout import parse_cart_url
from assistant.conversation import Concierge
from assistant.retrieval.measure_columns import SortBy
from tests.agent.test_offline_conversation import Shopper, concierge, followed, shopper

__all__ = ["concierge", "shopper"]  # fixtures


def _amount(concierge: Concierge, product_id: str, by: str, direction: str) -> float:
    products = concierge.catalog.products
    product = products.get(product_id)
    assert product is not None
    value = products.rank([product], SortBy(by=by, direction=direction))[0][1]  # type: ignore[arg-type]
    assert value is not None
    return value


@pytest.mark.parametrize(
    ("search", "shift", "by", "direction"),
    [
        ("headlamps?", "any brighter?", "lumens", "desc"),
        ("sleeping bag rated to 10 degrees", "anything lighter?", "weight", "asc"),
        ("looking for a tent for backpacking", "anything roomier?", "floor_area", "desc"),
    ],
)
def test_a_shift_finds_only_products_past_the_first_shown(
    shopper: Shopper, concierge: Concierge, search: str, shift: str, by: str, direction: str
) -> None:
    first = shopper.says(search).products[0].product_id
    reference = _amount(concierge, first, by, direction)
    shifted = shopper.says(shift).products
    assert shifted
    for card in shifted:
        value = _amount(concierge, card.product_id, by, direction)
        assert value > reference if direction == "desc" else value < reference, card.title


def test_a_colour_and_size_in_free_text_pick_the_shown_product_and_variant(
    shopper: Shopper, concierge: Concierge
) -> None:
    shown = shopper.says("fleece jacket for men").products
    products = [concierge.catalog.products.get(card.product_id) for card in shown]
    charcoal = [p for p in products if p is not None and "Charcoal" in p.option_values("color")]
    assert charcoal  # the first shown in that colour is the one meant
    reply = shopper.says("the charcoal one in large, checkout")
    line = parse_cart_url(followed(concierge, reply.checkout_url)).lines[0]
    variant = next(v for v in charcoal[0].variants if v.id == line.variant_id)
    assert (variant.options.get("color"), variant.options.get("size"), line.quantity) == (
        "Charcoal",
        "L",
        1,
    )


def test_a_count_and_a_size_word_reach_the_cart(shopper: Shopper, concierge: Concierge) -> None:
    shown = shopper.says("wool socks").products
    reply = shopper.says("three of the second one in medium")
    cart = parse_cart_url(followed(concierge, reply.checkout_url))
    line = cart.lines[0]
    product = concierge.catalog.products.get(shown[1].product_id)
    assert product is not None
    variant = next(v for v in product.variants if v.id == line.variant_id)
    assert line.quantity == 3 and variant.options.get("size") == "M"


def test_actually_two_corrects_the_count_of_the_last_cart(
    shopper: Shopper, concierge: Concierge
) -> None:
    first = shopper.says("I'll take the Basecamp Beanie in forest")
    before = parse_cart_url(followed(concierge, first.checkout_url)).lines[0]
    after = parse_cart_url(followed(concierge, shopper.says("actually 2").checkout_url)).lines[0]
    assert (after.variant_id, after.quantity) == (before.variant_id, 2)


def test_the_other_one_switches_the_cart_to_the_next_product_shown(
    shopper: Shopper, concierge: Concierge
) -> None:
    shown = shopper.says("daypacks").products
    shopper.says("add the first one to my cart")
    reply = shopper.says("sorry, the other one")
    assert [card.product_id for card in reply.products] == [shown[1].product_id]


@pytest.mark.parametrize(
    ("turns", "expected"),
    [
        (["summit bottle in black 20 oz", "no not the 20, the 32oz one"], ("Black", "32 oz")),
        (["enamel mug in cream", "hmm on second thought the blue speckle one"], ("Blue Speckle",)),
        (["the featherlite pad", "regular length is fine", "im 6'3 so the long one"], ("Long",)),
        (["fernrunner 3 womens in grey", "size 8, normal width"], ("Grey", "Standard", "8")),
    ],
)
def test_an_option_said_in_other_words_chooses_or_corrects_the_cart(
    shopper: Shopper, concierge: Concierge, turns: list[str], expected: tuple[str, ...]
) -> None:
    for text in turns:
        reply = shopper.says(text)
    assert reply.checkout_url, reply.text
    [line] = parse_cart_url(followed(concierge, reply.checkout_url)).lines
    _, variant = concierge._agent._checkout.index.get(line.variant_id)  # type: ignore[misc]
    assert set(expected) <= set(variant.options.values()) and line.quantity == 1


def test_a_measure_names_the_item_shown_and_switches_the_cart(
    shopper: Shopper, concierge: Concierge
) -> None:
    """ "the 2 person" is the tent shown that sleeps two; "the other one, the 3 person" the one
    that sleeps three."""
    shopper.says("show me the juniper tents")
    first = shopper.says("ill take the 2 person in sage")
    second = shopper.says("sorry, the other one. the 3 person")
    sleeps = []
    for reply in (first, second):
        assert reply.checkout_url, reply.text
        [line] = parse_cart_url(followed(concierge, reply.checkout_url)).lines
        product, variant = concierge._agent._checkout.index.get(line.variant_id)  # type: ignore[misc]
        assert variant.options.get("color") == "Sage"
        sleeps.append(product.attributes["sleeps"])
    assert sleeps == ["2", "3"]


def test_a_shift_keeps_to_the_kind_shown(shopper: Shopper, concierge: Concierge) -> None:
    """ "cheaper?" after insulated parkas stays with insulated jackets, not rain parkas."""
    shown = shopper.says("whats your warmest parka").products
    kinds = {concierge.catalog.products.get(c.product_id).category for c in shown}  # type: ignore[union-attr]
    assert len(kinds) == 1
    cheaper = shopper.says("cheaper?").products
    assert cheaper
    for card in cheaper:
        product = concierge.catalog.products.get(card.product_id)
        assert product is not None and product.category in kinds
        assert card.price < max(c.price for c in shown)


def test_a_count_of_people_narrows_the_tents_shown(shopper: Shopper, concierge: Concierge) -> None:
    shopper.says("tent for a weekend at the lake")
    reply = shopper.says("we're a family of 4 so needs to fit all of us")
    assert reply.products
    for card in reply.products:
        product = concierge.catalog.products.get(card.product_id)
        assert product is not None and int(product.attributes["sleeps"]) >= 4


def test_a_question_naming_the_product_is_read_for_what_it_asks(
    shopper: Shopper, concierge: Concierge
) -> None:
    """The product's name in the question says nothing of the attribute asked: "how tall
    inside is the wisp 2" asks for the peak height, not the floor area."""
    shopper.says("tents for two")
    reply = shopper.says("how tall inside is the wisp 2?")
    wisp = next(p for p in concierge.catalog.products.products if p.title.startswith("Wisp 2"))
    assert wisp.attributes["peak_height"] in reply.text, reply.text


def test_a_use_of_the_one_in_focus_is_asked_of_its_attributes(
    shopper: Shopper, concierge: Concierge
) -> None:
    shown = shopper.says("universal adapter").products
    adapter = concierge.catalog.products.get(shown[0].product_id)
    assert adapter is not None and "plugs" in adapter.attributes
    reply = shopper.says("which countries is it good for")  # unsure: out of scope or a question
    assert adapter.attributes["plugs"] in reply.text, reply.text


def test_the_same_kind_for_someone_else_is_that_line_in_their_cut(shopper: Shopper) -> None:
    shopper.says("the fernrunner 3 for women")
    reply = shopper.says("do you have the same one for my husband")
    assert reply.products and reply.products[0].title == "Fernrunner 3 - Men's", reply.text
