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

The webhook builders sign with a secret the way Meta (X-Hub-Signature-256) and Twilio
(X-Twilio-Signature) do, computed here independently of the adapters' own code.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import secrets
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from assistant.testing.loopback import serve_app

Provider = Literal["whatsapp", "messenger", "twilio"]
WHATSAPP_TEXT_MAX, MESSENGER_TEXT_MAX, TWILIO_BODY_MAX = 4096, 2000, 1600


@dataclass
class Recorded:
    """One request the fake received: who it was for, its headers and body, what it answered
    (0 until answered; 499 when the client gave up first)."""

    provider: Provider
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    status: int = 0


@dataclass(frozen=True)
class SignedWebhook:
    """A webhook body and the headers (signature included) the provider would send with it."""

    body: bytes
    headers: dict[str, str]


class FakeProvider:
    """The fake's state: credentials it accepts, requests it saw, failures queued."""

    def __init__(
        self,
        *,
        meta_token: str = "meta-test-token",
        twilio_sid: str = "AC00000000000000000000000000000000",
        twilio_token: str = "twilio-test-token",
    ) -> None:
        self.meta_token, self.twilio_sid, self.twilio_token = meta_token, twilio_sid, twilio_token
        self.requests: list[Recorded] = []
        self._failures: deque[tuple[int, str | None, int | None]] = deque()
        self._delays: deque[float] = deque()
        self._ids = itertools.count(1)
        self.app = self._build()

    def fail_next(
        self,
        status: int,
        times: int = 1,
        *,
        retry_after: str | None = None,
        code: int | None = None,
    ) -> None:
        """Answer the next `times` requests with `status` in the provider's error format, with
        the provider's error `code` if given (Graph: 130429, 131047...; Twilio: 21610...)."""
        self._failures.extend([(status, retry_after, code)] * times)

    def delay_next(self, seconds: float, times: int = 1) -> None:
        """Hold the next `times` requests for `seconds` before answering."""
        self._delays.extend([seconds] * times)

    def reset(self) -> None:
        """Forget recorded requests and queued failures and delays."""
        self.requests.clear()
        self._failures.clear()
        self._delays.clear()

    def sent(self, provider: Provider | None = None) -> list[dict[str, Any]]:
        """The bodies the fake accepted (2xx), in order, optionally for one provider."""
        return [
            r.body
            for r in self.requests
            if 200 <= r.status < 300 and (provider is None or r.provider == provider)
        ]

    def _build(self) -> FastAPI:
        app = FastAPI()

        @app.post("/{version}/{node}/messages")
        async def graph(request: Request) -> JSONResponse:
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
            answer = await self._answer(provider, request, body)
            if answer is None:
                answer = JSONResponse(self._graph_success(provider, body))
            record.status = 499 if await request.is_disconnected() else answer.status_code
            return answer

        @app.post("/2010-04-01/Accounts/{sid}/Messages.json")
        async def twilio(sid: str, request: Request) -> JSONResponse:
            form = (await request.body()).decode(errors="replace")
            body = dict(parse_qsl(form, keep_blank_values=True))
            record = self._record("twilio", request, body)
            answer = await self._answer("twilio", request, body)
            if answer is None:
                sms_id = f"SM{secrets.token_hex(16)}"
                reply = {"sid": sms_id, "account_sid": sid, "status": "queued", **_lower(body)}
                answer = JSONResponse(reply, status_code=201)
            record.status = 499 if await request.is_disconnected() else answer.status_code
            return answer

        return app

    async def _answer(
        self, provider: Provider, request: Request, body: dict[str, Any]
    ) -> JSONResponse | None:
        """A queued delay, then a queued failure, a credential or payload error, or None."""
        # Both are taken on arrival: a held request must not eat what a later test queued.
        delay = self._delays.popleft() if self._delays else 0.0
        failure = self._failures.popleft() if self._failures else None
        if delay:
            await asyncio.sleep(delay)
        if failure is not None:
            status, retry_after, code = failure
            headers = {"Retry-After": retry_after} if retry_after is not None else {}
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
        headers = {k.lower(): v for k, v in request.headers.items()}
        record = Recorded(provider, request.url.path, headers, body)
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
def serve(fake: FakeProvider) -> Iterator[str]:
    """Run the fake on a free loopback port; yields its base URL (use it as every api_url)."""
    with serve_app(fake.app, name="fake provider") as base_url:
        yield base_url


def _hub_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _signed_json(secret: str, data: dict[str, Any]) -> SignedWebhook:
    body = json.dumps(data).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": _hub_signature(secret, body),
    }
    return SignedWebhook(body, headers)


def whatsapp_webhook(
    app_secret: str,
    *,
    messages: list[dict[str, Any]] | None = None,
    statuses: list[dict[str, Any]] | None = None,
    phone_number_id: str = "106540352242922",
    contact: tuple[str, str] | None = None,
) -> SignedWebhook:
    """A signed WhatsApp Business Account webhook carrying `messages` and/or `statuses`."""
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": phone_number_id},
    }
    if contact:
        value["contacts"] = [{"profile": {"name": contact[1]}, "wa_id": contact[0]}]
    if messages:
        value["messages"] = messages
    if statuses:
        value["statuses"] = statuses
    change = {"value": value, "field": "messages"}
    entry = {"id": "102290129340398", "changes": [change]}
    return _signed_json(app_secret, {"object": "whatsapp_business_account", "entry": [entry]})


