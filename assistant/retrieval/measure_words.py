"""Shopper words about measures: "the lightest", "under two pounds", "rated to 10 degrees".

Words speak of dimensions (mass, volume, temperature...), never of a catalog's own attribute
names, so they work on any catalog: a dimension becomes the measure of that dimension the
products in question have, the one whose name the message echoes ("laptop" for laptop_sleeve)
or else the one most of them have. The vocabulary is data (`data/measure_words.yaml`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal, TypeVar, cast

import yaml

from assistant.retrieval.measure_columns import PRICE, MeasureBound, SortBy
from assistant.retrieval.quantities import Dimension, unit_dimension

DATA = Path(__file__).resolve().parent / "data" / "measure_words.yaml"
Direction = Literal["asc", "desc"]
T = TypeVar("T")
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "hundred": 100, "zero": 0,
}  # fmt: skip
_AT_MOST = (
    r"under|below|less than|lighter than|smaller than|shorter than|no more than|not more than"
    r"|at most|max(?:imum)?|up to|within|<=?"
)
_AT_LEAST = (
    r"over|above|more than|bigger than|larger than|longer than|at least|min(?:imum)?|>=?"
    r"|(?:fits?|holds?|takes?)(?: (?:up to|at least))?(?: an?)?"  # "fits a 16 inch laptop"
)
_ABOUT = r"around|about|roughly|approx(?:imately)?|~"
_RATED = r"rated (?:to|for|down to)|good (?:to|for|down to)|down to|warm (?:enough )?(?:to|for)"
_BOUND = re.compile(
    rf"(?:\b(?P<dir>{_AT_MOST}|{_AT_LEAST}|{_ABOUT}|{_RATED})\s+)?"
    rf"(?P<num>(?<![$£€\d.,])(?:\bminus\s+|-)?\d+(?:[.,]\d+)?|\b(?:{'|'.join(_NUMBER_WORDS)})\b)"
    r"(?:\s*(?:-|\u2013|to)\s*(?P<high>\d+(?:[.,]\d+)?))?(?P<more>\+)?"
    r"\s*-?\s*(?P<unit>[a-z°º²\"'.]+)(?P<plus>\+)?(?: (?P<unit2>[a-z]+))?",
    re.IGNORECASE,
)
_AFTER_NOUN = re.compile(
    rf"\s*(?:of|is|:|=|at|with)?\s*(?:(?P<dir>{_AT_MOST}|{_AT_LEAST}|{_ABOUT})\s+)?"
    r"(?P<num>\d+(?:[.,]\d+)?)(?![\w.%°]|,\d)",  # "5, its for snow" ends at 5; "5,000" does not
    re.IGNORECASE,
)
# Ways of saying a bound that the bound pattern reads once put plainly.
_OR_MORE = r"or (?:more|up|higher|above|over|better|bigger|greater|warmer|larger)"
_OR_LESS = r"or (?:less|under|lower|below|lighter|smaller|fewer)"
_AT_MOST_AFTER = ("at most", "max", "maximum", "tops")
_AFTER_WORDS = "|".join(["at least", "minimum", "min", *_AT_MOST_AFTER])
_PLAIN: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    (re.compile(r"\bhalf (?:a|an)\b", re.IGNORECASE), "0.5"),
    (re.compile(r"\b(\d+)k\b(?=\s*[a-z])", re.IGNORECASE), r"\g<1>000"),  # "20k mm"
    (  # "5mm at least", "2 lb max"
        re.compile(rf"\b(\d+(?:\.\d+)?\s*[a-z°]+)\s+({_AFTER_WORDS})\b", re.IGNORECASE),
        lambda m: f"{'at most' if m[2].lower() in _AT_MOST_AFTER else 'at least'} {m[1]}",
    ),
    (re.compile(r"\b(\d+(?:\.\d+)?)\s*-?ish\b", re.IGNORECASE), r"about \1"),
    (
        re.compile(rf"\b(\d+(?:\.\d+)?)(\s*[a-z°]+)?\s+{_OR_MORE}\b", re.IGNORECASE),
        r"at least \1\2",
    ),
    (re.compile(rf"\b(\d+(?:\.\d+)?)(\s*[a-z°]+)?\s+{_OR_LESS}\b", re.IGNORECASE), r"at most \1\2"),
    (re.compile(r"\b(?:family|group|party) of (\w+)\b", re.IGNORECASE), r"\1 people"),
    (re.compile(rf"\b(\d+|{'|'.join(_NUMBER_WORDS)}) of us\b", re.IGNORECASE), r"\1 people"),
]


def _stem(word: str) -> str:
    """A word without its plural s: "lugs" echoes a measure named lug_depth."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _plain(text: str) -> str:
    """The text with bounds said in other ways put as the bound pattern reads them."""
    for pattern, plain in _PLAIN:
        text = pattern.sub(plain, text)
    return text


