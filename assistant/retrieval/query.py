"""Shopper-language query understanding: budgets, sizes, colours, categories, gender, materials,
how many people a tent must sleep.

"waterproof jacket under $200" becomes the text to rank plus filters the catalog can check
(price <= 200, in stock, category Rain Jackets or Insulated Jackets, waterproofing waterproof).
Only values the catalog actually has become filters, so an unknown word never empties a search;
a head count no product sleeps does ("a tent for 10 people"), and the reply then says nothing
matched all of it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Literal

from assistant.retrieval.colours import ColourFamilies
from assistant.retrieval.filters import SearchFilters
from assistant.retrieval.lexical import is_stopword, tokenize
from assistant.retrieval.measure_columns import MeasureColumns, SortBy
from assistant.retrieval.measure_words import Measures, MeasureWords
from assistant.retrieval.measures import MeasureSchema
from assistant.retrieval.models import Product
from assistant.retrieval.quantities import quantities

_NUM = r"\$?\s?(\d+(?:[.,]\d+)?)\s?(k\b)?\s?(?:dollars|bucks|usd)?"
_RANGE = re.compile(rf"(?:between|from)?\s*{_NUM}\s*(?:-|\u2013|to|and)\s*{_NUM}", re.I)
_MAX = re.compile(
    rf"(?:under|below|less than|cheaper than|no more than|not more than|at most|up to|max(?:imum)?"
    rf"|within|budget(?: of| is)?|<=?"
    rf"|(?:can'?t|cannot|won'?t|don'?t want to|do not want to) (?:spend|pay|go)"
    rf" (?:over|above|more than)"
    rf")\s*{_NUM}",
    re.I,
)
_MIN = re.compile(rf"(?:over|above|more than|at least|min(?:imum)?|>=?)\s*{_NUM}", re.I)
_ABOUT = re.compile(rf"(?:around|about|roughly|approximately|~)\s*{_NUM}", re.I)
_BARE_PRICE = re.compile(
    r"\$\s?(\d+(?:[.,]\d+)?)|(\d+(?:[.,]\d+)?)\s?(?:dollars|bucks|usd)\b", re.I
)
_SIZE = re.compile(
    r"\b(?:size|sz|in an?|in)\s+(?:size\s+)?(x{0,3}[sl]|m|\d{1,2}(?:\.5)?t?|[a-z-]+)\b", re.I
)
SIZE_WORDS = {
    "small": "S", "medium": "M", "large": "L", "x-large": "XL", "xlarge": "XL",
    "extra-large": "XL", "xx-large": "XXL", "extra-small": "XS", "x-small": "XS",
}  # fmt: skip
_GENDER = [
    (
        re.compile(
            r"\b(?:women'?s?|womens|woman|ladies|lady|for her|female|wife|girlfriend|mom|mum"
            r"|mother|sister)\b",
            re.I,
        ),
        "women",
    ),
    (
        re.compile(
            r"\b(?:men'?s?|mens|man(?!-)|guy|for him|male|husband|boyfriend|dad|father|brother)\b",
            re.I,
        ),
        "men",
    ),
    (re.compile(r"\b(?:kids?'?|children'?s?|child|boys?|girls?|toddlers?|youth)\b", re.I), "kids"),
    (  # a child's age: "6 year old", "6yo", "a 6 yr old", "shes 5", "aged 7"
        re.compile(
            r"\b(?:[1-9]|1[0-2])\s?[- ]?(?:yo|y/o|(?:yrs?|years?)[- ]olds?)\b"
            r"|\b(?:aged?|she'?s|he'?s|turning|turns)\s+(?:[1-9]|1[0-2])\b(?!\s*(?:'|\d|ft|foot|feet"
            r"|in\b|inch|cm|lb|kg|pm|am|o'?clock))",
            re.I,
        ),
        "kids",
    ),
]
_COUNTS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
}  # fmt: skip
_COUNT = rf"(\d{{1,2}}|{'|'.join(_COUNTS)})"
# "for 4 people", "sleeps four", "a 2-person tent"; never "for my 6 year old"
_PEOPLE_WORDS = r"(?:people|ppl|persons?|adults|campers|of us)"
_PEOPLE = [
    re.compile(rf"\b(?:for|sleeps?|fits?)\s+{_COUNT}\s*{_PEOPLE_WORDS}\b", re.I),
    re.compile(rf"\bsleeps?\s+{_COUNT}\b", re.I),
    # "a tent for six": a bare count, unless it counts something else ("for 3 seasons")
    re.compile(
        rf"\bfor\s+{_COUNT}\b(?!\s*(?:-|years?|yrs?|yo|months?|nights?|days?|seasons?|weeks?))",
        re.I,
    ),
    re.compile(rf"\b{_COUNT}[- ]?(?:person|people|man|p)\b", re.I),
]
_BASIC_COLORS = {
    "black", "white", "grey", "gray", "red", "blue", "navy", "green", "olive", "yellow", "orange",
    "purple", "pink", "brown", "tan", "beige", "teal", "charcoal", "burgundy", "khaki", "silver",
}  # fmt: skip
_MATERIALS = {
    "merino", "wool", "synthetic", "nylon", "polyester", "cotton", "leather",
    "suede", "gore-tex", "titanium", "aluminum", "steel", "silicone", "canvas", "hemp", "bamboo",
}  # fmt: skip
# Shopper nouns that name a category by another word (matched on stems).
_SYNONYMS = {
    "runner": "shoe", "sneaker": "shoe", "trainer": "shoe", "parka": "jacket", "coat": "jacket",
    "shell": "jacket", "anorak": "jacket", "rucksack": "backpack", "daypack": "backpack",
    "pack": "backpack", "suitcas": "luggag", "beani": "hat", "cap": "hat", "mitten": "glove",
    "flashlight": "headlamp", "torch": "headlamp", "lantern": "light", "stove": "kitchen",
    "cookwar": "kitchen", "flask": "bottl", "thermo": "bottl", "hoodi": "fleec", "sock": "sock",
}  # fmt: skip
# "no down", "anything but black", "not leather", "without a hood": what follows is left out.
_NEGATION = re.compile(
    r"\b(?:not|no|non|without|except|excluding|anything but|but not|other than|avoid|nothing)"
    r"[\s-]+(?:in\s+|made of\s+|with\s+)?(?:an?\s+|any\s+)?(?P<what>[a-z]+(?:[\s-][a-z]+)?)",
    re.IGNORECASE,
)
_GENERIC_HEADS = {"gear", "accessori", "equip", "essenti", "item", "good", "suppli", "other"}


@dataclass
class ParsedQuery:
    """What the shopper asked for: the words to rank by and the filters to apply."""

    text: str
    filters: SearchFilters
    understood: list[str] = field(default_factory=list)
    sort: SortBy | None = None  # "the lightest tent": by weight, up

    def copy(self) -> ParsedQuery:
        """A copy the caller may change (filters included). The filters' only mutable parts
        are their lists and the attribute map, copied here: a generic deep copy costs several
        times as much."""
        filters = self.filters.model_copy(
            update={
                "categories": list(self.filters.categories),
                "attributes": {k: list(v) for k, v in self.filters.attributes.items()},
                "measures": list(self.filters.measures),
            }
        )
        return ParsedQuery(self.text, filters, list(self.understood), self.sort)


def _word(value: str) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(value)}\b")


class QueryParser:
    """Parses shopper queries against one catalog's vocabulary."""

    def __init__(self, products: list[Product], measures: MeasureColumns | None = None) -> None:
        measures = measures or MeasureColumns(
            products, MeasureSchema.discover(products), ColourFamilies.from_data()
        )
        self._measure_words = MeasureWords.from_data()
        self._coverage = measures.coverage
        self._dimensions = dict(measures.dimensions)
        self._temperature_unit = _temperature_unit(products, measures)
        self._sizes = {s.lower(): s for p in products for s in p.option_values("size")}
        colors = {c.lower() for p in products for c in p.option_values("color")}
        # longest first, so "light grey" wins over "grey"; compiled once, not per query
        self._colors = [(c, _word(c)) for c in sorted(colors, key=lambda c: (-len(c), c))]
        self._color_words = {w for c in colors for w in re.split(r"[\s/-]+", c)} & _BASIC_COLORS
        material_text = " ".join(p.attributes.get("material", "") for p in products).lower()
        self._materials = [(m, _word(m)) for m in sorted(_MATERIALS) if m in material_text]
        self._genders = {p.attributes.get("gender", "").lower() for p in products} - {""}
        self._waterproofing = {p.attributes.get("waterproofing", "").lower() for p in products}
        self._families = measures.colours
        self._labels = _labels(products, set(measures.schema.specs))
        keys = {k for p in products for k in p.attributes} - {"gender"}
        self._keys = [
            (key, re.compile(r"\b" + r"[\s_-]*".join(map(_plural, key.split("_"))) + r"\b"))
            for key in sorted(keys, key=lambda k: (-len(k), k))
        ]
        # features the catalog states as a plain yes ("red_light: yes"): asked for by name
        flags = {"yes", "true"}
        stated = {
            k: {p.attributes[k].strip().lower() for p in products if k in p.attributes}
            for k in keys
        }
        self._features = [(key, pattern) for key, pattern in self._keys if stated[key] <= flags]
        # words a product's attributes say, which a shopper may rule out ("no down")
        self._attribute_words = {
            word
            for p in products
            for value in p.attributes.values()
            for word in re.findall(r"[a-z]+", value.lower())
            if len(word) > 2 and not is_stopword(word)
        }
        self._categories = _with_title_heads(
            _category_parts(sorted({p.category for p in products})), products
        )
        # the products whose names hold each word; how many names (a men's and a women's cut
        # are one name)
        # the products whose names lead with each word (a line's name comes first: "Juniper 2
        # Backpacking Tent", "Nano 120 Ultralight Headlamp")
        self._owners: dict[str, list[Product]] = {}
        for p in products:
            for word in title_words(p.title)[:1]:
                self._owners.setdefault(word, []).append(p)
        self._title_words = Counter(
            word
            for title in {_genderless(p.title, self._genders) for p in products}
            for word in set(title_words(title))
        )
        # the words two or more names end with ("Everyday Fleece Vest", "Vest 12 Running
        # Hydration Vest"): a kind of thing, though it leads one of them
        heads = Counter(
            words[-1]
            for title in {_genderless(p.title, self._genders) for p in products}
            if (words := [w for w in title_words(title) if w.isalpha()])
        )
        self._kinds_named = {word for word, count in heads.items() if count >= 2}
        self._heads = set(heads)
        # how many a product sleeps ("2", "1-2 (with groundsheet)"), and where that is told
        self._sleeps = sorted(
            {int(n) for p in products for n in re.findall(r"\d+", p.attributes.get("sleeps", ""))}
        )
        self._sleeping = {p.category for p in products if "sleeps" in p.attributes}
        names = " ".join(name for name, _ in self._categories).lower()
        # "-ing" words in category names ("Lighting", "Running"); other "-ing" words in a query
        # name an activity ("for backpacking"), never the kind of product wanted
        self._ing_stems = set(tokenize(" ".join(re.findall(r"[a-z]+ing\b", names))))
        # A turn parses the same words several times (routing, the search tool, the index).
        self._parsed = lru_cache(maxsize=512)(self._parse)

    def parse(self, query: str, *, in_stock: bool = True) -> ParsedQuery:
        """Split a query into ranking text and filters; prices and sizes leave the text."""
        return self._parsed(query, in_stock).copy()

    def _parse(self, query: str, in_stock: bool) -> ParsedQuery:
        filters = SearchFilters(in_stock=in_stock)
        measures = self._measures(self._category(query.lower()))
        text = self._size(query, filters)  # "in large" is a size, not a packed size
        filters.measures, text = self._measure_words.bounds(text, measures)
        sort, text = self._measure_words.sort(text, measures)
        text = self._price(text, filters)
        text = self._negations(text, filters)
        lowered = text.lower()
        self._color(self._feature(lowered, filters), filters)
        self._material(lowered, filters)
        self._gender(lowered, filters)
        self._waterproof(lowered, filters)
        filters.categories = self._category(lowered)
        self._people(lowered, filters)
        self._label(lowered, filters)
        if filters.categories and filters.attributes.get("gender") == ["kids"]:
            # a child's rain jacket lives in the kids' category, not with the adult ones
            kids = [name for name, _ in self._categories if "kid" in name.lower()]
            filters.categories = sorted({*filters.categories, *kids})
        constraints = filters.model_copy(update={"in_stock": False})
        understood = [] if constraints.is_empty() else [constraints.describe()]
        return ParsedQuery(" ".join(text.split()), filters, understood, sort)

    def _measures(self, categories: list[str]) -> Measures:
        """The measures of the products asked about (of the whole catalog when none is named;
        a unit only other kinds measure still reads, "30 liters" of what a "layers" names)."""
        coverage: Counter[str] = Counter()
        for category in categories or self._coverage:
            coverage.update(self._coverage.get(category, Counter()))
        dimensions = {name: self._dimensions[name] for name in coverage}
        known = set(dimensions.values())
        for counts in self._coverage.values():
            for name, count in counts.items():
                if self._dimensions[name] not in known:
                    dimensions[name] = self._dimensions[name]
                    coverage[name] += count
        return Measures(dimensions, coverage, self._temperature_unit)

    def _price(self, text: str, filters: SearchFilters) -> str:
        if m := _RANGE.search(text):
            low, high = sorted([_amount(m.group(1), m.group(2)), _amount(m.group(3), m.group(4))])
            filters.price_min, filters.price_max = low, high
        elif m := _MAX.search(text):
            filters.price_max = _amount(m.group(1), m.group(2))
        elif m := _ABOUT.search(text):
            amount = _amount(m.group(1), m.group(2))
            filters.price_min, filters.price_max = amount * Decimal("0.8"), amount * Decimal("1.2")
        elif m := _MIN.search(text):
            filters.price_min = _amount(m.group(1), m.group(2))
        elif m := _BARE_PRICE.search(text):
            filters.price_max = _amount(m.group(1) or m.group(2), None)
        return text[: m.start()] + " " + text[m.end() :] if m else text

    def _size(self, text: str, filters: SearchFilters) -> str:
        for m in _SIZE.finditer(text):
            raw = m.group(1).lower()
            size = self._sizes.get(SIZE_WORDS.get(raw, raw).lower())
            if size:
                filters.size = size
                return text[: m.start()] + " " + text[m.end() :]
        for token in re.findall(r"\b(xxl|xl|xs)\b", text, re.I):
            if size := self._sizes.get(token.lower()):
                filters.size = size
                return re.sub(rf"\b{token}\b", " ", text, count=1)
        return text

    def attribute_asked(self, text: str, keys: list[str], *, named: bool = False) -> str | None:
        """Which of these attribute names the question asks about: one it names ("the fill",
        "r value"), else one of the dimension a noun names ("how tall": a length).
        `named`: only a name, or a noun phrase of several words ("battery life")."""
        lowered = text.lower()
        phrase = self._measure_words.noun_phrase(lowered) or ""
        for key, pattern in self._keys:
            # "battery life" asks for a runtime, though "battery" is an attribute too
            if key in keys and pattern.search(lowered) and not _within(key, phrase):
                return key
        if named and len(phrase.split()) < 2:
            return None
        dimension = self._measure_words.noun(lowered)
        same = [k for k in keys if dimension and self._dimensions.get(k) == dimension]
        words = set(re.findall(r"[a-z]+", lowered)) | set(self._measure_words.hints(lowered))
        return max(
            same,
            key=lambda k: (len(words & set(k.split("_"))), sum(self._coverage_of(k))),
            default=None,
        )

    def names_attribute(self, text: str) -> bool:
        """Whether the text names an attribute some product has, or a measure's dimension."""
        lowered = text.lower()
        return any(p.search(lowered) for _, p in self._keys) or bool(
            self._measure_words.noun(lowered)
        )

    def is_name(self, word: str) -> bool:
        """Whether a word (as `title_words` spells it) is a name a few products have at most
        ("drizzle", "spork"): not a kind, an activity or a feature that many products' names
        share ("jacket", "hiking"), nor a word of what products are ("waterproof"), nor a kind
        that names end with ("vest")."""
        return (
            len(word) > 3
            and not word.isdigit()
            and 0 < self._title_words[word] <= _FEW_NAMES
            and word not in self._attribute_words
            and word not in self._kinds_named
            and not self._category(word)
        )

    def without_gender(self, text: str) -> str:
        """The text without the words that say whom it is for ("boots for me, guy" -> "boots
        for me,"): a search going on for someone else says its own."""
        for pattern, _ in _GENDER:
            text = pattern.sub(" ", text)
        return " ".join(text.split())

    def names_a_thing(self, text: str) -> bool:
        """Whether the text names a thing the shop's names end with ("a camp chair", "a
        headlamp"), though no category of the catalog is named after it."""
        return any(word in self._heads for word in title_words(text))

    def title_words_of(self, text: str) -> set[str]:
        """The words of the text some product's name holds ("travel", "pillow"), as
        `title_words` spells them: what a search for products is about."""
        return {w for w in title_words(text) if self._title_words[w] and not w.isdigit()}

    def named_by(self, text: str) -> list[Product]:
        """The products a message names by the name their titles lead with ("does the nano
        last long", "the wayfarer 40"): those holding most of the message's words, so "wayfarer
        40" is the Wayfarer 40, not every Wayfarer, and of those the ones having what it asks
        about ("batteries" of the Campfire headlamp, not the Campfire vest); [] when it says no
        name. More of the message's words in a title outweigh what it asks about: "everyday
        fleece vest" is the Everyday Fleece Vest, though "vest" leads the name of another."""
        said = title_words(text)
        names = [w for w in dict.fromkeys(said) if w in self._owners and self.is_name(w)]
        if not names:
            return []
        hits = Counter(p.id for w in names for p in self._owners[w])
        owners = {p.id: p for w in names for p in self._owners[w]}
        words = set(said)
        score = {
            pid: (
                count,
                len(words & set(title_words(owners[pid].title))),
                self.attribute_asked(text, list(owners[pid].attributes), named=True) is not None,
            )
            for pid, count in hits.items()
        }
        best = max(score.values())
        return [owners[pid] for pid, s in score.items() if s == best]

    def _coverage_of(self, key: str) -> list[int]:
        return [counts[key] for counts in self._coverage.values()]

    def _label(self, text: str, filters: SearchFilters) -> None:
        """Values the catalog uses as labels ("freestanding", "mummy", "4-season", "wireless")
        named in the text with a kind of product that has them: only products (or variants)
        with that value."""
        asked = set(filters.categories)
        if not asked:  # "how long does it take?" names no product: "long" is a word there
            return
        found: dict[tuple[int, int], list[tuple[int, str, str]]] = {}
        for pattern, key, value, categories in self._labels:
            if key in filters.attributes or not asked & set(categories):
                continue
            if match := pattern.search(text):
                having = sum(categories[c] for c in asked)
                found.setdefault(match.span(), []).append((having, key, value))
        taken: set[str] = set()
        spans: list[tuple[int, int]] = []
        for span in sorted(found, key=lambda s: (s[0] - s[1], s)):  # longer words first
            if any(span[0] < end and start < span[1] for start, end in spans):
                continue  # a word labels one thing ("wide": a width or a fit, not both)
            for _, key, value in sorted(found[span], key=lambda f: (-f[0], f[1])):
                if key not in taken:  # of its labels, the one most products asked about have
                    filters.labels.setdefault(key, []).append(value)
                    taken.add(key)
                    spans.append(span)
                    break

    def _negations(self, text: str, filters: SearchFilters) -> str:
        """Colours and product words the shopper rules out, as exclusions; they leave the text
        so they neither rank nor become the colour asked for."""
        for match in reversed(list(_NEGATION.finditer(text))):
            words = re.split(r"[\s-]+", match["what"].lower())
            for size in (2, 1):  # "light grey" before "light"
                phrase = " ".join(words[:size])
                if len(words) < size:
                    continue
                if self._is_colour(phrase):
                    filters.exclude_colors.insert(0, phrase)
                elif size == 1 and phrase in self._attribute_words:
                    filters.exclude_words.insert(0, phrase)
                else:
                    continue
                end = match.start("what") + len(" ".join(match["what"].split()[:size]))
                text = text[: match.start()] + " " + text[end:]
                break
        return text

    def _is_colour(self, phrase: str) -> bool:
        known = any(colour == phrase for colour, _ in self._colors)
        return known or self._families.family_of_word(phrase) is not None

    def _color(self, text: str, filters: SearchFilters) -> None:
        for color, pattern in self._colors:
            if pattern.search(text):
                filters.color = color
                return
        words = [w for w in re.findall(r"[a-z]+", text) if w in self._color_words]
        if words:
            filters.color = words[0]

    def _feature(self, text: str, filters: SearchFilters) -> str:
        """Features named ("a headlamp with a red light mode": red_light yes), and the text
        without their names, whose words are no colour ("red") or anything else."""
        for key, pattern in self._features:
            if pattern.search(text):
                filters.attributes[key] = ["yes"]
                text = pattern.sub(" ", text)
        return text

    def _material(self, text: str, filters: SearchFilters) -> None:
        found = [m for m, pattern in self._materials if pattern.search(text)]
        if found:
            filters.material = found[0]

    def _gender(self, text: str, filters: SearchFilters) -> None:
        for pattern, gender in _GENDER:
            if gender in self._genders and pattern.search(text):
                allowed = [gender] + (
                    ["unisex"] if gender != "kids" and "unisex" in self._genders else []
                )
                filters.attributes["gender"] = allowed
                return

    def _waterproof(self, text: str, filters: SearchFilters) -> None:
        if (
            re.search(r"\bwater\s?-?proof\b|\brain\s?proof\b", text)
            and "waterproof" in self._waterproofing
        ):
            filters.attributes["waterproofing"] = ["waterproof"]

    def _people(self, text: str, filters: SearchFilters) -> None:
        """ "A tent for 4 people": only products that sleep at least 4, when the kind of product
        asked for is one whose products say how many they sleep (a cookset for 4 is not)."""
        if not self._sleeping.intersection(filters.categories):
            return
        for pattern in _PEOPLE:
            if m := pattern.search(text):
                word = m.group(1).lower()
                wanted = int(_COUNTS.get(word, word))
                enough = [str(n) for n in self._sleeps if n >= wanted] or [str(wanted)]
                filters.attributes["sleeps"] = enough
                return

    def _category(self, text: str) -> list[str]:
        stems = {_SYNONYMS.get(s, s) for s in tokenize(text)}
        nouns = [w for w in re.findall(r"[a-z']+", text) if not w.endswith("ing")]
        doing = tokenize(" ".join(re.findall(r"[a-z]+ing\b", text)))
        heads = {
            _SYNONYMS.get(s, s)
            for s in [*tokenize(" ".join(nouns)), *(s for s in doing if s in self._ing_stems)]
        }
        categories = self._categories
        full = {
            name
            for name, parts in categories
            for words in parts
            if set(words) <= stems and words[-1] in heads
        }
        if full:
            return sorted(full)
        return sorted({name for name, parts in categories for words in parts if words[-1] in heads})


