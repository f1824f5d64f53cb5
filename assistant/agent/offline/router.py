"""Which flow a shopper's message starts, in priority order; and the flows' resumption."""

from __future__ import annotations

import re
from dataclasses import replace

from assistant.agent.offline import (
    cart,
    policy,
    products,
    ranking,
    refine,
    several,
    shopping,
    signals,
)
from assistant.agent.offline.actions import Action, Call
from assistant.agent.offline.kit import Turn, named_product
from assistant.agent.offline.lookup import found, lookup
from assistant.agent.offline.memory import Step
from assistant.agent.offline.service import faq, gift, handoff, order, small_talk
from assistant.retrieval.query import ParsedQuery

GREETING_CHIPS = ["Find a gift", "Rain jackets", "Shipping & returns", "Track my order"]
# A product request whose best match is this similar is shown though weak ("something to keep
# my coffee hot": a tumbler at 0.45); below it, the shop does not carry it (e-bikes: 0.2).
NEAR_PRODUCT_MATCH = 0.3
# "anything brighter?", "got something lighter": more products, not a pick among those shown
_ASKS_FOR_MORE = re.compile(
    r"\b(?:anything|something|any|another|others?|else|show me|got)\b", re.I
)
# Words that carry on from the last answer ("what about sale items?")
_CONTINUES = re.compile(r"\s*(?:and|also|but|so|what about|how about|what if)\b", re.I)


def _ranks_shown(turn: Turn, names_products: bool) -> Action | None:
    """ "Which has the longest battery life?", "is the first heavier than the third?": the
    products shown ordered by the measure the words mean (a price question keeps its own
    road; asking for anything more is a new search)."""
    shown = turn.carry.shown
    if len(shown) < 2 or names_products or _ASKS_FOR_MORE.search(turn.text):
        return None
    sort = turn.kit.parser.parse(turn.text).sort
    if sort is None or sort.by == "price":
        return None
    pointed = [i for i in signals.ordinals(turn.text) if -len(shown) <= i < len(shown)]
    return ranking.among_shown(turn, sort, pointed if len(set(pointed)) >= 2 else [])


def route(turn: Turn, greeting: str, sign_off: str) -> Action:
    """Start the flow the message asks for (safety and people first, then the task)."""
    text, carry = turn.text, turn.carry
    for reason, pattern in signals.SENSITIVE.items():
        if pattern.search(text):
            return handoff(turn, f"sensitive topic: {reason}")
    if signals.HUMAN.search(text):
        return handoff(turn, "shopper asked for a person")
    if signals.FRUSTRATION.search(text):
        return handoff(turn, "shopper is frustrated", apologise=True)
    if signals.GREETING.match(text):
        answer = turn.answer(greeting, quick_replies=GREETING_CHIPS)
        return answer
    about_order = _about_an_order(text) or (
        carry.awaiting == "order_details" and _order_facts(text)
    )
    if about_order and not _policy_question(text) and not _a_problem_asked_about(turn):
        return order(turn)
    if (
        carry.awaiting == "gift_facts"
        and _gift_facts(text)
        and not signals.GIFT_POLICY.search(text)
    ):
        return gift(turn)
    reading = turn.reading()
    if reading is not None and (decided := policy.decide(turn, reading)) is not None:
        return decided
    return _by_rules(turn, sign_off)


def _a_problem_asked_about(turn: Turn) -> bool:
    """ "My order came with a broken zipper, who do I talk to": a problem with an order, named
    by no number, is a question the shop's policies answer (they say what to send)."""
    reading = turn.reading()
    return (
        reading is not None
        and reading.act == "order_problem"
        and reading.confidence >= policy.POLICY_CONFIDENCE
        and turn.carry.awaiting != "order_details"
        and not signals.order_id(turn.text)
    )


