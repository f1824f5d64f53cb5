"""A fake Meta Graph API and Twilio REST API on loopback, and signed webhooks as they'd send.

One app plays ``POST /{version}/{phone_number_id}/messages`` (WhatsApp Cloud API),
``POST /{version}/me/messages`` (Messenger and Instagram Send API) and
``POST /2010-04-01/Accounts/{sid}/Messages.json`` (Twilio). It checks credentials like the real
APIs, rejects payloads over the providers' main limits, answers with their ids (``wamid.``,
``mid.``, ``SM``) and error bodies, records every request, and fails on demand::

    fake = FakeProvider(meta_token="EAAG-test", twilio_sid="AC123", twilio_token="secret")
    with serve(fake) as base_url:                  # http://127.0.0.1:PORT
        settings = WhatsAppSettings(api_url=base_url, ...)
        fake.fail_next(500, times=2)               # the next two requests answer 500
        fake.fail_next(429, retry_after="1")       # Retry-After: 1
        fake.delay_next(2.0)                       # answer late (client timeouts)
        fake.accept_then_hang(2.0)                 # take the message, then answer late
        fake.fail_next(502, bare=True)             # a gateway's plain-text 502

Every record carries the recipient and a digest of what the payload says (`payload_digest`).
A fake built with ``compact=True`` keeps only those, not the headers and body: a long soak
delivers thousands of replies, and whole bodies would make the fake itself the memory that
grows.

The webhook builders sign with a secret the way Meta (X-Hub-Signature-256) and Twilio
(X-Twilio-Signature) do, computed here independently of the adapters' own code.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import json
import secrets
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from assistant.testing.loopback import serve_app

# The signed-webhook builders live in provider_webhooks; re-exported here for convenience.
from assistant.testing.provider_webhooks import (
    SignedWebhook,
    messenger_webhook,
    twilio_signature,
    twilio_sms_form,
    twilio_status_form,
    whatsapp_reply_webhook,
    whatsapp_status_webhook,
    whatsapp_text_webhook,
    whatsapp_webhook,
)

Provider = Literal["whatsapp", "messenger", "twilio"]
WHATSAPP_TEXT_MAX, MESSENGER_TEXT_MAX, TWILIO_BODY_MAX = 4096, 2000, 1600


@dataclass(slots=True)
class Recorded:
    """One request the fake received: which API, its path, headers and body, what it answered
    (0 until answered; 499 when the client gave up first), its recipient (`to`) and the
    `payload_digest` of its body. A compact fake leaves path, headers and body empty."""

    provider: Provider
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    status: int = 0
    to: str = ""
    digest: str = ""


def recipient_of(provider: Provider, body: dict[str, Any]) -> str:
    """Who a request body is addressed to, in each API's own field ("" if it names no one)."""
    if provider == "twilio":
        return str(body.get("To", ""))
    if provider == "whatsapp":
        return str(body.get("to", ""))
    named = body.get("recipient")
    return str(named.get("id", "")) if isinstance(named, dict) else ""


def payload_words(body: dict[str, Any]) -> str:
    """What a payload says, normalised so a stored payload and the request that delivered it
    compare equal: an SMS's Body (the rest of Twilio's form is transport), else the whole Graph
    API body with sorted keys."""
    if "Body" in body:
        return str(body["Body"])
    return json.dumps(body, sort_keys=True, ensure_ascii=False)


def payload_digest(body: dict[str, Any]) -> str:
    """sha256 of `payload_words`: enough to match a delivery with its stored payload, and a
    fixed 64 characters however long the reply."""
    return hashlib.sha256(payload_words(body).encode()).hexdigest()


