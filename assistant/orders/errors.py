"""Errors of the order lookup. Vendor errors (httpx, bad JSON) become these at the boundary.

Two of them end up in front of the shopper. `InvalidOrderId` says what an order number looks
like. `OrderNotVerified` is deliberately vague: an unknown order and a wrong email or ZIP give
the same message, so nobody can probe which order numbers exist. Its subclasses tell the two
apart for logs only; a tool shows the shopper `str(error)`, never the class name. A lookup over
the try limits gets `OrderLookupLocked`, one message whatever the order and the proof.
"""

from __future__ import annotations

from typing import Literal

from assistant.errors import AssistantError, ConfigurationError

NOT_VERIFIED_MESSAGE = "I couldn't find an order with that number and email or ZIP."
LOCKED_MESSAGE = (
    "I can't look that order up right now: there have been too many tries. Please try again later."
)


class OrderError(AssistantError):
    """Base of every order lookup error."""


class InvalidOrderId(OrderError):
    """The order number is malformed; the message tells the shopper the expected format."""

    def __init__(self, example: str, detail: str | None = None) -> None:
        self.example = example
        prefix = f"{detail} " if detail else ""
        super().__init__(
            f"{prefix}Order numbers look like {example}; it's in your order confirmation email."
        )


class ProofMissing(OrderError):
    """No email or ZIP was given, so ownership cannot be checked (says nothing about the order)."""

    def __init__(self) -> None:
        super().__init__(
            "To look up an order I need the email address or the ZIP/postcode it was shipped to."
        )


class OrderNotVerified(OrderError):
    """No order matches that number and email or ZIP. Same message whatever the reason."""

    reason: Literal["not_found", "mismatch"] = "mismatch"

    def __init__(self) -> None:
        super().__init__(NOT_VERIFIED_MESSAGE)


class OrderNotFound(OrderNotVerified):
    """No order has that number (for logs; the shopper sees the OrderNotVerified message)."""

    reason: Literal["not_found", "mismatch"] = "not_found"


class OrderOwnershipMismatch(OrderNotVerified):
    """The order exists but the email or ZIP doesn't match it (for logs only)."""

    reason: Literal["not_found", "mismatch"] = "mismatch"


class OrderLookupLocked(OrderError):
    """Too many missed tries for this order number or from this shopper in the window.

    Raised before the order is fetched, so it says nothing about the order or the proof."""

    def __init__(self) -> None:
        super().__init__(LOCKED_MESSAGE)


class OrderSourceError(OrderError):
    """The order source failed: unreadable data or an unexpected answer from the platform."""


class OrderSourceUnavailable(OrderSourceError):
    """The order platform can't be reached right now (timeouts, 429, 5xx after retries)."""


class OrderSourceMisconfigured(OrderSourceError, ConfigurationError):
    """The order source is set up wrongly: missing file, missing or rejected credentials."""