def _by_rules(turn: Turn, sign_off: str) -> Action:
    """A message the classifier is unsure of (or with no classifier): the keyword rules."""
    text, carry = turn.text, turn.carry
    parsed = turn.kit.parser.parse(text)
    names_products = bool(parsed.filters.categories)
    about_product = bool(
        (carry.shown or carry.focus)
        and (signals.PRODUCT_QUESTION.search(text) or turn.kit.parser.names_attribute(text))
        and (signals.FOLLOW_UP.search(text) or signals.ordinal(text) is not None)
    )
    if _policy_question(text) and not about_product:
        return faq(turn)
    if _about_an_order(text) or (carry.awaiting == "order_details" and _order_facts(text)):
        return order(turn)
    if signals.GIFT.search(text) and signals.GIFT_POLICY.search(text):
        return faq(turn)
    if refine.for_someone_else(turn) and not signals.GIFT_OCCASION.search(text):
        return refine.same(turn)  # "got the same kind for my wife?": what was shown, hers
    names_a_thing = names_products or turn.kit.parser.names_a_thing(text)  # "a camp chair"
    gift_asked = signals.GIFT.search(text) and (
        not names_a_thing or signals.GIFT_OCCASION.search(text)
    )
    if gift_asked or (carry.awaiting == "gift_facts" and _gift_facts(text)):
        return gift(turn)
    other_task = (
        signals.POLICY.search(text)
        or signals.COMPARE.search(text)
        or signals.OUT_OF_SCOPE.search(text)
        or names_products
    )
    if carry.awaiting in ("variant", "product") and carry.intent == "checkout" and not other_task:
        return cart.checkout(turn)
    if signals.CHECKOUT.search(text):
        if listed := several.parts(turn):
            return several.look_up(turn, listed)  # "the rapidboil and two fuel canisters"
        if not names_products or named_product(carry.shown, text):
            return cart.checkout(turn)
        return lookup(turn, "checkout")
    if ranked := _ranks_shown(turn, names_products):
        return ranked
    if signals.COMPARE.search(text):
        return shopping.compare(turn)
    if signals.THANKS.search(text) and len(text.split()) <= 6:
        return small_talk(turn, "thanks")
    if signals.BYE.search(text):
        return turn.answer(sign_off)
    if signals.OUT_OF_SCOPE.search(text) and not names_products:
        return small_talk(turn, "out_of_scope", persona=turn.kit.persona, brand=turn.kit.brand)
    refers = signals.FOLLOW_UP.search(text) or signals.ordinal(text) is not None
    asks_about = (
        signals.PRODUCT_QUESTION.search(text) or turn.kit.parser.names_attribute(text)
    ) and (refers or carry.focus)
    if (
        (carry.shown or carry.focus)
        and not names_products
        and (asks_about or carry.awaiting == "product")
    ) or _points_at_focus(turn):
        return products.product_question(turn)
    if signals.POLICY.search(text) and not names_products:
        return faq(turn)
    if signals.PRODUCT_QUESTION.search(text) and not refers:
        return lookup(turn, "product")
    constraints = parsed.understood
    if (
        carry.intent in ("search", "product")
        and carry.search
        and constraints
        and not names_products
    ):
        return shopping.search(turn, f"{carry.search} {text}")
    if _states_a_choice(text, parsed):
        return lookup(turn, "choice")  # "enamel mug in cream", "4 of the sporks in blue"
    if names_products or constraints:
        return shopping.search(turn, text)
    if carry.intent == "search" and carry.search and len(text.split()) <= 4:
        return shopping.search(turn, f"{carry.search} {text}")  # "for running": a refinement
    calls = [("search_faq", {"question": text}), ("search_products", {"query": text})]
    if carry.intent == "faq" and carry.topic:  # perhaps a follow-up on the policy just answered
        calls.append(("search_faq", {"question": f"{carry.topic} {text}"}))
    return Call(Step(flow="probe"), calls)


def _points_at_focus(turn: Turn) -> bool:
    """ "these gloves", "this jacket": a word of the product in focus after a pointing word."""
    focus = next((s for s in turn.carry.shown if s.product_id == turn.carry.focus), None)
    if focus is None:
        return False
    title = {w.rstrip("s") for w in re.findall(r"[a-z]+", focus.title.lower())}
    pointed = re.findall(r"\b(?:these|this|those|that|the)\s+([a-z]+)", turn.text.lower())
    return any(w.rstrip("s") in title for w in pointed) or (
        bool(re.search(r"\b(?:these|this|those|they|it)\b", turn.text.lower()))
        and bool(signals.PRODUCT_QUESTION.search(turn.text))
    )


# Words of someone browsing, not choosing: "show me rain jackets in blue".
_BROWSING = re.compile(
    r"\b(?:show|looking|look|search|find|recommend|suggest|options?|anything|something|any|"
    r"some|need|want a|got|have)\b|\?",
    re.I,
)


def _states_a_choice(text: str, parsed: ParsedQuery) -> bool:
    """A product named with an option or a count and no browsing words: a choice to buy
    ("merino liner gloves grey size m"); the lookup finds whether it names one product (a
    kind alone, "size 10 trail runners", names none: a search)."""
    said = parsed.filters.color or parsed.filters.size or signals.quantity(text)
    named = re.findall(r"[a-z]{3,}", parsed.text.lower())  # words left to name a product by
    browsing = _BROWSING.search(text) or signals.QUESTION.search(text)
    return bool(said) and bool(named) and not browsing


def _about_an_order(text: str) -> bool:
    """A particular order: its number, or words such as "where is my order" or "order status"."""
    if signals.order_id(text) and (signals.email(text) or signals.zip_code(text)):
        return True
    return bool(signals.ORDER.search(text))


def _policy_question(text: str) -> bool:
    """A question about how the shop works ("can I cancel my order before it ships?"), not a
    request to buy or about one particular order."""
    if not (signals.POLICY.search(text) and signals.QUESTION.search(text)):
        return False
    if signals.order_id(text) or signals.email(text):
        return False
    rest = signals.SHOP_WORDS.sub(" ", signals.MY_ORDER.sub(" ", text))
    return not (signals.CHECKOUT.search(rest) or signals.ORDER.search(rest))


def _order_facts(text: str) -> bool:
    """The message answers an order question: it holds an order number, an email or a ZIP."""
    return bool(signals.order_id(text) or signals.email(text) or signals.zip_code(text))


