"""Stable ids made from text: FAQ ids from questions, variant ids from handles and options."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_NOT_WORD = re.compile(r"[\W_]+")


def slugify(text: str, max_length: int = 80) -> str:
    """Lowercase words joined by hyphens: "Do you ship?" -> "do-you-ship", "Größe" -> "grosse".

    Text with no Latin letters keeps its own letters ("配送" stays "配送").
    """
    folded = text.casefold()
    ascii_text = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode("ascii")
    slug = _NOT_SLUG.sub("-", ascii_text).strip("-") or _NOT_WORD.sub("-", folded).strip("-")
    if len(slug) > max_length:
        # Keep long slugs distinct: two questions sharing 80 leading characters differ in the hash.
        digest = hashlib.sha1(slug.encode("utf-8"), usedforsecurity=False).hexdigest()[:8]
        slug = f"{slug[: max_length - 9].rstrip('-')}-{digest}"
    return slug or "item"


class SlugSet:
    """Hands out unique slugs within one file: a second "returns" becomes "returns-2"."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def claim(self, text: str) -> str:
        """A slug of `text` not handed out before."""
        base = slugify(text)
        slug, counter = base, 2
        while slug in self._taken:
            slug, counter = f"{base}-{counter}", counter + 1
        self._taken.add(slug)
        return slug

    def reserve(self, slug: str) -> None:
        """Mark an explicit id as taken so generated slugs avoid it."""
        self._taken.add(slug)
