"""Structured search filters, evaluated per variant so "size 10, in stock, under $120" means one
variant that is all three, not three different variants of the same product."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from assistant.retrieval.colours import ColourFamilies
from assistant.retrieval.measure_columns import MeasureBound, MeasureColumns
from assistant.retrieval.measures import MeasureSchema
from assistant.retrieval.models import Product


class SearchFilters(BaseModel):
    """Constraints applied before ranking. Empty filters match everything."""

    model_config = ConfigDict(extra="forbid")

    price_min: Decimal | None = Field(default=None, ge=0)
    price_max: Decimal | None = Field(default=None, ge=0)
    categories: list[str] = Field(default_factory=list, description="any of these categories")
    in_stock: bool = Field(default=False, description="only variants that can be bought now")
    size: str | None = None
    color: str | None = None
    material: str | None = None
    attributes: dict[str, list[str]] = Field(
        default_factory=dict, description="any of the values per key, e.g. gender: [women, unisex]"
    )
    measures: list[MeasureBound] = Field(
        default_factory=list, description="bounds on measures, e.g. weight at most 2 lb"
    )
    exclude_colors: list[str] = Field(
        default_factory=list, description="colours or colour families to leave out"
    )
    labels: dict[str, list[str]] = Field(
        default_factory=dict,
        description="exact attribute or option values per name, e.g. setup: [freestanding]",
    )
    exclude_words: list[str] = Field(
        default_factory=list,
        description="leave out products whose title or attributes say any of these (down, wool)",
    )

    def is_empty(self) -> bool:
        return self == SearchFilters()

    def describe(self) -> str:
        """Human-readable summary, e.g. 'under $200, in stock, size 10'."""
        parts: list[str] = []
        if self.price_min is not None and self.price_max is not None:
            parts.append(f"${self.price_min:g}-${self.price_max:g}")
        elif self.price_max is not None:
            parts.append(f"up to ${self.price_max:g}")
        elif self.price_min is not None:
            parts.append(f"from ${self.price_min:g}")
        if self.categories:
            parts.append("category " + " or ".join(self.categories))
        if self.in_stock:
            parts.append("in stock")
        for label, value in (
            ("size", self.size),
            ("color", self.color),
            ("material", self.material),
        ):
            if value:
                parts.append(f"{label} {value}")
        for key, values in self.attributes.items():
            name = key.replace("_", " ")  # a feature asked for: "with red light"
            parts.append(f"with {name}" if values == ["yes"] else f"{name} {'/'.join(values)}")
        parts.extend(f"{k.replace('_', ' ')} {'/'.join(v)}" for k, v in self.labels.items())
        parts.extend(describe_bound(b) for b in self.measures)
        parts.extend(f"not {c}" for c in self.exclude_colors)
        parts.extend(f"no {w}" for w in self.exclude_words)
        return ", ".join(parts) or "none"


def describe_bound(bound: MeasureBound) -> str:
    """A bound as the reply says it: "weight at most 2 lb"."""
    name = bound.measure.replace("_", " ")
    unit = f" {bound.unit}" if bound.unit and bound.unit.lower() != name else ""
    if bound.min is not None and bound.max is not None:
        return f"{name} {bound.min:g}-{bound.max:g}{unit}"
    if bound.max is not None:
        return f"{name} at most {bound.max:g}{unit}"
    return f"{name} at least {bound.min:g}{unit}"


Match = Literal["equal", "all_words", "any_of", "contains", "any_word_or_equal"]
MASKS_PER_COLUMN = 64  # distinct constraints remembered per column (a product mask is 1 byte/row)


class _Codes:
    """A string column stored as integer codes, matched by a predicate over its distinct values.

    A constraint's rows depend only on the catalog, so each column remembers the masks of the
    constraints it saw last (read-only: callers combine them into masks of their own)."""

    def __init__(self, values: list[str]) -> None:
        self.vocabulary: dict[str, int] = {}
        self.codes = np.array(
            [self.vocabulary.setdefault(v, len(self.vocabulary)) for v in values], dtype=np.int32
        )
        self.where = lru_cache(maxsize=MASKS_PER_COLUMN)(self._where)

    def _where(self, match: Match, wanted: tuple[str, ...]) -> np.ndarray:
        predicate = _PREDICATES[match](wanted)
        chosen = np.zeros(len(self.vocabulary), dtype=bool)
        chosen[[code for value, code in self.vocabulary.items() if value and predicate(value)]] = (
            True
        )
        mask = chosen[self.codes]
        mask.flags.writeable = False
        return mask


class FilterTable:
    """Columnar view of a catalog and its variants, so a filter is a few vectorised comparisons."""

    def __init__(self, products: list[Product], measures: MeasureColumns | None = None) -> None:
        variants = [(i, v) for i, p in enumerate(products) for v in p.variants]
        self.measures = measures or MeasureColumns(
            products, MeasureSchema.discover(products), ColourFamilies.from_data()
        )
        self._families = _Codes(self.measures.colour_families)
        self._text = _Codes([" ".join([p.title, *p.attributes.values()]).lower() for p in products])
        self.variant_owner = np.array([i for i, _ in variants], dtype=np.int64)
        self.variant_start = np.searchsorted(self.variant_owner, np.arange(len(products) + 1))
        self.variant_ids = [v.id for _, v in variants]
        self._price = np.array([float(v.price) for _, v in variants], dtype=np.float64)
        self._in_stock = _read_only(np.array([v.in_stock for _, v in variants], dtype=bool))
        self._every_variant = _read_only(np.ones(len(variants), dtype=bool))
        self._size = _Codes([v.options.get("size", "").lower() for _, v in variants])
        self._color = _Codes([v.options.get("color", "").lower() for _, v in variants])
        self._category = _Codes([p.category.lower() for p in products])
        keys = sorted({k for p in products for k in p.attributes})
        self._attributes = {
            k: _Codes([p.attributes.get(k, "").lower() for p in products]) for k in keys
        }
        options = sorted({k for _, v in variants for k in v.options} - {"size", "color"})
        self._options = {
            k: _Codes([v.options.get(k, "").lower() for _, v in variants]) for k in options
        }
        self.size = len(products)
        # the products of the two commonest variant masks, all variants and those in stock
        self._with_variants = _read_only(self._owners(self._every_variant))
        self._with_stock = _read_only(self._owners(self._in_stock))

    def apply(self, filters: SearchFilters) -> tuple[np.ndarray, np.ndarray]:
        """(product mask, variant mask): products with a variant meeting every constraint.
        The variant mask may be shared and read-only; the product mask is the caller's."""
        variants = self._variant_mask(filters)
        if variants is self._every_variant:
            products = self._with_variants.copy()
        elif variants is self._in_stock:
            products = self._with_stock.copy()
        else:
            products = self._owners(variants)
        if filters.categories:
            wanted = tuple(sorted({c.lower() for c in filters.categories}))
            products &= self._category.where("any_of", wanted)
        if filters.material:
            products &= self._attribute("material", "contains", (filters.material,))
        for key, values in filters.attributes.items():
            products &= self._attribute(key.lower(), "any_word_or_equal", tuple(values))
        for key, values in filters.labels.items():
            if key in self._attributes:
                wanted = tuple(sorted({v.lower() for v in values}))
                products &= self._attributes[key].where("any_of", wanted)
        if filters.exclude_words:
            words = tuple(sorted({w.lower() for w in filters.exclude_words}))
            products &= ~self._text.where("any_word_or_equal", words)
        return products, variants

    def prices(self) -> np.ndarray:
        """Every variant's price, in variant order (read-only)."""
        return _read_only(self._price.copy())

    def variants_of(self, product_index: int, variant_mask: np.ndarray) -> list[str]:
        """Ids of one product's variants that the variant mask keeps."""
        start, end = self.variant_start[product_index], self.variant_start[product_index + 1]
        return [self.variant_ids[i] for i in range(start, end) if variant_mask[i]]

    def _owners(self, variants: np.ndarray) -> np.ndarray:
        """Products with at least one variant in the mask (variants are grouped by product)."""
        kept = np.concatenate(([0], np.cumsum(variants, dtype=np.int64)))
        return kept[self.variant_start[1:]] > kept[self.variant_start[:-1]]

    def _variant_mask(self, filters: SearchFilters) -> np.ndarray:
        narrowed = (
            filters.price_min is not None
            or filters.price_max is not None
            or bool(filters.size)
            or bool(filters.color)
            or bool(filters.measures)
            or bool(filters.exclude_colors)
            or any(k in self._options and k not in self._attributes for k in filters.labels)
        )
        if not narrowed:
            return self._in_stock if filters.in_stock else self._every_variant
        mask = np.ones(len(self.variant_owner), dtype=bool)
        if filters.price_min is not None:
            mask &= self._price >= float(filters.price_min) - 1e-9
        if filters.price_max is not None:
            mask &= self._price <= float(filters.price_max) + 1e-9
        if filters.in_stock:
            mask &= self._in_stock
        if filters.size:
            mask &= self._size.where("equal", (filters.size.strip().lower(),))
        if filters.color:
            mask &= self._colour(filters.color)
        for colour in filters.exclude_colors:
            mask &= ~self._colour(colour)
        for bound in filters.measures:
            mask &= self.measures.bound(bound)
        for key, values in filters.labels.items():
            if key in self._options and key not in self._attributes:
                mask &= self._options[key].where(
                    "any_of", tuple(sorted({v.lower() for v in values}))
                )
        return mask

    def _colour(self, colour: str) -> np.ndarray:
        """Variants of this colour name ("navy blue") or of this family ("blue": Cobalt too)."""
        named = self._color.where("all_words", (colour,))
        family = self.measures.colours.family_of_word(colour)
        if family is None:
            return named
        return named | self._families.where("any_word_or_equal", (family,))

    def _attribute(self, key: str, match: Match, wanted: tuple[str, ...]) -> np.ndarray:
        column = self._attributes.get(key)
        return column.where(match, wanted) if column else np.zeros(self.size, dtype=bool)


