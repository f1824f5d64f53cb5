"""Which of a product's option values a message says, as shoppers write them: "32oz" for
"32 oz", "l/xl" for "L/XL", "normal width" for "Standard", "the blue speckle one".

A value is said when its words appear in the message in order, spacing between a number and
its unit aside; a few words name the same plain value ("regular", "normal" and "standard"
are each the ordinary choice of a width, a length or a fit).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

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
    return None


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
