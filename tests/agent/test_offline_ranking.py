"""The offline engine orders the products shown by the measure a shopper's words mean, and
answers a question about one shown item with that item's own value."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.conversation import Concierge
from assistant.retrieval.index import CatalogIndex
from tests.agent.test_offline_conversation import Shopper


@pytest.fixture
def shopper(demo_index: CatalogIndex, tmp_path: Path) -> Shopper:
    settings = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    return Shopper(Concierge.from_settings(settings, demo_index))


CASES = [
    # (first message, follow-up, product named first, words of the answer)
    ("headlamp", "which has the longest battery life", "campfire-300-headlamp", ["100 h"]),
    ("headlamp", "brightest one?", "apex-1200-rechargeable-headlamp", ["1200"]),
    ("2 person tent", "the lightest of those", "juniper-2-backpacking-tent", ["1.6 kg"]),
    ("2 person tent", "which is the roomiest", "meadowlark-4-cabin-tent", ["m²"]),
    ("headlamp", "is the first one heavier than the third?", "stride-400-running-headlamp",
     ["98 g", "28 g"]),
]  # fmt: skip


@pytest.mark.parametrize(("first", "then", "product", "words"), CASES)
def test_a_superlative_picks_among_the_products_shown(
    shopper: Shopper, first: str, then: str, product: str, words: list[str]
) -> None:
    shown = [c.product_id for c in shopper.says(first).products]
    reply = shopper.says(then)
    assert reply.products and reply.products[0].product_id == product
    assert product in shown  # among those shown, not a new search
    assert all(w in reply.text for w in words), reply.text


def test_asking_for_more_is_a_new_search_ordered_by_the_measure(shopper: Shopper) -> None:
    shopper.says("headlamp")
    reply = shopper.says("anything brighter?")
    assert len(reply.products) > 1
    assert reply.products[0].product_id == "apex-1200-rechargeable-headlamp"


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ("does it have a warranty?", ["warranty", "2 years"]),
        ("how tall is it inside", ["peak height", "104 cm"]),
        ("what's the floor area", ["floor area", "2.7 m²"]),
    ],
)
def test_a_question_about_the_item_in_focus_states_its_value(
    shopper: Shopper, question: str, words: list[str]
) -> None:
    shopper.says("2 person tent")
    shopper.says("the lightest of those")  # the Juniper 2 is in focus
    reply = shopper.says(question)
    assert [c.product_id for c in reply.products] == ["juniper-2-backpacking-tent"]
    assert all(w in reply.text for w in words), reply.text


def test_a_noun_phrase_beats_a_shorter_attribute_name(shopper: Shopper) -> None:
    shopper.says("headlamp")
    reply = shopper.says("battery life on the last one?")
    assert "runtime" in reply.text and "100 h" in reply.text
