"""`JsonOrderSource` on tau-bench's real retail orders, and on small broken files."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from assistant.orders import (
    ORDER_STATUSES,
    InvalidOrderId,
    JsonOrderSource,
    OrderDesk,
    OrderNotFound,
    OrderNotVerified,
    OrderOwnershipMismatch,
    OrderSourceMisconfigured,
)
from assistant.orders.json_source import normalise_status

TauData = tuple[dict[str, Any], dict[str, Any]]


@pytest.mark.shared_data
class TestTauBench:
    """Order #W2611340 belongs to james_li_5688 (james.li4495@example.com, New York 10083)."""

    def test_every_order_loads_with_a_known_status(
        self, tau_source: JsonOrderSource, tau_raw: TauData
    ) -> None:
        orders, _ = tau_raw
        assert len(tau_source) == len(orders) == 1000
        loaded = [tau_source.get(order_id) for order_id in orders]
        statuses = Counter(order.status for order in loaded if order is not None)
        assert set(statuses) <= set(ORDER_STATUSES)
        assert statuses == Counter(normalise_status(o["status"]) for o in orders.values())
        assert statuses["delivered"] > 0 and statuses["cancelled"] > 0

    def test_a_real_order_maps_items_tracking_and_destination(
        self, tau_source: JsonOrderSource
    ) -> None:
        order = tau_source.get("#W2611340")
        assert order is not None
        assert order.status == "processed"
        assert [(i.title, i.price, i.variant_id) for i in order.items] == [
            ("Water Bottle", Decimal("47.84"), "6469567736"),
            ("Office Chair", Decimal("488.81"), "8426249116"),
        ]
        assert order.items[0].options == {
            "capacity": "1000ml",
            "material": "glass",
            "color": "blue",
        }
        assert order.total == Decimal("536.65")
        assert order.shipments[0].tracking_numbers == ["357962501027"]
        assert (order.city, order.state, order.email) == (
            "New York",
            "NY",
            "james.li4495@example.com",
        )

    def test_totals_equal_what_was_paid(
        self, tau_source: JsonOrderSource, tau_raw: TauData
    ) -> None:
        orders, _ = tau_raw
        for order_id, record in orders.items():
            paid = sum(
                Decimal(str(p["amount"]))
                for p in record["payment_history"]
                if p["transaction_type"] == "payment"
            )
            order = tau_source.get(order_id)
            assert order is not None and order.total == paid, order_id

    def test_a_variant_bought_twice_is_one_line_of_two(self, tau_source: JsonOrderSource) -> None:
        order = tau_source.get("#W1840144")
        assert order is not None
        quantities = Counter({item.variant_id: item.quantity for item in order.items})
        assert max(quantities.values()) == 2
        assert len({item.variant_id for item in order.items}) == len(order.items)

    @pytest.mark.parametrize(
        "proof", ["james.li4495@example.com", " James.Li4495@EXAMPLE.com ", "10083", "10083-0042"]
    )
    def test_the_owner_proves_it_by_email_or_zip(
        self, tau_source: JsonOrderSource, proof: str
    ) -> None:
        view = OrderDesk(tau_source).lookup("#W2611340", proof)
        assert view.id == "#W2611340"
        assert view.ship_to_city == "New York"

    def test_a_wrong_email_fails(self, tau_source: JsonOrderSource) -> None:
        with pytest.raises(OrderOwnershipMismatch):
            OrderDesk(tau_source).lookup("#W2611340", "james.li@example.com")

    def test_another_customers_email_and_zip_fail(
        self, tau_source: JsonOrderSource, tau_raw: TauData
    ) -> None:
        _, users = tau_raw
        other = next(u for uid, u in users.items() if uid != "james_li_5688")
        desk = OrderDesk(tau_source)
        for proof in (other["email"], other["address"]["zip"]):
            with pytest.raises(OrderOwnershipMismatch):
                desk.lookup("#W2611340", proof)
        # ... while that customer's own order opens with the same proof.
        assert desk.lookup(other["orders"][0], other["email"]).id == other["orders"][0]

    def test_the_zip_is_the_orders_shipping_zip(
        self, tau_source: JsonOrderSource, tau_raw: TauData
    ) -> None:
        orders, users = tau_raw
        record = orders["#W9549057"]  # shipped somewhere other than the profile address
        profile_zip = users[record["user_id"]]["address"]["zip"]
        assert record["address"]["zip"] != profile_zip
        desk = OrderDesk(tau_source)
        assert desk.lookup("#W9549057", record["address"]["zip"]).id == "#W9549057"
        with pytest.raises(OrderOwnershipMismatch):
            desk.lookup("#W9549057", profile_zip)

    def test_an_unknown_order_fails_like_a_wrong_email(self, tau_source: JsonOrderSource) -> None:
        assert tau_source.get("#W0000000") is None
        with pytest.raises(OrderNotFound) as missing:
            OrderDesk(tau_source).lookup("#W0000000", "james.li4495@example.com")
        with pytest.raises(OrderNotVerified) as wrong:
            OrderDesk(tau_source).lookup("#W2611340", "nobody@example.com")
        assert str(missing.value) == str(wrong.value)

    @pytest.mark.parametrize("order_id", ["#W26113", "2611340W", "#W2611340'--", "", "W" * 500])
    def test_a_malformed_id_fails_cleanly(self, tau_source: JsonOrderSource, order_id: str) -> None:
        with pytest.raises(InvalidOrderId, match="Order numbers look like #W1234567"):
            OrderDesk(tau_source).lookup(order_id, "james.li4495@example.com")


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("pending (item modified)", "pending"),
        ("Processed", "processed"),
        ("partially shipped", "partially_shipped"),
        ("partially_shipped", "partially_shipped"),
        ("return requested", "returned"),
        ("exchange requested", "exchanged"),
        ("Canceled", "cancelled"),
        ("fulfilled", "shipped"),
    ],
)
def test_status_words_are_normalised(text: str, status: str) -> None:
    assert normalise_status(text) == status