_LABEL_NAMES_SKIPPED = frozenset({"gender", "waterproofing", "color", "size"})
MAX_LABEL_VALUES = 15  # a name with more distinct values describes, it does not label


def _labels(
    products: list[Product], measures: set[str]
) -> list[tuple[re.Pattern[str], str, str, Counter[str]]]:
    """The catalog's label values: short values of attributes and options with few distinct
    values, not measures, each with how many products of each category have it; longest
    first."""
    seen: dict[str, dict[str, Counter[str]]] = {}  # name -> value -> products per category
    for product in products:
        named = {*product.attributes.items()}
        named |= {item for v in product.variants for item in v.options.items()}
        for key, value in named:
            if key in _LABEL_NAMES_SKIPPED or key in measures:
                continue
            seen.setdefault(key, {}).setdefault(value.strip(), Counter())[product.category] += 1
    labels = []
    for key, values in seen.items():
        per_category: Counter[str] = Counter(c for cats in values.values() for c in cats)
        for value, categories in values.items():
            # a label where some category using it has few values of this name ("type" is
            # a label of headphones even if the whole catalog has dozens of types)
            if not any(2 <= per_category[c] <= MAX_LABEL_VALUES for c in categories):
                continue
            words = re.findall(r"[a-z0-9]+", value.lower())
            if not 1 <= len(words) <= 3 or len(value) < 3 or all(w.isdigit() for w in words):
                continue
            if len(words) == 1 and is_stopword(words[0]):
                continue
            phrase = r"[\s-]*".join(re.escape(w) for w in words)
            pattern = re.compile(rf"(?<![\w-]){phrase}(?![\w-])")
            labels.append((pattern, key, value, categories))
    return sorted(labels, key=lambda label: -len(label[2]))


