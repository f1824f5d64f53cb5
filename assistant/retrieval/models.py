"""The catalog types every loader produces and every search returns."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Money = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]


def _normalise_key(key: str) -> str:
    return key.strip().lower().replace(" ", "_").replace("colour", "color")


class Variant(BaseModel):
    """One buyable version of a product (a size/colour combination) with its own price and stock."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=64)
    sku: str | None = None
    title: str = ""
    options: dict[str, str] = Field(default_factory=dict)
    price: Money
    compare_at_price: Money | None = None
    stock: int | None = Field(default=None, description="Units on hand; None when not tracked.")
    available: bool | None = None
    image: str | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_str(cls, value: object) -> object:
        return str(value) if isinstance(value, int) else value

    @field_validator("options", mode="before")
    @classmethod
    def _normalise_options(cls, value: object) -> object:
        if isinstance(value, dict):
            return {_normalise_key(str(k)): str(v).strip() for k, v in value.items() if v}
        return value

    @model_validator(mode="after")
    def _fill_title(self) -> Variant:
        if not self.title:
            self.title = " / ".join(self.options.values()) or "Default"
        return self

    @property
    def in_stock(self) -> bool:
        """Buyable now: explicit availability wins, else stock above zero, else untracked."""
        if self.available is not None:
            return self.available
        return self.stock is None or self.stock > 0


class Product(BaseModel):
    """A product with its variants, as every loader produces it."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=128)
    title: str = Field(min_length=1, max_length=300)
    description: str = ""
    category: str = Field(default="Uncategorised", min_length=1)
    brand: str | None = None
    handle: str | None = None
    tags: list[str] = Field(default_factory=list)
    attributes: dict[str, str] = Field(default_factory=dict)
    images: list[str] = Field(default_factory=list)
    url: str | None = None
    currency: str = Field(default="USD", min_length=3, max_length=3)
    variants: list[Variant] = Field(min_length=1)

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_str(cls, value: object) -> object:
        return str(value) if isinstance(value, int) else value

    @field_validator("attributes", mode="before")
    @classmethod
    def _normalise_attributes(cls, value: object) -> object:
        if isinstance(value, dict):
            return {
                _normalise_key(str(k)): str(v).strip() for k, v in value.items() if v is not None
            }
        return value

    @field_validator("tags", mode="before")
    @classmethod
    def _split_tags(cls, value: object) -> object:
        if isinstance(value, str):
            return [t.strip() for t in value.split(",") if t.strip()]
        return value

    @model_validator(mode="after")
    def _unique_variant_ids(self) -> Product:
        ids = [v.id for v in self.variants]
        if len(ids) != len(set(ids)):
            raise ValueError(f"duplicate variant ids in product {self.id}")
        return self

    @property
    def price_min(self) -> Decimal:
        return min(v.price for v in self.variants)

    @property
    def price_max(self) -> Decimal:
        return max(v.price for v in self.variants)

    @property
    def in_stock(self) -> bool:
        return any(v.in_stock for v in self.variants)

    def option_values(self, name: str, *, in_stock_only: bool = False) -> list[str]:
        """Distinct values of one option (e.g. every size), in catalog order."""
        seen: dict[str, None] = {}
        for variant in self.variants:
            if in_stock_only and not variant.in_stock:
                continue
            value = variant.options.get(name)
            if value:
                seen.setdefault(value, None)
        return list(seen)

    def variant(self, variant_id: str) -> Variant | None:
        return next((v for v in self.variants if v.id == variant_id), None)

    def search_text(self) -> str:
        """What lexical and dense search see: title, category, tags, attributes, options."""
        options = sorted({f"{v}" for variant in self.variants for v in variant.options.values()})
        parts = [
            self.title,
            self.category,
            self.brand or "",
            " ".join(self.tags),
            " ".join(f"{k.replace('_', ' ')} {v}" for k, v in self.attributes.items()),
            " ".join(options),
            self.description,
        ]
        return "\n".join(p for p in parts if p)

    def content_hash(self) -> str:
        """Stable hash of everything indexed; ingestion re-embeds a product only when it changes."""
        payload = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


class FaqEntry(BaseModel):
    """A policy question and its answer, with optional alternative phrasings."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=128)
    question: str = Field(min_length=1)
    answer: str = Field(min_length=1)
    category: str = "General"
    alternate_questions: list[str] = Field(default_factory=list)
    url: str | None = None

    def content_hash(self) -> str:
        payload = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]
