"""The external helpdesk (Zendesk, Chatwoot, Gorgias...): every handoff is POSTed to
`desk.webhook_url` as signed JSON from a persistent queue, retried with backoff; a
helpdesk agent's reply comes back signed the same way (see `verify`).

Signature: ``X-Concierge-Signature: sha256=<hex HMAC-SHA256 of the raw body>`` with
`desk.webhook_secret`. The body carries its own ``id`` and ``timestamp`` (seconds since the
epoch), so both are covered by the signature; ``X-Concierge-Timestamp`` repeats the time.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import math
import time
from typing import Any

import httpx

from assistant.config import DeskSettings
from assistant.errors import AssistantError
from assistant.store import Backoff, Store, StoreError
from assistant.store.desk_models import HelpdeskDelivery

log = logging.getLogger("assistant.helpdesk")
SIGNATURE = "X-Concierge-Signature"
TIMESTAMP = "X-Concierge-Timestamp"
PERMANENT = frozenset(range(400, 500)) - {408, 409, 425, 429}
IDLE_S = 1.0


class SignatureMismatch(AssistantError):
    """An inbound helpdesk call is unsigned, badly signed, stale or replayed (HTTP 401)."""


def sign(secret: str, body: bytes) -> str:
    """The signature header's value for `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(
    secret: str, body: bytes, header: str | None, *, tolerance_s: int, now: float
) -> dict[str, Any]:
    """The parsed body of a correctly signed, fresh call; `SignatureMismatch` otherwise."""
    expected = sign(secret, body)
    if not header or not hmac.compare_digest(header.strip().encode(), expected.encode()):
        raise SignatureMismatch("bad signature")
    try:
        document = json.loads(body)
        stamp = document["timestamp"]
        if not isinstance(document["id"], str) or not document["id"]:
            raise ValueError("id")
    except (ValueError, KeyError, TypeError) as exc:
        raise SignatureMismatch("the body needs an id and a timestamp") from exc
    # A number of seconds: not a string, not true/false, not NaN or infinity (every comparison
    # with NaN is false, so it would pass any window).
    if isinstance(stamp, bool) or not isinstance(stamp, int | float):
        raise SignatureMismatch("the timestamp must be a number of seconds")
    if not _finite(stamp) or not abs(now - stamp) <= tolerance_s:
        raise SignatureMismatch("timestamp outside the allowed window")
    return dict(document)


def _finite(number: float) -> bool:
    """Whether `number` is a finite float (a huge int is not: it has no float)."""
    try:
        return math.isfinite(float(number))
    except OverflowError:
        return False


def signed_request(
    delivery: HelpdeskDelivery, secret: str, now: float
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of one delivery attempt."""
    stamp = int(now)
    document = {"id": f"delivery-{delivery.id}", "timestamp": stamp, **delivery.body}
    body = json.dumps(document, separators=(",", ":"), sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        SIGNATURE: sign(secret, body),
        TIMESTAMP: str(stamp),
        "User-Agent": "Concierge-Helpdesk/1",
    }
    return body, headers


class HelpdeskNotifier:
    """Sends queued helpdesk deliveries; failures wait with backoff, then die after the
    configured attempts (a 4xx other than 408/409/425/429 is not retried)."""

    def __init__(self, store: Store, settings: DeskSettings) -> None:
        self._store = store
        self._settings = settings
        self._backoff = Backoff(max_attempts=settings.webhook_max_attempts)

    @property
    def enabled(self) -> bool:
        return bool(self._settings.webhook_url and self._settings.webhook_secret)

    async def deliver_due(self, client: httpx.AsyncClient) -> int:
        """Attempt what is due now; returns how many deliveries were attempted."""
        items = await asyncio.to_thread(self._store.claim_helpdesk_due, 10)
        for item in items:
            await self._deliver(item, client)
        return len(items)

    async def _deliver(self, item: HelpdeskDelivery, client: httpx.AsyncClient) -> None:
        assert self._settings.webhook_url and self._settings.webhook_secret
        secret = self._settings.webhook_secret.get_secret_value()
        body, headers = signed_request(item, secret, time.time())
        try:
            response = await client.post(
                self._settings.webhook_url, content=body, headers=headers,
                timeout=self._settings.webhook_timeout_s,
            )  # fmt: skip
        except httpx.HTTPError as exc:
            await self._failed(item, f"{type(exc).__name__}: {exc}", permanent=False)
            return
        if response.is_success:
            await asyncio.to_thread(self._store.mark_helpdesk_sent, item.id)
            return
        error = f"helpdesk answered {response.status_code}"
        await self._failed(item, error, permanent=response.status_code in PERMANENT)

    async def _failed(self, item: HelpdeskDelivery, error: str, *, permanent: bool) -> None:
        log.warning("helpdesk webhook failed: %s", error, extra={"delivery_id": item.id})
        backoff = Backoff(max_attempts=1) if permanent else self._backoff
        await asyncio.to_thread(self._store.mark_helpdesk_failed, item.id, error, backoff)

    async def run(self, client: httpx.AsyncClient, stop: asyncio.Event) -> None:
        """Deliver until stopped (a no-op loop when the webhook is not configured)."""
        while self.enabled and not stop.is_set():
            try:
                sent = await self.deliver_due(client)
            except StoreError:
                log.exception("helpdesk delivery round failed")
                sent = 0
            if not sent:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), IDLE_S)