def _plural(word: str) -> str:
    """A pattern for a word and its plural ("battery" or "batteries", "pocket" or "pockets")."""
    if word.endswith("y") and len(word) > 2:
        return re.escape(word[:-1]) + "(?:y|ies)"
    return re.escape(word) + "(?:e?s)?"


def title_words(text: str) -> list[str]:
    """Words of a name or a message, a plural as its singular ("sporks" names the Spork)."""
    words = re.findall(r"[a-z]+|[0-9]+", text.lower().replace("'", "").replace("\u2019", ""))
    return [w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words]


def _genderless(title: str, genders: set[str]) -> str:
    """A product's name without the cut it is for ("Drizzle Jacket - Women's" -> "Drizzle
    Jacket"), so the men's and women's versions are one name."""
    head, _, tail = title.rpartition(" - ")
    return head if head and tail.lower().rstrip("'s").rstrip("'") in genders | _CUTS else title


# A name word is in this many products' names at most (a line of a tent, a jacket and pants).
_FEW_NAMES = 3

# Cuts a product name ends with beside the catalog's genders.
_CUTS = {"men", "women", "kid", "kids", "unisex", "youth", "toddler", "boys", "girls"}


def _within(key: str, phrase: str) -> bool:
    """Whether an attribute's name is only part of a longer noun phrase ("battery" of
    "battery life")."""
    words = key.split("_")
    return len(phrase.split()) > len(words) and all(w in phrase.split() for w in words)


