"""What WhatsApp, Messenger and Instagram share: Meta's signature, the subscription handshake,
the Graph API send call and its error codes (translated into `SendError` here)."""

from __future__ import annotations

import json
from abc import abstractmethod
from typing import Any

import httpx
from pydantic import SecretStr

from assistant.channels.base import ChannelAdapter, Headers, Payload, header
from assistant.channels.errors import SendError, UncertainSendError, WebhookParseError
from assistant.channels.retry import Sleep, json_object, post, status_error
from assistant.channels.settings import RetrySettings
from assistant.channels.signing import (
    META_SIGNATURE_HEADER,
    check_meta_signature,
    check_verify_token,
    required_secret,
)

MAX_WEBHOOK_BYTES = 2 * 1024 * 1024
# Graph error codes that say the message was not sent and another try may work: transient
# failures and throttling, which Meta often answers with HTTP 400 rather than 429
# (https://developers.facebook.com/docs/graph-api/guides/error-handling: 1, 2 "wait and retry",
# 4, 17, 32, 613, 80007 rate limits; WhatsApp Cloud API error codes: 130429 and 131056 rate
# limits, 131000 "failed to send due to an unknown error", 131016 "service unavailable").
RETRY_CODES = frozenset({1, 2, 4, 17, 32, 613, 80007, 130429, 131000, 131016, 131056})
HINTS = {
    190: "the access token is invalid or has expired",
    131047: "more than 24 hours since the shopper last wrote: only a template may be sent",
    131026: "the message could not be delivered to this number",
    551: "this person isn't available right now",
    10: "outside the allowed messaging window, or the permission is missing",
}


class MetaAdapter(ChannelAdapter):
    """An adapter speaking to a Graph API ``/{node}/messages`` endpoint."""

    def __init__(
        self,
        *,
        prefix: str,
        api_url: str,
        api_version: str,
        node_id: str,
        access_token: SecretStr | None,
        app_secret: SecretStr | None,
        verify_token: SecretStr | None,
        retry: RetrySettings,
        sleep: Sleep | None = None,
    ) -> None:
        super().__init__(retry, sleep=sleep)
        self._token = required_secret(access_token, f"{prefix}access_token")
        self._app_secret = required_secret(app_secret, f"{prefix}app_secret")
        self._verify_token = required_secret(verify_token, f"{prefix}verify_token")
        self.messages_url = f"{api_url.rstrip('/')}/{api_version}/{node_id}/messages"

    def verify(self, headers: Headers, body: bytes, url: str) -> None:
        """Check X-Hub-Signature-256 (HMAC-SHA256 of the raw body with the app secret)."""
        check_meta_signature(header(headers, META_SIGNATURE_HEADER), self._app_secret, body)

    def verify_subscription(self, params: Headers) -> str:
        """Answer Meta's GET handshake: the `hub.challenge` if `hub.verify_token` matches."""
        return check_verify_token(params, self._verify_token)

    @abstractmethod
    def _message_id(self, data: dict[str, Any]) -> str | None:
        """The message id in a successful send answer."""

    async def _attempt(self, payload: Payload, client: httpx.AsyncClient) -> str:
        headers = {"Authorization": f"Bearer {self._token.get_secret_value()}"}
        response = await post(
            client, self.messages_url, self.retry.timeout_s, json=payload.body, headers=headers
        )
        if not response.is_success:
            raise graph_error(response, self.name)
        message_id = self._message_id(json_object(response, self.name))
        if not message_id:
            raise UncertainSendError(f"{self.name} answered without a message id")
        return message_id


def graph_error(response: httpx.Response, provider: str) -> SendError:
    """A Graph API error answer as a `SendError`: retryable for throttling and the transient
    codes Meta documents as "wait and retry" (the call failed, nothing was sent); uncertain for
    another 5xx, which need not come from the Graph API at all."""
    try:
        data = response.json()
    except ValueError:
        data = None
    error = data.get("error") if isinstance(data, dict) else None
    error = error if isinstance(error, dict) else {}
    code = error.get("code") if isinstance(error.get("code"), int) else None
    details = (error.get("error_data") or {}) if isinstance(error.get("error_data"), dict) else {}
    detail = str(details.get("details") or error.get("message") or response.reason_phrase)
    if code in HINTS:
        detail = f"{HINTS[code]} ({detail})"
    named = str(code) if code is not None else None
    return status_error(response, provider, detail, code=named, not_taken=code in RETRY_CODES)


def webhook_object(body: bytes, expected: str) -> dict[str, Any]:
    """The JSON object of a Meta webhook for `expected` ("page", "instagram", ...)."""
    if not body.strip():
        raise WebhookParseError("empty body")
    if len(body) > MAX_WEBHOOK_BYTES:
        raise WebhookParseError(f"body larger than {MAX_WEBHOOK_BYTES} bytes")
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise WebhookParseError(f"body is not JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise WebhookParseError("body is not a JSON object")
    if data.get("object") != expected:
        raise WebhookParseError(f"object must be {expected!r}, got {data.get('object')!r}")
    if not isinstance(data.get("entry"), list):
        raise WebhookParseError("entry must be a list")
    return data


def items(parent: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    """`parent[key]` as a list of objects (absent: empty); anything else is a parse error."""
    value = parent.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise WebhookParseError(f"{where}.{key} must be a list of objects")
    return value


def field(parent: dict[str, Any], key: str, where: str) -> str:
    """A required string (or number) field, as text."""
    value = parent.get(key)
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise WebhookParseError(f"{where}.{key} is missing or not a string")
    return str(value)


def obj(parent: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    """An optional nested object (absent: empty)."""
    value = parent.get(key, {})
    if not isinstance(value, dict):
        raise WebhookParseError(f"{where}.{key} must be an object")
    return value
