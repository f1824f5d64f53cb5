"""Proof of ownership: the order's email or shipping ZIP/postcode, compared in constant time.

Emails match trimmed and case-insensitively. US ZIPs match on their first five digits, so
"10083-1234" proves "10083"; other postcodes (UK, Canada) match ignoring case and spaces, so
"sw1a 1aa" proves "SW1A 1AA". Both sides are hashed before `hmac.compare_digest`, so neither
the content nor the length of the stored value leaks through timing.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Literal

from assistant.orders.errors import ProofMissing
from assistant.orders.model import Order

MAX_PROOF_CHARS = 320  # the longest valid email address is 254 characters
_US_ZIP = re.compile(r"(\d{5})(?:\d{4})?", re.ASCII)
_SEPARATORS = re.compile(r"[\s-]+")


def email_key(email: str) -> str:
    """An email as compared: trimmed and lower-cased."""
    return email.strip().lower()


def postcode_key(postcode: str) -> str:
    """A ZIP or postcode as compared: US ZIP+4 cut to five digits, others upper-case, no spaces."""
    compact = _SEPARATORS.sub("", postcode).upper()
    match = _US_ZIP.fullmatch(compact)
    return match.group(1) if match else compact


def _digest(kind: str, key: str) -> bytes:
    return hashlib.sha256(f"{kind}\0{key}".encode()).digest()


@dataclass(frozen=True)
class Proof:
    """What the shopper gave to prove an order is theirs, ready to compare."""

    kind: Literal["email", "postcode"]
    digest: bytes

    @classmethod
    def parse(cls, email_or_zip: str) -> Proof:
        """An email if the text has an "@", else a ZIP or postcode; `ProofMissing` when empty."""
        text = email_or_zip.strip() if isinstance(email_or_zip, str) else ""
        if not text:
            raise ProofMissing()
        kind: Literal["email", "postcode"] = "email" if "@" in text else "postcode"
        if len(text) > MAX_PROOF_CHARS:  # can't match anything; don't normalise megabytes
            return cls(kind, _digest(kind, secrets.token_hex(16)))
        if kind == "email":
            return cls("email", _digest("email", email_key(text)))
        return cls("postcode", _digest("postcode", postcode_key(text)))

    def matches(self, order: Order | None) -> bool:
        """Whether this proves `order` is the shopper's; same amount of work when it is None."""
        stored = None
        if order is not None:
            stored = order.email if self.kind == "email" else order.zip
        if stored is None or not stored.strip():
            # Compare against something that can't match, so every path does the same work.
            hmac.compare_digest(self.digest, _digest(self.kind, secrets.token_hex(16)))
            return False
        key = email_key(stored) if self.kind == "email" else postcode_key(stored)
        return hmac.compare_digest(self.digest, _digest(self.kind, key))
