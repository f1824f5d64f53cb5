"""The storefront routes the browser tests stand on, over HTTP in process (no browser needed)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api import storefront
from assistant.api.app import create_app
from assistant.config import Settings
from assistant.conversation import Concierge
from assistant.retrieval.index import CatalogIndex


@pytest.fixture
def client(demo_index: CatalogIndex, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    app = create_app(settings, Concierge.from_settings(settings, demo_index))
    if not any(getattr(route, "path", None) == "/widget.js" for route in app.routes):
        app.include_router(storefront.router)
    with TestClient(app) as test_client:
        yield test_client


def test_storefront_page_carries_the_widget_tag(client: TestClient) -> None:
    response = client.get("/")
    assert response.headers["content-type"].startswith("text/html")
    assert '<script src="/widget.js"' in response.text and "Cairn &amp; Compass" in response.text


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("/widget.js", "text/javascript"),
        ("/widget.css", "text/css"),
        ("/storefront.css", "text/css"),
    ],
)
def test_static_files_are_served_for_revalidation(
    client: TestClient, path: str, media_type: str
) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    assert response.headers["cache-control"] == "no-cache" and response.headers["etag"]


def test_only_listed_files_are_served(client: TestClient) -> None:
    assert client.get("/storefront.py").status_code == 404
    assert client.get("/widget.js/../storefront.py").status_code == 404


def test_featured_is_a_dozen_in_stock_products_across_categories(client: TestClient) -> None:
    tiles = client.get("/api/featured").json()
    assert len(tiles) == 12
    assert len({t["category"] for t in tiles}) == 12
    assert all(t["in_stock"] and t["image"] and float(t["price"]) > 0 for t in tiles)
    for tile in tiles:
        if tile["compare_at_price"] is not None:
            assert float(tile["compare_at_price"]) > float(tile["price"])


def test_featured_limit_is_bounded(client: TestClient) -> None:
    assert len(client.get("/api/featured", params={"limit": 20}).json()) == 20
    assert client.get("/api/featured", params={"limit": 0}).status_code == 422
    assert client.get("/api/featured", params={"limit": 500}).status_code == 422


def test_pick_featured_fills_up_after_one_per_category(client: TestClient) -> None:
    products = client.app.state.concierge.catalog.products.products  # type: ignore[attr-defined]
    picked = storefront.pick_featured(products, 30)
    assert len(picked) == 30 and len({p.id for p in picked}) == 30
    categories = [p.category for p in picked]
    assert len(set(categories[:16])) == 16  # every category once before any repeats
