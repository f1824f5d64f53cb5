"""Option values said the way shoppers write them, and corrections that change one."""

from __future__ import annotations

import pytest

from assistant.agent.offline.options import options_said, said_value


@pytest.mark.parametrize(
    ("text", "values", "option", "said"),
    [
        ("no not the 20, the 32oz one", ["20 oz", "32 oz", "40 oz"], "capacity", "32 oz"),
        ("l/xl", ["L/XL", "S/M"], "size", "L/XL"),
        ("size 8, normal width", ["Standard", "Wide"], "width", "Standard"),
        ("regular length is fine", ["Long", "Regular", "Short"], "length", "Regular"),
        ("maybe the long one instead", ["Long", "Regular", "Short"], "length", "Long"),
        ("the blue speckle one", ["Blue", "Blue Speckle", "Cream"], "color", "Blue Speckle"),
        ("in the 10.5", ["10", "10.5", "11"], "size", "10.5"),
        ("size 10", ["10", "10.5", "11"], "size", "10"),
        ("im 6'3 so the long one", ["3", "4"], "size", None),  # a height, not a size 3
        ("normal width", ["Wide", "Extra Wide"], "width", None),  # no plain value offered
        ("something warmer", ["Cream", "Sage"], "color", None),
    ],
)
def test_a_value_is_said_as_shoppers_write_it(
    text: str, values: list[str], option: str, said: str | None
) -> None:
    assert said_value(text, values, option=option) == said


def test_every_option_said_is_found() -> None:
    options = {"color": ["Black", "Moss"], "capacity": ["20 oz", "32 oz"], "size": []}
    assert options_said("the moss one in 32oz", options) == {"color": "Moss", "capacity": "32 oz"}
    assert options_said("anything cheaper?", options) == {}
