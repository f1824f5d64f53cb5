"""Grounding: every product, price, stock claim and link in a reply must come from this turn's
tool results. A pure check (`ground`) and a repair that drops the sentences that fail it."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

_URL = re.compile(r"https?://[^\s)\]>\"']+")
_MONEY = re.compile(r"\$\s?(\d{1,3}(?:,\d{3})*(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?)")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_STOCK = re.compile(
    r"\b(?:in stock|sold out|out of stock|only \d+ left|\d+ left|available in)\b", re.I
)
_WORD = re.compile(r"[a-z0-9']+")
_ID_TOKEN = re.compile(r"[\w-]+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass
class Facts:
    """What this turn's tool results established."""

    urls: set[str] = field(default_factory=set)
    amounts: set[Decimal] = field(default_factory=set)
    titles: set[str] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)
    has_product_data: bool = False

    @classmethod
    def collect(cls, results: Iterable[Any]) -> Facts:
        facts = cls()
        for result in results:
            facts._walk(result, key="")
        return facts

    def _walk(self, value: Any, key: str) -> None:
        if isinstance(value, dict):
            if "product_id" in value or "variant_id" in value or "variants" in value:
                self.has_product_data = True
            for k, v in value.items():
                self._walk(v, k)
        elif isinstance(value, list):
            for item in value:
                self._walk(item, key)
        elif isinstance(value, str):
            self._text(value, key)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            self._amount(str(value))

    def _text(self, value: str, key: str) -> None:
        if key in ("title", "name"):
            self.titles.add(value.lower())
        if key.endswith("_id") or key == "id":
            self.ids.add(value)
        # A turn's results hold a hundred strings or so; few have a link or a dollar sign, and
        # a substring test costs a fraction of a regex search.
        if "http" in value:
            self.urls.update(u.rstrip(".,") for u in _URL.findall(value))
        if "price" in key or key in ("subtotal", "total", "line_total", "unit_price", "amount"):
            self._amount(value)
        if "$" in value:
            for amount in _MONEY.findall(value):
                self._amount(amount)

    def _amount(self, text: str) -> None:
        try:
            self.amounts.add(Decimal(text.replace(",", "")).quantize(Decimal("0.01")))
        except InvalidOperation:
            return


@dataclass
class Grounding:
    """The verdict on one reply: which claims have no source in this turn."""

    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class CatalogNames:
    """The catalog's product titles and ids, indexed so a reply is checked in time of its length."""

    def __init__(self, titles: Iterable[str] = (), ids: Iterable[str] = ()) -> None:
        self._by_first_word: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for title in titles:
            words = _WORD.findall(title.lower())
            if words:
                self._by_first_word[words[0]].append((title.lower(), title))
        self._ids = frozenset(ids)

    def titles_in(self, reply: str) -> list[str]:
        lowered = reply.lower()
        words = set(_WORD.findall(lowered))
        return [t for w in words for low, t in self._by_first_word.get(w, ()) if low in lowered]

    def ids_in(self, reply: str) -> list[str]:
        return sorted({token for token in _ID_TOKEN.findall(reply) if token in self._ids})


NO_NAMES = CatalogNames()


def ground(reply: str, facts: Facts, names: CatalogNames = NO_NAMES) -> Grounding:
    """Check a reply against the facts; `names` lets us spot catalog products no tool returned."""
    verdict = Grounding()
    for url in _URL.findall(reply):
        if url.rstrip(".,") not in facts.urls:
            verdict.problems.append(f"link not from a tool: {url}")
    for amount in _MONEY.findall(reply):
        value = Decimal(amount.replace(",", "")).quantize(Decimal("0.01"))
        if value not in facts.amounts:
            verdict.problems.append(f"price not from a tool: ${amount}")
    for title in names.titles_in(reply):
        if title.lower() not in facts.titles:
            verdict.problems.append(f"product not from a tool: {title}")
    for product_id in names.ids_in(reply):
        if product_id not in facts.ids:
            verdict.problems.append(f"id not from a tool: {product_id}")
    if _STOCK.search(reply) and not facts.has_product_data:
        verdict.problems.append("stock claim without product data")
    return verdict


def repair(reply: str, facts: Facts, names: CatalogNames = NO_NAMES) -> str:
    """The reply without the sentences that fail grounding (empty if nothing survives)."""
    kept = [s for s in _SENTENCE.split(reply) if s.strip() and ground(s, facts, names).ok]
    return " ".join(kept).strip()
