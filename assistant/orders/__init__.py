"""Order lookup: a shopper proves an order is theirs (email or ZIP) and sees its status.

    desk = OrderDesk(get_order_source(settings))
    view = desk.lookup("#W1000001", "maya.okafor@example.com")   # -> OrderView

Sources: `JsonOrderSource` (tau-bench style JSON files, the demo's default) and
`ShopifyOrderSource` (Admin REST API); `InMemoryOrderSource` is the fake for tests.
"""

from __future__ import annotations

from assistant.config import Settings
from assistant.orders.base import InMemoryOrderSource, OrderDesk, OrderSource
from assistant.orders.errors import (
    NOT_VERIFIED_MESSAGE,
    InvalidOrderId,
    OrderError,
    OrderNotFound,
    OrderNotVerified,
    OrderOwnershipMismatch,
    OrderSourceError,
    OrderSourceMisconfigured,
    OrderSourceUnavailable,
    ProofMissing,
)
from assistant.orders.json_source import JsonOrderSource
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
    "NOT_VERIFIED_MESSAGE",
    "ORDER_STATUSES",
    "InMemoryOrderSource",
    "InvalidOrderId",
    "JsonOrderSource",
    "Order",
    "OrderDesk",
    "OrderError",
    "OrderIdFormat",
    "OrderItem",
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
    "get_order_source",
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
