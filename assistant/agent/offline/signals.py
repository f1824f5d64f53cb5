"""What a shopper's message says, read with patterns: intents and the facts inside it."""

from __future__ import annotations

import re
from decimal import Decimal

from assistant.handoff import ABUSE, EXPLICIT_ASK
from assistant.handoff import FRUSTRATION as _FRUSTRATION
from assistant.handoff import SENSITIVE as _SENSITIVE
from assistant.handoff import any_word as _any

# An order number needs a '#', a letter prefix or the word "order": bare digits may be a ZIP.
ORDER_ID = re.compile(
    r"#\s?[A-Z]?\d{4,10}\b|\b[A-Z]-?\d{5,9}\b|\border\s+(?:number\s+|no\.?\s*)?\d{4,10}\b", re.I
)
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
ZIP = re.compile(
    r"\b(\d{5})(?:-\d{4})?\b|\b([A-Z]\d[A-Z] ?\d[A-Z]\d)\b|\b([A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})\b",
    re.I,
)
QUANTITY_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "a pair": 2, "a couple": 2}
ORDINALS = {
    "first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3,
    "fifth": 4, "5th": 4, "last": -1,
}  # fmt: skip


GREETING = re.compile(
    r"^\s*(?:hi|hello|hey|hiya|howdy|good (?:morning|afternoon|evening)|yo)\b"
    r"[\s!.,]*(?:there)?[\s!.]*$",
    re.I,
)
THANKS = _any(
    r"thanks?",
    r"thank you",
    r"thx",
    r"ty",
    r"cheers",
    r"appreciate it",
    r"perfect",
    r"great,? thanks",
)
BYE = _any(
    r"bye",
    r"goodbye",
    r"see you",
    r"that'?s all",
    r"that is all",
    r"nothing else",
    r"have a good (?:one|day)",
)
HUMAN = EXPLICIT_ASK
FRUSTRATION = re.compile(f"{_FRUSTRATION.pattern}|{ABUSE.pattern}", re.I)
SENSITIVE = _SENSITIVE
ORDER = _any(
    r"order status",
    r"where(?:'s| is) my (?:order|package|parcel|stuff)",
    r"track(?:ing)? (?:my )?(?:order|package)",
    r"my order",
    r"order number",
    r"has (?:it|my order) shipped",
    r"order\s*(?:#|no\.?|number)?\s*[a-z]?\d{4,}",
    r"#[a-z]\d{5,}",
)
CHECKOUT = _any(
    r"i'?ll take",
    r"i will take",
    r"i'?ll get",
    r"add (?:it|that|this|them|one|two|three|\d+)?\s*(?:to (?:my )?(?:cart|bag))?",
    r"to (?:my )?cart",
    r"buy (?:it|that|this|them|one|two|\d+|the|a|an)",
    r"(?:want|like|need|going) to (?:buy|order|get|purchase)",
    r"check ?out",
    r"checkout link",
    r"purchase",
    r"order (?:it|that|this|one)",
    r"i want (?:it|that|this|the|one|two)",
    r"i'?d like (?:it|that|this|the)",
    r"get me (?:the|one|two)",
    r"ring (?:it|me) up",
)
COMPARE = _any(
    r"compare",
    r"price difference",
    r"comparison",
    r"difference between",
    r"differences",
    r"which (?:one )?is (?:better|lighter|warmer|cheaper)",
    r"\bvs\.?",
    r"versus",
    r"side by side",
)
GIFT = _any(
    r"gifts?",
    r"present",
    r"stocking stuffer",
    r"birthday",
    r"christmas",
    r"holiday",
    r"anniversary",
    r"graduation",
    r"father'?s day",
    r"mother'?s day",
    r"for my (?:dad|mom|mum|father|mother|wife|husband|son|daughter|brother|sister|friend|partner"
    r"|boyfriend|girlfriend|niece|nephew|grandpa|grandma|kid|boss)",
)
POLICY = _any(
    r"return\w*",
    r"refund\w*",
    r"exchange\w*",
    r"shipping",
    r"ship",
    r"deliver\w*",
    r"warrant\w*",
    r"guarantee",
    r"pay(?:ment)?",
    r"klarna",
    r"afterpay",
    r"paypal",
    r"apple pay",
    r"gift ?cards?",
    r"store hours",
    r"open(?:ing)? hours",
    r"opening",
    r"close",
    r"located",
    r"address",
    r"pick ?up",
    r"price (?:match|adjust\w*)",
    r"promo",
    r"coupon",
    r"discount",
    r"sizing",
    r"size chart",
    r"size guide",
    r"repair",
    r"rent\w*",
    r"rewards?",
    r"points",
    r"password",
    r"account",
    r"unsubscribe",
    r"privacy",
    r"tax",
    r"international",
    r"canada",
    r"uk",
    r"care",
    r"wash\w*",
    r"clean\w*",
    r"damaged",
    r"missing",
    r"cancel\w*",
    r"overnight",
    r"expedited",
    r"express",
    r"(?:credit|debit) cards?",
    r"card types?",
    r"gift ?wrap\w*",
)
# A gift said in so many words; "a fleece hoodie for my husband" is a search with a gender.
GIFT_OCCASION = _any(
    r"gifts?", r"present", r"stocking stuffer", r"birthday", r"christmas", r"holiday",
    r"anniversary", r"graduation", r"father'?s day", r"mother'?s day",
)  # fmt: skip
# Policy topics that win over a gift request ("do you gift wrap?" asks about the shop, not a gift).
GIFT_POLICY = _any(
    r"gift ?wrap\w*", r"gift ?cards?", r"gift (?:receipt|message|purchases?)", r"wrapp\w*",
    r"return\w*", r"exchange\w*",
)  # fmt: skip
# "my order" alone names no particular order: with a policy word it is a policy question.
MY_ORDER = re.compile(r"\bmy order\b", re.I)
QUESTION = re.compile(
    r"\?|^\W*(?:can|could|do|does|is|are|how|what|when|where|who|which|will|would|should|may)\b",
    re.I,
)
# Words that add to what was said before ("oh and the stove", "plus a pot", "the fuel too")
ADDING = re.compile(
    r"^\W*(?:(?:oh|ok|okay|and|also|plus)\W+)*(?:and|also|plus)\b"
    r"|\b(?:too|as well|also|w(?:ith|/)? (?:it|that|them))\W*$",
    re.I,
)
# Words that take a thing out of a cart ("drop the pot", "no need for the fuel after all")
DROPPING = re.compile(
    r"\b(?:drop|remove|delete|take (?:off|out)|leave out|without|skip|cancel|scrap|ditch|"
    r"(?:don'?t|do not|no longer) need|no need for)\b",
    re.I,
)
# Checkout words that also appear in policy questions ("returns after purchase", "at checkout").
SHOP_WORDS = re.compile(r"\b(?:purchase\w*|check ?out|checkout|order)\b", re.I)
FOLLOW_UP = _any(
    r"it",
    r"its",
    r"it's",
    r"that one",
    r"this one",
    r"that",
    r"this",
    r"the (?:first|second|third|fourth|last|cheaper|cheapest|lighter|lightest|warmer|other) one",
    r"the (?:first|second|third|fourth|last|cheaper|cheapest)",
    r"the (?:least expensive|most affordable|most expensive|priciest)",
    r"them",
    r"they",
    r"those",
    r"these",
)
PRODUCT_QUESTION = _any(
    r"does (?:it|that|this|the \w+(?: one)?) come in",
    r"come in",
    r"available in",
    r"do you have (?:it|that|this|them|one) in",
    r"in (?:a )?size",
    r"is (?:it|that|this|the \w+(?: one)?) "
    r"(?:waterproof|warm|machine washable|washable|light|heavy|packable)",
    r"waterproof",
    r"washable",
    r"how (?:much does it weigh|heavy|warm|big|long)",
    r"weigh\w*",
    r"made of",
    r"material",
    r"what sizes",
    r"which sizes",
    r"what colou?rs",
    r"fit",
    r"care",
    r"temperature",
    r"in stock",
    r"how many (?:are )?left",
    r"tell me (?:more )?about",
    r"hold up",
    r"grip",
    r"how much (?:is|are|does|do|for)",
    r"price of",
    r"what does (?:it|that|this|the \w+(?: one)?) cost",
    r"more (?:details|info)",
    r"details",
    r"(?:which|what)(?:'s| is| one is)? (?:the )?"
    r"(?:cheapest|least expensive|most affordable|priciest|most expensive)",
)
OUT_OF_SCOPE = _any(
    r"weather",
    r"stock market",
    r"bitcoin",
    r"crypto",
    r"politic\w*",
    r"president",
    r"election",
    r"recipe",
    r"poem",
    r"joke",
    r"homework",
    r"write (?:me )?(?:a |some )?code",
    r"python",
    r"javascript",
    r"capital of",
    r"meaning of life",
    r"who are you voting",
    r"football score",
    r"movie",
)
NO_BUDGET = _any(
    r"no budget",
    r"any (?:price|budget)",
    r"doesn'?t matter",
    r"don'?t care about (?:the )?price",
    r"money is no object",
    r"whatever it costs",
)
RELATIONS = _any(
    r"dad",
    r"father",
    r"mom",
    r"mum",
    r"mother",
    r"wife",
    r"husband",
    r"son",
    r"daughter",
    r"brother",
    r"sister",
    r"friend",
    r"partner",
    r"boyfriend",
    r"girlfriend",
    r"niece",
    r"nephew",
    r"grandpa",
    r"grandfather",
    r"grandma",
    r"grandmother",
    r"kid",
    r"child",
    r"boss",
    r"coworker",
    r"colleague",
    r"teen",
    r"teenager",
    r"him",
    r"her",
    r"myself",
    r"me",
)
INTERESTS = _any(
    r"hik\w*",
    r"camp\w*",
    r"backpack\w*",
    r"run\w*",
    r"trail running",
    r"travel\w*",
    r"climb\w*",
    r"fish\w*",
    r"ski\w*",
    r"snowboard\w*",
    r"kayak\w*",
    r"paddl\w*",
    r"cook\w*",
    r"photograph\w*",
    r"walk\w*",
    r"cycl\w*",
    r"bik\w*",
    r"beach",
    r"festival\w*",
    r"commut\w*",
    r"outdoors",
)
AGE = re.compile(
    r"\b(\d{1,2})[- ]?(?:yo|years?[- ]old|yr old)\b|\b(?:age|aged)\s+(\d{1,2})\b", re.I
)
FEMALE = _any(
    r"mom",
    r"mum",
    r"mother",
    r"wife",
    r"daughter",
    r"sister",
    r"girlfriend",
    r"niece",
    r"grandma",
    r"grandmother",
    r"her",
    r"she",
)
MALE = _any(
    r"dad",
    r"father",
    r"husband",
    r"son",
    r"brother",
    r"boyfriend",
    r"nephew",
    r"grandpa",
    r"grandfather",
    r"him",
    r"he",
)
KID = _any(
    r"kid",
    r"child",
    r"son",
    r"daughter",
    r"niece",
    r"nephew",
)


