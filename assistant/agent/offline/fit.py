"""A reply within its channel's length: whole sentences and lines kept while they fit."""

from __future__ import annotations

import re

from assistant.brand.models import ChannelStyle
from assistant.brand.rules import within_length

_BREAK = re.compile(r"((?<=[.!?:])[ ]+|\n+)")
ELLIPSIS = "..."  # GSM-7 has no single-character ellipsis


def fit(text: str, style: ChannelStyle | None) -> str:
    """`text` if it fits the style, else its longest start ending at a sentence or line."""
    if style is None or within_length(text, style):
        return text
    pieces = _BREAK.split(text)
    kept = ""
    for n in range(0, len(pieces), 2):
        candidate = kept + (pieces[n - 1] if n else "") + pieces[n]
        if not within_length(candidate.strip(), style):
            break
        kept = candidate
    return kept.strip() or _clip(text, style)


def _clip(text: str, style: ChannelStyle) -> str:
    """The longest start cut after a word, with an ellipsis (one sentence was too long)."""
    words = text.split()
    for end in range(len(words), 0, -1):
        candidate = " ".join(words[:end]).rstrip(",;:-") + ELLIPSIS
        if within_length(candidate, style):
            return candidate
    return ""
