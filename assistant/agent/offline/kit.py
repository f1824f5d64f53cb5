"""What every flow needs: the memory of the conversation and the shop's wording and vocabulary."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from assistant.agent.offline.actions import Answer
from assistant.agent.offline.memory import Carry, Memory, Shown
from assistant.agent.offline.replies import Replies
from assistant.agent.offline.signals import ordinal
from assistant.agent.understanding import Reading
from assistant.brand.models import ChannelStyle
from assistant.retrieval.colours import ColourFamilies
from assistant.retrieval.measure_columns import SortBy
from assistant.retrieval.query import QueryParser, title_words

TEXT_LIST_CHANNELS = {"sms", "whatsapp", "messenger", "instagram"}


@dataclass
class Kit:
    """The engine's fixed equipment for one channel."""

    replies: Replies
    parser: QueryParser
    persona: str
    brand: str
    channel: str
    style: ChannelStyle | None = None  # the channel's length and card limits, when known
    link_length: int = 0  # a link in a reply is swapped for a tracked one this long
    acts: Callable[[str], Reading] | None = None  # a message's dialogue act, with a confidence
    # A product's value of a measure (or price) in base units, as a sort compares it.
    amount: Callable[[str, SortBy], float | None] = lambda product_id, sort: None
    # A value said of a measure ("2" person, "32" oz) in the base units `amount` compares in.
    amount_of: Callable[[str, float, str | None], float | None] = lambda measure, v, unit: None
    # The attribute a question asks about by its meaning ("fit in the overhead bin": carry_on),
    # given the question, the product's id and its attributes; None when none stands out.
    attribute_meant: Callable[[str, str, dict[str, str]], str | None] = lambda q, pid, a: None