class FakeProvider:
    """The fake's state: credentials it accepts, requests it saw, failures queued.

    With `compact`, each request is recorded as its provider, status, recipient and digest
    only (see `Recorded`): for long runs that check deliveries, not their contents.
    """

    def __init__(
        self,
        *,
        meta_token: str = "meta-test-token",
        twilio_sid: str = "AC00000000000000000000000000000000",
        twilio_token: str = "twilio-test-token",
        compact: bool = False,
    ) -> None:
        self.meta_token, self.twilio_sid, self.twilio_token = meta_token, twilio_sid, twilio_token
        self.compact = compact
        self.requests: list[Recorded] = []
        self._failures: deque[tuple[int, str | None, int | None, bool]] = deque()
        self._delays: deque[float] = deque()
        self._hangs: deque[float] = deque()
        self._ids = itertools.count(1)
        self._outage: int | None = None
        self.app = self._build()

    def go_down(self, status: int = 503) -> None:
        """Answer every request with `status` until `come_back()` (an outage of any length)."""
        self._outage = status

    def come_back(self) -> None:
        self._outage = None

    def fail_next(
        self,
        status: int,
        times: int = 1,
        *,
        retry_after: str | None = None,
        code: int | None = None,
        bare: bool = False,
    ) -> None:
        """Answer the next `times` requests with `status` in the provider's error format, with
        the provider's error `code` if given (Graph: 130429, 131047...; Twilio: 21610...).
        With `bare`, a plain-text body instead, as a proxy in front of the API answers."""
        self._failures.extend([(status, retry_after, code, bare)] * times)

    def delay_next(self, seconds: float, times: int = 1) -> None:
        """Hold the next `times` requests for `seconds` before answering."""
        self._delays.extend([seconds] * times)

    def accept_then_hang(self, seconds: float, times: int = 1) -> None:
        """Accept the next `times` messages (recorded as delivered at once), then hold the
        answer `seconds`: past the client's timeout, the message is out but unconfirmed."""
        self._hangs.extend([seconds] * times)

    def reset(self) -> None:
        """Forget recorded requests and queued failures and delays."""
        self.requests.clear()
        self._failures.clear()
        self._delays.clear()
        self._hangs.clear()
        self._outage = None

    def sent(self, provider: Provider | None = None) -> list[dict[str, Any]]:
        """The bodies the fake accepted (2xx), in order, optionally for one provider."""
        if self.compact:  # an empty dict per delivery would read as "sent nothing useful"
            raise RuntimeError("a compact FakeProvider keeps digests, not bodies")
        return [
            r.body
            for r in self.requests
            if 200 <= r.status < 300 and (provider is None or r.provider == provider)
        ]

    def _build(self) -> FastAPI:
        app = FastAPI()

        @app.post("/{version}/{node}/messages")
        async def graph(request: Request) -> Response:
            raw = await request.body()
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
            if not isinstance(body, dict):
                body = {"raw": raw.decode(errors="replace")}
            provider: Provider = (
                "whatsapp" if body.get("messaging_product") == "whatsapp" else "messenger"
            )
            record = self._record(provider, request, body)
            hang = self._hangs.popleft() if self._hangs else 0.0
            answer = await self._answer(provider, request, body)
            if answer is None:
                answer = JSONResponse(self._graph_success(provider, body))
            return await self._finish(record, request, answer, hang)

        @app.post("/2010-04-01/Accounts/{sid}/Messages.json")
        async def twilio(sid: str, request: Request) -> Response:
            form = (await request.body()).decode(errors="replace")
            body = dict(parse_qsl(form, keep_blank_values=True))
            record = self._record("twilio", request, body)
            hang = self._hangs.popleft() if self._hangs else 0.0
            answer = await self._answer("twilio", request, body)
            if answer is None:
                sms_id = f"SM{secrets.token_hex(16)}"
                reply = {"sid": sms_id, "account_sid": sid, "status": "queued", **_lower(body)}
                answer = JSONResponse(reply, status_code=201)
            return await self._finish(record, request, answer, hang)

        return app

    @staticmethod
    async def _finish(
        record: Recorded, request: Request, answer: Response, hang: float
    ) -> Response:
        """Record what was answered (499: the client gave up first). A hang after an
        acceptance records the acceptance first: the message is out whatever the client sees."""
        if hang and 200 <= answer.status_code < 300:
            record.status = answer.status_code
            await asyncio.sleep(hang)
            return answer
        record.status = 499 if await request.is_disconnected() else answer.status_code
        return answer

    async def _answer(
        self, provider: Provider, request: Request, body: dict[str, Any]
    ) -> Response | None:
        """A queued delay, then a queued failure, a credential or payload error, or None."""
        # Both are taken on arrival: a held request must not eat what a later test queued.
        delay = self._delays.popleft() if self._delays else 0.0
        failure = self._failures.popleft() if self._failures else None
        if failure is None and self._outage is not None:
            failure = (self._outage, None, None, False)
        if delay:
            await asyncio.sleep(delay)
        if failure is not None:
            status, retry_after, code, bare = failure
            headers = {"Retry-After": retry_after} if retry_after is not None else {}
            if bare:
                return PlainTextResponse(f"injected {status}", status_code=status, headers=headers)
            return _error(provider, status, f"injected {status}", headers, code)
        if not self._authorised(provider, request):
            return _error(provider, 401, "authentication failed")
        problem = _problem(provider, body)
        return _error(provider, 400, problem) if problem else None

    def _authorised(self, provider: Provider, request: Request) -> bool:
        given = request.headers.get("authorization", "")
        if provider == "twilio":
            pair = f"{self.twilio_sid}:{self.twilio_token}".encode()
            expected = f"Basic {base64.b64encode(pair).decode()}"
            return request.path_params.get("sid") == self.twilio_sid and given == expected
        return given == f"Bearer {self.meta_token}"

    def _graph_success(self, provider: Provider, body: dict[str, Any]) -> dict[str, Any]:
        token = base64.b64encode(f"fake-{next(self._ids)}-{time.time_ns()}".encode()).decode()
        if provider == "whatsapp":
            to = body.get("to") or body.get("recipient")
            return {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": to}],
                "messages": [{"id": f"wamid.{token}"}],
            }
        return {"recipient_id": body["recipient"]["id"], "message_id": f"mid.${token}"}

    def _record(self, provider: Provider, request: Request, body: dict[str, Any]) -> Recorded:
        to, digest = recipient_of(provider, body), payload_digest(body)
        if self.compact:
            record = Recorded(provider, "", {}, {}, to=to, digest=digest)
        else:
            headers = {k.lower(): v for k, v in request.headers.items()}
            record = Recorded(provider, request.url.path, headers, body, to=to, digest=digest)
        self.requests.append(record)
        return record


