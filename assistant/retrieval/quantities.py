"""Quantities in catalog text: a number (or a range) with a unit, in normalised units.

"850 g (Regular)", "20°F / -7°C limit", "1.5L", "10,000 mAh", "6-inch", "5-25 lbs", "2 h on high,
50 h on low": each number that carries a unit becomes a `Quantity` in its dimension's base unit
(grams, millilitres, millimetres, degrees Celsius, lumens, hours, mAh, gigabytes, bar, watts,
square metres, grams per square metre). Units are words a catalog writes, so the table below is
the whole of the knowledge; which attribute holds which dimension is discovered per catalog
(`assistant/retrieval/measures.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Dimension = Literal[
    "mass",
    "volume",
    "length",
    "temperature",
    "luminous_flux",
    "duration",
    "charge",
    "data",
    "pressure",
    "power",
    "area",
    "areal_density",
    "count",
    "rank",
]

BASE_UNITS: dict[Dimension, str] = {
    "mass": "g",
    "volume": "ml",
    "length": "mm",
    "temperature": "°C",
    "luminous_flux": "lm",
    "duration": "h",
    "charge": "mAh",
    "data": "GB",
    "pressure": "bar",
    "power": "W",
    "area": "m²",
    "areal_density": "g/m²",
    "count": "",
    "rank": "",
}

# unit spelling -> (dimension, factor to the base unit); temperatures are converted apart.
_UNITS: dict[str, tuple[Dimension, float]] = {}


def _add(dimension: Dimension, factor: float, *spellings: str) -> None:
    for spelling in spellings:
        _UNITS[spelling] = (dimension, factor)


_add("mass", 1.0, "g", "gram", "grams", "gr")
_add("mass", 1000.0, "kg", "kgs", "kilo", "kilos", "kilogram", "kilograms")
_add("mass", 28.349523125, "oz", "ounce", "ounces")
_add("mass", 453.59237, "lb", "lbs", "pound", "pounds")
_add("volume", 1.0, "ml", "millilitre", "millilitres", "milliliter", "milliliters", "cc")
_add("volume", 1000.0, "l", "litre", "litres", "liter", "liters", "ltr")
_add("volume", 29.5735295625, "fl oz", "fl. oz", "fluid ounce", "fluid ounces")
_add("volume", 236.5882365, "cup", "cups")
_add("volume", 3785.411784, "gal", "gallon", "gallons")
_add("length", 0.001, "micron", "microns", "µm", "μm")
_add("length", 1.0, "mm", "millimetre", "millimetres", "millimeter", "millimeters")
_add("length", 10.0, "cm", "centimetre", "centimetres", "centimeter", "centimeters")
_add("length", 1000.0, "m", "metre", "metres", "meter", "meters")
_add("length", 25.4, "in", "inch", "inches", '"', "″")
_add("length", 304.8, "ft", "foot", "feet", "'", "\u2032")  # prime
_add("length", 1_000_000.0, "km", "kilometre", "kilometres", "kilometer", "kilometers")
_add("luminous_flux", 1.0, "lm", "lumen", "lumens")
_add("duration", 1.0, "h", "hr", "hrs", "hour", "hours")
_add("duration", 1 / 60, "min", "mins", "minute", "minutes")
_add("duration", 24.0, "day", "days")
_add("duration", 168.0, "week", "weeks")
_add("charge", 1.0, "mah")
_add("charge", 1000.0, "ah")
_add("data", 1.0, "gb")
_add("data", 1000.0, "tb")
_add("data", 0.001, "mb")
_add("pressure", 1.0, "bar")
_add("pressure", 0.0689475729, "psi")
_add("power", 1.0, "w", "watt", "watts")
_add("power", 0.29307107, "btu", "btus")
_add("area", 1.0, "m²", "m2", "sq m", "square metres", "square meters")
_add("area", 0.09290304, "sq ft", "ft²", "square feet")
_add("areal_density", 1.0, "gsm", "g/m²", "g/m2")
_TEMPERATURES = {"°c": "C", "°f": "F", "ºc": "C", "ºf": "F", "degrees c": "C", "degrees f": "F"}

_MINUS = "-\u2212"  # hyphen-minus and the minus sign
_DASH = "-\u2013"  # hyphen and en dash between the ends of a range
_NUMBER = rf"[{_MINUS}]?(?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?|[{_MINUS}]?\.\d+"
# Longest spellings first, so "fl oz" wins over "oz" and "mah" over "m".
_UNIT = "|".join(
    re.escape(u) for u in sorted([*_UNITS, *_TEMPERATURES], key=lambda u: (-len(u), u))
)
_QUANTITY = re.compile(
    rf"(?<![\w./])(?P<low>{_NUMBER})"
    rf"(?:\s*(?:[{_DASH}]|to)\s*(?P<high>{_NUMBER}))?"
    rf"\s*-?\s*(?P<unit>{_UNIT})(?![a-z0-9²/])",
    re.IGNORECASE,
)
# A number alone, a range, "50+", "2 (with groundsheet)" or "600-fill": no unit after it.
_PLAIN = re.compile(
    rf"^\s*(?P<low>{_NUMBER})(?:\s*(?:[{_DASH}]|to)\s*(?P<high>{_NUMBER}))?\s*\+?"
    r"(?:\s*$|\s+\(|-(?P<word>[a-z]+)\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Quantity:
    """A value (or a range) in its dimension's base unit."""

    dimension: Dimension
    low: float
    high: float
    unit: str  # the unit as the text wrote it

    @property
    def value(self) -> float:
        """The single value a range stands for when compared: its upper end."""
        return self.high