def whatsapp_text_webhook(
    app_secret: str,
    *,
    sender: str = "16505551234",
    text: str = "Hello",
    message_id: str | None = None,
    timestamp: int | None = None,
    name: str = "Shopper",
) -> SignedWebhook:
    """A signed webhook for one text message from `sender`."""
    message = {
        "from": sender,
        "id": message_id or f"wamid.in-{secrets.token_hex(8)}",
        "timestamp": str(timestamp or int(time.time())),
        "type": "text",
        "text": {"body": text},
    }
    return whatsapp_webhook(app_secret, messages=[message], contact=(sender, name))


def whatsapp_reply_webhook(
    app_secret: str,
    *,
    reply_id: str,
    title: str,
    kind: Literal["button_reply", "list_reply"] = "button_reply",
    sender: str = "16505551234",
    message_id: str | None = None,
) -> SignedWebhook:
    """A signed webhook for a tap on a reply button or a list row."""
    message = {
        "from": sender,
        "id": message_id or f"wamid.in-{secrets.token_hex(8)}",
        "timestamp": str(int(time.time())),
        "type": "interactive",
        "interactive": {"type": kind, kind: {"id": reply_id, "title": title}},
    }
    return whatsapp_webhook(app_secret, messages=[message], contact=(sender, "Shopper"))


def whatsapp_status_webhook(
    app_secret: str,
    *,
    message_id: str,
    status: str = "delivered",
    recipient: str = "16505551234",
    errors: list[dict[str, Any]] | None = None,
) -> SignedWebhook:
    """A signed status webhook for a message we sent."""
    update: dict[str, Any] = {
        "id": message_id, "status": status,
        "timestamp": str(int(time.time())), "recipient_id": recipient,
    }  # fmt: skip
    if errors:
        update["errors"] = errors
    return whatsapp_webhook(app_secret, statuses=[update])


def messenger_webhook(
    app_secret: str,
    *,
    sender: str = "6843220485734528",
    text: str | None = "Hello",
    quick_reply: str | None = None,
    postback: tuple[str, str] | None = None,
    mid: str | None = None,
    platform: Literal["messenger", "instagram"] = "messenger",
    is_echo: bool = False,
    timestamp_ms: int | None = None,
) -> SignedWebhook:
    """A signed Messenger (object "page") or Instagram webhook with one messaging event: a
    text message (with a tapped quick reply's payload), or a `postback` (title, payload)."""
    page = "1754823984768890"
    event: dict[str, Any] = {
        "sender": {"id": page if is_echo else sender},
        "recipient": {"id": sender if is_echo else page},
        "timestamp": timestamp_ms or int(time.time() * 1000),
    }
    message_id = mid or f"m_{secrets.token_urlsafe(12)}"
    if postback is not None:
        event["postback"] = {"mid": message_id, "title": postback[0], "payload": postback[1]}
    else:
        message: dict[str, Any] = {"mid": message_id, "text": text}
        if quick_reply is not None:
            message["quick_reply"] = {"payload": quick_reply}
        if is_echo:
            message["is_echo"] = True
        event["message"] = message
    entry = {"id": page, "time": event["timestamp"], "messaging": [event]}
    kind = "page" if platform == "messenger" else "instagram"
    return _signed_json(app_secret, {"object": kind, "entry": [entry]})


def twilio_signature(auth_token: str, url: str, params: dict[str, str]) -> str:
    """X-Twilio-Signature: base64 HMAC-SHA1 of the URL and the sorted name+value pairs."""
    signed = url + "".join(name + params[name] for name in sorted(params))
    return base64.b64encode(
        hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()
    ).decode()


def _signed_form(auth_token: str, url: str, params: dict[str, str]) -> SignedWebhook:
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": twilio_signature(auth_token, url, params),
    }
    return SignedWebhook(urlencode(params).encode(), headers)


def twilio_sms_form(
    auth_token: str,
    url: str,
    *,
    sender: str = "+14155550100",
    body: str = "Hello",
    message_sid: str | None = None,
    to: str = "+15017122661",
    account_sid: str = "AC00000000000000000000000000000000",
    extra: dict[str, str] | None = None,
) -> SignedWebhook:
    """A signed incoming-SMS webhook, posted to `url` (signatures cover the exact URL)."""
    sid = message_sid or f"SM{secrets.token_hex(16)}"
    params = {
        "MessageSid": sid, "SmsSid": sid, "SmsMessageSid": sid, "AccountSid": account_sid,
        "From": sender, "To": to, "Body": body, "NumMedia": "0", "NumSegments": "1",
        "SmsStatus": "received", "ApiVersion": "2010-04-01", **(extra or {}),
    }  # fmt: skip
    return _signed_form(auth_token, url, params)


def twilio_status_form(
    auth_token: str,
    url: str,
    *,
    message_sid: str,
    status: str = "delivered",
    to: str = "+14155550100",
    error_code: str | None = None,
) -> SignedWebhook:
    """A signed status callback for a message we sent."""
    params = {
        "MessageSid": message_sid, "SmsSid": message_sid, "MessageStatus": status,
        "SmsStatus": status, "To": to, "From": "+15017122661",
        "AccountSid": "AC00000000000000000000000000000000", "ApiVersion": "2010-04-01",
    }  # fmt: skip
    if error_code:
        params["ErrorCode"] = error_code
    return _signed_form(auth_token, url, params)
