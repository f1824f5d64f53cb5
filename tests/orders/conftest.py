"""Order sources on real data: tau-bench's retail orders, the demo brand's, Shopify's examples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assistant.orders import JsonOrderSource
from tests.conftest import DEMO_CATALOG, shared_data

DEMO_ORDERS = DEMO_CATALOG / "orders" / "orders.json"
DEMO_USERS = DEMO_CATALOG / "orders" / "users.json"


@pytest.fixture(scope="session")
def tau_files() -> tuple[Path, Path]:
    """tau-bench's orders.json and users.json (skips when ../shared/data is absent)."""
    return (
        shared_data("tau-bench-retail", "orders.json"),
        shared_data("tau-bench-retail", "users.json"),
    )


@pytest.fixture(scope="session")
def tau_source(tau_files: tuple[Path, Path]) -> JsonOrderSource:
    """The 1,000 tau-bench orders, read once."""
    return JsonOrderSource(*tau_files)


@pytest.fixture(scope="session")
def tau_raw(tau_files: tuple[Path, Path]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The tau-bench files as plain JSON, to check the source against."""
    orders, users = tau_files
    return json.loads(orders.read_text()), json.loads(users.read_text())


@pytest.fixture(scope="session")
def demo_source() -> JsonOrderSource:
    """The demo brand's orders shipped in catalog/orders."""
    return JsonOrderSource(DEMO_ORDERS, DEMO_USERS)


@pytest.fixture(scope="session")
def shopify_fixtures() -> Path:
    """Shopify's example Admin API payloads (order.json, orders.json)."""
    return shared_data("shopify-api-fixtures")


@pytest.fixture
def shopify_order(shopify_fixtures: Path) -> dict[str, Any]:
    """A fresh copy of Shopify's example order #1001 (bob.norman@hostmail.com, ZIP 40202)."""
    order: dict[str, Any] = json.loads((shopify_fixtures / "order.json").read_text())["order"]
    return order
