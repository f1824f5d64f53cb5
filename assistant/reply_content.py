"""Turning a turn's outcome into the `Reply` a channel renders: cards, chips, link."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from assistant.agent.presentation import presented
from assistant.agent.runner import TurnOutcome
from assistant.channels.text import clips
from assistant.messages import QUICK_REPLY_TITLE_MAX, ProductCard, QuickReply

CARD_TOOLS = ("search_products", "recommend", "compare", "get_product")


def cards_shown(outcome: TurnOutcome, limit: int) -> list[ProductCard]:
    """The products the reply presents, in order, built only from tool results: the ones the
    model presented (`present_products`), each with its card from this turn's results where it
    has one. A hosted model that presented nothing shows the products its reply names, else the
    last search's results; the offline engine presents whatever it shows."""
    found: dict[str, dict[str, Any]] = {}
    for tool in CARD_TOOLS:
        for result in outcome.results_of(tool):
            for card in (
                result.get("products", [])
                + result.get("items", [])
                + ([result] if "variants" in result else [])
            ):
                found.setdefault(card["product_id"], card)
    shown = presented(outcome.results)
    if shown is not None:
        cards = [found.get(card["product_id"], card) for card in shown.get("products", [])]
        return [_card(card) for card in cards][:limit]
    if outcome.engine:
        return []
    lowered = outcome.text.lower()
    wanted = [pid for pid, card in found.items() if card["title"].lower() in lowered]
    if not wanted and outcome.results_of("search_products"):
        wanted = [
            c["product_id"] for c in outcome.results_of("search_products")[-1].get("products", [])
        ]
    return [_card(found[pid]) for pid in wanted if pid in found][:limit]


def quick_replies(outcome: TurnOutcome, limit: int) -> list[QuickReply]:
    """The presented quick replies, whole where they fit (each channel clips to its own)."""
    shown = presented(outcome.results)
    wanted = list(shown.get("quick_replies", []) if shown else [])[:limit]
    titles = clips(wanted, QUICK_REPLY_TITLE_MAX)
    return [
        QuickReply(title=title, payload=t[:200]) for title, t in zip(titles, wanted, strict=True)
    ]


def checkout_url(outcome: TurnOutcome) -> str | None:
    links = [r["url"] for r in outcome.results_of("create_checkout_link") if "url" in r]
    return links[-1] if links else None


def best_similarity(outcome: TurnOutcome) -> float | None:
    scores = [float(r["similarity"]) for _, r in outcome.results if "similarity" in r]
    return max(scores) if scores else None


def _card(data: dict[str, Any]) -> ProductCard:
    variants = data.get("variants") or []
    price = data.get("price") or min((v["price"] for v in variants), key=Decimal, default="0")
    subtitle = data.get("reason") or ", ".join(data.get("sizes_in_stock", [])[:8])
    return ProductCard(
        product_id=data["product_id"],
        variant_id=data.get("variant_id"),
        title=data["title"],
        price=Decimal(str(price)),
        compare_at_price=Decimal(data["compare_at_price"])
        if data.get("compare_at_price")
        else None,
        in_stock=bool(data.get("in_stock")),
        url=data.get("url"),
        image=data.get("image"),
        subtitle=subtitle,
    )
