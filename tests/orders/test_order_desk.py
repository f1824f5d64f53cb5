"""The desk's rules: who may see an order, and what everyone else is told."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest

from assistant.orders import (
    NOT_VERIFIED_MESSAGE,
    InMemoryOrderSource,
    InvalidOrderId,
    JsonOrderSource,
    Order,
    OrderDesk,
    OrderItem,
    OrderNotFound,
    OrderNotVerified,
    OrderOwnershipMismatch,
    ProofMissing,
    ShopifyOrderIds,
)

NORA = Order(
    id="#W1234567",
    status="shipped",
    items=[OrderItem(title="Cairn 28 Daypack", price=Decimal("119.00"), variant_id="4070001")],
    total=Decimal("119.00"),
    email="Nora.Quill@Example.com",
    zip="10083",
    city="New York",
    state="NY",
)
NO_EMAIL = Order(id="#W7654321", status="processed", email=None, zip="SW1A 1AA", city="London")


@pytest.fixture
def source() -> InMemoryOrderSource:
    return InMemoryOrderSource([NORA, NO_EMAIL])


@pytest.fixture
def desk(source: InMemoryOrderSource) -> OrderDesk:
    return OrderDesk(source)


@pytest.mark.parametrize(
    "proof",
    ["Nora.Quill@Example.com", "nora.quill@example.com", "  NORA.QUILL@EXAMPLE.COM\t", "10083"],
)
def test_the_owner_sees_the_order(desk: OrderDesk, proof: str) -> None:
    view = desk.lookup("w1234567", proof)
    assert (view.id, view.status, view.total) == ("#W1234567", "shipped", Decimal("119.00"))
    assert view.items[0].variant_id == "4070001"


@pytest.mark.parametrize("proof", ["10083-1234", "10083 1234", "100831234", " 10083 "])
def test_a_zip_plus_4_matches_on_its_first_five_digits(desk: OrderDesk, proof: str) -> None:
    assert desk.lookup("#W1234567", proof).id == "#W1234567"


def test_a_stored_zip_plus_4_matches_five_digits() -> None:
    order = NORA.model_copy(update={"zip": "05401-2345"})
    desk = OrderDesk(InMemoryOrderSource([order]))
    assert desk.lookup("#W1234567", "05401").id == "#W1234567"
    with pytest.raises(OrderOwnershipMismatch):
        desk.lookup("#W1234567", "05402")


@pytest.mark.parametrize("proof", ["sw1a1aa", "SW1A 1AA", " sw1a  1aa ", "Sw1A-1aA"])
def test_uk_postcodes_match_ignoring_case_and_spaces(desk: OrderDesk, proof: str) -> None:
    assert desk.lookup("#W7654321", proof).ship_to_city == "London"


def test_canadian_postcodes_match_ignoring_case_and_spaces() -> None:
    order = NORA.model_copy(update={"zip": "V6K 1P9"})
    desk = OrderDesk(InMemoryOrderSource([order]))
    assert desk.lookup("#W1234567", "v6k1p9").id == "#W1234567"
    with pytest.raises(OrderOwnershipMismatch):
        desk.lookup("#W1234567", "V6K 1P8")


@pytest.mark.parametrize(
    "proof",
    [
        "nora.quill@example.org",  # wrong email
        "nora.quill@example.co",  # a prefix of the right one
        "ora.quill@example.com",  # a suffix of the right one
        "someone.else@example.com",  # another customer
        "10084",  # wrong ZIP
        "1008",  # a prefix of the right ZIP
        "100830",  # six digits
        "W1234567",  # the order number itself
        "New York",
        "@",
        "x" * 100_000,
    ],
)
def test_a_wrong_email_or_zip_gets_the_not_found_message(desk: OrderDesk, proof: str) -> None:
    with pytest.raises(OrderOwnershipMismatch) as caught:
        desk.lookup("#W1234567", proof)
    assert str(caught.value) == NOT_VERIFIED_MESSAGE


def test_not_found_and_not_yours_read_the_same_to_the_shopper(desk: OrderDesk) -> None:
    refusals = []
    for order_id, proof in [
        ("#W1234567", "someone.else@example.com"),  # exists, another customer's email
        ("#W1234567", "99999"),  # exists, wrong ZIP
        ("#W9999999", "nora.quill@example.com"),  # no such order, a real customer's email
        ("#W9999999", "10083"),  # no such order
    ]:
        with pytest.raises(OrderNotVerified) as caught:
            desk.lookup(order_id, proof)
        refusals.append(caught.value)
    assert {str(error) for error in refusals} == {NOT_VERIFIED_MESSAGE}
    assert NOT_VERIFIED_MESSAGE == "I couldn't find an order with that number and email or ZIP."
    # Only the logs may tell them apart.
    assert [error.reason for error in refusals] == [
        "mismatch",
        "mismatch",
        "not_found",
        "not_found",
    ]
    assert isinstance(refusals[2], OrderNotFound) and isinstance(
        refusals[0], OrderOwnershipMismatch
    )


def test_an_order_without_an_email_can_only_be_proved_by_zip(desk: OrderDesk) -> None:
    with pytest.raises(OrderOwnershipMismatch):
        desk.lookup("#W7654321", "none@example.com")
    assert desk.lookup("#W7654321", "SW1A1AA").status == "processed"


@pytest.mark.parametrize("proof", ["", "   ", "\n"])
def test_no_proof_asks_for_the_email_or_zip(desk: OrderDesk, proof: str) -> None:
    with pytest.raises(ProofMissing, match="email address or the ZIP"):
        desk.lookup("#W1234567", proof)


@pytest.mark.parametrize("order_id", ["", "W12345", "#W1234567; --", "x" * 100_000, "ord 1"])
def test_malformed_ids_never_reach_the_source(
    desk: OrderDesk, source: InMemoryOrderSource, order_id: str
) -> None:
    with pytest.raises(InvalidOrderId, match="Order numbers look like #W1234567"):
        desk.lookup(order_id, "nora.quill@example.com")
    assert source.requested == []


def test_the_source_is_asked_for_the_canonical_id(
    desk: OrderDesk, source: InMemoryOrderSource
) -> None:
    desk.lookup("order 1234567", "10083")
    desk.lookup("#w1234567", "10083")
    assert source.requested == ["#W1234567", "#W1234567"]


def test_the_desk_follows_the_sources_id_format() -> None:
    order = NORA.model_copy(update={"id": "#1001"})
    desk = OrderDesk(InMemoryOrderSource([order], ShopifyOrderIds()))
    assert desk.lookup("order 1001", "10083").id == "#1001"
    with pytest.raises(InvalidOrderId, match="#1001"):
        desk.lookup("#W1234567", "10083")


def test_refusals_are_logged_without_what_the_shopper_typed(
    desk: OrderDesk, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="assistant.orders")
    for order_id, proof in [("#W1234567", "guess@example.com"), ("#W9999999", "77777")]:
        with pytest.raises(OrderNotVerified):
            desk.lookup(order_id, proof)
    logged = caplog.text
    assert "#W1234567 mismatch (by email)" in logged
    assert "#W9999999 not_found (by postcode)" in logged
    assert "guess@example.com" not in logged and "77777" not in logged


def test_the_demo_desk_end_to_end(demo_source: JsonOrderSource) -> None:
    desk = OrderDesk(demo_source)
    view = desk.lookup("W1000004", "TOM.BECKER@example.com ")
    assert view.status == "partially_shipped"
    assert [s.tracking_numbers for s in view.shipments] == [["1Z84X2E10398311902"]]
    with pytest.raises(OrderOwnershipMismatch):
        desk.lookup("W1000004", "maya.okafor@example.com")  # another demo customer
