"""What the agent sees of an order never holds the email, address, ZIP or payment details."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from assistant.orders import JsonOrderSource, Order, OrderDesk, OrderView
from assistant.orders.shopify_payload import order_from_shopify
from tests.orders.conftest import DEMO_ORDERS, DEMO_USERS


def _private_strings(record: dict[str, Any], user: dict[str, Any]) -> list[str]:
    """Everything in a tau-bench order and its user that must not reach the agent."""
    address = record["address"]
    private = [user["email"], address["zip"], address["address1"], record["user_id"]]
    private += [address["address2"]] if address["address2"] else []
    for method_id, method in user["payment_methods"].items():
        private.append(method_id)
        private += [str(v) for k, v in method.items() if k in ("last_four", "brand")]
    return private


PRIVATE_KEYS = {"email", "zip", "address", "address1", "user_id", "payment_history", "customer"}


def _keys(value: object) -> set[str]:
    """Every key anywhere in a JSON value."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def _leaks(view: OrderView, private: list[str]) -> list[str]:
    serialised = view.model_dump_json()
    # Whole words only: a ZIP or a card's last four digits may occur inside a long variant id.
    found = [
        s
        for s in private
        if re.search(rf"(?<![A-Za-z0-9]){re.escape(s)}(?![A-Za-z0-9])", serialised, re.I)
    ]
    return found + sorted(_keys(json.loads(serialised)) & PRIVATE_KEYS)


def test_demo_views_hold_no_private_data(demo_source: JsonOrderSource) -> None:
    orders = json.loads(DEMO_ORDERS.read_text())
    users = json.loads(DEMO_USERS.read_text())
    desk = OrderDesk(demo_source)
    for order_id, record in orders.items():
        user = users[record["user_id"]]
        view = desk.lookup(order_id, user["email"])
        assert _leaks(view, _private_strings(record, user)) == [], order_id
        assert view.ship_to_city == record["address"]["city"]  # the town is fine to show


@pytest.mark.shared_data
def test_tau_bench_views_hold_no_private_data(
    tau_source: JsonOrderSource, tau_raw: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    orders, users = tau_raw
    for order_id in list(orders)[:200]:
        record = orders[order_id]
        user = users[record["user_id"]]
        order = tau_source.get(order_id)
        assert order is not None
        assert _leaks(order.view(), _private_strings(record, user)) == [], order_id


@pytest.mark.shared_data
def test_shopify_views_hold_no_private_data(shopify_order: dict[str, Any]) -> None:
    shopify_order["fulfillment_status"] = "fulfilled"
    shopify_order["fulfillments"][0]["status"] = "success"
    view = order_from_shopify(shopify_order).view()
    assert "1Z2345" in view.model_dump_json() and view.ship_to_city == "Louisville"
    private = [
        "bob.norman@hostmail.com",
        "Chestnut Street",
        "40202",
        "555-625-1199",
        "Norman",
        "4242",
        "Visa",
        "207119551",  # customer id
        "b1946ac92492d2347c6235b4d2611184",  # order token
        "0.0.0.0",  # browser ip
    ]
    assert _leaks(view, private) == []


def test_the_view_has_no_field_for_private_data() -> None:
    assert not {"email", "zip", "address", "payment", "customer_id"} & set(OrderView.model_fields)
    with pytest.raises(ValidationError, match="extra"):
        OrderView(id="#W1", status="pending", items=[], shipments=[], currency="USD", email="x")  # type: ignore[call-arg]


def test_an_orders_repr_hides_email_and_zip() -> None:
    order = Order(
        id="#W1000001", status="pending", email="a@example.com", zip="97202", total=Decimal(1)
    )
    assert "a@example.com" not in repr(order) and "97202" not in repr(order)
    assert "#W1000001" in repr(order)
