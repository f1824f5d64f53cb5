"""A cart of several lines in shoppers' words: one more thing after a link, two things in one
message, one taken out again; and the names shoppers use for the things they buy."""

from __future__ import annotations

from assistant.checkout import parse_cart_url
from assistant.conversation import Concierge
from assistant.messages import Reply
from tests.agent.test_offline_conversation import Shopper, concierge, followed, shopper

__all__ = ["concierge", "shopper"]  # fixtures


def _cart(concierge: Concierge, reply: Reply) -> dict[str, int]:
    """The checkout link's lines as product title -> quantity."""
    assert reply.checkout_url, reply.text
    titles = {
        variant.id: product.title
        for product in concierge.catalog.products.products
        for variant in product.variants
    }
    lines = parse_cart_url(followed(concierge, reply.checkout_url)).lines
    return {titles[line.variant_id]: line.quantity for line in lines}


def test_one_more_thing_after_a_link_joins_the_cart(shopper: Shopper, concierge: Concierge) -> None:
    first = shopper.says("i'll take the nano headlamp in black")
    assert _cart(concierge, first) == {"Nano 120 Ultralight Headlamp": 1}
    reply = shopper.says("plus 3 titanium sporks")
    assert _cart(concierge, reply) == {
        "Nano 120 Ultralight Headlamp": 1,
        "Titanium Long-Handle Spork": 3,
    }


def test_two_things_in_one_message_make_one_cart(shopper: Shopper, concierge: Concierge) -> None:
    reply = shopper.says("i want the rapidboil cook system and two fuel canisters")
    assert _cart(concierge, reply) == {
        "Rapidboil 1L Cook System": 1,
        "Isobutane Fuel Canister 230 g": 2,
    }


def test_a_thing_taken_out_leaves_the_rest_of_the_cart(
    shopper: Shopper, concierge: Concierge
) -> None:
    shopper.says("i want the rapidboil cook system and two fuel canisters")
    reply = shopper.says("on second thought no need for the fuel")
    assert _cart(concierge, reply) == {"Rapidboil 1L Cook System": 1}


def test_a_correction_changes_the_last_line_and_keeps_the_others(
    shopper: Shopper, concierge: Concierge
) -> None:
    shopper.says("i'll take the nano headlamp in orange")
    shopper.says("and the basecamp beanie in forest too")
    reply = shopper.says("actually make the beanie charcoal")
    assert _cart(concierge, reply) == {
        "Nano 120 Ultralight Headlamp": 1,
        "Basecamp Beanie": 1,
    }
    assert "Charcoal" in reply.text


def test_a_name_is_read_by_its_words_not_a_kind_another_name_leads_with(
    shopper: Shopper, concierge: Concierge
) -> None:
    vest = shopper.says("everyday fleece vest in black, xl")  # "Vest 12 ..." leads with "vest"
    assert list(_cart(concierge, vest)) == ["Everyday Fleece Vest"]


def test_a_name_is_read_without_its_specs(shopper: Shopper, concierge: Concierge) -> None:
    flask = shopper.says("the soft flask, clear/orange")  # "Soft Flask 500 ml"
    assert list(_cart(concierge, flask)) == ["Soft Flask 500 ml"]


def test_an_option_of_the_product_named_chooses_its_variant(
    shopper: Shopper, concierge: Concierge
) -> None:
    shopper.says("the summit insulated bottle")
    reply = shopper.says("moss, the 32 ounce")  # "32 oz": its number and a unit of its kind
    assert _cart(concierge, reply) == {"Summit Vacuum Insulated Bottle": 1}
    assert "Moss / 32 oz" in reply.text, reply.text


def test_a_change_after_a_link_says_when_that_variant_is_sold_out(
    shopper: Shopper, concierge: Concierge
) -> None:
    shopper.says("summit bottle in glacier, 32 oz")
    reply = shopper.says("hmm actually the 20")  # Glacier / 20 oz has none in stock
    assert "sold out" in reply.text.lower() and not reply.checkout_url, reply.text
    reply = shopper.says("ok moss then")
    assert "Moss / 20 oz" in reply.text and reply.checkout_url, reply.text
