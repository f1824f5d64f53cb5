"""Constraints on a tool call's arguments, as a case writes them:

    args: {query: {contains: jacket}, filters.price_max: {lte: 200}, order_id: W1000002}

A plain value must equal the argument (strings ignoring case); a mapping applies operators:
`contains`, `equals`, `lte`, `gte`, `one_of`, `present`.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

_MISSING = object()


def satisfied(args: dict[str, Any], constraints: dict[str, Any]) -> bool:
    """Whether the call's arguments meet every constraint."""
    return all(_meets(_lookup(args, path), rule) for path, rule in constraints.items())


def describe(constraints: dict[str, Any]) -> str:
    return ", ".join(f"{path}={rule}" for path, rule in constraints.items())


def _lookup(value: Any, path: str) -> Any:
    """`filters.price_max` or `items.0.variant_id` inside nested arguments."""
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return _MISSING
    return value


def _meets(value: Any, rule: Any) -> bool:
    if not isinstance(rule, dict):
        return value is not _MISSING and _equal(value, rule)
    present = value is not _MISSING and value is not None
    checks = {
        "present": lambda want: present == bool(want),
        "equals": lambda want: present and _equal(value, want),
        "contains": lambda want: present and str(want).lower() in _text(value),
        "lte": lambda want: present and (n := _number(value)) is not None and n <= _num(want),
        "gte": lambda want: present and (n := _number(value)) is not None and n >= _num(want),
        "one_of": lambda want: present and any(_equal(value, w) for w in want),
    }
    unknown = set(rule) - set(checks)
    if unknown:
        raise ValueError(f"unknown argument constraint(s): {', '.join(sorted(unknown))}")
    return all(checks[op](want) for op, want in rule.items())


def _text(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(_text(v) for v in value)
    return str(value).lower()


def _equal(value: Any, want: Any) -> bool:
    if isinstance(want, str) and isinstance(value, str):
        return value.strip().lower() == want.strip().lower()
    if _number(want) is not None and _number(value) is not None:
        return _number(value) == _number(want)
    return bool(value == want)


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value).replace("$", "").replace(",", ""))
    except InvalidOperation:
        return None


def _num(value: Any) -> Decimal:
    number = _number(value)
    if number is None:
        raise ValueError(f"{value!r} is not a number")
    return number
