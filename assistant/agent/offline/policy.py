"""From what a message is (its dialogue act, read by the classifier) and what the conversation
holds (the state carried from the last reply) to the flow that answers it.

The act says what the shopper does: narrows a search, asks which shown item is the lightest,
picks one, chooses a size, corrects a choice. The state says what it applies to: the search
being narrowed, the items shown, the item in focus, the choice pending. Patterns serve only
what they are good at here: ordinals, amounts and units (through the query parser), names of
products shown. A reading the classifier is unsure of returns None: the caller falls back to
the keyword rules, then to one clarifying question, then to a person.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.agent.offline import (
    cart,
    lines,
    products,
    ranking,
    refine,
    several,
    shopping,
    signals,
)
from assistant.agent.offline.actions import Action
from assistant.agent.offline.kit import Turn, named_product
from assistant.agent.offline.lookup import by_name, lookup
from assistant.agent.offline.options import options_said
from assistant.agent.offline.service import faq
from assistant.agent.understanding import Reading
from assistant.retrieval.query import ParsedQuery

# Below this, the rules decide (the classifier's held-apart accuracy falls under 80 % there).
MIN_CONFIDENCE = 0.5
# A question about the shop read this surely wins over product words in it.
POLICY_CONFIDENCE = 0.8
# A question read as about the shop's policies or an order's problem, the two together this
# surely, is one too.
SHOP_SHARE = 0.6


# Acts that answer "which colour would you like?" when it was just asked (a bare option value
# reads as any of these).
_CHOICE_ACTS = {"search", "refine", "negate", "pick", "choose_variant", "checkout", "superlative"}


# Acts about the cart being made; after a link, their shares add up ("actually 2" reads as a
# variant choice, a correction or a checkout, each unsure, all about the cart).
_CART_ACTS = {"choose_variant", "correct", "checkout"}


def _ranked(reading: Reading) -> list[tuple[str, float]]:
    return [(reading.act, reading.confidence), *reading.runners_up]


# Acts of looking for products: with something shown, the state tells a new search from a
# narrower or shifted one (the classifier cannot: "only black ones" reads as either).
_LOOKING = {"search", "refine", "negate"}
_ONE = re.compile(r"\b(?:it|its|it's|that one|this one)\b", re.IGNORECASE)
_ALL = re.compile(
    r"\b(?:they|them|these|those|any of|all of (?!us\b|you\b)|each|which of)\b", re.IGNORECASE
)  # "all of them", not "fits all of us"


class Evidence:
    """What the message and the state say beside the act, computed once."""

    def __init__(self, turn: Turn) -> None:
        self.turn = turn
        self.parsed: ParsedQuery = turn.kit.parser.parse(turn.text)
        carry = turn.carry
        self.shown = bool(carry.shown)
        self.focus = carry.focus is not None
        self.names_kind = bool(self.parsed.filters.categories)  # "tents", "a jacket"
        self.names_shown = named_product(carry.shown, turn.text) is not None
        index = signals.ordinal(turn.text)
        self.points = index is not None and -len(carry.shown) <= index < len(carry.shown)
        self.searching = bool(carry.search) and carry.intent in ("search", "product", "rank")
        self.buying = carry.intent == "checkout" or carry.awaiting == "variant"
        self.choosing = carry.awaiting == "variant" and not self.names_kind
        looked_at = turn.looked_at()  # "the 32oz one", "normal width", "l/xl" of it
        self.says_an_option = bool(looked_at and options_said(turn.text, looked_at.options()))
        self.new_kind = self.names_kind and not self.names_shown
        named = by_name(turn)  # "the updraft hoody": by its name, though a Drift Sun Hoody shows
        self.names_other = named is not None and named not in {s.product_id for s in carry.shown}
        self.names_shown = self.names_shown and not self.names_other
        self.asks = bool(signals.QUESTION.search(turn.text))
        self.new_kind = self.new_kind or (self.names_kind and self.names_other)
        self.bounded = (
            bool(self.parsed.understood) or self.parsed.sort is not None or self._adds_to_search()
        )
        self.refers_item = self.points or self.names_shown or bool(_ONE.search(turn.text))
        self.refers_all = len(carry.shown) > 1 and bool(_ALL.search(turn.text))
        in_cart = carry.cart.get("product_id")
        measured = turn.by_measure() if carry.cart else None  # "the 3 person" of the tents
        self.switches = bool(measured and measured != in_cart)

    def _adds_to_search(self) -> bool:
        """Whether the message constrains the search shown more, read with it ("we're a family
        of 4": sleeps 4 of the tents shown, though alone it names no tent)."""
        searched = refine.base(self.turn)
        if not searched:
            return False
        parse = self.turn.kit.parser.parse
        before, after = parse(searched).filters, parse(f"{searched} {self.turn.text}").filters
        return after.model_copy(update={"in_stock": before.in_stock}) != before

    @property
    def about_shown(self) -> bool:
        """The message is about what is on screen, not a new kind of product."""
        return (self.shown or self.focus) and (not self.names_kind or self.names_shown)


def decide(turn: Turn, reading: Reading) -> Action | None:
    """The flow for a message read with confidence (None: let the rules decide).

    Acts that go on from what is on screen (narrow, shift, pick, ask about, choose, correct)
    need something shown; a question about how the shop works is answered as one though it
    names a kind of product ("if the jacket doesn't fit can I swap it?"). A first message with
    nothing shown, or one naming products by name, is left to the rules, which read names and
    kinds of products better than the classifier does."""
    seen = Evidence(turn)
    if (about_the_cart := _cart(turn, seen, reading)) is not None:
        return about_the_cart
    if refine.for_someone_else(turn):
        return refine.same(turn)  # "do you have the same one for my husband"
    if reading.unsure or reading.confidence < MIN_CONFIDENCE:
        # Unsure what it is, sure what it says: constraints on what is shown narrow it
        # ("anything roomier? we might bring the dog").
        if (seen.searching or seen.shown) and seen.bounded and not seen.refers_item:
            return _look(turn, seen, reading)
        if seen.names_shown and signals.QUESTION.search(turn.text):
            return products.product_question(turn)  # "how cold can the cub one go"
        asks_of_one = sum(c for act, c in _ranked(reading) if act == "ask_attribute") >= 0.3
        questions_one = seen.refers_item and bool(signals.QUESTION.search(turn.text))
        if asks_of_one and questions_one and turn.refer() is not None:
            return products.product_question(turn)  # "what countries does it work in"
        f = seen.parsed.filters
        limits = f.measures or f.color or f.size or f.price_max or f.price_min
        if seen.shown and not limits and by_name(turn) is not None:
            return lookup(turn, "product")  # "the updraft hoody looks good": that one
        return None
    shop_share = sum(c for act, c in _ranked(reading) if act in ("policy", "order_problem"))
    if reading.act in ("policy", "order_problem") and (
        reading.confidence >= POLICY_CONFIDENCE or shop_share >= SHOP_SHARE
    ):
        return faq(turn)  # "wore them once n they hurt, can i send them back"
    if reading.act == "checkout" and not (seen.shown or seen.focus) and cart.names_product(turn):
        return lookup(turn, "checkout")  # "buying the flashpoint stove"
    if not (seen.shown or seen.focus or seen.buying):
        return None
    if reading.act not in _POLICY and reading.act not in _LOOKING:
        return None
    if seen.names_other and reading.act in ("pick", "ask_attribute", "checkout", "choose_variant"):
        # a product not shown, named by its name: "the updraft hoody looks good"
        return lookup(turn, "checkout" if reading.act in _CART_ACTS else "product")
    if seen.choosing and (reading.act in _CHOICE_ACTS or seen.says_an_option):
        return cart.checkout(turn)  # "Brushed Steel", "the 20 oz": the option asked for
    if reading.act in ("choose_variant", "checkout") and seen.says_an_option and not seen.new_kind:
        return cart.checkout(turn)  # "l/xl" of the one sun hat left, "regular length is fine"
    filters = seen.parsed.filters
    if turn.carry.cart and not seen.new_kind and (filters.color or filters.size):
        return cart.correct(turn)  # after a link: "the blue speckle one", "in a medium"
    looking = reading.act in _LOOKING or (
        reading.act in ("ask_attribute", "choose_variant", "pick")
        and seen.bounded
        and not seen.refers_item
        and not seen.refers_all
    )  # "at least 70 litres", "bigger than a liter?": constraints on the search, not a choice
    measured = seen.parsed.filters.measures or seen.parsed.filters.price_max is not None
    asks_each = (
        seen.refers_all and seen.parsed.sort is None and not measured and not seen.buying
    )  # "which of them come in xxl"; "any of those under a kilo" looks further
    if asks_each and reading.act not in ("superlative", "compare") and products.of_all_shown(turn):
        return products.product_question(turn)  # "which of them come in xxl"
    if looking:
        return _look(turn, seen, reading)
    return _POLICY[reading.act](turn, seen)


def _cart(turn: Turn, seen: Evidence, reading: Reading) -> Action | None:
    """A message about the cart, whatever it reads as: a choice or a correction of its last
    line, a variant of the product named, one more thing, several, one taken out."""
    carry, f = turn.carry, seen.parsed.filters
    cart_share = sum(c for act, c in _ranked(reading) if act in _CART_ACTS)
    if seen.buying and reading.act in _CART_ACTS and cart_share >= MIN_CONFIDENCE:
        # "actually 2" after a link: choose, correct or check out, though unsure which
        if reading.act == "correct" or (carry.cart and reading.act != "checkout"):
            return cart.correct(turn)
        return cart.checkout(turn)
    if carry.cart and (seen.says_an_option or seen.switches) and not seen.new_kind:
        return cart.correct(turn)  # "no not the 20, the 32oz one", "the other one, the 3 person"
    if carry.focus and not carry.cart and cart.only_options(turn):
        return cart.checkout(turn)  # "the fern one" of the lumbar pack named: that variant
    if (dropped := several.dropped(turn)) is not None:
        return dropped  # "actually drop the pot, i have one"
    if lines.named_line(turn) is not None and (f.color or f.size or signals.quantity(turn.text)):
        return cart.correct(turn)  # "actually make the beanie charcoal"
    if several.adds(turn):
        return lookup(turn, "checkout")  # "oh and 2 fuel canisters w it": one more line
    if reading.act in ("checkout", "choose_variant") and (listed := several.parts(turn)):
        return several.look_up(turn, listed)  # "the flashpoint stove and the titanium pot"
    other = seen.new_kind or seen.names_other or seen.asks
    if carry.cart and (f.color or f.size) and not other:
        return cart.correct(turn)  # "actually mustard": the cart's item (maybe sold out)
    return None


def _look(turn: Turn, seen: Evidence, reading: Reading) -> Action | None:
    """Products again: a search for other things, or a new kind, is a new search; a measure
    up or down shifts from what was shown; anything else narrows the search shown (or the kind
    of the item in focus)."""
    if _starts_over(turn, seen, reading):
        return shopping.search(turn, turn.text)
    if seen.parsed.sort is not None and seen.shown:
        return refine.shift(turn, seen.parsed.sort)  # relative to what was shown, by nature
    if seen.new_kind:
        return shopping.search(turn, turn.text)
    if seen.bounded or seen.searching or seen.shown:
        return refine.narrow(turn)
    return None


def _starts_over(turn: Turn, seen: Evidence, reading: Reading) -> bool:
    """A sure search naming products by words of their names, none of them of the search
    shown, pointing at nothing shown and comparing with nothing: a new search (a pillow after
    sleeping pads), though it names no kind the catalog's categories know."""
    if reading.act != "search" or reading.confidence < POLICY_CONFIDENCE:
        return False
    if seen.refers_item or seen.refers_all or seen.parsed.sort is not None:
        return False  # "lighter?", "that for kids": relative to what is shown
    if signals.FOLLOW_UP.search(turn.text):
        return False
    words = turn.kit.parser.title_words_of(seen.parsed.text)
    before = turn.kit.parser.title_words_of(refine.base(turn))
    return bool(words) and bool(before) and not words & before


def _superlative(turn: Turn, seen: Evidence) -> Action | None:
    """ "which has the longest battery life" of the items shown; "lightest tent" anew."""
    sort = seen.parsed.sort
    if sort is None:
        return None  # no measure understood ("compare the top two"): the rules
    if len(turn.carry.shown) >= 2 and seen.about_shown:
        if sort.by == "price":
            return products.product_question(turn)  # "which is cheapest": the price road
        pointed = [i for i in signals.ordinals(turn.text) if -len(turn.carry.shown) <= i < 4]
        return ranking.among_shown(turn, sort, pointed if len(set(pointed)) >= 2 else [])
    return shopping.search(turn, turn.text)


def _compare(turn: Turn, seen: Evidence) -> Action | None:
    sort = seen.parsed.sort
    if sort is not None and sort.by != "price" and len(turn.carry.shown) >= 2 and seen.points:
        return _superlative(turn, seen)  # "is the first heavier than the third?"
    return shopping.compare(turn)


def _ask_attribute(turn: Turn, seen: Evidence) -> Action | None:
    """ "what's the fill on that one?", "how tall is the second one?", "is it washable?"; "and
    the deepfreeze, what's its r value" names one by a word of its name, shown or not: a
    lookup finds it (and falls back on what is shown when it names none)."""
    looking_at_one = seen.focus and len(turn.carry.shown) == 1 and not seen.names_kind
    if (seen.about_shown and (seen.points or seen.names_shown)) or looking_at_one:
        return products.product_question(turn)  # "any recycled material?" of the one shown
    return lookup(turn, "product")  # by its name, else (no name) the one meant among shown


def _pick(turn: Turn, seen: Evidence) -> Action | None:
    """ "the second one", "the blue one": the item chosen, for what was pending."""
    if seen.buying:
        return cart.checkout(turn)
    if seen.about_shown:
        return products.product_question(turn)
    return None


def _choose_variant(turn: Turn, seen: Evidence) -> Action | None:
    """ "large", "three of the small", "the charcoal one in large": a cart choice."""
    if seen.buying or seen.about_shown:
        return cart.checkout(turn)
    return None


def _correct(turn: Turn, seen: Evidence) -> Action | None:
    """ "sorry, the other one", "make that a medium", "actually 2"."""
    if seen.buying:
        return cart.correct(turn)
    if turn.carry.awaiting == "product" or (seen.about_shown and seen.points):
        return products.product_question(turn)
    if seen.searching:
        return refine.narrow(turn)
    return None


def _checkout(turn: Turn, seen: Evidence) -> Action | None:
    if seen.names_kind and not seen.names_shown:
        return lookup(turn, "checkout")
    return cart.checkout(turn)


_POLICY: dict[str, Callable[[Turn, Evidence], Action | None]] = {
    "superlative": _superlative,
    "compare": _compare,
    "ask_attribute": _ask_attribute,
    "pick": _pick,
    "choose_variant": _choose_variant,
    "correct": _correct,
    "checkout": _checkout,
}
