"""What an order number looks like, and how a shopper's way of typing one becomes canonical.

Shoppers write "#W2611340", "w2611340", "order 2611340" or "Order no. #1001". Each source knows
its brand's format; the desk asks it to turn what the shopper typed into the one spelling the
source stores, or to explain the expected format with `InvalidOrderId`.
"""

from __future__ import annotations

import re
from typing import Protocol

from assistant.orders.errors import InvalidOrderId

MAX_INPUT_CHARS = 64  # longer text is not an order number; refuse before any regex runs
# "order", "order number", "order no.", "order nr", "order #", "no.", "number" and a colon.
_LEAD = r"(?:order\s*)?(?:(?:number|num|nr|no)\.?\s*)?:?\s*"


class OrderIdFormat(Protocol):
    """A brand's order number format."""

    @property
    def example(self) -> str:
        """An example order number as the shopper sees it, e.g. "#W1234567"."""
        ...

    def normalise(self, raw: str) -> str:
        """The canonical order id for `raw`, or `InvalidOrderId` saying what the format is."""
        ...


def _cleaned(raw: str, example: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidOrderId(example, "I need the order number.")
    text = raw.strip()
    if len(text) > MAX_INPUT_CHARS:
        raise InvalidOrderId(example, "That doesn't look like an order number.")
    return text


class PrefixedOrderIds:
    """Ids like "#W2611340": a hash, a letter prefix and a fixed number of digits (tau-bench)."""

    def __init__(self, prefix: str = "W", digits: int = 7) -> None:
        if not re.fullmatch(r"[A-Za-z]{1,4}", prefix) or not 1 <= digits <= 12:
            raise ValueError("prefix must be 1-4 letters and digits between 1 and 12")
        self.prefix = prefix.upper()
        self.digits = digits
        self._pattern = re.compile(
            rf"{_LEAD}#?\s*(?:{re.escape(self.prefix)}\s*-?\s*)?(\d{{{digits}}})",
            re.IGNORECASE | re.ASCII,
        )

    @property
    def example(self) -> str:
        return f"#{self.prefix}{'1234567890123'[: self.digits]}"

    def normalise(self, raw: str) -> str:
        """ "#W2611340", "w2611340", "order 2611340" -> "#W2611340"."""
        match = self._pattern.fullmatch(_cleaned(raw, self.example))
        if match is None:
            raise InvalidOrderId(self.example, "That doesn't look like one of our order numbers.")
        return f"#{self.prefix}{match.group(1)}"


SHOPIFY_ID_MIN_DIGITS = 8  # order names count up from #1001; API ids are much longer numbers


class ShopifyOrderIds:
    """Shopify order names ("#1001") and numeric order ids ("450789469")."""

    _pattern = re.compile(rf"{_LEAD}#?\s*(\d{{1,20}})", re.IGNORECASE | re.ASCII)

    @property
    def example(self) -> str:
        return "#1001"

    def normalise(self, raw: str) -> str:
        """ "order 1001", "#1001" -> "#1001" (a name); "450789469" -> "450789469" (an id)."""
        match = self._pattern.fullmatch(_cleaned(raw, self.example))
        if match is None:
            raise InvalidOrderId(self.example, "That doesn't look like one of our order numbers.")
        number = match.group(1).lstrip("0") or "0"
        return number if len(number) >= SHOPIFY_ID_MIN_DIGITS else f"#{number}"
