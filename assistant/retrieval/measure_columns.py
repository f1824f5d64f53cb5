"""A catalog's measures and colour families as columns per variant, for bounds and sorts.

A variant's value of a measure is its own option's ("55 L") or else its product's attribute
("weight: 980 g"); a range ("1.5 h on high, 50 h on low") keeps both ends. A lower bound holds
when the upper end reaches it ("at least 20 h" of a light that runs 50 h on low), an upper
bound when the lower end is within it; sorting up reads the lower end, sorting down the upper.
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from assistant.retrieval.colours import ColourFamilies
from assistant.retrieval.measures import MeasureSchema
from assistant.retrieval.models import Product
from assistant.retrieval.quantities import BASE_UNITS, Dimension, to_base

PRICE = "price"


class MeasureBound(BaseModel):
    """A bound on one measure: `weight` at most 2 `lb`, `capacity` at least 30 `L`."""

    model_config = ConfigDict(extra="forbid")

    measure: str = Field(description="a measure name, e.g. weight, capacity, temperature_rating")
    min: float | None = None
    max: float | None = None
    unit: str | None = Field(
        default=None, description="unit of min/max as the shopper said it (lb, kg, L, °F, in)"
    )

    @model_validator(mode="after")
    def _some_bound(self) -> MeasureBound:
        if self.min is None and self.max is None:
            raise ValueError("a bound needs min or max")
        return self


class SortBy(BaseModel):
    """An order for search results: by price or by a measure, up or down."""

    model_config = ConfigDict(extra="forbid")

    by: str = Field(description="'price' or a measure name (weight, capacity, lumens...)")
    direction: Literal["asc", "desc"] = "asc"


class UnknownMeasure(ValueError):
    """A bound or sort named a measure this catalog does not have, or a unit of another kind."""


class MeasureColumns:
    """Per-variant lower and upper values of every measure, and each variant's colour families."""

    def __init__(
        self,
        products: list[Product],
        schema: MeasureSchema,
        colours: ColourFamilies,
    ) -> None:
        self.schema = schema
        self.dimensions: dict[str, Dimension] = {}
        rows: dict[str, tuple[list[float], list[float]]] = {}
        families: list[str] = []
        family_of = cache(lambda name: " ".join(sorted(colours.of(name))))
        count = sum(len(p.variants) for p in products)
        row = 0
        self.coverage: dict[str, Counter[str]] = {}  # per category: how many products have each
        for product in products:
            own = schema.measures(product)
            self.coverage.setdefault(product.category, Counter()).update(own.keys())
            for variant in product.variants:
                values = {**own, **schema.variant_measures(product, variant)}
                for name, measure in values.items():
                    if name not in rows:
                        rows[name] = ([np.nan] * count, [np.nan] * count)
                        self.dimensions[name] = measure.dimension
                    low, high = rows[name]
                    low[row], high[row] = measure.low, measure.high
                families.append(family_of(variant.options.get("color", "")))
                row += 1
        self._low = {n: np.array(lo, dtype=np.float64) for n, (lo, _) in rows.items()}
        self._high = {n: np.array(hi, dtype=np.float64) for n, (_, hi) in rows.items()}
        self.colour_families = families
        self.colours = colours

    @property
    def names(self) -> list[str]:
        """The measures some product has, by name."""
        return sorted(self.dimensions)

    def bound(self, bound: MeasureBound) -> np.ndarray:
        """The variants within `bound` (a variant without the measure is outside it)."""
        name, dimension = self._named(bound.measure)
        low, high = self._low[name], self._high[name]
        mask = ~np.isnan(high)
        if bound.min is not None:
            mask &= high >= _in_base(bound.min, bound.unit, dimension) - 1e-9
        if bound.max is not None:
            mask &= low <= _in_base(bound.max, bound.unit, dimension) + 1e-9
        return mask

    def values(self, name: str, direction: Literal["asc", "desc"]) -> np.ndarray:
        """Per variant, the value a sort compares: the lower end going up, the upper going down."""
        measure, _ = self._named(name)
        return self._low[measure] if direction == "asc" else self._high[measure]

    def in_base(self, name: str, value: float, unit: str | None) -> float:
        """A value of a measure, said in `unit`, in the base unit the columns hold."""
        return _in_base(value, unit, self.dimension(name))

    def canonical(self, name: str) -> str:
        """A measure's name as the catalog has it ("Floor area" -> floor_area)."""
        return self._named(name)[0]

    def dimension(self, name: str) -> Dimension:
        """The dimension of a measure named by the shopper or the model."""
        return self._named(name)[1]

    def _named(self, name: str) -> tuple[str, Dimension]:
        key = name.strip().lower().replace(" ", "_")
        if key not in self.dimensions:
            known = ", ".join(self.names) or "none"
            raise UnknownMeasure(f"no measure {name[:40]!r} in this catalog; measures: {known}")
        return key, self.dimensions[key]


def _in_base(value: float, unit: str | None, dimension: Dimension) -> float:
    """`value` in the base unit of `dimension`; a unit of another dimension is refused."""
    if not unit or dimension in {"count", "rank"}:
        return value
    converted = to_base(value, unit, dimension)
    if converted is None:
        wanted = BASE_UNITS[dimension] or "a plain number"
        raise UnknownMeasure(f"unit {unit[:20]!r} does not measure {dimension} (use {wanted})")
    return converted
