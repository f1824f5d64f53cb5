"""Quantities in catalog text: numbers with units, in base units, table-driven."""

from __future__ import annotations

import pytest

from assistant.retrieval.quantities import convert, plain_number, quantities, unit_dimension

CASES = [
    ("850 g (Regular)", [("mass", 850.0, 850.0)]),
    (
        "2.1 kg (55 L) / 2.3 kg (65 L)",
        [
            ("mass", 2100, 2100),
            ("volume", 55000, 55000),
            ("mass", 2300, 2300),
            ("volume", 65000, 65000),
        ],
    ),
    ("20°F / -7°C limit", [("temperature", -6.667, -6.667), ("temperature", -7, -7)]),
    ("-20°F / -29°C", [("temperature", -28.889, -28.889), ("temperature", -29, -29)]),
    ("1.5L", [("volume", 1500, 1500)]),
    ("10,000 mAh Li-polymer", [("charge", 10000, 10000)]),
    ("6-inch", [("length", 152.4, 152.4)]),
    ("5-25 lbs", [("mass", 2267.96, 11339.81)]),
    ("30\u201350 lbs", [("mass", 13607.77, 22679.62)]),
    ("2 h on high, 50 h on low", [("duration", 2, 2), ("duration", 50, 50)]),
    ("1000ml", [("volume", 1000, 1000)]),
    ("12 oz / 355 ml", [("mass", 340.19, 340.19), ("volume", 355, 355)]),
    ("16 fl oz", [("volume", 473.18, 473.18)]),
    ("256GB SSD", [("data", 256, 256)]),
    ("1TB SSD", [("data", 1000, 1000)]),
    ("15 bar", [("pressure", 15, 15)]),
    ("100ft", [("length", 30480, 30480)]),
    ("3.0 m²", [("area", 3.0, 3.0)]),
    ("150 gsm", [("areal_density", 150, 150)]),
    ("2 x 10,000 BTU", [("power", 2930.71, 2930.71)]),
    ("0.1-micron hollow fibre", [("length", 0.0001, 0.0001)]),
    ("10 hours", [("duration", 10, 10)]),
    ("up to 5 days", [("duration", 120, 120)]),
    ("20,000 g/m²/24h", []),  # a rate, not a mass or a duration
    ("3-season", []),
    ("merino wool", []),
    ("IPX7", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_quantities(text: str, expected: list[tuple[str, float, float]]) -> None:
    found = [(q.dimension, round(q.low, 2), round(q.high, 2)) for q in quantities(text)]
    assert [d for d, _, _ in found] == [d for d, _, _ in expected]
    for (_, low, high), (_, want_low, want_high) in zip(found, expected, strict=True):
        assert low == pytest.approx(want_low, abs=0.01)
        assert high == pytest.approx(want_high, abs=0.01)


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("400", 400, 400),
        ("2.0", 2, 2),
        ("50+", 50, 50),
        ("1-2 (with groundsheet)", 1, 2),
        ("0 (day shelter)", 0, 0),
        ("600-fill responsibly sourced down", 600, 600),
        ("3 (S, M, L)", 3, 3),
        ("1,000", 1000, 1000),
    ],
)
def test_plain_numbers(text: str, low: float, high: float) -> None:
    number = plain_number(text)
    assert number is not None
    assert (number.low, number.high) == (low, high)


@pytest.mark.parametrize(
    "text", ["150 g synthetic", "2 pairs", "large", "USB or 3 x AA", "13-inch", ""]
)
def test_not_plain_numbers(text: str) -> None:
    assert plain_number(text) is None


def test_convert_back_for_replies() -> None:
    assert convert(-7.0, "temperature", "°F") == pytest.approx(19.4)
    assert convert(907.18474, "mass", "lb") == pytest.approx(2.0)
    assert convert(1500.0, "volume", "L") == pytest.approx(1.5)


def test_unit_dimension() -> None:
    assert unit_dimension("lumens") == "luminous_flux"
    assert unit_dimension("Pounds") == "mass"
    assert unit_dimension("°C") == "temperature"
    assert unit_dimension("people") is None
