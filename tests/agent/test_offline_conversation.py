"""The offline engine holds a real shopping conversation on the demo brand, with no key."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from assistant.checkout import parse_cart_url
from assistant.config import Settings
from assistant.conversation import Concierge
from assistant.messages import InboundMessage, ProductCard, Reply
from assistant.retrieval.index import CatalogIndex


class Shopper:
    """One shopper in one conversation."""

    def __init__(self, concierge: Concierge, channel: str = "web") -> None:
        self.concierge = concierge
        self.channel = channel

    def says(self, text: str) -> Reply:
        message = InboundMessage(channel=self.channel, sender="shopper-1", text=text)  # type: ignore[arg-type]
        return self.concierge.handle(message)


@pytest.fixture
def concierge(demo_index: CatalogIndex, tmp_path: Path) -> Concierge:
    settings = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    assert settings.chat_model() == "offline"
    return Concierge.from_settings(settings, demo_index)


@pytest.fixture
def shopper(concierge: Concierge) -> Shopper:
    return Shopper(concierge)


def followed(concierge: Concierge, tracked: str | None) -> str:
    """The cart a tracked `/c/{token}` link leads to (the click is recorded on the way)."""
    assert tracked and tracked.startswith(concierge.settings.server.public_url + "/c/")
    target = concierge.resolve_link(tracked.rsplit("/", 1)[1], "pytest")
    assert target is not None
    return target


def _product(concierge: Concierge, product_id: str):  # type: ignore[no-untyped-def]
    product = concierge.catalog.products.get(product_id)
    assert product is not None
    return product


def test_greeting_offers_what_it_can_do(shopper: Shopper) -> None:
    reply = shopper.says("hi")
    assert "Juniper" in reply.text
    assert [q.title for q in reply.quick_replies][:2] == ["Find a gift", "Rain jackets"]


def test_constrained_search_then_follow_up_about_the_second_result(
    shopper: Shopper, concierge: Concierge
) -> None:
    reply = shopper.says("waterproof jacket under $200")
    assert len(reply.products) >= 3
    for card in reply.products:
        product = _product(concierge, card.product_id)
        assert product.attributes["waterproofing"] == "waterproof"
        assert card.in_stock and card.price <= 200
    second = reply.products[1]
    follow = shopper.says("does the second one come in black?")
    assert second.title in follow.text
    colors = _product(concierge, second.product_id).option_values("color")
    has_black = any("black" in c.lower() for c in colors)
    assert ("doesn't come in" in follow.text) != has_black
    washable = shopper.says("is it machine washable?")
    assert second.title in washable.text
    assert _product(concierge, second.product_id).attributes["care"] in washable.text


def test_gift_finder_asks_before_recommending(shopper: Shopper, concierge: Concierge) -> None:
    ask = shopper.says("I need a gift for my dad")
    assert ask.products == []
    assert "budget" in ask.text.lower()
    assert "Under $100" in [q.title for q in ask.quick_replies]
    picks = shopper.says("around $100, he loves hiking")
    assert 2 <= len(picks.products) <= 3
    categories = {_product(concierge, c.product_id).category for c in picks.products}
    assert len(categories) == len(picks.products)  # diverse
    for card in picks.products:
        assert card.in_stock and card.price <= Decimal(100)
        assert _product(concierge, card.product_id).attributes.get("gender") in (
            None,
            "men",
            "unisex",
        )


def test_checkout_link_for_the_chosen_variant_opens_the_right_cart(
    shopper: Shopper, concierge: Concierge
) -> None:
    results = shopper.says("size 10 trail runners")
    first = results.products[0]
    reply = shopper.says("I'll take the first one")
    for _ in range(3):  # answer whatever option it still needs (colour, width)
        if reply.checkout_url:
            break
        assert reply.quick_replies, reply.text
        reply = shopper.says(reply.quick_replies[0].payload)
    assert reply.checkout_url and reply.checkout_url in reply.text
    cart = parse_cart_url(followed(concierge, reply.checkout_url))
    assert cart.ref == "concierge"
    [line] = cart.lines
    product, variant = concierge._agent._checkout.index.get(line.variant_id)  # type: ignore[misc]
    assert product.id == first.product_id
    assert variant.options["size"] == "10" and variant.in_stock and line.quantity == 1


def test_quantity_and_discount_code_reach_the_cart(shopper: Shopper, concierge: Concierge) -> None:
    shopper.says("insulated water bottle")
    reply = shopper.says("add two of the first one with code WELCOME10")
    while not reply.checkout_url and reply.quick_replies:
        reply = shopper.says(reply.quick_replies[0].payload)
    cart = parse_cart_url(followed(concierge, reply.checkout_url))
    assert cart.lines[0].quantity == 2
    assert cart.discount == "WELCOME10"


def test_invented_discount_code_is_refused(shopper: Shopper) -> None:
    shopper.says("insulated water bottle")
    reply = shopper.says("add the first one with code FREESTUFF100")
    while not reply.checkout_url and reply.quick_replies and "FREESTUFF100" not in reply.text:
        reply = shopper.says(reply.quick_replies[0].payload)
    assert reply.checkout_url is None
    assert "not a valid code" in reply.text


def test_policy_answer_comes_from_the_faq(shopper: Shopper) -> None:
    reply = shopper.says("what's your return policy?")
    assert "60 days" in reply.text
    assert reply.handoff is None


def test_order_status_only_after_verification(shopper: Shopper) -> None:
    ask = shopper.says("where's my order #W1000001?")
    assert "email" in ask.text.lower() and "delivered" not in ask.text.lower()
    wrong = shopper.says("daniel.reyes@example.com")  # another customer's email
    assert "couldn't find" in wrong.text and "Ridgeline" not in wrong.text
    shopper.says("my order #W1000001")
    right = shopper.says("the zip is 97202")
    assert "delivered" in right.text and "Ridgeline 3L Rain Jacket" in right.text
    assert "maya.okafor" not in right.text and "97202" not in right.text


def test_order_misses_offer_a_person_once_and_never_hand_off_by_themselves(
    shopper: Shopper,
) -> None:
    first = shopper.says("where's order #W1000001? zip 11111")
    assert "couldn't find" in first.text and first.handoff is None
    assert [q.title for q in first.quick_replies] == ["Talk to a person"]
    second = shopper.says("order #W1000001 zip 22222")  # no handoff on the second miss
    assert "couldn't find" in second.text and second.handoff is None
    assert not second.quick_replies  # the person was offered once already
    taken = shopper.says(first.quick_replies[0].payload)
    assert taken.handoff is not None and taken.handoff.reason == "shopper asked for a person"


def test_asking_for_a_person_hands_off_and_pauses_the_bot(shopper: Shopper) -> None:
    reply = shopper.says("can I talk to a real person please?")
    assert reply.handoff is not None and reply.handoff.reason == "shopper asked for a person"
    assert reply.text
    assert shopper.says("hello?").text == ""


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("I was charged twice for my order", "sensitive topic: payment problem"),
        ("the stove caught fire and I got burned", "sensitive topic: safety"),
        ("this is useless, you don't understand", "shopper is frustrated"),
    ],
)
def test_sensitive_and_upset_messages_go_to_a_person(
    shopper: Shopper, text: str, reason: str
) -> None:
    reply = shopper.says(text)
    assert reply.handoff is not None and reply.handoff.reason == reason


def test_out_of_scope_is_declined_politely(shopper: Shopper) -> None:
    reply = shopper.says("what's the weather going to be like in Paris?")
    assert "outside what I can help with" in reply.text
    assert reply.handoff is None and reply.products == []


def test_two_unhelpful_replies_in_a_row_bring_a_person(shopper: Shopper) -> None:
    assert shopper.says("blorp zib").handoff is None
    reply = shopper.says("quux flim")
    assert reply.handoff is not None and reply.handoff.reason == "repeated failure to help"


def test_sms_lists_products_in_the_text(concierge: Concierge) -> None:
    reply = Shopper(concierge, channel="sms").says("merino socks")
    assert "\n1. " in reply.text and "$" in reply.text


def test_a_tent_for_four_is_a_tent_that_sleeps_four_or_more(
    shopper: Shopper, concierge: Concierge
) -> None:
    reply = shopper.says("I'm looking for a tent for 4 people")
    assert reply.products and "sleeps 4" in reply.text
    for card in reply.products:
        assert int(_product(concierge, card.product_id).attributes["sleeps"]) >= 4


def test_asking_which_product_offers_each_by_its_whole_name(shopper: Shopper) -> None:
    """The chips name the products shown; the web shows them whole (channels with shorter
    buttons clip them at a word themselves)."""
    shown = shopper.says("I'm looking for a tent for 4 people").products
    assert len(shown) > 1
    reply = shopper.says("is it waterproof?")
    assert [q.title for q in reply.quick_replies] == [card.title for card in shown]


@pytest.mark.parametrize(
    ("question", "pick"),
    [("what's the cheapest one?", min), ("which is the most expensive?", max)],
)
def test_the_cheapest_or_dearest_is_picked_from_the_cards_shown(
    shopper: Shopper, question: str, pick: Callable[..., ProductCard]
) -> None:
    """A search finds more than the web shows (4 cards); the shopper can only mean those."""
    shown = shopper.says("cheap rain jacket").products
    assert len(shown) == 4
    reply = shopper.says(question)
    expected = pick(shown, key=lambda card: card.price)
    assert [card.product_id for card in reply.products] == [expected.product_id]
    assert reply.text.startswith(expected.title)


def test_a_text_channel_offers_to_compare_only_what_it_listed(concierge: Concierge) -> None:
    sms = Shopper(concierge, channel="sms")
    reply = sms.says("cheap rain jacket")
    assert len(reply.products) == 1
    assert "Compare top two" not in [q.title for q in reply.quick_replies]


def test_products_of_one_name_are_offered_apart(shopper: Shopper) -> None:
    """Men's and women's cuts share a long name; clipped alike, the chips could not be told
    apart, so each keeps the end that differs (and sends the whole name when tapped)."""
    shown = shopper.says("I need hiking boots size 10").products
    assert len({card.title.split(" - ")[0] for card in shown}) < len(shown)  # shared names
    chips = shopper.says("is it waterproof?").quick_replies  # which one?
    assert len({q.title for q in chips}) == len(chips) == len(shown)
    assert [q.payload for q in chips] == [card.title for card in shown]


def test_a_question_about_the_results_by_no_name_asks_which_then_answers_it(
    shopper: Shopper, concierge: Concierge
) -> None:
    shown = shopper.says("sleeping bag for cold weather under 300").products
    which = shopper.says("what's the temperature rating?")
    assert not which.products  # not a new search
    assert [q.payload for q in which.quick_replies] == [card.title for card in shown]
    answer = shopper.says("the first one")
    rating = _product(concierge, shown[0].product_id).attributes["temperature_rating"]
    assert [card.product_id for card in answer.products] == [shown[0].product_id]
    assert rating in answer.text


def test_asking_for_anything_with_a_feature_after_results_is_a_new_search(
    shopper: Shopper,
) -> None:
    shopper.says("rain jacket")
    reply = shopper.says("do you have anything waterproof?")
    assert reply.products and "waterproof" in reply.text


@pytest.mark.parametrize(
    ("policy", "follow_up", "answer"),
    [
        ("do you ship to canada?", "how long does it take?", "business days"),
        ("do you ship to canada?", "what about the UK?", "UK"),
        ("what's your return policy?", "what about sale items?", "Sale items"),
    ],
)
def test_a_follow_up_on_a_policy_is_read_with_it(
    shopper: Shopper, policy: str, follow_up: str, answer: str
) -> None:
    shopper.says(policy)
    reply = shopper.says(follow_up)
    assert answer in reply.text and not reply.products
    assert "not completely sure" not in reply.text


def test_after_a_policy_a_product_is_still_a_search(shopper: Shopper) -> None:
    shopper.says("what's your return policy?")
    assert shopper.says("what about rain jackets?").products


def test_a_question_asked_of_all_the_results_is_answered_for_each(
    shopper: Shopper, concierge: Concierge
) -> None:
    shown = shopper.says("sleeping bag for cold weather under 300").products
    reply = shopper.says("how warm are they?")
    lines = reply.text.splitlines()
    assert [card.product_id for card in reply.products] == [card.product_id for card in shown]
    assert len(lines) == len(shown)
    for line, card in zip(lines, shown, strict=True):
        assert card.title in line
        rating = _product(concierge, card.product_id).attributes.get("temperature_rating")
        assert (rating in line) if rating else ("won't guess" in line)


def test_an_overview_of_all_the_results_asks_which_one_instead(shopper: Shopper) -> None:
    shopper.says("rain jacket")
    reply = shopper.says("tell me about them")
    assert not reply.products and len(reply.quick_replies) > 1


def test_a_need_said_as_a_story_gets_products_not_a_care_tip(shopper: Shopper) -> None:
    """Read surely as a search, a story of a need is answered with products, though an
    article on boot care matches its words well."""
    reply = shopper.says("my feet get soaked on muddy walks, what should i wear")
    assert reply.products, reply.text