_OUNCES = frozenset({"oz", "ounce", "ounces"})
_MASS_WORDS = re.compile(r"\b(?:weigh\w*|heav\w*|light\w*)\b", re.IGNORECASE)
# Without a direction word, only these read as "about that much" ("a 30 L pack", "15 inch").
_BARE_AROUND: frozenset[str] = frozenset({"volume", "length", "data", "luminous_flux", "charge"})
_TEMPERATURE_WORDS = {"degrees", "degree", "deg", "°"}


@dataclass(frozen=True)
class Measures:
    """The measures the products in question have: name -> dimension, and how many have it."""

    dimensions: Mapping[str, Dimension]
    coverage: Counter[str]
    temperature_unit: Literal["°F", "°C"] = "°F"

    def best(self, dimension: Dimension, text: str) -> str | None:
        """The measure of `dimension` the text means: the one whose name it echoes, else the
        one most products have."""
        names = [n for n, d in self.dimensions.items() if d == dimension]
        if not names:
            return None
        words = {_stem(w) for w in re.findall(r"[a-z]+", text.lower())}
        return max(
            names,
            key=lambda n: (len(words & {_stem(w) for w in n.split("_")}), self.coverage[n], n),
        )

    def says(self, dimension: Dimension, text: str) -> bool:
        """Whether the text echoes the name of a measure of `dimension` in any form ("boils"
        of boil_time)."""
        words = {_stem(w) for w in re.findall(r"[a-z]+", text.lower())}
        return any(
            words & {_stem(w) for w in n.split("_")}
            for n, d in self.dimensions.items()
            if d == dimension
        )

    def echoed(self, dimension: Dimension, text: str) -> str | None:
        """The measure of `dimension` whose name the text echoes; None when none does (counts
        are of many things: doors, sleeps, fill power)."""
        words = set(re.findall(r"[a-z]+", text.lower()))
        names = [
            n for n, d in self.dimensions.items() if d == dimension and words & set(n.split("_"))
        ]
        return max(names, key=lambda n: (self.coverage[n], n)) if names else None


