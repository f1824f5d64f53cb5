"""The offline engine finds products by name, keeps policy questions apart from orders, gifts
and checkouts, and fits replies to the channel."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.agent.offline.fit import fit
from assistant.agent.offline.lookup import named
from assistant.brand.models import ChannelStyle
from assistant.config import Settings
from assistant.conversation import Concierge
from assistant.messages import InboundMessage, Reply
from assistant.retrieval.index import CatalogIndex

SMS = ChannelStyle(
    markdown=False, max_chars=160, max_chars_ucs2=70, max_cards=1, max_quick_replies=3
)


def _cards(*titles: str) -> list[dict[str, str]]:
    return [{"product_id": t.lower().replace(" ", "-"), "title": t} for t in titles]


def test_a_name_picks_the_product_it_spells_out(demo_index: CatalogIndex) -> None:
    parser = demo_index.parser
    cards = _cards("Juniper 3 Backpacking Tent", "Juniper 2 Backpacking Tent", "Trailhead 2 Tent")
    assert named("the Juniper 2 Backpacking Tent", cards, parser) == "juniper-2-backpacking-tent"
    assert named("tent for 2 people", cards, parser) is None  # generic words name nothing
    shoes = _cards("Fernrunner 3 - Women's", "Fernrunner 3 - Men's")
    assert (
        named("does the Fernrunner 3 for men come in 10?", shoes, parser) == "fernrunner-3---men's"
    )
    partial = _cards("Trailhead Waterproof Low Hiking Shoe", "Timberline Waterproof Mid Boot")
    assert named("the Trailhead Waterproof Low", partial, parser) == (
        "trailhead-waterproof-low-hiking-shoe"
    )
    runners = _cards("Trail Runner Cap", "Fernrunner 3 - Men's")
    runners[0]["category"] = "Hats, Gloves & Socks"
    assert named("size 10 trail runners", runners, parser) is None  # shoes, not the cap
    jackets = _cards("Ferry Waterproof Trench - Women's", "Drizzle Packable Rain Shell - Women's")
    assert named("waterproof jacket under $200", jackets, parser) is None  # a feature, no name
    assert named("the drizzle in blue", jackets, parser) == "drizzle-packable-rain-shell---women's"


def test_fit_keeps_whole_sentences_within_the_channel() -> None:
    text = "Standard shipping is free over $75. " * 3 + "Express costs more."
    short = fit(text, SMS)
    assert len(short) <= 160 and short.endswith(".") and short.startswith("Standard")
    assert fit("Short.", SMS) == "Short."
    link = "Your cart: https://shop.example/cart/1:1"
    assert fit(link, SMS, link_length=200) == "Your cart."  # no room for the tracked link


def _says(concierge: Concierge, *texts: str, channel: str = "web") -> Reply:
    reply = Reply(text="")
    for text in texts:
        message = InboundMessage(channel=channel, sender="naming", text=text)  # type: ignore[arg-type]
        reply = concierge.handle(message)
    return reply


@pytest.fixture
def concierge(demo_index: CatalogIndex, tmp_path: Path) -> Concierge:
    settings = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    return Concierge.from_settings(settings, demo_index)


def test_question_about_a_named_product_reads_that_product(concierge: Concierge) -> None:
    reply = _says(concierge, "is the Ridgeline 3L Rain Jacket - Women's waterproof?")
    assert [c.product_id for c in reply.products] == ["ridgeline-3l-rain-jacket-womens"]
    assert "20,000" in reply.text


def test_buying_a_named_product_builds_its_link(concierge: Concierge) -> None:
    reply = _says(concierge, "I want the Ridgeline 3L Rain Jacket - Women's in black, size M")
    assert reply.checkout_url and "Black / M" in reply.text


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("Can I still cancel my order before it ships?", "cancel"),
        ("do you do gift wrapping?", "gift wrap"),
        ("How many promo codes can I use at checkout?", "promo code"),
    ],
)
def test_policy_questions_are_answered_from_the_faq(
    concierge: Concierge, text: str, entry: str
) -> None:
    reply = _says(concierge, text)
    assert not reply.products and not reply.checkout_url and "order number" not in reply.text
    assert entry.split()[0] in reply.text.lower()


def test_sms_reply_fits_one_text(concierge: Concierge) -> None:
    reply = _says(concierge, "how much is shipping", channel="sms")
    assert 0 < len(reply.text) <= 160
