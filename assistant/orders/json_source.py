"""Orders from JSON files in the tau-bench retail format (the demo brand ships its orders so).

``orders.json``: ``{order_id: {order_id, user_id, address{address1, address2, city, country,
state, zip}, items[{name, product_id, item_id, price, options}], fulfillments[{tracking_id[],
item_ids[]}], status, payment_history[]}}``. ``users.json``: ``{user_id: {name, address, email,
payment_methods, orders[]}}``; an order's email is its user's. The shipping ZIP is the order's.

Optional extras (ignored by tau-bench, used by the demo orders): order ``placed_at`` (ISO 8601),
``currency`` (default USD) and ``total`` (default: the sum of the items); item ``quantity``;
fulfillment ``carrier``, ``tracking_url`` and ``status``. Identical items (same ``item_id``)
become one line with a quantity. Every order is read when the source opens, so a bad file
fails at start with `OrderSourceMisconfigured` naming the order, not mid-conversation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from assistant.orders.errors import OrderSourceMisconfigured
from assistant.orders.model import ORDER_STATUSES, Order, OrderItem, OrderStatus, Shipment
from assistant.orders.order_ids import OrderIdFormat, PrefixedOrderIds

_STATUS_WORDS: dict[str, OrderStatus] = {
    "pending": "pending",
    "pending item modified": "pending",  # tau-bench after modify_pending_order_items
    "processed": "processed",
    "processing": "processed",
    "confirmed": "processed",
    "partially shipped": "partially_shipped",
    "partially fulfilled": "partially_shipped",
    "shipped": "shipped",
    "fulfilled": "shipped",
    "in transit": "shipped",
    "delivered": "delivered",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "returned": "returned",
    "return requested": "returned",
    "exchanged": "exchanged",
    "exchange requested": "exchanged",
}
CENT = Decimal("0.01")
_PREFIXED_ID = re.compile(r"#([A-Z]{1,4})(\d{1,12})", re.ASCII)


def normalise_status(text: str) -> OrderStatus:
    """ "Pending (item modified)", "partially-shipped", "Delivered" -> one of ORDER_STATUSES."""
    words = " ".join(re.sub(r"[^a-z]+", " ", text.lower()).split())
    status = _STATUS_WORDS.get(words)
    if status is None:
        raise ValueError(f"unknown status {text!r}; expected one of {', '.join(ORDER_STATUSES)}")
    return status


class JsonOrderSource:
    """Orders read once from a tau-bench style ``orders.json`` and ``users.json``."""

    def __init__(
        self,
        orders_path: Path,
        customers_path: Path,
        *,
        id_format: OrderIdFormat | None = None,
    ) -> None:
        raw_orders = _read_object(orders_path, "orders", "ASSISTANT_ORDERS__ORDERS_PATH")
        users = _read_object(customers_path, "customers", "ASSISTANT_ORDERS__CUSTOMERS_PATH")
        self._orders: dict[str, Order] = {}
        for key, record in raw_orders.items():
            try:
                order = order_from_record(key, record, users)
            except (KeyError, TypeError, AttributeError, ValueError, ArithmeticError) as exc:
                raise OrderSourceMisconfigured(
                    f"{orders_path}: order {key!r} can't be read: {_brief(exc)}"
                ) from exc
            self._orders[order.id] = order
        self._id_format = id_format or _infer_format(self._orders, orders_path)

    @property
    def id_format(self) -> OrderIdFormat:
        return self._id_format

    def __len__(self) -> int:
        return len(self._orders)

    def get(self, order_id: str) -> Order | None:
        """The order with this canonical id ("#W2611340"), or None."""
        return self._orders.get(order_id)


def order_from_record(key: str, record: Mapping[str, Any], users: Mapping[str, Any]) -> Order:
    """One tau-bench order record as an `Order`; the email comes from its user."""
    user = users.get(str(record.get("user_id", "")))
    email = user.get("email") if isinstance(user, Mapping) else None
    address = record.get("address") or {}
    items = _items(record.get("items") or [])
    total = record.get("total")
    if total is None:  # tau-bench has no total: the items add up to what was paid
        total = sum((i.price * i.quantity for i in items), Decimal(0))
    return Order(
        id=str(record.get("order_id") or key),
        status=normalise_status(str(record["status"])),
        source_status=str(record["status"]),
        placed_at=_datetime(record.get("placed_at")),
        items=items,
        shipments=[_shipment(f) for f in record.get("fulfillments") or []],
        currency=str(record.get("currency") or "USD"),
        total=_money(total),
        email=str(email) if email else None,
        zip=_text(address.get("zip")),
        city=_text(address.get("city")),
        state=_text(address.get("state")),
        country=_text(address.get("country")),
    )


def _items(records: list[Mapping[str, Any]]) -> list[OrderItem]:
    lines: dict[str, OrderItem] = {}
    for index, item in enumerate(records):
        variant_id = _text(item.get("item_id"))
        line = OrderItem(
            title=str(item["name"]),
            quantity=int(item.get("quantity", 1)),
            price=_money(item["price"]),
            options={str(k): str(v) for k, v in (item.get("options") or {}).items()},
            product_id=_text(item.get("product_id")),
            variant_id=variant_id,
        )
        key = variant_id or f"line-{index}"
        if key in lines:  # tau-bench lists a variant bought twice as two identical items
            line = line.model_copy(update={"quantity": lines[key].quantity + line.quantity})
        lines[key] = line
    return list(lines.values())


def _shipment(record: Mapping[str, Any]) -> Shipment:
    url = record.get("tracking_url")
    return Shipment(
        tracking_numbers=[str(t) for t in record.get("tracking_id") or []],
        carrier=_text(record.get("carrier")),
        tracking_urls=[str(url)] if url else [],
        status=_text(record.get("status")),
        variant_ids=[str(i) for i in record.get("item_ids") or []],
    )


def _money(value: object) -> Decimal:
    # str() first: Decimal(47.84) would carry the float's binary error into the total.
    try:
        return Decimal(str(value)).quantize(CENT)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc


def _datetime(value: object) -> datetime | None:
    return datetime.fromisoformat(str(value)) if value else None


def _text(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def _brief(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"missing field {exc}"
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
    return str(exc)


def _read_object(path: Path, what: str, setting: str) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise OrderSourceMisconfigured(f"{what} file not found: {path} (set {setting})") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise OrderSourceMisconfigured(f"{what} file can't be read: {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise OrderSourceMisconfigured(f"{path}: expected a JSON object keyed by id")
    return data


def _infer_format(orders: Mapping[str, Order], path: Path) -> OrderIdFormat:
    """The shared shape of the file's ids ("#W" + 7 digits); the default for an empty file."""
    shapes = set()
    for order_id in orders:
        match = _PREFIXED_ID.fullmatch(order_id)
        if match is None:
            raise OrderSourceMisconfigured(f"{path}: order id {order_id!r} isn't like #W1234567")
        shapes.add((match.group(1), len(match.group(2))))
    if len(shapes) > 1:
        raise OrderSourceMisconfigured(f"{path}: order ids mix formats: {sorted(shapes)}")
    prefix, digits = shapes.pop() if shapes else ("W", 7)
    return PrefixedOrderIds(prefix, digits)
