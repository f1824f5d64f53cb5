"""A Shopify Admin REST API order (``{"order": {...}}``'s inside) as an `Order`.

Status, first match wins:

- ``cancelled_at`` set -> cancelled
- ``financial_status`` "refunded" -> returned if anything shipped, else cancelled
- ``fulfillment_status`` "restocked" -> returned
- "fulfilled" -> delivered when every parcel's ``shipment_status`` is "delivered", else shipped
- "partial" -> partially_shipped
- unfulfilled and paid (or partially paid/refunded) -> processed; otherwise (pending,
  authorized) -> pending

Fulfillments that failed, errored or were cancelled are no parcel and are left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from assistant.orders.model import Order, OrderItem, OrderStatus, Shipment

PAID = frozenset({"paid", "partially_paid", "partially_refunded"})
DEAD_FULFILLMENTS = frozenset({"cancelled", "error", "failure"})
DEFAULT_TITLE = "Default Title"


def order_from_shopify(payload: Mapping[str, Any]) -> Order:
    """One Admin API order; raises KeyError/TypeError/ValueError on a malformed payload."""
    shipments = [
        _shipment(f)
        for f in payload.get("fulfillments") or []
        if str(f.get("status") or "").lower() not in DEAD_FULFILLMENTS
    ]
    address = payload.get("shipping_address") or {}
    customer = payload.get("customer") or {}
    email = payload.get("email") or payload.get("contact_email") or customer.get("email")
    return Order(
        id=str(payload.get("name") or payload["id"]),
        status=shopify_status(payload, shipments),
        source_status=_source_status(payload),
        placed_at=_datetime(payload.get("processed_at") or payload.get("created_at")),
        items=[_item(line) for line in payload.get("line_items") or []],
        shipments=shipments,
        currency=str(payload.get("currency") or "USD"),
        total=_money(payload["total_price"]) if payload.get("total_price") is not None else None,
        email=str(email) if email else None,
        zip=_text(address.get("zip")),
        city=_text(address.get("city")),
        state=_text(address.get("province_code") or address.get("province")),
        country=_text(address.get("country_code") or address.get("country")),
    )


def shopify_status(payload: Mapping[str, Any], shipments: list[Shipment]) -> OrderStatus:
    """The normalised status of an Admin API order (rules in the module docstring)."""
    financial = str(payload.get("financial_status") or "").lower()
    fulfillment = str(payload.get("fulfillment_status") or "unfulfilled").lower()
    if payload.get("cancelled_at"):
        return "cancelled"
    if financial == "refunded":
        return "returned" if shipments or fulfillment in ("fulfilled", "partial") else "cancelled"
    if fulfillment == "restocked":
        return "returned"
    if fulfillment == "fulfilled":
        delivered = shipments and all(s.status == "delivered" for s in shipments)
        return "delivered" if delivered else "shipped"
    if fulfillment == "partial":
        return "partially_shipped"
    return "processed" if financial in PAID else "pending"


def _source_status(payload: Mapping[str, Any]) -> str:
    parts = [
        f"financial: {payload.get('financial_status') or 'unknown'}",
        f"fulfillment: {payload.get('fulfillment_status') or 'unfulfilled'}",
    ]
    if payload.get("cancelled_at"):
        parts.append(f"cancelled ({payload.get('cancel_reason') or 'no reason given'})")
    return ", ".join(parts)


def _item(line: Mapping[str, Any]) -> OrderItem:
    variant_title = line.get("variant_title")
    options = (
        {"variant": str(variant_title)} if variant_title not in (None, "", DEFAULT_TITLE) else {}
    )
    return OrderItem(
        title=str(line.get("title") or line["name"]),
        quantity=int(line.get("quantity") or 1),
        price=_money(line["price"]),
        options=options,
        product_id=_text(line.get("product_id")),
        variant_id=_text(line.get("variant_id")),
    )


def _shipment(fulfillment: Mapping[str, Any]) -> Shipment:
    numbers = fulfillment.get("tracking_numbers") or _listed(fulfillment.get("tracking_number"))
    urls = fulfillment.get("tracking_urls") or _listed(fulfillment.get("tracking_url"))
    return Shipment(
        tracking_numbers=[str(n) for n in numbers],
        carrier=_text(fulfillment.get("tracking_company")),
        tracking_urls=[str(u) for u in urls],
        status=_text(fulfillment.get("shipment_status")),  # in_transit, delivered, ...
        variant_ids=[
            str(line["variant_id"])
            for line in fulfillment.get("line_items") or []
            if line.get("variant_id") is not None
        ],
    )


def _listed(value: object) -> list[object]:
    return [value] if value else []


def _money(value: object) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc


def _datetime(value: object) -> datetime | None:
    return datetime.fromisoformat(str(value)) if value else None


def _text(value: object) -> str | None:
    return str(value) if value not in (None, "") else None
