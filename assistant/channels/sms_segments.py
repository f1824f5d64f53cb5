"""How an SMS is billed: GSM-7 (160 characters, 153 a part when split) or UCS-2 (70, 67).

One character outside the GSM-7 basic and extension tables (an emoji, a curly quote, a "—")
makes the whole message UCS-2. Extension characters (€ [ ] { } ...) take two GSM-7 septets;
characters beyond the Basic Multilingual Plane (most emoji) take two UCS-2 units. Neither pair
is split across parts, so a part may hold one unit less than its nominal size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from assistant.brand.text import GSM7_EXTENSION, is_gsm7

# Typography a model likes that GSM-7 lacks, and what SMS can say instead.
PLAIN_PUNCTUATION = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"', "\u2032": "'",
        "\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-",
        "\u2026": "...", "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u200b": "",
        "\u2022": "-", "\u00b7": "-",
    }
)  # fmt: skip


@dataclass(frozen=True)
class SmsEncoding:
    """An SMS alphabet and its part sizes, in its own units."""

    name: Literal["GSM-7", "UCS-2"]
    single: int
    per_part: int


GSM7 = SmsEncoding("GSM-7", single=160, per_part=153)
UCS2 = SmsEncoding("UCS-2", single=70, per_part=67)


def encoding_of(text: str) -> SmsEncoding:
    """GSM-7 when every character is in its tables, else UCS-2."""
    return GSM7 if is_gsm7(text) else UCS2


def _units(char: str, encoding: SmsEncoding) -> int:
    if encoding is GSM7:
        return 2 if char in GSM7_EXTENSION else 1
    return 2 if ord(char) > 0xFFFF else 1


def units(text: str) -> int:
    """Septets (GSM-7) or UTF-16 code units (UCS-2) the text takes."""
    encoding = encoding_of(text)
    return sum(_units(char, encoding) for char in text)


def segment_count(text: str) -> int:
    """How many parts the carrier sends (and bills) for `text`; an empty text is one part."""
    encoding = encoding_of(text)
    if units(text) <= encoding.single:
        return 1
    parts, used = 1, 0
    for char in text:
        size = _units(char, encoding)
        if used + size > encoding.per_part:  # a two-unit character is never split
            parts, used = parts + 1, 0
        used += size
    return parts


def ellipsis_for(text: str) -> str:
    """ "..." keeps a GSM-7 text GSM-7; "…" costs one unit in a UCS-2 one."""
    return "..." if is_gsm7(text) else "\u2026"
