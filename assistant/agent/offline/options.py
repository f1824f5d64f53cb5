"""Which of a product's option values a message says, as shoppers write them: "32oz" for
"32 oz", "l/xl" for "L/XL", "normal width" for "Standard", "the blue speckle one".

A value is said when its words appear in the message in order, spacing between a number and
its unit aside; a few words name the same plain value ("regular", "normal" and "standard"
are each the ordinary choice of a width, a length or a fit).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from assistant.retrieval.quantities import unit_dimension

# Words for the ordinary value of an option: a message saying one means whichever of them the
# product offers ("normal width" of a shoe offered in Standard and Wide).
_PLAIN_VALUES = frozenset({"regular", "normal", "standard", "medium"})


def _pattern(value: str) -> re.Pattern[str]:
    """The value's words in order; a number and its unit may be written together or apart."""
    parts = [re.escape(p) for p in re.findall(r"[a-z]+|\d+(?:\.\d+)?|[^\sa-z\d]", value.lower())]
    return re.compile(r"(?<![\w.'\u2019])" + r"\s*".join(parts) + r"(?![\w.'\u2019])")


def said_value(text: str, values: Iterable[str], *, option: str = "") -> str | None:
    """The value of `values` the text says, the longest first ("blue speckle" over "blue");
    None when it says none. `option` (its name) lets "normal width" choose a plain value."""
    lowered = text.lower()
    ordered = sorted(values, key=lambda v: (-len(v), v))
    for value in ordered:
        if _pattern(value).search(lowered):
            return value
    plain = [v for v in ordered if v.lower() in _PLAIN_VALUES]
    if len(plain) == 1 and _says_plain(lowered, option):
        return plain[0]
    return _amount_said(lowered, ordered)


_AMOUNT = re.compile(r"^(\d+(?:\.\d+)?)\s*([a-z]+)$")
_SAID_AMOUNT = re.compile(r"(?<![\w.$#])(\d+(?:\.\d+)?)(?:\s*([a-z]+))?")


def _amount_said(lowered: str, values: list[str]) -> str | None:
    """The one amount value ("70 L", "100 L") whose number the text says with a unit of the
    same kind ("70 liters") or none ("the 100"); None when no value or several fit."""
    amounts = {v: m for v in values if (m := _AMOUNT.match(v.lower().strip()))}
    if not amounts:
        return None
    fitting = set()
    for said in _SAID_AMOUNT.finditer(lowered):
        number, unit = float(said.group(1)), said.group(2)
        for value, m in amounts.items():
            if float(m.group(1)) != number:
                continue
            dimension = unit_dimension(unit) if unit else None
            if (
                unit is None
                or unit == m.group(2)
                or (dimension is not None and dimension == unit_dimension(m.group(2)))
            ):
                fitting.add(value)
    return next(iter(fitting)) if len(fitting) == 1 else None


def _says_plain(lowered: str, option: str) -> bool:
    """ "normal width", "regular length", "a standard fit": a plain word for this option."""
    words = "|".join(sorted(_PLAIN_VALUES))
    if not option:
        return False
    return bool(re.search(rf"\b(?:{words})\s+{re.escape(option.lower())}\b", lowered))


def options_said(text: str, options: dict[str, list[str]]) -> dict[str, str]:
    """Each option whose value the text says: {"capacity": "32 oz", "color": "Black"}."""
    said = {}
    for option, values in options.items():
        if (value := said_value(text, values, option=option)) is not None:
            said[option] = value
    return said
