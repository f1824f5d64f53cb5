"""Signed inbound webhooks as WhatsApp, Messenger/Instagram and Twilio would send them.

Tests and the end-to-end checks post these to the service; the signatures are computed here
independently of the adapters' own verification code, so the two cannot share a bug.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlencode


@dataclass(frozen=True)
class SignedWebhook:
    """A webhook body and the headers (signature included) the provider would send with it."""

    body: bytes
    headers: dict[str, str]


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
