"""Skip reasons: the problem first (so `CatalogLoad.summary` can group by it), then where.

"price: Input should be greater than or equal to 0 (product rain-shell, variant 2)"
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ValidationError
from pydantic_core import ErrorDetails

_MAX_PROBLEMS = 3


def located(reason: str, *where: str) -> str:
    """`reason` followed by where it happened, e.g. "price: missing (product p1, variant v2)"."""
    places = [place for place in where if place]
    return f"{reason} ({', '.join(places)})" if places else reason


def describe_validation_error(exc: ValidationError, *where: str) -> str:
    """A pydantic error as one short line, e.g. "price: Input should be ... (variant 2)"."""
    problems = [_describe(error, where) for error in exc.errors(include_url=False)]
    text = "; ".join(problems[:_MAX_PROBLEMS])
    if len(problems) > _MAX_PROBLEMS:
        text += f" (and {len(problems) - _MAX_PROBLEMS} more)"
    return text


def _describe(error: ErrorDetails, where: Sequence[str]) -> str:
    field, variant = _location(error["loc"])
    message = error["msg"].removeprefix("Value error, ")
    if not field and not variant:
        return message  # a whole-model check, whose message names its subject
    return located(f"{field}: {message}" if field else message, *where, variant)


def _location(loc: Sequence[int | str]) -> tuple[str, str]:
    """("variants", 1, "price") -> ("price", "variant 2")."""
    labels: list[str] = []
    variant = ""
    for part in loc:
        if isinstance(part, int) and labels and labels[-1] == "variants":
            labels.pop()
            variant = f"variant {part + 1}"
        elif isinstance(part, int) and labels:
            labels[-1] += f"[{part}]"
        else:
            labels.append(str(part))
    return ".".join(labels), variant
