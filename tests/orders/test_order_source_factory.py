"""`get_order_source(settings)`: the configured source, or a clear error saying what's missing."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from assistant.config import Settings
from assistant.errors import ConfigurationError
from assistant.orders import (
    JsonOrderSource,
    OrderDesk,
    OrderSource,
    OrderSourceMisconfigured,
    ShopifyOrderSource,
    get_order_source,
)
from assistant.testing.shopify_server import FakeShopify, load_order_fixtures, serve
from tests.conftest import shared_data


def test_the_default_is_the_demo_orders(settings: Settings) -> None:
    source = get_order_source(settings)
    assert isinstance(source, JsonOrderSource) and isinstance(source, OrderSource)
    assert len(source) == 12
    assert OrderDesk(source).lookup("#W1000002", "80218").status == "shipped"


def test_none_turns_order_lookup_off(settings: Settings) -> None:
    settings.orders.source = "none"
    assert get_order_source(settings) is None


def test_json_files_that_are_missing_fail_at_start(settings: Settings, tmp_path: Path) -> None:
    settings.orders.orders_path = tmp_path / "orders.json"
    with pytest.raises(ConfigurationError, match="orders file not found"):
        get_order_source(settings)


def test_shopify_without_url_or_token_says_which_settings(settings: Settings) -> None:
    settings.orders.source = "shopify"
    with pytest.raises(OrderSourceMisconfigured) as caught:
        get_order_source(settings)
    message = str(caught.value)
    assert "ASSISTANT_ORDERS__SHOPIFY_API_URL" in message
    assert "ASSISTANT_ORDERS__SHOPIFY_TOKEN" in message
    assert isinstance(caught.value, ConfigurationError)


@pytest.mark.shared_data
def test_shopify_settings_reach_the_admin_api(settings: Settings) -> None:
    fixtures = shared_data("shopify-api-fixtures")
    fake = FakeShopify(load_order_fixtures(fixtures / "order.json"), token="shpat_settings")
    with serve(fake) as api_url:
        settings.orders.source = "shopify"
        settings.orders.shopify_api_url = api_url + "/"
        settings.orders.shopify_token = SecretStr("shpat_settings")
        settings.orders.timeout_s = 3.0
        source = get_order_source(settings)
        assert isinstance(source, ShopifyOrderSource)
        assert source.timeout_s == 3.0
        view = OrderDesk(source).lookup("order #1001", "BOB.NORMAN@hostmail.com")
        source.close()
    assert view.id == "#1001"
    assert fake.requests[0]["token_ok"]
