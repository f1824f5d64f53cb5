"""A fake Shopify Admin REST API on loopback: real HTTP for `ShopifyOrderSource`.

It serves the orders it is given (for instance Shopify's own example payloads, read with
`load_order_fixtures`), checks ``X-Shopify-Access-Token`` like Shopify does, records every
request, and fails on demand: ``fake.fail_next(503, times=2)``.

    fake = FakeShopify(load_order_fixtures(path / "order.json"), token="shpat_test")
    with serve(fake) as api_url:      # http://127.0.0.1:PORT/admin/api/2024-10
        source = ShopifyOrderSource(api_url, "shpat_test")
"""

from __future__ import annotations

import copy
import json
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from assistant.testing.loopback import serve_app

TOKEN_HEADER = "X-Shopify-Access-Token"
# Shopify's own wording for a missing or wrong token.
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"


def load_order_fixtures(*paths: Path) -> list[dict[str, Any]]:
    """Orders from Admin API JSON files: ``{"order": {...}}``, ``{"orders": [...]}`` or a list."""
    orders: list[dict[str, Any]] = []
    for path in paths:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if isinstance(data, dict) and "order" in data:
            orders.append(data["order"])
        elif isinstance(data, dict):
            orders.extend(data.get("orders", []))
        else:
            orders.extend(data)
    return orders


class FakeShopify:
    """The fake's state: its orders, the requests it saw, the failures queued."""

    def __init__(
        self,
        orders: Iterable[dict[str, Any]],
        *,
        token: str = "shpat_fake_token",
        api_version: str = "2024-10",
        retry_after: str = "0",
    ) -> None:
        self.orders: dict[str, dict[str, Any]] = {}
        for order in orders:
            self.add(order)
        self.token = token
        self.api_version = api_version
        self.retry_after = retry_after
        self.requests: list[dict[str, Any]] = []
        self._failures: deque[int] = deque()
        self.app = self._build()

    def add(self, order: dict[str, Any]) -> None:
        """Serve one more order (a copy); its id must be new."""
        key = str(order["id"])
        if key in self.orders:
            raise ValueError(f"two orders with id {key}")
        self.orders[key] = copy.deepcopy(order)

    def fail_next(self, status: int, times: int = 1) -> None:
        """Answer the next `times` requests with `status` (429 carries a Retry-After)."""
        self._failures.extend([status] * times)

    def clear_failures(self) -> None:
        """Forget the failures still queued: the shop is back."""
        self._failures.clear()

    def _build(self) -> FastAPI:
        app = FastAPI()
        prefix = f"/admin/api/{self.api_version}"

        @app.middleware("http")
        async def gatekeeper(request: Request, call_next: Any) -> Any:
            token = request.headers.get(TOKEN_HEADER)
            self.requests.append(
                {
                    "method": request.method,
                    "path": request.url.path,
                    "params": dict(request.query_params),
                    "token_ok": token == self.token,
                }
            )
            if self._failures:
                return _failure(self._failures.popleft(), self.retry_after)
            if token != self.token:
                return JSONResponse({"errors": INVALID_TOKEN}, status_code=401)
            return await call_next(request)

        @app.get(f"{prefix}/orders.json")
        async def list_orders(request: Request) -> dict[str, Any]:
            params = request.query_params
            found = [
                order
                for order in self.orders.values()
                if _has_status(order, params.get("status", "open"))
                and _has_name(order, params.get("name"))
            ]
            return {"orders": [_only(order, params.get("fields")) for order in found]}

        @app.get(prefix + "/orders/{order_id}.json", response_model=None)
        async def get_order(order_id: str, request: Request) -> Response | dict[str, Any]:
            order = self.orders.get(order_id)
            if order is None:
                return JSONResponse({"errors": "Not Found"}, status_code=404)
            return {"order": _only(order, request.query_params.get("fields"))}

        return app


def _failure(status: int, retry_after: str) -> JSONResponse:
    headers = {"Retry-After": retry_after} if status == 429 else {}
    body = "Exceeded 2 calls per second for api client." if status == 429 else f"injected {status}"
    return JSONResponse({"errors": body}, status_code=status, headers=headers)


def _has_status(order: dict[str, Any], status: str) -> bool:
    """Shopify's ``status`` filter: open (the default), closed, cancelled or any."""
    cancelled = bool(order.get("cancelled_at"))
    closed = bool(order.get("closed_at"))
    return {
        "any": True,
        "open": not cancelled and not closed,
        "closed": closed,
        "cancelled": cancelled,
    }.get(status, False)


def _has_name(order: dict[str, Any], name: str | None) -> bool:
    if name is None:
        return True
    return str(order.get("name", "")).lstrip("#") == name.lstrip("#")


def _only(order: dict[str, Any], fields: str | None) -> dict[str, Any]:
    if not fields:
        return order
    wanted = {field.strip() for field in fields.split(",")}
    return {key: value for key, value in order.items() if key in wanted}


@contextmanager
def serve(fake: FakeShopify) -> Iterator[str]:
    """Run the fake on a free loopback port; yields its Admin API URL (…/admin/api/VERSION)."""
    with serve_app(fake.app, name="fake Shopify server") as base_url:
        yield f"{base_url}/admin/api/{fake.api_version}"
