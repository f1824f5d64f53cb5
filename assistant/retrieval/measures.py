"""Typed measures discovered from a catalog's own attribute and option values.

A catalog says "weight: 850 g (Regular)", "temperature_rating: 20°F / -7°C limit", "capacity:
1.5L", "size: large": strings. `MeasureSchema.discover(products)` reads every value of every
attribute and option across the catalog and decides, per name, whether it holds a measure and of
which dimension: the dimension most of its values carry a unit of (mass, volume, temperature...),
else plain numbers (a count: lumens "400", sleeps "2"), else an ordered ladder of words (small <
medium < large). Nothing is named in advance, so a catalog nobody here wrote gets its measures
too; a brand team corrects or adds them in a schema file (`MeasureSchema.load`).

`schema.measures(product)` then gives each product its values, and `schema.variant_measures`
those that differ per variant (a "capacity" option of 55 L or 65 L).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import get_args

import yaml

from assistant.retrieval.models import Product, Variant
from assistant.retrieval.quantities import (
    Dimension,
    Quantity,
    plain_number,
    quantities,
    unit_dimension,
)

# Words that order themselves, smallest first. A name whose values all sit on one ladder (at
# least two distinct rungs) is a "rank" measure: "the biggest", "anything larger" work on it.
LADDERS: tuple[tuple[str, ...], ...] = (
    ("xxs", "xs", "s", "m", "l", "xl", "xxl", "xxxl"),
    ("extra small", "small", "medium", "large", "extra large"),
    ("mini", "small", "medium", "large", "jumbo"),
    ("portable", "small", "medium", "large"),
    ("low", "medium", "high"),
    ("light", "medium", "heavy"),
    ("lightweight", "midweight", "heavyweight", "expedition"),
    ("minimal", "light", "moderate", "medium", "full", "max"),
    ("beginner", "intermediate", "advanced", "expert"),
    ("basic", "standard", "professional"),
    ("short", "regular", "long"),
)
_MIN_SHARE = 0.6  # share of a name's values that must carry its dimension
_NOT_MEASURES = frozenset({"color", "colour", "sku", "id", "gtin", "mpn", "barcode"})
_RANK_ONLY = frozenset({"size"})  # shoe sizes are labels, but small < medium < large holds


@dataclass(frozen=True, slots=True)
class Measure:
    """One product's (or variant's) value of a measure: a range in the base unit."""

    name: str
    dimension: Dimension
    low: float
    high: float

    @property
    def value(self) -> float:
        """The value compared by sorts and bounds: the upper end of a range ("up to 50 h")."""
        return self.high


@dataclass(frozen=True, slots=True)
class MeasureSpec:
    """What one attribute or option name holds: its dimension and, for a rank, the ladder."""

    name: str
    dimension: Dimension
    source: str  # "attribute" or "option"
    ladder: tuple[str, ...] = ()


@dataclass
class MeasureSchema:
    """The measures of one catalog, by attribute or option name."""

    specs: dict[str, MeasureSpec] = field(default_factory=dict)
    scoped: dict[tuple[str, str], MeasureSpec] = field(default_factory=dict)  # (category, name)
    _categories: dict[str, dict[str, MeasureSpec]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def specs_for(self, category: str) -> dict[str, MeasureSpec]:
        """The measures products of `category` have: the catalog's, plus the category's own."""
        if not self.scoped:
            return self.specs
        return self._by_category(category)

    def _by_category(self, category: str) -> dict[str, MeasureSpec]:
        cached = self._categories.get(category)
        if cached is None:
            local = {name: spec for (c, name), spec in self.scoped.items() if c == category}
            cached = self._categories[category] = {**self.specs, **local}
        return cached

    @classmethod
    def discover(cls, products: Iterable[Product]) -> MeasureSchema:
        """The measures a catalog's values show, decided per name over all its values; a name
        whose values mean different things across categories (a backpack's "size: large", an
        umbrella's "size: 6 ft") is decided per category instead."""
        values: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for product in products:
            for name, value in product.attributes.items():
                values.setdefault(("attribute", name), []).append((product.category, value))
            for variant in product.variants:
                for name, value in variant.options.items():
                    values.setdefault(("option", name), []).append((product.category, value))
        specs: dict[str, MeasureSpec] = {}
        scoped: dict[tuple[str, str], MeasureSpec] = {}
        for (source, name), seen in sorted(values.items()):
            if name in _NOT_MEASURES or name in specs:
                continue
            spec = _spec(name, source, [value for _, value in seen])
            if spec is not None:
                specs[name] = spec
                continue
            for category in dict.fromkeys(category for category, _ in seen):
                mine = [value for c, value in seen if c == category]
                if (local := _spec(name, source, mine)) is not None:
                    scoped[(category, name)] = local
        return cls(specs, scoped)

    def corrected(self, overrides: Mapping[str, object]) -> MeasureSchema:
        """This schema with a brand team's corrections: `{name: dimension | "none"}`."""
        specs = dict(self.specs)
        for name, wanted in overrides.items():
            key = str(name).strip().lower().replace(" ", "_")
            if wanted in (None, "none", False):
                specs.pop(key, None)
                continue
            dimension = str(wanted)
            if dimension not in _DIMENSIONS:
                raise ValueError(f"measures: {name}: unknown dimension {wanted!r}")
            source = specs[key].source if key in specs else "attribute"
            specs[key] = MeasureSpec(key, dimension, source)  # type: ignore[arg-type]
        return MeasureSchema(specs, self.scoped)

    @classmethod
    def load(cls, products: Iterable[Product], path: Path | None) -> MeasureSchema:
        """Discovered measures, corrected by the schema file at `path` when there is one."""
        schema = cls.discover(products)
        if path is None or not path.exists():
            return schema
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        overrides = data.get("measures", {}) if isinstance(data, dict) else {}
        if not isinstance(overrides, dict):
            raise ValueError(f"{path}: 'measures' must map names to dimensions")
        return schema.corrected(overrides)

    def measures(self, product: Product) -> dict[str, Measure]:
        """The product's value of each measure it has; an option spans its variants' values
        (and wins over an attribute of the same name)."""
        specs = self.specs_for(product.category)
        found: dict[str, Measure] = {}
        for name, text in product.attributes.items():
            spec = specs.get(name)
            if spec is not None and (measure := _read(spec, text)) is not None:
                found[name] = measure
        options = {name for v in product.variants for name in v.options if name in specs}
        for name in options:
            spec = specs[name]
            per_variant = [
                _read(spec, v.options[name]) for v in product.variants if name in v.options
            ]
            if measure := _span(name, spec.dimension, [m for m in per_variant if m is not None]):
                found[name] = measure
        return found

    def variant_measures(self, product: Product, variant: Variant) -> dict[str, Measure]:
        """The measures a variant's own options give (size, capacity, length...)."""
        specs = self.specs_for(product.category)
        found = {}
        for name, value in variant.options.items():
            if name in specs and (measure := _read(specs[name], value)) is not None:
                found[name] = measure
        return found

    def read(self, name: str, text: str, category: str = "") -> Measure | None:
        """`text` read as the measure `name`, or None when it holds no value of its kind."""
        spec = self.specs_for(category).get(name)
        return None if spec is None else _read(spec, text)


@lru_cache(maxsize=65_536)  # catalogs repeat values ("980 g", "lifetime") across products
def _read(spec: MeasureSpec, text: str) -> Measure | None:
    """`text` read as `spec`'s measure: a rung of its ladder, a plain number ("400" lumens, a
    count), or the quantities of its dimension spanned into one range."""
    if spec.dimension == "rank":
        rung = _rung(text, spec.ladder)
        return None if rung is None else Measure(spec.name, "rank", rung, rung)
    number = plain_number(text)
    if number is not None and spec.dimension != "temperature":
        return Measure(spec.name, spec.dimension, number.low, number.high)
    if spec.dimension == "count":
        return None
    found = [q for q in _as(spec.dimension, quantities(text)) if q.dimension == spec.dimension]
    return _span(
        spec.name, spec.dimension, [Measure(spec.name, q.dimension, q.low, q.high) for q in found]
    )


_DIMENSIONS = frozenset(get_args(Dimension))


def _spec(name: str, source: str, values: list[str]) -> MeasureSpec | None:
    distinct = list(dict.fromkeys(v.strip() for v in values if v.strip()))
    if not distinct:
        return None
    ladder = _ladder(distinct)
    if ladder and name in _RANK_ONLY:
        return MeasureSpec(name, "rank", source, ladder)
    dimensions: Counter[Dimension] = Counter()
    for value in distinct:
        found = _as_any(quantities(value))
        if found:  # the value's first quantity says what it measures; others qualify it
            dimensions[found[0].dimension] += 1
    if dimensions:
        dimension, hits = dimensions.most_common(1)[0]
        if hits >= _MIN_SHARE * len(distinct):
            return MeasureSpec(name, dimension, source)
    if name in _RANK_ONLY:
        return None
    plain = [plain_number(v) for v in distinct]
    if sum(p is not None for p in plain) >= _MIN_SHARE * len(distinct) and len(distinct) > 1:
        named = unit_dimension(name.replace("_", " ").split()[-1])  # "lumens": 400
        return MeasureSpec(name, named or "count", source)
    if ladder:
        return MeasureSpec(name, "rank", source, ladder)
    return None


def _as_any(found: list[Quantity]) -> list[Quantity]:
    """Ounces next to millilitres are fluid ounces ("12 oz / 355 ml")."""
    if any(q.dimension == "volume" for q in found):
        return _as("volume", found)
    return found


def _as(dimension: Dimension, found: list[Quantity]) -> list[Quantity]:
    """Ounces read as fluid ounces where the measure is a volume (a bottle's "20 oz")."""
    if dimension != "volume":
        return found
    fluid = 29.5735295625 / 28.349523125
    return [
        Quantity("volume", q.low * fluid, q.high * fluid, q.unit)
        if q.dimension == "mass" and q.unit in {"oz", "ounce", "ounces"}
        else q
        for q in found
    ]


def _span(name: str, dimension: Dimension, found: list[Measure]) -> Measure | None:
    if not found:
        return None
    return Measure(name, dimension, min(m.low for m in found), max(m.high for m in found))


def _ladder(values: list[str]) -> tuple[str, ...]:
    lowered = {v.lower() for v in values}
    for ladder in LADDERS:
        if lowered <= set(ladder) and len(lowered) >= 2:
            return ladder
    return ()


def _rung(text: str, ladder: tuple[str, ...]) -> float | None:
    value = text.strip().lower()
    return float(ladder.index(value)) if value in ladder else None
