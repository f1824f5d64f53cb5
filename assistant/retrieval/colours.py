"""Colour families: a catalog's "Cobalt" is a blue, its "Forest" a green, "Heather Grey" a grey.

Shoppers ask for families ("a blue one", "anything but black"); catalogs name colours the way
their designers do. `ColourFamilies` reads a colour name phrase by phrase, then word by word,
against the names in `data/colours.yaml`, which a brand team extends in the catalog's schema
file. A name can belong to more than one family ("Rust" is brown and orange; "Forest/Cream" is
green and beige); a name nothing matches has no family and is only found by its own name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parent / "data" / "colours.yaml"
_WORDS = re.compile(r"[a-z]+(?:-[a-z]+)?")


class ColourFamilies:
    """Colour names to families, from the shipped table and any brand additions."""

    def __init__(
        self,
        phrases: Mapping[str, str],
        words: Mapping[str, frozenset[str]],
        modifiers: frozenset[str] = frozenset(),
    ) -> None:
        self._phrases = dict(sorted(phrases.items(), key=lambda item: -len(item[0])))
        self._words = dict(words)
        self._modifiers = modifiers

    @classmethod
    def from_data(cls, extra: Mapping[str, object] | None = None) -> ColourFamilies:
        """The shipped table, plus `extra` (`{colour name: family}`) from a schema file."""
        shipped = _shipped()
        phrases = dict(shipped._phrases)
        words = dict(shipped._words)
        for name, family in (extra or {}).items():
            key, value = str(name).strip().lower(), str(family).strip().lower()
            if " " in key or "/" in key:
                phrases[key] = value
            else:
                words[key] = frozenset({value})  # the brand's word replaces the shipped one
        return cls(phrases, words, shipped._modifiers)

    @classmethod
    def load(cls, path: Path | None) -> ColourFamilies:
        """The shipped table with the `colours:` of the catalog's schema file, if there is one."""
        if path is None or not path.exists():
            return cls.from_data()
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        extra = data.get("colours", {}) if isinstance(data, dict) else {}
        if not isinstance(extra, dict):
            raise ValueError(f"{path}: 'colours' must map colour names to families")
        return cls.from_data(extra)

    @property
    def families(self) -> frozenset[str]:
        """Every family name ("blue", "green", ...)."""
        return frozenset(f for names in self._words.values() for f in names) | frozenset(
            self._phrases.values()
        )

    def of(self, colour: str) -> frozenset[str]:
        """The families of a catalog colour name; empty when none is known."""
        text = colour.lower()
        found: set[str] = set()
        for phrase, family in self._phrases.items():
            if phrase in text:
                found.add(family)
                text = text.replace(phrase, " ")
        words = [w for w in _WORDS.findall(text) if w in self._words]
        shades = [w for w in words if w not in self._modifiers]
        for word in shades if (shades or found) else words:
            found |= self._words[word]
        return frozenset(found)

    def family_of_word(self, word: str) -> str | None:
        """The family a shopper's word names when it is itself a family ("blue", "grey")."""
        lowered = word.strip().lower()
        if lowered == "gray":
            return "grey"
        return lowered if lowered in self.families else None


@cache
def _shipped() -> ColourFamilies:
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    phrases = {str(k).lower(): str(v) for k, v in data["phrases"].items()}
    words: dict[str, set[str]] = {}
    for family, names in data["families"].items():
        for name in map(str.lower, map(str, names)):
            if " " in name:
                phrases[name] = str(family)
            else:
                words.setdefault(name, set()).add(str(family))
    modifiers = frozenset(str(m).lower() for m in data.get("modifiers", []))
    return ColourFamilies(phrases, {word: frozenset(f) for word, f in words.items()}, modifiers)
