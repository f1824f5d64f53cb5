"""Orders from the Shopify Admin REST API, over httpx.

Order names ("#1001") are found with ``GET {api_url}/orders.json?name=%231001&status=any``;
numeric order ids with ``GET {api_url}/orders/{id}.json``. Only the fields an order status
needs are asked for (no customer record, billing address or payment details).

httpx errors and statuses become our errors here, at the boundary: 401/403 ->
`OrderSourceMisconfigured`; 404 -> not found (None); 429, 5xx, timeouts and connection errors
-> retried with backoff (honouring ``Retry-After``), then `OrderSourceUnavailable`; any other
answer -> `OrderSourceError`. The token never appears in a message.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, NoReturn

import httpx
from pydantic import SecretStr, ValidationError

from assistant.orders.errors import (
    OrderSourceError,
    OrderSourceMisconfigured,
    OrderSourceUnavailable,
)
from assistant.orders.model import Order
from assistant.orders.order_ids import OrderIdFormat, ShopifyOrderIds
from assistant.orders.shopify_payload import order_from_shopify

# The name of the header that carries the token, not a token.
TOKEN_HEADER = "X-Shopify-Access-Token"  # nosec B105
ORDER_FIELDS = ",".join(
    [
        "id",
        "name",
        "email",
        "contact_email",
        "created_at",
        "processed_at",
        "financial_status",
        "fulfillment_status",
        "cancelled_at",
        "cancel_reason",
        "currency",
        "total_price",
        "line_items",
        "fulfillments",
        "shipping_address",
    ]
)
_TOKEN = re.compile(r"[\x21-\x7e]+")
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class ShopifyOrderSource:
    """A read-only client for a shop's orders (the app needs the ``read_orders`` scope)."""

    def __init__(
        self,
        api_url: str,
        token: SecretStr | str,
        timeout_s: float = 10.0,
        client: httpx.Client | None = None,
        *,
        retries: int = 2,
        backoff_s: float = 0.5,
        max_wait_s: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._token = _checked_token(token)
        self.api_url = _checked_url(api_url)
        self.timeout_s = timeout_s
        self.retries = retries
        self.backoff_s = backoff_s
        self.max_wait_s = max_wait_s
        self._sleep = sleep
        self._owns_client = client is None
        self._client = client if client is not None else httpx.Client(timeout=timeout_s)
        self._id_format = ShopifyOrderIds()

    @property
    def id_format(self) -> OrderIdFormat:
        return self._id_format

    def get(self, order_id: str) -> Order | None:
        """The order named "#1001", or with the numeric id "450789469"; None when there's none."""
        if order_id.startswith("#") and order_id[1:].isdigit():
            return self._by_name(order_id)
        if order_id.isdigit():
            return self._by_id(order_id)
        return None  # not a Shopify order number, so no such order

    def close(self) -> None:
        """Close the HTTP client if this source created it."""
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> ShopifyOrderSource:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _by_name(self, name: str) -> Order | None:
        params = {"name": name, "status": "any", "fields": ORDER_FIELDS}
        data = self._get_json("/orders.json", params)
        if data is None:
            return None
        orders = data.get("orders")
        if not isinstance(orders, list):
            _unexpected("an 'orders' list")
        # The name filter isn't guaranteed exact: keep only the order with exactly this name.
        for payload in orders:
            if isinstance(payload, dict) and str(payload.get("name", "")).upper() == name.upper():
                return _order(payload)
        return None

    def _by_id(self, order_id: str) -> Order | None:
        data = self._get_json(f"/orders/{order_id}.json", {"fields": ORDER_FIELDS})
        if data is None:
            return None
        payload = data.get("order")
        return _order(payload) if isinstance(payload, dict) else _unexpected("an 'order' object")

    def _get_json(self, path: str, params: Mapping[str, str]) -> dict[str, Any] | None:
        """The JSON object answered for `path`, None on 404; retries what may pass later."""
        headers = {TOKEN_HEADER: self._token.get_secret_value(), "Accept": "application/json"}
        problem = ""
        for attempt in range(self.retries + 1):
            response: httpx.Response | None = None
            try:
                response = self._client.get(
                    self.api_url + path, params=params, headers=headers, timeout=self.timeout_s
                )
            except httpx.TimeoutException:
                problem = f"timed out after {self.timeout_s:g} s"
            except httpx.TransportError as exc:
                problem = f"connection failed ({type(exc).__name__})"
            else:
                if response.is_success:
                    return _json_object(response)
                if response.status_code == 404:
                    return None
                problem = _check_status(response)
            if attempt < self.retries:
                self._sleep(self._wait(attempt, response))
        raise OrderSourceUnavailable(
            f"Shopify order lookup unavailable after {self.retries + 1} attempts: {problem}"
        )

    def _wait(self, attempt: int, response: httpx.Response | None) -> float:
        retry_after = response.headers.get("Retry-After") if response is not None else None
        try:
            wait = float(retry_after) if retry_after else self.backoff_s * 2**attempt
        except ValueError:
            wait = self.backoff_s * 2**attempt
        return max(0.0, min(wait, self.max_wait_s))


def _checked_token(token: SecretStr | str) -> SecretStr:
    value = token.get_secret_value() if isinstance(token, SecretStr) else token
    value = value.strip()  # a token pasted into an env file often brings a newline
    if not _TOKEN.fullmatch(value):
        raise OrderSourceMisconfigured(
            "Shopify order lookup needs an Admin API access token (printable characters, "
            "no spaces): set ASSISTANT_ORDERS__SHOPIFY_TOKEN"
        )
    return SecretStr(value)


def _checked_url(api_url: str) -> str:
    url = api_url.strip().rstrip("/")
    try:
        valid = httpx.URL(url).scheme in ("http", "https") and bool(httpx.URL(url).host)
    except httpx.InvalidURL:
        valid = False
    if not valid:
        raise OrderSourceMisconfigured(
            "ASSISTANT_ORDERS__SHOPIFY_API_URL must be the Admin API base URL, "
            f"like https://shop.myshopify.com/admin/api/2024-10 (got {api_url!r})"
        )
    return url


def _check_status(response: httpx.Response) -> str:
    """Raise for answers that won't change on retry; describe the ones worth retrying."""
    status = response.status_code
    if status in (401, 403):
        raise OrderSourceMisconfigured(
            f"Shopify refused the order lookup ({status}): check ASSISTANT_ORDERS__SHOPIFY_TOKEN "
            "and that the app has the read_orders scope"
        )
    if status in RETRY_STATUSES:
        return f"Shopify answered {status}"
    raise OrderSourceError(f"Shopify answered {status} to an order lookup")


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError as exc:  # json.JSONDecodeError, or undecodable bytes
        raise OrderSourceError("Shopify answered an order lookup with invalid JSON") from exc
    return data if isinstance(data, dict) else _unexpected("a JSON object")


def _order(payload: dict[str, Any]) -> Order:
    try:
        return order_from_shopify(payload)
    except (KeyError, TypeError, ValueError, ArithmeticError, ValidationError) as exc:
        raise OrderSourceError(f"Shopify sent an order this version can't read: {exc}") from exc


def _unexpected(expected: str) -> NoReturn:
    raise OrderSourceError(f"Shopify answered an order lookup without {expected}")