def quantity(text: str) -> int | None:
    """'add two', 'x3', '3 of them', 'a pair' -> a count; None when not stated."""
    lowered = text.lower()
    if m := re.search(
        r"\b(?:x\s?|qty:?\s?|quantity:?\s?)(\d{1,5})\b"
        r"|\b(\d{1,5})\s?(?:x\b|of (?:them|those|these|it)|pairs?|units?|pieces?)",
        lowered,
    ):
        return int(m.group(1) or m.group(2))
    if m := re.search(r"\b(?:add|take|get|buy|want|need|order)\s+(\d{1,5})\b", lowered):
        return int(m.group(1))
    for word, count in QUANTITY_WORDS.items():
        if re.search(rf"\b(?:add|take|get|buy|want|need|order)\s+{word}\b", lowered):
            return count
    return None


def ordinals(text: str) -> list[int]:
    """Every ordinal in the text, in the order written ("the first ... the third" -> [0, 2])."""
    lowered = text.lower()
    found = [
        (m.start(), index)
        for word, index in ORDINALS.items()
        for m in re.finditer(rf"\b{word}\b", lowered)
        if word != "last" or _LAST.search(lowered)
    ]
    return [index for _, index in sorted(found)]


# "last" as a place in a list ("the last one", "last one"), not the verb ("how long does it
# last").
_LAST = re.compile(
    r"\b(?:the|that|this|your|my)\s+last\b|^\s*last\b|\blast\s+(?:one|ones|option|item)\b"
)


