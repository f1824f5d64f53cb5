"""Order lookup: a shopper proves an order is theirs (email or ZIP) and sees its status.

    desk = OrderDesk(get_order_source(settings))
    view = desk.lookup("#W1000001", "maya.okafor@example.com")   # -> OrderView

Sources: `JsonOrderSource` (tau-bench style JSON files, the demo's default) and
`ShopifyOrderSource` (Admin REST API); `InMemoryOrderSource` is the fake for tests. With a
`LookupLimiter` (as `get_order_desk` builds it) misses are limited per order and per shopper.
"""

from __future__ import annotations

from datetime import timedelta

from assistant.config import Settings
from assistant.links import secret_key
from assistant.orders.base import InMemoryOrderSource, OrderDesk, OrderSource
from assistant.orders.errors import (
    LOCKED_MESSAGE,
    NOT_VERIFIED_MESSAGE,
    InvalidOrderId,
    OrderError,
    OrderLookupLocked,
    OrderNotFound,
    OrderNotVerified,
    OrderOwnershipMismatch,
    OrderSourceError,
    OrderSourceMisconfigured,
    OrderSourceUnavailable,
    ProofMissing,
)
from assistant.orders.json_source import JsonOrderSource
from assistant.orders.limiter import AttemptLedger, LookupLimiter, LookupLimits, requester_key
from assistant.orders.model import (
    ORDER_STATUSES,
    Order,
    OrderItem,
    OrderStatus,
    OrderView,
    Shipment,
)
from assistant.orders.order_ids import OrderIdFormat, PrefixedOrderIds, ShopifyOrderIds
from assistant.orders.shopify import ShopifyOrderSource

__all__ = [
    "LOCKED_MESSAGE",
    "NOT_VERIFIED_MESSAGE",
    "ORDER_STATUSES",
    "AttemptLedger",
    "InMemoryOrderSource",
    "InvalidOrderId",
    "JsonOrderSource",
    "LookupLimiter",
    "LookupLimits",
    "Order",
    "OrderDesk",
    "OrderError",
    "OrderIdFormat",
    "OrderItem",
    "OrderLookupLocked",
    "OrderNotFound",
    "OrderNotVerified",
    "OrderOwnershipMismatch",
    "OrderSource",
    "OrderSourceError",
    "OrderSourceMisconfigured",
    "OrderSourceUnavailable",
    "OrderStatus",
    "OrderView",
    "PrefixedOrderIds",
    "ProofMissing",
    "Shipment",
    "ShopifyOrderIds",
    "ShopifyOrderSource",
    "get_order_desk",
    "get_order_source",
    "requester_key",
]


def get_order_source(settings: Settings) -> OrderSource | None:
    """The configured order source, or None when order lookup is off (``source = "none"``)."""
    orders = settings.orders
    if orders.source == "none":
        return None
    if orders.source == "json":
        return JsonOrderSource(orders.orders_path, orders.customers_path)
    if not orders.shopify_api_url or orders.shopify_token is None:
        raise OrderSourceMisconfigured(
            "ASSISTANT_ORDERS__SOURCE=shopify needs ASSISTANT_ORDERS__SHOPIFY_API_URL "
            "(e.g. https://shop.myshopify.com/admin/api/2024-10) and "
            "ASSISTANT_ORDERS__SHOPIFY_TOKEN (an Admin API token with read_orders)"
        )
    return ShopifyOrderSource(orders.shopify_api_url, orders.shopify_token, orders.timeout_s)


def get_order_desk(settings: Settings, ledger: AttemptLedger) -> OrderDesk | None:
    """The configured order desk, its misses counted in `ledger` (the store); None when off."""
    source = get_order_source(settings)
    if source is None:
        return None
    orders = settings.orders
    limits = LookupLimits(
        per_order=orders.max_attempts_per_order,
        per_client=orders.max_attempts_per_client,
        window=timedelta(seconds=orders.attempt_window_s),
    )
    return OrderDesk(source, LookupLimiter(ledger, secret_key(settings), limits))