def _read_only(mask: np.ndarray) -> np.ndarray:
    mask.flags.writeable = False
    return mask


def _words(text: str) -> set[str]:
    return set(text.lower().replace("-", " ").replace("/", " ").replace(",", " ").split())


def _equal(wanted: tuple[str, ...]) -> Callable[[str], bool]:
    return wanted[0].__eq__


def _any_of(wanted: tuple[str, ...]) -> Callable[[str], bool]:
    return frozenset(wanted).__contains__


def _all_words(wanted: tuple[str, ...]) -> Callable[[str], bool]:
    """'navy blue' matches 'Navy Blue/Grey' but 'blue' does not match 'bluebird'."""
    needed = _words(wanted[0])
    return lambda value: needed <= _words(value)


def _contains(wanted: tuple[str, ...]) -> Callable[[str], bool]:
    needle = wanted[0].lower()
    return lambda value: needle in value


def _any_word_or_equal(wanted: tuple[str, ...]) -> Callable[[str], bool]:
    needles = {w.lower() for w in wanted}
    return lambda value: value in needles or bool(needles & _words(value))


_PREDICATES: dict[Match, Callable[[tuple[str, ...]], Callable[[str], bool]]] = {
    "equal": _equal,
    "any_of": _any_of,
    "all_words": _all_words,
    "contains": _contains,
    "any_word_or_equal": _any_word_or_equal,
}
