"""Plain-text checks on a reply: emoji, markdown, SMS encoding and banned phrases.

These know nothing about brands; `rules.py` applies them with a brand's settings.
"""

from __future__ import annotations

import re

_EMOJI_BASE = (
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b05-\u2b07\u2b1b\u2b1c\u2b50\u2b55"
    "\u231a\u231b\u2328\u23cf\u23e9-\u23f3\u23f8-\u23fa\u3030\u303d\u3297\u3299]"
)
_EMOJI_MODIFIERS = "[\ufe0f\U0001f3fb-\U0001f3ff]*"
_EMOJI = re.compile(
    "[0-9#*]\ufe0f?\u20e3"  # keycaps such as 1️⃣
    "|[\U0001f1e6-\U0001f1ff]{2}"  # flags
    # any base emoji, or a text symbol asked to look like one (VS16), then ZWJ sequences
    f"|(?:{_EMOJI_BASE}|[\u00a9\u00ae\u2000-\u3300]\ufe0f){_EMOJI_MODIFIERS}"
    f"(?:\u200d{_EMOJI_BASE}{_EMOJI_MODIFIERS})*"
)

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")  # sent as escape + char: two septets each

_MARKDOWN = {
    "heading": re.compile(r"^\s{0,3}#{1,6}\s+\S", re.M),
    "bold": re.compile(r"\*\*[^*\n]+\*\*|__[^_\n]+__"),
    "link": re.compile(r"\[[^\]\n]+\]\([^)\s]+\)"),
    "table": re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)+\|?\s*$", re.M),
    "code": re.compile(r"```|`[^`\n]+`"),
}
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def find_emoji(text: str) -> list[str]:
    """Every emoji in `text`, as written (a flag or a ZWJ family counts as one)."""
    return _EMOJI.findall(text)


def strip_emoji(text: str) -> str:
    """`text` without emoji, with the spaces they leave behind tidied up."""
    stripped = _EMOJI.sub("", text)
    return re.sub(r"[ \t]{2,}", " ", re.sub(r"[ \t]+([.,!?])", r"\1", stripped)).strip()


def same_emoji(a: str, b: str) -> bool:
    """Equal, ignoring the optional emoji-presentation selector (🏕 and 🏕️ are one emoji)."""
    return a.replace("\ufe0f", "") == b.replace("\ufe0f", "")


def find_markdown(text: str) -> list[str]:
    """Which kinds of markdown formatting `text` uses (numbered and bulleted lists are fine)."""
    return [kind for kind, pattern in _MARKDOWN.items() if pattern.search(text)]


def is_gsm7(text: str) -> bool:
    """Whether an SMS can carry `text` in the GSM-7 alphabet (160 chars a segment)."""
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def sms_length(text: str) -> int:
    """Length as an SMS counts it: septets for GSM-7, UTF-16 code units for UCS-2."""
    if is_gsm7(text):
        return len(text) + sum(char in GSM7_EXTENSION for char in text)
    return len(text.encode("utf-16-le")) // 2


def non_gsm7(text: str) -> list[str]:
    """The characters that force `text` out of GSM-7, in order of first appearance."""
    seen = dict.fromkeys(c for c in text if c not in GSM7_BASIC and c not in GSM7_EXTENSION)
    return list(seen)


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.translate(_QUOTES)).casefold()


def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """Case-insensitive, whole-word, curly-quote-tolerant pattern for a banned phrase."""
    core = re.escape(_normalise(phrase.strip()))
    start = r"(?<!\w)" if re.match(r"\w", phrase.strip()) else ""
    end = r"(?!\w)" if re.search(r"\w$", phrase.strip()) else ""
    return re.compile(start + core + end)


def contains_phrase(text: str, pattern: re.Pattern[str]) -> bool:
    """Whether `text` contains the phrase `pattern` (from `phrase_pattern`) matches."""
    return pattern.search(_normalise(text)) is not None
