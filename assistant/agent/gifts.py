"""The guided gift finder: ask for the one or two facts that matter, then pick diverse items.

A good shop assistant does not interrogate: budget and who it is for change the answer most,
so those are asked (together, at most two questions); interests and occasion refine it when
given. Picks come from different categories so the shopper sees real alternatives.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from assistant.agent.cards import money, product_card
from assistant.retrieval.filters import SearchFilters
from assistant.retrieval.index import CatalogIndex
from assistant.retrieval.search import ProductHit

Fact = Literal["budget", "recipient"]

QUESTIONS: dict[Fact, str] = {
    "budget": "What budget do you have in mind?",
    "recipient": "Who is it for (and roughly how old), and what do they enjoy doing outdoors?",
}
_KID_AGE = 12


class GiftNeeds(BaseModel):
    """What is known about the gift so far; leave unknown facts empty."""

    recipient: str | None = Field(
        default=None, description="who it is for, e.g. 'my dad', 'a 10 year old'"
    )
    age: int | None = Field(default=None, ge=0, le=120)
    budget_max: Decimal | None = Field(
        default=None, ge=0, description="upper budget in the shop currency"
    )
    budget_flexible: bool = Field(
        default=False, description="true when the shopper said budget doesn't matter"
    )
    interests: list[str] = Field(
        default_factory=list, description="e.g. hiking, camping, running, travel"
    )
    occasion: str | None = Field(default=None, description="e.g. birthday, holidays, graduation")
    gender: Literal["men", "women", "kids", "any"] | None = None


def missing_facts(needs: GiftNeeds) -> list[Fact]:
    """The facts still worth asking for, most important first (never more than two)."""
    missing: list[Fact] = []
    if needs.budget_max is None and not needs.budget_flexible:
        missing.append("budget")
    if not needs.recipient and needs.age is None and not needs.interests:
        missing.append("recipient")
    return missing


def recommend(catalog: CatalogIndex, needs: GiftNeeds, count: int = 3) -> dict[str, Any]:
    """Either the questions to ask, or 2-3 in-stock, in-budget picks from different categories."""
    missing = missing_facts(needs)
    if missing:
        return {"status": "need_more", "missing": missing, "ask": [QUESTIONS[m] for m in missing]}
    filters = SearchFilters(in_stock=True, price_max=needs.budget_max)
    audience = _audience(needs)
    if audience:
        filters.attributes["gender"] = audience
    query = " ".join([*needs.interests, needs.occasion or "", "gift"]).strip()
    hits = catalog.products.search(query, filters, k=40)
    if not hits and audience:  # gear without a gender attribute still makes a fine gift
        filters.attributes.pop("gender")
        hits = catalog.products.search(query, filters, k=40)
    picks = _diverse(hits, count)
    if not picks:
        return {"status": "none", "message": "Nothing in stock fits that budget."}
    return {
        "status": "ok",
        "items": [
            {**product_card(h.product, h.variant_ids), "reason": _reason(h, needs)} for h in picks
        ],
    }


def _audience(needs: GiftNeeds) -> list[str]:
    if needs.gender == "kids" or (needs.age is not None and needs.age <= _KID_AGE):
        return ["kids"]
    if needs.gender in ("men", "women"):
        return [needs.gender, "unisex"]
    return []


def _diverse(hits: list[ProductHit], count: int) -> list[ProductHit]:
    """Best hit per category first, then fill up with the next best overall."""
    picks: list[ProductHit] = []
    seen: set[str] = set()
    for hit in hits:
        if hit.product.category not in seen:
            picks.append(hit)
            seen.add(hit.product.category)
        if len(picks) == count:
            return picks
    picks.extend(h for h in hits if h not in picks)
    return picks[:count]


def _reason(hit: ProductHit, needs: GiftNeeds) -> str:
    product = hit.product
    facts = []
    matched = [i for i in needs.interests if i.lower() in product.search_text().lower()]
    if matched:
        facts.append(f"made for {', '.join(matched)}")
    if "gift" in product.tags:
        facts.append("one of our most-gifted pieces")
    price = min(
        (v.price for v in product.variants if v.id in hit.variant_ids), default=product.price_min
    )
    if needs.budget_max is not None:
        facts.append(f"${money(price)}, inside your ${money(needs.budget_max)} budget")
    if not facts:
        facts.append(product.category.lower())
    return "; ".join(facts)