def ordinal(text: str) -> int | None:
    """'the second one' -> 1, 'the last one' -> -1, 'number 3' / '#2' -> 2 / 1."""
    lowered = text.lower()
    for word, index in ORDINALS.items():
        if re.search(rf"\b{word}\b", lowered) and (word != "last" or _LAST.search(lowered)):
            return index
    if m := re.search(r"(?:\bnumber|\bno\.?|\boption|#)\s?(\d)\b|^\s*(\d)\s*$", lowered):
        return int(m.group(1) or m.group(2)) - 1
    return None


def age(text: str) -> int | None:
    m = AGE.search(text)
    return int(m.group(1) or m.group(2)) if m else None


def budget(text: str) -> Decimal | None:
    """A stated budget ('under $50', '$100', 'around 80') as an upper bound."""
    if m := re.search(
        r"(?:under|below|less than|up to|max(?:imum)?|budget(?: of| is)?|around|about|~)?"
        r"\s*\$\s?(\d+(?:\.\d\d)?)"
        r"|\b(\d+(?:\.\d\d)?)\s?(?:dollars|bucks|usd)\b"
        r"|(?:under|below|less than|up to|budget(?: of| is)?|around|about)\s+(\d{2,5})\b",
        text,
        re.I,
    ):
        return Decimal(m.group(1) or m.group(2) or m.group(3))
    return None


def order_id(text: str) -> str | None:
    """The order number in a message, as typed ('#W1000001', 'W1000001', 'order 1001')."""
    m = ORDER_ID.search(text)
    return m.group(0) if m else None


def email(text: str) -> str | None:
    m = EMAIL.search(text)
    return m.group(0) if m else None


def zip_code(text: str, exclude: str | None = None) -> str | None:
    for m in ZIP.finditer(text):
        value = m.group(0)
        if exclude and value.strip("#") in exclude:
            continue
        return value
    return None
