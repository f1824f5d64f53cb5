"""Finding the product a shopper names ("is the Ridgeline 3L Rain Jacket waterproof?") the way a
model would: search the catalog, then take the hit whose name the message spells out."""

from __future__ import annotations

import math
import re
from typing import Any

from assistant.agent.offline.actions import Action, Call
from assistant.agent.offline.kit import Turn
from assistant.agent.offline.memory import Step
from assistant.retrieval.query import QueryParser, title_words

_GENERIC = {"s", "the", "a", "an", "and", "for", "with", "of", "in", "men", "women", "kids", "kid"}
_GENDERS = {"men": "men", "mens": "men", "man": "men", "women": "women", "womens": "women",
            "woman": "women", "ladies": "women", "kids": "kids", "kid": "kids"}  # fmt: skip


def _core(title: str) -> set[str]:
    """The words that name a product: its title without gender and filler words."""
    return {w for w in title_words(title.replace("'s", "")) if w not in _GENDERS} - _GENERIC


def named(text: str, cards: list[dict[str, Any]], parser: QueryParser) -> str | None:
    """The product the message names: its whole title (gender aside), most of it including
    a word that sets it apart from the other results and of the kind the message names, or a
    name word (`parser.is_name`) only it has among them ("the drizzle", not "waterproof" or
    "hiking"); the shopper's gender breaks ties."""
    said = set(title_words(text))
    kinds = set(parser.parse(text).filters.categories)  # "trail runners" is no Trail Runner Cap
    genders = {_GENDERS[w] for w in said if w in _GENDERS}
    genders |= set(parser.parse(text).filters.attributes.get("gender", [])[:1])  # "guy": men
    cores = [_core(card["title"]) for card in cards]
    best: tuple[int, int, int] | None = None
    pick = None
    for rank, (card, core) in enumerate(zip(cards, cores, strict=True)):
        matched = core & said
        by_name = any(parser.is_name(w) and _only(w, cores) for w in matched)  # "the drizzle"
        naming = {w for w in core if not _spec(w)} or core
        if not core or (len(matched) < max(2, math.ceil(0.6 * len(naming))) and not by_name):
            continue  # most of its name, specs not needed ("soft flask": Soft Flask 500 ml)
        if matched != core and not any(_distinctive(w, cores) for w in matched):
            continue  # a partial name must include a word that sets the product apart
        if matched != core and kinds and card.get("category") not in kinds:
            continue  # nor name another kind than the one the message names
        title_genders = {_GENDERS[w] for w in title_words(card["title"]) if w in _GENDERS}
        gender = 1 if title_genders & genders or not (title_genders and genders) else -1
        score = (len(matched), gender, -rank)
        if best is None or score > best:
            best, pick = score, card["product_id"]
    return pick or _holding_all(said, cards, cores, kinds)


def _holding_all(
    said: set[str], cards: list[dict[str, Any]], cores: list[set[str]], kinds: set[str]
) -> str | None:
    """The one result (of the kind the message names, if it names one) whose name holds every
    word the message shares with the results' names: "the titanium pot" is the Trail Cook Pot
    1.1L Titanium, not the titanium spork; "a beanie", the one beanie; "a headlamp for my
    kid", the one headlamp among kids' things. The words of a kind name none of several things
    of that kind ("hiking boots"), and one word names only the thing it is ("long" is no
    spork)."""
    eligible = [
        (card, core)
        for card, core in zip(cards, cores, strict=True)
        if not kinds or card.get("category") in kinds
    ]
    named_words = {w for w in said & set().union(*(core for _, core in eligible)) if not _spec(w)}
    words = set(named_words)
    for kind in kinds:  # a kind's words name none of several things of that kind
        if len({frozenset(core) for card, core in eligible if card.get("category") == kind}) > 1:
            words -= set(title_words(kind))
    if not words:
        return None
    holding = [(card, core) for card, core in eligible if words <= core]
    if len({frozenset(core) for _, core in holding}) != 1:
        return None  # none, or several names: a search, not a name
    card = holding[0][0]
    if len(words) < 2 and _head(card["title"]) not in named_words:
        return None  # one word names the thing it is ("ski gloves"), not a feature ("long")
    return str(card["product_id"])


def _head(title: str) -> str:
    """The word a name ends with, specs, cut and extras aside: "beanie" of "Basecamp Beanie",
    "adapter" of "Universal Travel Adapter with USB-C"."""
    name = re.sub(r"\s+-\s+.*$|\s+with\s+.*$|\(.*?\)", "", title, flags=re.IGNORECASE)
    words = [w for w in title_words(name) if w.isalpha()]
    return words[-1] if words else ""


def _spec(word: str) -> bool:
    """A word of a title that states a spec, not a name: "500", "ml", "3l", "2"."""
    return len(word) <= 2 or any(c.isdigit() for c in word)


def _only(word: str, cores: list[set[str]]) -> bool:
    """A word only one product (or its men's and women's versions) has among the results."""
    having = {frozenset(core) for core in cores if word in core}  # twins share one core
    return len(having) == 1


def _distinctive(word: str, cores: list[set[str]]) -> bool:
    """A word of few result titles: a name ("Ridgeline"), not what they all are ("jacket")."""
    if word.isdigit() or len(word) < 3:
        return False
    return sum(word in core for core in cores) * 2 <= max(len(cores), 2)


def lookup(turn: Turn, then: str) -> Action:
    """The product the message names, by its name when the catalog knows it, else a search
    for it; `then` is the flow that continues with it."""
    if (product_id := by_name(turn)) is not None:
        flow = "checkout" if then == "choice" else then
        return Call(Step(flow=flow), [("get_product", {"product_id": product_id})])
    query = {"query": turn.text, "filters": {"in_stock": False}, "limit": 8, "read_filters": False}
    return Call(Step(flow="lookup", data={"then": then}), [("search_products", query)])


def found(turn: Turn) -> str | None:
    """After `lookup`: the named product's id, if the search found it."""
    cards = turn.memory.result("search_products").get("products", [])
    return named(turn.text, cards, turn.kit.parser)


def by_name(turn: Turn) -> str | None:
    """The one product the message names by the name it leads with ("the nano", "the meadow
    ones"): of several with that name, the one shown, of the kind shown or named, or of the
    shopper's gender; None while more than one product remains."""
    owners = turn.kit.parser.named_by(turn.text)
    shown = {s.product_id: s.category for s in turn.carry.shown}
    kinds = set(turn.kit.parser.parse(turn.text).filters.categories) or set(shown.values())
    said = {_GENDERS[w] for w in title_words(turn.text) if w in _GENDERS}
    for keep in (
        lambda p: p.id in shown,
        lambda p: p.category in kinds,
        lambda p: bool(said & {_GENDERS[w] for w in title_words(p.title) if w in _GENDERS}),
    ):
        if len(owners) > 1:
            owners = [p for p in owners if keep(p)] or owners
    return owners[0].id if len(owners) == 1 else None
