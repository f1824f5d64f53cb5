"""Cell values from spreadsheets and feeds: prices and stock counts."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_CURRENCY_SYMBOLS = "$£€¥"
_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")


def parse_money(text: str, column: str = "price") -> Decimal:
    """A price like "59.99", "$59.99" or "1,299.00"; ValueError names the column otherwise."""
    cleaned = text.strip().lstrip(_CURRENCY_SYMBOLS).strip()
    if _THOUSANDS.match(cleaned):
        cleaned = cleaned.replace(",", "")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"{column}: {text.strip()!r} is not a number") from None
    if not amount.is_finite():
        raise ValueError(f"{column}: {text.strip()!r} is not a number")
    return amount


def parse_optional_money(text: str, column: str) -> Decimal | None:
    """Like `parse_money`, but a blank cell is None."""
    return parse_money(text, column) if text.strip() else None


def parse_whole_number(text: str, column: str = "stock") -> int | None:
    """A stock count; a blank cell is None (not tracked)."""
    cleaned = text.strip()
    if not cleaned:
        return None
    try:
        return int(cleaned)
    except ValueError:
        raise ValueError(f"{column}: {cleaned!r} is not a whole number") from None
