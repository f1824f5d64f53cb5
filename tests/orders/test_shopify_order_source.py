"""`ShopifyOrderSource` over real HTTP against the fake Admin API, serving Shopify's examples."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.errors import AssistantError
from assistant.orders import (
    NOT_VERIFIED_MESSAGE,
    OrderDesk,
    OrderNotFound,
    OrderNotVerified,
    OrderSourceError,
    OrderSourceMisconfigured,
    OrderSourceUnavailable,
    ShopifyOrderSource,
)
from assistant.testing.loopback import free_port
from assistant.testing.shopify_server import FakeShopify, load_order_fixtures, serve

pytestmark = pytest.mark.shared_data
TOKEN = "shpat_test_0123456789"


@pytest.fixture
def fake(shopify_fixtures: Path) -> FakeShopify:
    """Order #1001 (id 450789469) from order.json, and the orders.json example as #1002."""
    [example] = load_order_fixtures(shopify_fixtures / "order.json")
    [listed] = load_order_fixtures(shopify_fixtures / "orders.json")
    listed.update(id=450789470, name="#1002", order_number=1002)  # both examples are #1001
    return FakeShopify([example, listed], token=TOKEN)


@pytest.fixture
def api_url(fake: FakeShopify) -> Iterator[str]:
    with serve(fake) as url:
        yield url


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def source(api_url: str, sleeps: list[float]) -> Iterator[ShopifyOrderSource]:
    with ShopifyOrderSource(api_url, TOKEN, 5.0, backoff_s=0.25, sleep=sleeps.append) as source:
        yield source


def test_finds_an_order_by_name(source: ShopifyOrderSource, fake: FakeShopify) -> None:
    order = source.get("#1001")
    assert order is not None
    assert (order.id, order.status, order.total) == ("#1001", "pending", Decimal("409.94"))
    assert len(order.items) == 3 and order.email == "bob.norman@hostmail.com"
    [request] = fake.requests
    assert request["path"] == "/admin/api/2024-10/orders.json"
    assert request["params"]["name"] == "#1001" and request["params"]["status"] == "any"
    assert request["token_ok"]
    # Only what an order status needs is asked for: no customer record, billing or payment.
    fields = set(request["params"]["fields"].split(","))
    assert {"line_items", "fulfillments", "shipping_address", "email"} <= fields
    assert not {"customer", "billing_address", "payment_details", "client_details"} & fields


def test_finds_an_order_by_numeric_id(source: ShopifyOrderSource, fake: FakeShopify) -> None:
    order = source.get("450789469")
    assert order is not None and order.id == "#1001" and order.zip == "40202"
    assert fake.requests[-1]["path"] == "/admin/api/2024-10/orders/450789469.json"


def test_the_other_example_is_found_too(source: ShopifyOrderSource) -> None:
    order = source.get("#1002")
    assert order is not None and order.status == "processed" and order.total == Decimal("598.94")


@pytest.mark.parametrize(
    ("typed", "proof"),
    [("#1001", "bob.norman@hostmail.com"), ("order 1001", "40202-1234"), ("450789469", "40202")],
)
def test_the_desk_verifies_shopify_orders(
    source: ShopifyOrderSource, typed: str, proof: str
) -> None:
    view = OrderDesk(source).lookup(typed, proof)
    assert view.id == "#1001" and view.ship_to_city == "Louisville"
    assert "bob.norman" not in view.model_dump_json()


def test_another_email_is_refused_like_a_missing_order(source: ShopifyOrderSource) -> None:
    desk = OrderDesk(source)
    with pytest.raises(OrderNotFound) as missing:
        desk.lookup("#1003", "bob.norman@hostmail.com")
    with pytest.raises(OrderNotVerified) as wrong:
        desk.lookup("#1001", "alice@example.com")
    assert str(missing.value) == str(wrong.value) == NOT_VERIFIED_MESSAGE


def test_unknown_orders_are_none(source: ShopifyOrderSource, fake: FakeShopify) -> None:
    assert source.get("#1003") is None  # empty search result
    assert source.get("99999999") is None  # a 404 from /orders/{id}.json
    assert source.get("not-an-id") is None
    assert [r["path"].rsplit("/", 1)[-1] for r in fake.requests] == ["orders.json", "99999999.json"]


def test_a_near_miss_from_the_name_search_is_not_the_order(
    api_url: str, fake: FakeShopify, shopify_order: dict[str, Any]
) -> None:
    # Shopify's name filter isn't documented as exact; only an exact name counts.
    near = copy.deepcopy(shopify_order)
    near.update(id=450789471, name="#10010")
    fake.add(near)
    source = ShopifyOrderSource(api_url, TOKEN)
    found = [source.get(name) for name in ("#10010", "#1001")]
    assert [order.id if order else None for order in found] == ["#10010", "#1001"]


def test_a_cancelled_order_is_found_because_we_ask_for_any_status(
    api_url: str, fake: FakeShopify, shopify_order: dict[str, Any]
) -> None:
    cancelled = copy.deepcopy(shopify_order)
    cancelled.update(id=450789472, name="#1004", cancelled_at="2008-01-11T09:00:00-05:00")
    fake.add(cancelled)
    headers = {"X-Shopify-Access-Token": TOKEN}
    default = httpx.get(f"{api_url}/orders.json", params={"name": "#1004"}, headers=headers)
    assert default.json() == {"orders": []}  # Shopify lists open orders unless told otherwise
    order = ShopifyOrderSource(api_url, TOKEN).get("#1004")
    assert order is not None and order.status == "cancelled"


