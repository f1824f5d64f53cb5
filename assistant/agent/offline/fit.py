"""A reply within its channel's length: whole sentences and lines kept while they fit."""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.brand.models import ChannelStyle
from assistant.brand.rules import within_length

_BREAK = re.compile(r"((?<=[.!?:])[ ]+|\n+)")
_URL = re.compile(r"https?://\S+")
ELLIPSIS = "..."  # GSM-7 has no single-character ellipsis


def fit(text: str, style: ChannelStyle | None, link_length: int = 0) -> str:
    """`text` if it fits the style, else its longest start ending at a sentence or line.
    Links count as `link_length` characters when longer (they become tracked links)."""
    if style is None:
        return text

    def fits(candidate: str) -> bool:
        sized = _URL.sub(lambda m: "x" * max(len(m.group(0)), link_length), candidate)
        return within_length(sized, style)

    if fits(text):
        return text
    pieces = _BREAK.split(text)
    kept = ""
    for n in range(0, len(pieces), 2):
        candidate = kept + (pieces[n - 1] if n else "") + pieces[n]
        if not fits(candidate.strip()):
            break
        kept = candidate
    kept = kept.strip()
    if kept.endswith(":"):  # what followed (a list, a link) did not fit
        kept = kept[:-1] + "."
    return kept or _clip(text, fits)


def _clip(text: str, fits: Callable[[str], bool]) -> str:
    """The longest start cut after a word, with an ellipsis (one sentence was too long)."""
    words = _URL.sub(" ", text).split()  # half a link is no link
    for end in range(len(words), 0, -1):
        candidate = " ".join(words[:end]).rstrip(",;:-") + ELLIPSIS
        if fits(candidate):
            return candidate
    return ""