def _gift_facts(text: str) -> bool:
    """The message answers a gift question: a budget, a person, an age or an interest."""
    return bool(
        signals.budget(text)
        or signals.NO_BUDGET.search(text)
        or signals.RELATIONS.search(text)
        or signals.age(text) is not None
        or signals.INTERESTS.search(text)
    )


def resume(turn: Turn, step: Step) -> Action:
    """Continue the flow that called tools, now that their results are in."""
    flow = step.flow
    if flow == "search":
        return shopping.search(turn, step.data["query"])
    if flow == "product":
        return products.product_question(turn)
    if flow == "compare":
        return shopping.compare(turn)
    if flow == "rank":
        return ranking.ranked(turn, step)
    if flow == "shift":
        return refine.shifted(turn, step)
    if flow == "checkout":
        return cart.checkout(turn)
    if flow == "several":
        return several.chosen(turn)
    if flow == "faq":
        return faq(turn)
    if flow == "lookup":
        return _after_lookup(turn, step)
    if flow == "order":
        return order(turn)
    if flow == "gift":
        return gift(turn)
    if flow == "handoff":
        return handoff(
            turn, step.data.get("reason", ""), apologise="frustrated" in step.data.get("reason", "")
        )
    return _probe(turn)


def _after_lookup(turn: Turn, step: Step) -> Action:
    """The named product goes to the flow that asked. A question naming none, about nothing
    a search could narrow ("what's the temperature rating?"), is about what was just shown:
    the product in focus, or which one; so is one pointing at it ("is it waterproof?").
    Otherwise an ordinary search."""
    product_id = found(turn)
    if step.data["then"] == "choice":  # a named product becomes the cart's, else a search
        step = Step(flow="lookup", data={"then": "checkout" if product_id else "search"})
    about_shown = step.data["then"] == "product" and bool(turn.carry.shown)
    pointing = signals.FOLLOW_UP.search(turn.text)  # "is it waterproof?": not a search
    if (
        product_id is None
        and about_shown
        and (pointing or not turn.kit.parser.parse(turn.text).understood)
    ):
        product_id = turn.refer()
        if product_id is None:
            return turn.which_product(turn.carry.model_copy(deep=True))
    if product_id is None:
        return Call(
            Step(flow="search", data={"query": turn.text}),
            [("search_products", {"query": turn.text})],
        )
    return Call(Step(flow=step.data["then"]), [("get_product", {"product_id": product_id})])


def _probe(turn: Turn) -> Action:
    """An unclear message: answer from whichever source matched well; else from what the
    message is (its dialogue act, when read with confidence); else say what we can do. A
    message read as unsure (another language, noise) is never taken as a follow-up of the
    policy just answered: it gets the clarifying fallback, and a second one a person."""
    own, *follow_up = turn.memory.results.get("search_faq", [{}])
    products = turn.memory.result("search_products")
    reading = turn.reading()
    unsure = reading is not None and reading.unsure
    follows = any(r.get("match") == "strong" for r in follow_up) and not unsure
    looking = (  # "my feet get soaked walking the dog, what should i wear": products
        reading is not None
        and reading.act == "search"
        and reading.confidence >= policy.MIN_CONFIDENCE
        and bool(products.get("products"))
        and products.get("similarity", 0.0) >= NEAR_PRODUCT_MATCH
    )
    if looking:
        return shopping.search(turn, turn.text, weak_ok=True)
    if own.get("match") == "strong" or (follows and _CONTINUES.match(turn.text)):
        return faq(turn)
    if products.get("match") == "strong" and products.get("products"):
        return shopping.search(turn, turn.text)
    if follows:
        return faq(turn)
    if reading is not None and not unsure and (by_act := _by_act(turn, reading.act)):
        return by_act
    return small_talk(turn, "fallback")


def _by_act(turn: Turn, act: str) -> Action | None:
    """The flow of an act read with confidence, for a message no keyword placed. Acts about
    products shown need them (and the keyword roads above took those that had them)."""
    if act in ("search", "refine"):
        found = turn.memory.result("search_products")
        if found.get("products") and found.get("similarity", 0.0) >= NEAR_PRODUCT_MATCH:
            return shopping.search(turn, turn.text, weak_ok=True)
        # "any e-bikes?": said plainly, and unhelpful all the same (twice hands over)
        return turn.answer(turn.say("not_carried", brand=turn.kit.brand), fallback=True)
    if act in ("policy", "order_problem") and turn.memory.result("search_faq").get("entries"):
        return faq(turn)
    fresh = Turn(replace(turn.memory, step=None, results={}), turn.kit)  # a flow of its own
    if act == "order_status":
        return order(fresh)
    if act == "gift":
        return gift(fresh)
    if act == "human":
        return handoff(fresh, "shopper asked for a person")
    if act == "thanks":
        return small_talk(turn, "thanks")
    if act == "out_of_scope":
        return small_talk(turn, "out_of_scope", persona=turn.kit.persona, brand=turn.kit.brand)
    return None