@dataclass
class Turn:
    """One turn in progress: the memory, and helpers to write the answer."""

    memory: Memory
    kit: Kit
    _read: list[Reading | None] = field(default_factory=list, init=False, repr=False)

    @property
    def text(self) -> str:
        return self.memory.latest

    @property
    def carry(self) -> Carry:
        return self.memory.carry

    def reading(self) -> Reading | None:
        """What the message is taken to be (None where no classifier is set up), read with the
        names of products put as "that one": "I'll take the Deckhand Rain Jacket" and "buying
        the flashpoint stove" are checkouts, though the words of a name alone read as a search.
        The names are those of the products shown and those the message names by name. Read
        once a turn: the flows ask again and again."""
        if not self._read:
            self._read.append(self._reading())
        return self._read[0]

    def _reading(self) -> Reading | None:
        if self.kit.acts is None:
            return None
        text = self.text
        for item in self.carry.shown:
            for name in dict.fromkeys([item.title, item.title.split(" - ")[0]]):
                text = re.sub(re.escape(name), "that one", text, flags=re.IGNORECASE)
        for product in self.kit.parser.named_by(text):
            text = as_that_one(text, product.title)
        return self.kit.acts(text)

    def say(self, key: str, **values: Any) -> str:
        return self.kit.replies.render(key, self.memory.turn_count, **values)

    def answer(self, text: str, **kwargs: Any) -> Answer:
        carry = kwargs.pop("carry", self.carry)
        if (reading := self.reading()) is not None:  # what the desk is told if it comes to that
            carry.act, carry.confidence = reading.act, round(reading.confidence, 3)
        return Answer(text=text, carry=carry, **kwargs)

    def listing(self, cards: list[dict[str, Any]], reasons: bool = False) -> str:
        """Numbered lines for text-only channels; rich channels show the cards themselves."""
        if self.kit.channel not in TEXT_LIST_CHANNELS:
            return ""
        lines = []
        for n, card in enumerate(self.showable(cards), 1):
            line = f"{n}. {card['title']} - ${card['price']}"
            if reasons and card.get("reason"):
                line += f" ({card['reason']})"
            lines.append(line)
        return "\n" + "\n".join(lines)

    def refer(self, *, explicit: bool = False) -> str | None:
        """The product the shopper points at: 'the second one', 'the cheaper one', a name, 'it'.

        `explicit`: only an ordinal, a price word or a name; not the product in focus.
        """
        shown = self.carry.shown
        lowered = self.text.lower()
        index = ordinal(self.text)
        if index is not None and shown and -len(shown) <= index < len(shown):
            return shown[index].product_id
        if shown and re.search(
            r"\b(?:cheaper|budget) one\b|\b(?:cheaper|cheapest|least expensive|most affordable)\b",
            lowered,
        ):
            return min(shown, key=lambda s: float(s.price)).product_id
        if shown and re.search(
            r"\b(?:pricier|premium) one\b|\b(?:priciest|most expensive)\b", lowered
        ):
            return max(shown, key=lambda s: float(s.price)).product_id
        named = named_product(shown, lowered) or self.by_measure() or self._by_colour()
        if named or explicit:
            return named
        if self.carry.focus:
            return self.carry.focus
        if len(shown) == 1:
            return shown[0].product_id
        return None

    def by_measure(self) -> str | None:
        """ "The 2 person", "the 32 oz one": the product shown whose measure is the one said
        (of several, the first that also comes in the colour said)."""
        if not self.carry.shown:
            return None
        kinds = " ".join(dict.fromkeys(s.category for s in self.carry.shown))
        filters = self.kit.parser.parse(f"{self.text} {kinds}").filters  # "2 person" of tents
        if len(filters.measures) == 1:
            bound = filters.measures[0]
            said = bound.min if bound.max is None else bound.max if bound.min is None else None
            measure, unit = bound.measure, bound.unit
        elif sleeps := filters.attributes.get("sleeps"):
            said, measure, unit = min(float(n) for n in sleeps), "sleeps", None
        else:
            return None
        if said is None:
            return None
        sort = SortBy(by=measure, direction="asc")
        target = self.kit.amount_of(measure, said, unit)
        having = [
            s.product_id
            for s in self.carry.shown
            if target is not None
            and (value := self.kit.amount(s.product_id, sort)) is not None
            and abs(value - target) <= 1e-6 * max(1.0, abs(target))
        ]
        if len(having) > 1 and (coloured := self._by_colour()) in having:
            return coloured
        return having[0] if having else None

    def _by_colour(self) -> str | None:
        """ "The charcoal one": the first product shown that comes in the colour said (a
        catalog name or its family: "the blue one" finds Cobalt)."""
        said = self.kit.parser.parse(self.text).filters.color
        if not said:
            return None
        word = said.lower()
        for item in self.carry.shown:
            if any(word in c.lower() or word in _FAMILIES.of(c) for c in item.colors):
                return item.product_id
        return None

    def remember_shown(self, cards: list[dict[str, Any]]) -> list[Shown]:
        return [
            Shown(
                product_id=c["product_id"],
                title=c["title"],
                price=c["price"],
                category=c.get("category", ""),
                colors=c.get("colors_in_stock", []),
                sizes=c.get("sizes_in_stock", []),
                others=c.get("options_in_stock", {}),
            )
            for c in cards
        ]

    def looked_at(self) -> Shown | None:
        """The item being looked at: the one a cart or a pending choice is for, the one in
        focus, or the only one shown."""
        carry = self.carry
        wanted = carry.options_for or carry.cart.get("product_id") or carry.focus
        if wanted is None and len(carry.shown) == 1:
            return carry.shown[0]
        if carry.cart.get("product_id") == wanted and carry.cart.get("item"):
            return Shown.model_validate(carry.cart["item"])
        return next((s for s in carry.shown if s.product_id == wanted), None)

    def showable(self, cards: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The cards a reply can show on this channel (its `max_cards`), though a search
        returns more; later turns point only at those ("the cheapest one")."""
        limit = self.kit.style.max_cards if self.kit.style else len(cards)
        return cards[: max(limit, 1)]

    def which_product(self, carry: Carry) -> Answer:
        """Ask which of the products shown the shopper means; their question waits for it."""
        carry.awaiting, carry.question = "product", self.text
        titles = [s.title for s in carry.shown[:4]]
        return self.answer(self.say("ask_which_product"), carry=carry, quick_replies=titles)


def as_that_one(text: str, title: str) -> str:
    """The text with each run of words of the product's name (and the article before it) put
    as "that one": "buying the flashpoint stove" -> "buying that one"."""
    name = set(title_words(title))
    words = list(re.finditer(r"[A-Za-z0-9'\u2019]+", text))
    named = [bool(set(title_words(m.group(0))) & name) for m in words]
    out, at, n = [], 0, 0
    while n < len(words):
        if not named[n]:
            n += 1
            continue
        start = n
        if (
            start > 0
            and words[start - 1].group(0).lower() in ("the", "a", "an")
            and (start - 1 == 0 or not named[start - 2])
        ):
            start -= 1
        end = n
        while end + 1 < len(words) and named[end + 1]:
            end += 1
        out.append(text[at : words[start].start()] + "that one")
        at, n = words[end].end(), end + 1
    return "".join(out) + text[at:]


_FAMILIES = ColourFamilies.from_data()
_STOP = {"the", "a", "an", "one", "in", "it", "for", "and", "with", "men's", "women's", "-"}


def named_product(shown: list[Shown], text: str) -> str | None:
    """The shown product whose distinctive title words the shopper used ('the Ridgeline')."""
    lowered = text.lower()
    words = {w for w in re.findall(r"[a-z0-9']+", lowered) if not w.isdigit()} - _STOP
    titles = {s.product_id: set(re.findall(r"[a-z0-9']+", s.title.lower())) - _STOP for s in shown}
    matches = []
    for product_id, name in titles.items():
        others = set().union(*(w for pid, w in titles.items() if pid != product_id))
        if words & (name - others):
            matches.append(product_id)
    return matches[0] if len(matches) == 1 else None
