"""Shopify's example orders mapped to `Order`: statuses, parcels, items, destination."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from assistant.orders.shopify_payload import order_from_shopify

pytestmark = pytest.mark.shared_data


def _shipped(order: dict[str, Any], shipment_status: str | None = "in_transit") -> dict[str, Any]:
    """The example order once its one fulfillment went out (the fixture's failed)."""
    order["fulfillment_status"] = "fulfilled"
    order["financial_status"] = "paid"
    fulfillment = order["fulfillments"][0]
    fulfillment.update(status="success", tracking_company="UPS", shipment_status=shipment_status)
    return order


def test_the_example_order_maps_items_total_and_destination(shopify_order: dict[str, Any]) -> None:
    order = order_from_shopify(shopify_order)
    assert order.id == "#1001"
    assert (order.email, order.zip) == ("bob.norman@hostmail.com", "40202")
    assert (order.city, order.state, order.country) == ("Louisville", "KY", "US")
    assert (order.total, order.currency) == (Decimal("409.94"), "USD")
    assert [(i.title, i.options, i.variant_id) for i in order.items] == [
        ("IPod Nano - 8gb", {"variant": "green"}, "39072856"),
        ("IPod Nano - 8gb", {"variant": "red"}, "49148385"),
        ("IPod Nano - 8gb", {"variant": "black"}, "457924702"),
    ]
    assert order.placed_at is not None and order.placed_at.year == 2008


def test_an_authorized_unfulfilled_order_is_pending_and_a_failed_parcel_is_no_parcel(
    shopify_order: dict[str, Any],
) -> None:
    assert shopify_order["fulfillments"][0]["status"] == "failure"
    order = order_from_shopify(shopify_order)
    assert order.status == "pending"
    assert order.shipments == []
    assert order.source_status == "financial: authorized, fulfillment: unfulfilled"


def test_the_orders_list_example_is_paid_and_being_prepared(shopify_fixtures: Path) -> None:
    payload = json.loads((shopify_fixtures / "orders.json").read_text())["orders"][0]
    assert payload["financial_status"] == "partially_refunded"
    order = order_from_shopify(payload)
    assert order.status == "processed"
    assert order.items == [] and order.total == Decimal("598.94")


def test_a_shipped_order_carries_its_tracking(shopify_order: dict[str, Any]) -> None:
    order = order_from_shopify(_shipped(shopify_order))
    assert order.status == "shipped"
    [parcel] = order.shipments
    assert parcel.tracking_numbers == ["1Z2345"]
    assert parcel.carrier == "UPS"
    assert parcel.tracking_urls[0].startswith("http://wwwapps.ups.com/etracking/")
    assert parcel.status == "in_transit"
    assert parcel.variant_ids == ["39072856"]


def test_a_parcel_with_only_singular_tracking_fields_still_tracks(
    shopify_order: dict[str, Any],
) -> None:
    fulfillment = _shipped(shopify_order)["fulfillments"][0]
    del fulfillment["tracking_numbers"], fulfillment["tracking_urls"]
    [parcel] = order_from_shopify(shopify_order).shipments
    assert parcel.tracking_numbers == ["1Z2345"] and len(parcel.tracking_urls) == 1


def test_a_fulfilled_order_whose_parcels_all_arrived_is_delivered(
    shopify_order: dict[str, Any],
) -> None:
    assert order_from_shopify(_shipped(shopify_order, "delivered")).status == "delivered"


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({"financial_status": "paid"}, "processed"),
        ({"financial_status": "pending"}, "pending"),
        ({"financial_status": "paid", "fulfillment_status": "partial"}, "partially_shipped"),
        ({"cancelled_at": "2008-01-11T09:00:00-05:00", "cancel_reason": "customer"}, "cancelled"),
        ({"financial_status": "refunded"}, "cancelled"),  # refunded before anything shipped
        ({"financial_status": "refunded", "fulfillment_status": "fulfilled"}, "returned"),
        ({"financial_status": "paid", "fulfillment_status": "restocked"}, "returned"),
    ],
)
def test_status_mapping(
    shopify_order: dict[str, Any], changes: dict[str, Any], status: str
) -> None:
    shopify_order.update(changes)
    assert order_from_shopify(shopify_order).status == status


def test_cancellation_wins_and_says_why(shopify_order: dict[str, Any]) -> None:
    _shipped(shopify_order).update(cancelled_at="2008-01-11T09:00:00-05:00", cancel_reason="fraud")
    order = order_from_shopify(shopify_order)
    assert order.status == "cancelled"
    assert order.source_status is not None and "cancelled (fraud)" in order.source_status


def test_the_email_falls_back_to_the_contact_email(shopify_order: dict[str, Any]) -> None:
    shopify_order.update(email=None, contact_email="bob@example.com")
    assert order_from_shopify(shopify_order).email == "bob@example.com"


def test_a_default_title_variant_has_no_options(shopify_order: dict[str, Any]) -> None:
    shopify_order["line_items"][0]["variant_title"] = "Default Title"
    assert order_from_shopify(shopify_order).items[0].options == {}