def _lower(form: dict[str, str]) -> dict[str, str]:
    return {"to": form.get("To", ""), "from": form.get("From", ""), "body": form.get("Body", "")}


def _error(
    provider: Provider,
    status: int,
    message: str,
    headers: dict[str, str] | None = None,
    code: int | None = None,
) -> JSONResponse:
    """An error answer in the provider's own shape."""
    if provider == "twilio":
        code = code or {401: 20003, 429: 20429, 400: 21604}.get(status, 20500)
        body: dict[str, Any] = {"code": code, "message": message, "status": status}
    else:
        code = code or {401: 190, 429: 130429, 400: 100}.get(status, 2)
        kind = "OAuthException" if status in (400, 401, 429) else "GraphMethodException"
        body = {"error": {"message": f"(#{code}) {message}", "type": kind, "code": code}}
    return JSONResponse(body, status_code=status, headers=headers)


def _problem(provider: Provider, body: dict[str, Any]) -> str | None:
    """What the real API would reject in `body` (its main limits only), or None."""
    if provider == "twilio":
        if not body.get("To") or not (body.get("From") or body.get("MessagingServiceSid")):
            return "To and From (or MessagingServiceSid) are required"
        return "Body is too long" if len(body.get("Body", "")) > TWILIO_BODY_MAX else None
    if provider == "whatsapp":
        if not (body.get("to") or body.get("recipient")) or body.get("type") is None:
            return "Invalid parameter: to and type are required"
        text = (body.get("text") or {}).get("body", "")
        buttons = ((body.get("interactive") or {}).get("action") or {}).get("buttons", [])
        if len(text) > WHATSAPP_TEXT_MAX or len(buttons) > 3:
            return "Parameter value is not valid"
        return None
    if not isinstance(body.get("recipient"), dict) or "message" not in body:
        return "recipient and message are required"
    message = body["message"]
    if (
        len(message.get("text", "")) > MESSENGER_TEXT_MAX
        or len(message.get("quick_replies", [])) > 13
    ):
        return "Invalid parameter: message too long or too many quick replies"
    return None


@contextmanager
def serve(fake: FakeProvider, *, port: int | None = None) -> Iterator[str]:
    """Run the fake on a free loopback port (or `port`); yields its base URL (use it as every
    api_url)."""
    with serve_app(fake.app, name="fake provider", port=port) as base_url:
        yield base_url


__all__ = [
    "FakeProvider",
    "Recorded",
    "SignedWebhook",
    "messenger_webhook",
    "payload_digest",
    "payload_words",
    "recipient_of",
    "serve",
    "twilio_signature",
    "twilio_sms_form",
    "twilio_status_form",
    "whatsapp_reply_webhook",
    "whatsapp_status_webhook",
    "whatsapp_text_webhook",
    "whatsapp_webhook",
]
