"""Declared preferences: what counts as stated, how they merge, and how they are worded."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assistant.preferences import Preferences, asks_to_forget, declared
from assistant.retrieval.index import CatalogIndex


@pytest.mark.parametrize(
    ("text", "size", "budget", "categories"),
    [
        ("I'm a size M", "M", None, []),
        ("I'm a medium", "M", None, []),
        ("I usually wear XL", "XL", None, []),
        ("rain jacket in size L", "L", None, []),
        ("my budget is $150 for a jacket", None, Decimal(150), []),
        ("I love backpacks and tents", None, None, ["Backpacks", "Tents"]),
        ("fleece under $50", None, None, []),  # a price for this search, not a budget
        ("I'm looking for a tent", None, None, []),  # names a category, is no favourite
        ("I'm a big fan of your shop", None, None, []),  # 'big' is not a size
    ],
)
def test_what_a_message_declares(
    demo_index: CatalogIndex,
    text: str,
    size: str | None,
    budget: Decimal | None,
    categories: list[str],
) -> None:
    assert declared(text, demo_index.parser) == Preferences(
        size=size, budget=budget, categories=categories
    )


@pytest.mark.parametrize(
    ("text", "forget"),
    [
        ("forget my preferences", True),
        ("Please forget me", True),
        ("delete my saved size", True),
        ("stop remembering my size", True),
        ("I forget which jacket I saw", False),
        ("don't forget the gift wrap", False),
    ],
)
def test_asking_to_forget(text: str, forget: bool) -> None:
    assert asks_to_forget(text) is forget


def test_news_merge_document_and_wording() -> None:
    saved = Preferences(size="M", categories=["Tents"])
    stated = Preferences(size="M", budget=Decimal(150), categories=["Backpacks", "Tents"])
    new = saved.news(stated)
    assert new == Preferences(budget=Decimal(150), categories=["Backpacks"])
    merged = saved.merged(new)
    assert merged.document() == {"size": "M", "budget": "150", "categories": ["Backpacks", "Tents"]}
    assert Preferences.stored(merged.document()) == merged
    assert Preferences.stored({"size": "M", "budget": "lots", "other": 1}) == Preferences()
    assert new.describe() == "your budget of up to $150 and your favourite Backpacks"
    assert Preferences(size="M").describe() == "your size M"
    note = merged.note()
    assert "size M" in note and "budget up to $150" in note and "Backpacks, Tents" in note
    assert "unless the shopper says otherwise" in note
    assert Preferences().is_empty() and not new.is_empty()