def test_a_wrong_token_is_a_configuration_error(api_url: str, fake: FakeShopify) -> None:
    source = ShopifyOrderSource(api_url, "shpat_wrong_token", retries=2)
    with pytest.raises(OrderSourceMisconfigured, match="ASSISTANT_ORDERS__SHOPIFY_TOKEN") as caught:
        source.get("#1001")
    assert "401" in str(caught.value) and "shpat_wrong_token" not in str(caught.value)
    assert len(fake.requests) == 1 and not fake.requests[0]["token_ok"]  # no retry


def test_a_forbidden_token_is_a_configuration_error(
    source: ShopifyOrderSource, fake: FakeShopify
) -> None:
    fake.fail_next(403)
    with pytest.raises(OrderSourceMisconfigured, match=r"403.*read_orders"):
        source.get("#1001")


def test_503_twice_then_success_is_retried_with_backoff(
    source: ShopifyOrderSource, fake: FakeShopify, sleeps: list[float]
) -> None:
    fake.fail_next(503, times=2)
    order = source.get("#1001")
    assert order is not None and order.id == "#1001"
    assert len(fake.requests) == 3
    assert sleeps == [0.25, 0.5]


def test_503_forever_is_unavailable_not_a_crash(
    source: ShopifyOrderSource, fake: FakeShopify, sleeps: list[float]
) -> None:
    fake.fail_next(503, times=100)
    with pytest.raises(OrderSourceUnavailable, match=r"after 3 attempts.*503") as caught:
        OrderDesk(source).lookup("#1001", "40202")
    assert isinstance(caught.value, AssistantError)  # one handler maps it to "try again later"
    assert len(fake.requests) == 3 and len(sleeps) == 2
    fake.clear_failures()
    assert source.get("#1001") is not None  # the source still works once Shopify is back


def test_429_waits_as_long_as_shopify_asks(
    api_url: str, fake: FakeShopify, sleeps: list[float]
) -> None:
    fake.retry_after = "2.0"
    fake.fail_next(429)
    source = ShopifyOrderSource(api_url, TOKEN, sleep=sleeps.append, max_wait_s=30)
    assert source.get("#1001") is not None
    assert sleeps == [2.0]
    fake.retry_after = "3600"
    fake.fail_next(429)
    capped = ShopifyOrderSource(api_url, TOKEN, sleep=sleeps.append, max_wait_s=5)
    assert capped.get("#1001") is not None and sleeps[-1] == 5


def test_other_client_errors_are_not_retried(source: ShopifyOrderSource, fake: FakeShopify) -> None:
    fake.fail_next(400)
    with pytest.raises(OrderSourceError, match="400") as caught:
        source.get("#1001")
    assert not isinstance(caught.value, OrderSourceUnavailable)
    assert len(fake.requests) == 1


def test_nothing_listening_is_unavailable(sleeps: list[float]) -> None:
    url = f"http://127.0.0.1:{free_port()}/admin/api/2024-10"
    source = ShopifyOrderSource(url, TOKEN, 2.0, sleep=sleeps.append, backoff_s=0.1)
    with pytest.raises(OrderSourceUnavailable, match="connection failed"):
        source.get("#1001")
    assert sleeps == [0.1, 0.2]


def _mock_source(handler: Any, sleeps: list[float]) -> ShopifyOrderSource:
    client = httpx.Client(transport=httpx.MockTransport(handler))
    return ShopifyOrderSource(
        "https://shop.example/admin/api/2024-10", TOKEN, 1.0, client, sleep=sleeps.append
    )


def test_timeouts_are_retried_then_unavailable(sleeps: list[float]) -> None:
    def time_out(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(OrderSourceUnavailable, match="timed out after 1 s"):
        _mock_source(time_out, sleeps).get("#1001")
    assert len(sleeps) == 2


@pytest.mark.parametrize(
    ("body", "complaint"),
    [(b"<html>oops</html>", "invalid JSON"), (b"[]", "a JSON object"), (b"{}", "'orders' list")],
)
def test_answers_we_cant_read_are_source_errors(
    sleeps: list[float], body: bytes, complaint: str
) -> None:
    source = _mock_source(lambda request: httpx.Response(200, content=body), sleeps)
    with pytest.raises(OrderSourceError, match=complaint):
        source.get("#1001")


def test_a_malformed_order_is_a_source_error(shopify_order: dict[str, Any]) -> None:
    shopify_order["line_items"][0]["price"] = "free"
    body = json.dumps({"order": shopify_order}).encode()
    source = _mock_source(lambda request: httpx.Response(200, content=body), [])
    with pytest.raises(OrderSourceError, match="can't read"):
        source.get("450789469")


@pytest.mark.parametrize(
    ("url", "token", "complaint"),
    [
        ("https://shop.myshopify.com/admin/api/2024-10", "  ", "SHOPIFY_TOKEN"),
        ("https://shop.myshopify.com/admin/api/2024-10", "shpat_a\nX-Evil: 1", "SHOPIFY_TOKEN"),
        ("shop.myshopify.com/admin/api/2024-10", TOKEN, "SHOPIFY_API_URL"),
        ("ftp://shop.myshopify.com/admin/api/2024-10", TOKEN, "SHOPIFY_API_URL"),
        ("https://", TOKEN, "SHOPIFY_API_URL"),
        ("", TOKEN, "SHOPIFY_API_URL"),
    ],
)
def test_bad_settings_fail_at_construction(url: str, token: str, complaint: str) -> None:
    with pytest.raises(OrderSourceMisconfigured, match=complaint):
        ShopifyOrderSource(url, token)


def test_a_token_with_a_trailing_newline_still_works(api_url: str, fake: FakeShopify) -> None:
    order = ShopifyOrderSource(api_url + "/", TOKEN + "\n").get("#1001")
    assert order is not None and fake.requests[-1]["token_ok"]