class MeasureWords:
    """The vocabulary: words that order by a dimension, and nouns that name one."""

    def __init__(
        self,
        order: Mapping[str, tuple[Direction, tuple[str, ...]]],
        nouns: Mapping[str, tuple[Dimension, ...]],
    ) -> None:
        self._order = _longest_first(order)
        self._nouns = _longest_first(nouns)

    @classmethod
    def from_data(cls) -> MeasureWords:
        """The shipped vocabulary."""
        return _shipped()

    def sort(self, text: str, measures: Measures) -> tuple[SortBy | None, str]:
        """The order a superlative asks for ("the lightest" -> weight up), and the text without
        it; None when no word orders or the products have no such measure."""
        for _, pattern, (direction, dimensions) in self._order:
            match = pattern.search(text)
            if match is None:
                continue
            named = self.noun(text)
            wanted = [named] if named and PRICE not in dimensions else list(dimensions)
            # a dimension whose measure the text echoes comes first ("which stove boils water
            # fastest": the boil time, though "fastest" is first of all power)
            echoed = [
                spec
                for spec in wanted
                if (dimension := spec.split()[0]) != PRICE
                and measures.says(cast(Dimension, dimension), text)
            ]
            for spec in echoed + [spec for spec in wanted if spec not in echoed]:
                dimension, _, own = spec.partition(" ")  # "duration asc": its own direction
                way = cast(Direction, own or direction)
                if dimension == PRICE:
                    return SortBy(by=PRICE, direction=way), _cut(text, match)
                name = measures.best(cast(Dimension, dimension), text)
                if name is not None:
                    return SortBy(by=name, direction=way), _cut(text, match)
            return None, text
        return None, text

    def bounds(self, text: str, measures: Measures) -> tuple[list[MeasureBound], str]:
        """Bounds the text states in units ("under two pounds", "at least 400 lumens",
        "rated to 10 degrees", "half a pound or less", "30ish liters", "a family of 4") or
        after a noun of a measure ("r value 5 or up"), and the text without them."""
        text = _plain(text)
        found: list[tuple[int, int, MeasureBound]] = []
        position = 0
        while match := _BOUND.search(text, position):
            read = self._bound(match, measures, text)
            if read is None:  # "a tent": try again from the next character
                position = match.start() + 1
                continue
            bound, end = read
            found.append((match.start(), end, bound))
            position = end
        for start, end, _ in reversed(found):
            text = text[:start] + " " + text[end:]
        bounds = [bound for _, _, bound in found]
        while (after := self._after_noun(text, measures)) is not None:
            bound, start, end = after
            bounds.append(bound)
            text = text[:start] + " " + text[end:]
        return bounds, text

    def _after_noun(self, text: str, measures: Measures) -> tuple[MeasureBound, int, int] | None:
        """A number with no unit after a noun of a measure: "r value 5", "sleeps at least 4"."""
        for _, pattern, named in self._nouns:
            noun = pattern.search(text)
            if noun is None:
                continue
            number = _AFTER_NOUN.match(text, noun.end())
            if number is None:
                continue
            name = measures.best(named[0], " ".join([text, *named[1:]]))
            if name is None:
                continue
            value = _number(number["num"])
            direction = (number["dir"] or "").lower()
            if re.fullmatch(_AT_MOST, direction):
                bound = MeasureBound(measure=name, max=value)
            elif re.fullmatch(_AT_LEAST, direction) or named[0] in ("count", "rank"):
                bound = MeasureBound(measure=name, min=value)  # "r value 5": that or more
            else:
                bound = MeasureBound(measure=name, min=value * 0.8, max=value * 1.2)
            return bound, noun.start(), number.end()
        return None

    def _bound(
        self, match: re.Match[str], measures: Measures, text: str
    ) -> tuple[MeasureBound, int] | None:
        """The bound a match states, and where its words end."""
        unit, dimension, end = _unit(match, measures.temperature_unit)
        if dimension is None:
            return self._named_bound(match, measures)
        if unit == "in" and re.match(r"\s+[a-z]", text[end:], re.IGNORECASE):
            return None  # "150 in blue", "10 in size M": the word in, not inches
        if (
            unit in _OUNCES
            and "volume" in measures.dimensions.values()
            and not _MASS_WORDS.search(text)
        ):
            unit, dimension = "fl oz", "volume"  # a bottle's "20 oz"
        bound = self._bounded(match, dimension, unit, measures, text)
        return None if bound is None else (bound, end)

    def _named_bound(
        self, match: re.Match[str], measures: Measures
    ) -> tuple[MeasureBound, int] | None:
        """A number before the name of a measure, in the measure's own unit, said as none at
        all ("zero drop") or with a direction ("at least 650 fill"); None when the word names
        no measure, or the number alone may be part of a name ("a 3 season tent")."""
        word = match["unit"].lower().rstrip(".")
        singular = word[:-1] if len(word) > 3 and word.endswith("s") else word
        names = [n for n in measures.dimensions if singular in n.split("_")]
        if len(names) != 1:
            return None
        number = _number(match["num"])
        direction = (match["dir"] or "").lower()
        if number == 0 or re.fullmatch(_AT_MOST, direction):
            bound = MeasureBound(measure=names[0], max=number)
        elif re.fullmatch(_AT_LEAST, direction) or match["plus"] or match["more"]:
            bound = MeasureBound(measure=names[0], min=number)
        else:
            return None
        return bound, match.end("unit")

    def _bounded(
        self,
        match: re.Match[str],
        dimension: Dimension,
        unit: str,
        measures: Measures,
        text: str,
    ) -> MeasureBound | None:
        if dimension == "count":  # "4 people": the count the catalog calls sleeps, or none
            name = measures.echoed(dimension, " ".join([text, *self.hints(match.group(0))]))
        else:
            name = measures.best(dimension, text)
        if name is None:
            return None
        number = _number(match["num"])
        if match["high"]:
            low, high = sorted([number, _number(match["high"])])
            return MeasureBound(measure=name, min=low, max=high, unit=unit)
        direction = (match["dir"] or "").lower()
        if match["plus"] or match["more"] or re.fullmatch(_AT_LEAST, direction):
            return MeasureBound(measure=name, min=number, unit=unit)
        if dimension == "count" and not direction:  # "a 4 person tent": room for four
            return MeasureBound(measure=name, min=number, unit=unit)
        if re.fullmatch(_AT_MOST, direction) or dimension == "temperature":
            return MeasureBound(measure=name, max=number, unit=unit)  # "rated to 10 degrees"
        if direction or dimension in _BARE_AROUND:
            return MeasureBound(measure=name, min=number * 0.8, max=number * 1.2, unit=unit)
        return None

    def noun(self, text: str) -> str | None:
        """The dimension a noun in the text names ("battery life": duration), if any."""
        found = self._noun(text)
        return found[0] if found else None

    def hints(self, text: str) -> list[str]:
        """Words naming the attribute the noun means ("tall": height), if the table has any."""
        found = self._noun(text)
        return list(found[1:]) if found else []

    def noun_phrase(self, text: str) -> str | None:
        """The noun phrase of the table the text uses ("battery life"), if any."""
        for phrase, pattern, _ in self._nouns:
            if pattern.search(text):
                return phrase
        return None

    def _noun(self, text: str) -> tuple[str, ...] | None:
        for _, pattern, named in self._nouns:
            if pattern.search(text):
                return named
        # "how many liters": a unit with no number names its dimension ("for 2 weeks" does not:
        # a number of a unit is an amount)
        for match in re.finditer(r"(\d\s*)?\b([a-z]{3,})", text.lower()):
            if not match.group(1) and (dimension := unit_dimension(match.group(2))):
                return (dimension,)
        return None


