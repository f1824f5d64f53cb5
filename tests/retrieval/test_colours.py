"""Colour families: catalog colour names as the families shoppers ask for."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.retrieval.colours import ColourFamilies
from assistant.retrieval.loaders import load_paths
from tests.conftest import DEMO_CATALOG


@pytest.mark.parametrize(
    ("name", "families"),
    [
        ("Cobalt", {"blue"}),
        ("Forest", {"green"}),
        ("Charcoal", {"grey"}),
        ("Heather Navy", {"blue"}),  # heather only shades the navy
        ("Heather Grey", {"grey"}),
        ("Slate", {"grey"}),
        ("Forest/Cream", {"green", "beige"}),
        ("Rust", {"brown", "orange"}),
        ("space grey", {"grey"}),
        ("rose gold", {"pink"}),
        ("Neon Yellow", {"yellow"}),
        ("Blue Plaid", {"blue", "multicolour"}),
        ("Stainless Steel", {"silver"}),
        ("Mount Hood", {"white"}),
        ("Zorblax", set()),
    ],
)
def test_families(name: str, families: set[str]) -> None:
    assert ColourFamilies.from_data().of(name) == families


def test_every_demo_colour_has_a_family() -> None:
    colours = ColourFamilies.from_data()
    products = load_paths([DEMO_CATALOG / "products"]).products
    names = {v.options["color"] for p in products for v in p.variants if "color" in v.options}
    assert len(names) > 50
    assert [n for n in sorted(names) if not colours.of(n)] == []


def test_family_words() -> None:
    colours = ColourFamilies.from_data()
    assert colours.family_of_word("Blue") == "blue"
    assert colours.family_of_word("gray") == "grey"
    assert colours.family_of_word("cobalt") is None  # a name, not a family


def test_brand_additions_from_the_schema_file(tmp_path: Path) -> None:
    path = tmp_path / "schema.yaml"
    path.write_text("colours:\n  Zorblax: green\n  Desert Night: black\n  Forest: brown\n")
    colours = ColourFamilies.load(path)
    assert colours.of("Zorblax") == {"green"}
    assert colours.of("Desert Night") == {"black"}
    assert colours.of("Forest") == {"brown"}  # the brand's word replaces the shipped one
