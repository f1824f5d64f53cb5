"""The demo brand's orders: real catalog items, every status, and the README's examples work."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import pytest
import yaml

from assistant.orders import ORDER_STATUSES, JsonOrderSource, OrderDesk
from tests.conftest import DEMO_CATALOG
from tests.orders.conftest import DEMO_ORDERS, DEMO_USERS

README = DEMO_CATALOG / "orders" / "README.md"
_YamlLoader = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader


def _catalog_variants() -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    variants = {}
    for path in sorted((DEMO_CATALOG / "products").glob("*.yaml")):
        for product in yaml.load(path.read_text(), Loader=_YamlLoader):
            for variant in product["variants"]:
                variants[str(variant["id"])] = (product, variant)
    return variants


def _readme_triples() -> list[tuple[str, str, str]]:
    row = re.compile(r"^\| `(#W\d{7})` \| `([^`]+@example\.com)` \| `([^`]+)` \|", re.MULTILINE)
    return row.findall(README.read_text())


def test_about_a_dozen_orders_from_eight_customers(demo_source: JsonOrderSource) -> None:
    orders = json.loads(DEMO_ORDERS.read_text())
    users = json.loads(DEMO_USERS.read_text())
    assert len(demo_source) == len(orders) == 12
    assert len(users) == 8
    assert all(re.fullmatch(r"#W1\d{6}", order_id) for order_id in orders)
    for user_id, user in users.items():
        assert user["email"].endswith("@example.com")
        assert all(orders[order_id]["user_id"] == user_id for order_id in user["orders"])
    assert sorted(o for u in users.values() for o in u["orders"]) == sorted(orders)
    countries = {record["address"]["country"] for record in orders.values()}
    assert countries == {"USA", "Canada", "United Kingdom"}


def test_every_status_appears(demo_source: JsonOrderSource) -> None:
    orders = json.loads(DEMO_ORDERS.read_text())
    statuses = {order.status for order_id in orders if (order := demo_source.get(order_id))}
    assert statuses == set(ORDER_STATUSES)


def test_items_are_real_catalog_variants() -> None:
    variants = _catalog_variants()
    orders = json.loads(DEMO_ORDERS.read_text())
    for order_id, record in orders.items():
        for item in record["items"]:
            product, variant = variants[item["item_id"]]
            assert item["product_id"] == product["id"], order_id
            assert item["name"] == product["title"], order_id
            assert Decimal(str(item["price"])) == Decimal(str(variant["price"])), order_id
            assert item["options"] == variant.get("options", {}), order_id


def test_shipped_orders_have_tracking_and_unshipped_ones_dont(
    demo_source: JsonOrderSource,
) -> None:
    orders = json.loads(DEMO_ORDERS.read_text())
    for order_id in orders:
        order = demo_source.get(order_id)
        assert order is not None
        if order.status in ("shipped", "partially_shipped", "delivered"):
            assert order.shipments and all(
                s.tracking_numbers and s.carrier for s in order.shipments
            )
        if order.status in ("pending", "processed", "cancelled"):
            assert order.shipments == []
        if order.status == "partially_shipped":
            shipped = {v for s in order.shipments for v in s.variant_ids}
            assert shipped and shipped < {item.variant_id for item in order.items}


def test_readme_lists_three_triples_that_work(demo_source: JsonOrderSource) -> None:
    triples = _readme_triples()
    assert len(triples) == 3
    desk = OrderDesk(demo_source)
    for order_id, email, postcode in triples:
        assert desk.lookup(order_id, email).id == order_id
        assert desk.lookup(order_id, postcode).id == order_id
        assert desk.lookup(order_id.lower().lstrip("#"), email.upper()).id == order_id


@pytest.mark.parametrize(
    ("order_id", "proof", "city"),
    [
        ("#W1000006", "v6k 1p9", "Vancouver"),
        ("#W1000007", "eh91hz", "Edinburgh"),
        ("#W1000012", "05401", "Burlington"),  # stored as ZIP+4 05401-2345
        ("#W1000002", "80218-4410", "Denver"),
    ],
)
def test_readme_postcode_rules_hold(
    demo_source: JsonOrderSource, order_id: str, proof: str, city: str
) -> None:
    assert OrderDesk(demo_source).lookup(order_id, proof).ship_to_city == city
