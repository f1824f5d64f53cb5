"""The order seam: a source that finds orders, and the desk that checks ownership first.

A source only fetches (`get`); it never decides who may see an order. The desk is the one
place that does: it normalises the order number, holds a try against the limits (`limiter`),
finds the order, checks the email or ZIP, and returns an `OrderView` (never the `Order` with
its email and ZIP).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import NoReturn, Protocol, runtime_checkable

from assistant.orders.errors import (
    OrderLookupLocked,
    OrderNotFound,
    OrderNotVerified,
    OrderOwnershipMismatch,
    OrderSourceError,
)
from assistant.orders.limiter import LookupLimiter
from assistant.orders.model import Order, OrderView
from assistant.orders.order_ids import OrderIdFormat, PrefixedOrderIds
from assistant.orders.verification import Proof

log = logging.getLogger(__name__)


@runtime_checkable
class OrderSource(Protocol):
    """Where orders come from: a JSON export, the Shopify Admin API, a fake."""

    @property
    def id_format(self) -> OrderIdFormat:
        """The brand's order number format, used to normalise what shoppers type."""
        ...

    def get(self, order_id: str) -> Order | None:
        """The order with this canonical id, or None when there is none.

        Raises `OrderSourceUnavailable` when the platform can't be reached and
        `OrderSourceMisconfigured` when credentials or files are wrong.
        """
        ...


class OrderDesk:
    """Looks orders up for shoppers who prove they own them."""

    def __init__(self, source: OrderSource, limiter: LookupLimiter | None = None) -> None:
        self.source = source
        self.limiter = limiter

    def lookup(self, order_id: str, email_or_zip: str, requester: str | None = None) -> OrderView:
        """The order's shopper-safe view, once the email or shipping ZIP matches it.

        `requester` is who asks (see `limiter.requester_key`); with a `limiter`, misses count
        against the order number and the requester across conversations and workers.
        Raises `InvalidOrderId` (malformed number, message says the format), `ProofMissing`
        (no email or ZIP given), `OrderNotVerified` when the order doesn't exist or the proof
        doesn't match (one message for both, so order numbers can't be probed), and
        `OrderLookupLocked` over a limit, before the order is fetched (one message whatever
        the order and the proof, so the lockout is no oracle either).
        """
        canonical = self.source.id_format.normalise(order_id)
        proof = Proof.parse(email_or_zip)
        held = self.limiter.admit(canonical, requester) if self.limiter else []
        if held is None:
            log.info("order lookup refused: %s over the try limits", canonical)
            raise OrderLookupLocked()
        try:
            order = self.source.get(canonical)
        except OrderSourceError:
            self._release(held)  # the platform failed, not the shopper
            raise
        if order is None:
            proof.matches(None)  # the same comparison work as for a real order
            _refuse(canonical, OrderNotFound(), proof)  # the try stays held: a miss
        if not proof.matches(order):
            _refuse(canonical, OrderOwnershipMismatch(), proof)
        self._release(held)
        return order.view()

    def may_offer_person(self, requester: str | None) -> bool:
        """After a miss: whether to offer `requester` a person (once per window with limits)."""
        return self.limiter.offer_once(requester) if self.limiter else True

    def _release(self, held: list[int]) -> None:
        if self.limiter and held:
            self.limiter.release(held)


def _refuse(order_id: str, error: OrderNotVerified, proof: Proof) -> NoReturn:
    # The order id is fine to log; what the shopper typed as proof never is.
    log.info("order lookup refused: %s %s (by %s)", order_id, error.reason, proof.kind)
    raise error


class InMemoryOrderSource:
    """A source over a list of orders, for tests and demos; records the ids asked for."""

    def __init__(self, orders: Iterable[Order], id_format: OrderIdFormat | None = None) -> None:
        self._orders = {order.id: order for order in orders}
        self._id_format: OrderIdFormat = id_format or PrefixedOrderIds()
        self.requested: list[str] = []

    @property
    def id_format(self) -> OrderIdFormat:
        return self._id_format

    def get(self, order_id: str) -> Order | None:
        """The order with this id, or None."""
        self.requested.append(order_id)
        return self._orders.get(order_id)