def _write(tmp_path: Path, orders: object, users: object | None = None) -> tuple[Path, Path]:
    orders_path, users_path = tmp_path / "orders.json", tmp_path / "users.json"
    orders_path.write_text(json.dumps(orders))
    users_path.write_text(json.dumps(users if users is not None else {}))
    return orders_path, users_path


def _record(order_id: str = "#W1000001", **changes: object) -> dict[str, object]:
    record: dict[str, object] = {
        "order_id": order_id,
        "user_id": "u1",
        "address": {"city": "Bend", "state": "OR", "zip": "97701", "country": "USA"},
        "items": [{"name": "Enamel Camp Mug", "item_id": "4110007", "price": 18.0, "options": {}}],
        "fulfillments": [],
        "status": "pending",
        "payment_history": [],
    }
    record.update(changes)
    return record


def test_a_missing_file_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(OrderSourceMisconfigured, match="ASSISTANT_ORDERS__ORDERS_PATH"):
        JsonOrderSource(tmp_path / "nope.json", tmp_path / "users.json")


def test_a_missing_users_file_names_its_setting(tmp_path: Path) -> None:
    orders_path, _ = _write(tmp_path, {"#W1000001": _record()})
    with pytest.raises(OrderSourceMisconfigured, match="ASSISTANT_ORDERS__CUSTOMERS_PATH"):
        JsonOrderSource(orders_path, tmp_path / "missing-users.json")


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", '"orders"'])
def test_an_unreadable_file_fails_at_start(tmp_path: Path, content: str) -> None:
    orders_path, users_path = _write(tmp_path, {})
    orders_path.write_text(content)
    with pytest.raises(OrderSourceMisconfigured, match=r"orders\.json"):
        JsonOrderSource(orders_path, users_path)


@pytest.mark.parametrize(
    ("record", "complaint"),
    [
        (_record(status="lost at sea"), "unknown status 'lost at sea'"),
        (_record(items=[{"price": 1}]), "missing field 'name'"),
        (_record(items=[{"name": "Mug", "price": "cheap"}]), "not an amount"),
        (_record(placed_at="last tuesday"), "last tuesday"),
        (_record(address=["97701"]), "can't be read"),
        (_record(items=[{"name": "Mug", "price": 1, "quantity": 0}]), "quantity"),
        (["not", "an", "order"], "can't be read"),
    ],
)
def test_a_bad_order_names_itself(tmp_path: Path, record: object, complaint: str) -> None:
    orders_path, users_path = _write(tmp_path, {"#W1000001": record})
    with pytest.raises(OrderSourceMisconfigured, match="'#W1000001'") as caught:
        JsonOrderSource(orders_path, users_path)
    assert complaint in str(caught.value)


def test_ids_must_share_one_shape(tmp_path: Path) -> None:
    orders = {"#W1000001": _record(), "#A12": _record("#A12")}
    with pytest.raises(OrderSourceMisconfigured, match="mix formats"):
        JsonOrderSource(*_write(tmp_path, orders))
    with pytest.raises(OrderSourceMisconfigured, match="isn't like #W1234567"):
        JsonOrderSource(*_write(tmp_path, {"1001": _record("1001")}))


def test_the_id_format_comes_from_the_file(tmp_path: Path) -> None:
    source = JsonOrderSource(*_write(tmp_path, {"#CC00042": _record("#CC00042")}))
    assert source.id_format.example == "#CC12345"
    assert OrderDesk(source).lookup("cc00042", "97701").id == "#CC00042"


def test_an_order_whose_user_is_unknown_has_no_email(tmp_path: Path) -> None:
    users = {"u2": {"email": "someone@example.com"}}
    source = JsonOrderSource(*_write(tmp_path, {"#W1000001": _record()}, users))
    order = source.get("#W1000001")
    assert order is not None and order.email is None and order.zip == "97701"
    with pytest.raises(OrderOwnershipMismatch):
        OrderDesk(source).lookup("#W1000001", "someone@example.com")
    assert OrderDesk(source).lookup("#W1000001", "97701").total == Decimal("18.00")
