"""The disclosure guard: what a reply may never contain, whatever the model was talked into.

Grounding (guardrails.py) checks that facts come from tools; this checks what no tool can
justify: the system prompt's instructions, the service's secrets, discount codes the shop does
not offer, and $0 prices. A reply that fails is replaced by a polite decline, so a model that
complies with a prompt injection still cannot make it reach the shopper.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import BaseModel, SecretStr

DECLINE = (
    "I can't help with that, but I'm happy to help you find gear, put together a cart, "
    "check on your order or answer a store question."
)
SHINGLE = 8  # a run of this many instruction words in a reply is a leak, not a coincidence
MIN_SECRET = 8
_WORD = re.compile(r"[a-z0-9]+")
_QUOTED = re.compile(r"\"[^\"\n]*\"")
_CODE = re.compile(  # a word like code/coupon, then something written like a code: FREE100
    r"\b(?:[Cc]ode|CODE|[Cc]oupon|COUPON|[Pp]romo|PROMO|[Vv]oucher)\b\W{0,3}([A-Z0-9][A-Z0-9_-]{3,})"
)
_ZERO_PRICE = re.compile(r"\$\s?0+(?:\.0{1,2})?(?![\d.,]*[1-9])")


class DisclosureGuard:
    """Built once per shop from its system prompts, its settings' secrets and its codes."""

    def __init__(
        self, instructions: Iterable[str], secrets: Iterable[str], codes: Iterable[str]
    ) -> None:
        self._shingles: set[tuple[str, ...]] = set()
        for text in instructions:
            self._shingles.update(_shingles(_QUOTED.sub(" ", text)))  # quoted lines may be said
        self._secrets = sorted({s for s in secrets if len(s) >= MIN_SECRET}, key=len)
        self._codes = {c.upper() for c in codes}

    def problems(self, reply: str) -> list[str]:
        """Why the reply may not be sent (empty when it may)."""
        found = []
        if any(shingle in self._shingles for shingle in _shingles(reply)):
            found.append("repeats the system prompt")
        if any(secret in reply for secret in self._secrets):
            found.append("contains a secret")
        for code in _CODE.findall(reply):
            if code not in self._codes and any(c.isalpha() for c in code):
                found.append(f"offers a discount code the shop does not have: {code}")
        if _ZERO_PRICE.search(reply):
            found.append("states a $0 price")
        return found

    def allows(self, text: str) -> bool:
        return not self.problems(text)


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


def secret_values(settings: BaseModel) -> list[str]:
    """Every `SecretStr` value in a settings tree (nested groups, lists and dicts included)."""
    found: list[str] = []
    _collect(settings, found)
    return found


def _collect(value: object, found: list[str]) -> None:
    if isinstance(value, SecretStr):
        found.append(value.get_secret_value())
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            _collect(getattr(value, name), found)
    elif isinstance(value, dict):
        for item in value.values():
            _collect(item, found)
    elif isinstance(value, list | tuple):
        for item in value:
            _collect(item, found)
