"""Questions about a product's attributes in words that do not name them, matched by meaning,
and products named by the name their titles lead with."""

from __future__ import annotations

import pytest

from assistant.agent.understanding.attributes import AttributeMatcher
from assistant.retrieval.embeddings import Embedder
from assistant.retrieval.index import CatalogIndex


@pytest.fixture(scope="module")
def matcher(embedder: Embedder) -> AttributeMatcher:
    return AttributeMatcher(embedder)


@pytest.mark.parametrize(
    ("question", "product_id", "key"),
    [
        ("what kinda batteries does it need", "campfire-300-headlamp", "battery"),
        ("does it fit in the overhead bin", "wayfarer-40l-carry-on-travel-pack", "carry_on"),
        ("will my 16 inch macbook fit in it", "commuter-24-laptop-pack", "laptop_sleeve"),
        ("ok for wide feet?", "meadow-leather-hiker-womens", "fit"),
        ("how thick is the fabric", "expedition-heavyweight-merino-crew", "fabric_weight"),
        ("how long does it last on low", "nano-120-ultralight-headlamp", "runtime"),
        ("can i throw it in the washer", "expedition-heavyweight-merino-crew", "care"),
        ("is there a guarantee", "wayfarer-40l-carry-on-travel-pack", "warranty"),
    ],
)
def test_a_question_finds_the_attribute_it_means(
    matcher: AttributeMatcher, demo_index: CatalogIndex, question: str, product_id: str, key: str
) -> None:
    product = demo_index.products.get(product_id)
    assert product is not None and key in product.attributes
    assert matcher.closest(question, product_id, product.attributes) == key


@pytest.mark.parametrize(
    ("question", "product_id"),
    [
        ("is it good for a gift", "nano-120-ultralight-headlamp"),
        ("what do you think", "wayfarer-40l-carry-on-travel-pack"),
        ("", "wayfarer-40l-carry-on-travel-pack"),
    ],
)
def test_a_question_about_no_attribute_finds_none(
    matcher: AttributeMatcher, demo_index: CatalogIndex, question: str, product_id: str
) -> None:
    product = demo_index.products.get(product_id)
    assert product is not None
    assert matcher.closest(question, product_id, product.attributes) is None


def test_no_attributes_no_match(matcher: AttributeMatcher) -> None:
    assert matcher.closest("how heavy is it", "anything", {}) is None


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("how long does the nano last on low", ["nano-120-ultralight-headlamp"]),
        ("does the wayfarer 40 fit in the overhead bin", ["wayfarer-40l-carry-on-travel-pack"]),
        ("what batteries does the campfire one take", ["campfire-300-headlamp"]),  # not the vest
        ("and the deepfreeze, whats its r value", ["deepfreeze-winter-air-pad"]),
        (
            "r the meadow ones ok for wide feet",
            ["meadow-leather-hiker-womens", "meadow-leather-hiker-mens"],
        ),
        ("the vest in green", []),  # a kind two names end with, though one leads with it
        ("waterproof jacket under $200", []),  # a feature, not a name
        ("hiking boots size 10", []),  # an activity and a kind
        ("the 2 person in sage", []),
    ],
)
def test_a_product_is_named_by_the_name_its_title_leads_with(
    demo_index: CatalogIndex, text: str, named: list[str]
) -> None:
    assert sorted(p.id for p in demo_index.parser.named_by(text)) == sorted(named)