def _temperature_unit(products: list[Product], measures: MeasureColumns) -> Literal["°F", "°C"]:
    """The unit the catalog gives temperatures in first ("20°F / -7°C"): what a shopper's bare
    "degrees" means here."""
    names = [n for n, d in measures.dimensions.items() if d == "temperature"]
    leads: Counter[str] = Counter()
    for product in products:
        for name in names:
            found = quantities(product.attributes.get(name, ""))
            if found:
                leads[found[0].unit.upper()[-1]] += 1
    return "°C" if leads["C"] > leads["F"] else "°F"


def _amount(number: str, thousands: str | None) -> Decimal:
    value = Decimal(number.replace(",", ""))
    return value * 1000 if thousands else value


def _with_title_heads(
    categories: list[tuple[str, list[tuple[str, ...]]]], products: list[Product]
) -> list[tuple[str, list[tuple[str, ...]]]]:
    """Each category's parts, with the head nouns its products' names end with ("Basecamp
    Duffel": a duffel is travel luggage) where every product so named is of that one kind and
    at least two are."""
    kinds: dict[str, set[str]] = {}
    titles: dict[str, set[str]] = {}
    for p in products:
        title = re.sub(r"\s+-\s+.*$", "", p.title)  # without " - Women's"
        stems = tokenize(title)
        if stems and stems[-1].isalpha() and len(stems[-1]) > 2:  # not "80L", "oz"
            kinds.setdefault(stems[-1], set()).add(p.category)
            titles.setdefault(stems[-1], set()).add(title)
    heads: dict[str, list[tuple[str, ...]]] = {}
    for stem, names in kinds.items():
        if len(names) == 1 and len(titles[stem]) >= 2 and stem not in _GENERIC_HEADS:
            heads.setdefault(next(iter(names)), []).append((stem,))
    known = {part for _, parts in categories for part in parts}
    return [
        (name, parts + [h for h in heads.get(name, []) if h not in known])
        for name, parts in categories
    ]


def _category_parts(names: list[str]) -> list[tuple[str, list[tuple[str, ...]]]]:
    """Each category with its parts as stem tuples: "Bags & Luggage" -> (bag,), (luggag,).

    The last stem of a part is its head noun ("jacket" in "rain jacket"); generic heads such as
    "gear" are dropped so "Kids' Gear" is found by "kids" through the gender filter instead.
    """
    out = []
    for name in names:
        parts = [tuple(tokenize(p)) for p in re.split(r"&|,|\band\b", name)]
        out.append((name, [p for p in parts if p and p[-1] not in _GENERIC_HEADS]))
    return out
