"""Text within a channel's limits: markdown to plain text, splitting and clipping at words.

A `Measure` says how a provider counts: characters (`len`), UTF-8 bytes (Instagram) or SMS
units. Every function here keeps its result within the limit under that measure.
"""

from __future__ import annotations

import re
from collections.abc import Callable

Measure = Callable[[str], int]

_FENCE = re.compile(r"^[ \t]*```[^\n]*$\n?", re.M)
_IMAGE = re.compile(r"!\[([^\]\n]*)\]\(([^)\s]+)\)")
_LINK = re.compile(r"\[([^\]\n]+)\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+", re.M)
_QUOTE = re.compile(r"^[ \t]{0,3}>[ \t]?", re.M)
_RULE = re.compile(r"^[ \t]{0,3}([-*_])([ \t]*\1){2,}[ \t]*$\n?", re.M)
_BULLET = re.compile(r"^([ \t]*)[*+][ \t]+", re.M)
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|__(?=\S)(.+?)(?<=\S)__")
_STAR = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_UNDERSCORE = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
_CODE = re.compile(r"`([^`\n]+)`")
_BLANK_LINES = re.compile(r"\n{3,}")


def utf8_bytes(text: str) -> int:
    """Length in UTF-8 bytes (how Instagram counts a message)."""
    return len(text.encode("utf-8"))


def strip_markdown(text: str) -> str:
    """Plain text: no emphasis marks or headings; a link becomes "label: url"."""
    text = _FENCE.sub("", text)
    text = _IMAGE.sub(lambda m: m.group(2), text)
    text = _LINK.sub(_link, text)
    text = _RULE.sub("", text)
    text = _HEADING.sub("", text)
    text = _QUOTE.sub("", text)
    text = _BULLET.sub(r"\1- ", text)
    text = _BOLD.sub(lambda m: m.group(1) or m.group(2), text)
    text = _STAR.sub(r"\1", text)
    text = _UNDERSCORE.sub(r"\1", text)
    text = _CODE.sub(r"\1", text)
    return _BLANK_LINES.sub("\n\n", text).strip()


def _link(match: re.Match[str]) -> str:
    label, url = match.group(1).strip(), match.group(2)
    return url if label in (url, url.split("://", 1)[-1]) else f"{label}: {url}"


def split_text(text: str, limit: int, measure: Measure = len) -> list[str]:
    """`text` in pieces of at most `limit`, cut at paragraph, line or word boundaries."""
    pieces: list[str] = []
    rest = text.strip()
    while rest and measure(rest) > limit:
        cut = _cut(rest, _longest_prefix(rest, limit, measure))
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def truncate(text: str, limit: int, measure: Measure = len, ellipsis: str = "…") -> str:
    """`text` if it fits; else its start, cut at a word, followed by `ellipsis`."""
    if measure(text) <= limit:
        return text
    room = limit - measure(ellipsis)
    if room <= 0:
        return _clip_hard(ellipsis, limit, measure)
    head = text[: _cut(text, _longest_prefix(text, room, measure))]
    return head.rstrip(" \t\n,;:-") + ellipsis


def clip(text: str, limit: int) -> str:
    """One line of at most `limit` characters (a button or row title)."""
    return truncate(" ".join(text.split()), limit)


def clips(titles: list[str], limit: int) -> list[str]:
    """Each title clipped like `clip`, but told apart where clipping made two alike: those keep
    their end ("Timberline Waterproof Mid… - Men's" and "... - Women's")."""
    clipped = [clip(t, limit) for t in titles]
    alike = {c for c in clipped if clipped.count(c) > 1}
    return [_with_end(t, limit) if c in alike else c for t, c in zip(titles, clipped, strict=True)]


def _with_end(title: str, limit: int) -> str:
    words = " ".join(title.split())
    head, sep, end = words.rpartition(" - ")
    if not sep:
        head, _, end = words.rpartition(" ")
        sep = " "
    room = limit - len(sep) - len(end)
    if not head or room < 2:
        return clip(words, limit)
    return truncate(head, room) + sep + end


def _longest_prefix(text: str, limit: int, measure: Measure) -> int:
    """The largest n with measure(text[:n]) <= limit (every character counts at least 1)."""
    low, high = 0, min(len(text), limit)
    while low < high:
        middle = (low + high + 1) // 2
        if measure(text[:middle]) <= limit:
            low = middle
        else:
            high = middle - 1
    return low


def _cut(text: str, end: int) -> int:
    """Where to cut `text` at or before `end`: a blank line, a line end or a space in the
    second half of the piece; mid-word only when a word is longer than half the piece."""
    if end >= len(text):
        return end
    if text[end].isspace():
        return end
    window = text[: end + 1]
    for boundary in ("\n\n", "\n", " "):
        found = window.rfind(boundary)
        if found >= end // 2 and found > 0:
            return found
    return max(end, 1)


def _clip_hard(text: str, limit: int, measure: Measure) -> str:
    return text[: _longest_prefix(text, limit, measure)]