def _unit(match: re.Match[str], temperature_unit: str) -> tuple[str, Dimension | None, int]:
    """The unit after the number ("pounds"; "fl oz" in two words; "degrees" in the shop's own
    unit), its dimension (None: no unit), and where it ends."""
    first = match["unit"].lower().rstrip(".")
    end = match.end("plus") if match["plus"] else match.end("unit")
    if match["unit2"]:
        both = f"{first} {match['unit2'].lower()}"
        if dimension := unit_dimension(both):
            return both, dimension, match.end("unit2")
    if first in _TEMPERATURE_WORDS:
        return temperature_unit, "temperature", end
    rated = re.fullmatch(_RATED, (match["dir"] or "").lower()) or re.search(
        rf"\b(?:{_RATED})\s*$", match.string[: match.start()], re.IGNORECASE
    )  # "good to 20F", "good to 20F or lower" (read as "good to at most 20F")
    if first in ("f", "c") and rated:
        return f"°{first}", "temperature", end  # a rating, in its scale
    return first, unit_dimension(first), end


def _number(text: str) -> float:
    lowered = text.lower().replace("minus", "-").replace(" ", "")
    if lowered in _NUMBER_WORDS:
        return float(_NUMBER_WORDS[lowered])
    return float(lowered.replace(",", ""))


def _cut(text: str, match: re.Match[str]) -> str:
    return text[: match.start()] + " " + text[match.end() :]


def _longest_first(table: Mapping[str, T]) -> list[tuple[str, re.Pattern[str], T]]:
    phrases = sorted(table, key=lambda p: (-len(p), p))
    return [(p, re.compile(rf"\b{re.escape(p)}\b", re.IGNORECASE), table[p]) for p in phrases]


@cache
def _shipped() -> MeasureWords:
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    order = {
        str(word): (cast(Direction, str(spec[0])), tuple(str(d) for d in spec[1:]))
        for word, spec in data["order"].items()
    }
    nouns = {
        str(word): cast(tuple[Dimension, ...], tuple(str(spec).split()))
        for word, spec in data["nouns"].items()
    }
    return MeasureWords(order, nouns)