def _number(text: str) -> float:
    return float(text.replace(",", "").replace("\u2212", "-"))


def _to_base(dimension: Dimension, unit: str, number: float) -> float:
    if dimension == "temperature":
        return (number - 32.0) * 5.0 / 9.0 if _TEMPERATURES[unit] == "F" else number
    return number * _UNITS[unit][1]


def _dimension(unit: str) -> Dimension:
    return "temperature" if unit in _TEMPERATURES else _UNITS[unit][0]


def quantities(text: str) -> list[Quantity]:
    """Every number with a unit in `text`, in order, in base units.

    A hyphen between two numbers is a range ("5-25 lbs"); one before a number with a space or
    nothing before it is a minus sign ("-20°F / -29°C")."""
    found = []
    for match in _QUANTITY.finditer(text):
        unit = re.sub(r"\s+", " ", match["unit"].lower())
        dimension = _dimension(unit)
        low_text, high_text = match["low"], match["high"]
        low = _to_base(dimension, unit, _number(low_text))
        high = _to_base(dimension, unit, _number(high_text)) if high_text else low
        found.append(Quantity(dimension, min(low, high), max(low, high), unit))
    return found


def plain_number(text: str) -> Quantity | None:
    """A value that is only a number or a range of numbers ("400", "2.0", "1-2 (with
    groundsheet)", "50+"), as a count; None when the text leads with anything else."""
    match = _PLAIN.match(text)
    if match is None or (match["word"] and unit_dimension(match["word"])):
        return None  # "13-inch" is a length
    low = _number(match["low"])
    high = _number(match["high"]) if match["high"] else low
    return Quantity("count", min(low, high), max(low, high), "")


def convert(value: float, dimension: Dimension, unit: str) -> float:
    """A base-unit value expressed in `unit` of the same dimension (for replies)."""
    unit = unit.lower()
    if dimension == "temperature":
        return value * 9.0 / 5.0 + 32.0 if _TEMPERATURES.get(unit) == "F" else value
    return value / _UNITS[unit][1]


def to_base(value: float, unit: str, dimension: Dimension) -> float | None:
    """`value` given in `unit`, in the base unit of `dimension`; None when the unit measures
    something else. Ounces of a volume are fluid ounces."""
    key = re.sub(r"\s+", " ", unit.strip().lower())
    if dimension == "volume" and key in {"oz", "ounce", "ounces"}:
        key = "fl oz"
    if unit_dimension(key) != dimension:
        return None
    return _to_base(dimension, key, value)


def unit_dimension(unit: str) -> Dimension | None:
    """The dimension a unit spelling measures, or None for a word that is no unit."""
    unit = re.sub(r"\s+", " ", unit.strip().lower())
    if unit in _TEMPERATURES:
        return "temperature"
    known = _UNITS.get(unit)
    return known[0] if known else None
