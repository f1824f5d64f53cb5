"""SMS through Twilio: form-encoded webhooks signed with X-Twilio-Signature, replies through
``POST {api_url}/2010-04-01/Accounts/{sid}/Messages.json`` (form-encoded, basic auth) so the
outbox can retry them; the webhook itself answers `EMPTY_TWIML`.

Compliance keywords are signals, not messages: STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT,
REVOKE, OPTOUT opt out; START, UNSTOP opt back in; HELP asks for the brand's help text. Each
is the whole message, trimmed, in any case (Twilio's ``OptOutType`` is honoured too).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import parse_qsl

import httpx

from assistant.channels.base import (
    ChannelAdapter,
    ChannelName,
    ChannelSignal,
    DeliveryStatus,
    Headers,
    ParsedWebhook,
    Payload,
    RenderContext,
    SignalKind,
    Skipped,
    StatusUpdate,
    header,
    inbound_message,
)
from assistant.channels.errors import (
    ChannelConfigurationError,
    SendError,
    UncertainSendError,
    WebhookParseError,
)
from assistant.channels.retry import Sleep, json_object, post, status_error
from assistant.channels.settings import SmsSettings
from assistant.channels.signing import (
    TWILIO_SIGNATURE_HEADER,
    check_twilio_signature,
    required_secret,
)
from assistant.channels.sms_render import render_sms
from assistant.messages import Reply

MAX_FORM_BYTES = 64 * 1024
KEYWORDS: dict[str, SignalKind] = {
    **dict.fromkeys(
        ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"], "opt_out"
    ),
    **dict.fromkeys(["START", "UNSTOP"], "opt_in"),
    "HELP": "help",
}
OPT_OUT_TYPES: dict[str, SignalKind] = {"STOP": "opt_out", "START": "opt_in", "HELP": "help"}
STATUSES: dict[str, DeliveryStatus] = {
    "accepted": "queued", "scheduled": "queued", "queued": "queued", "sending": "queued",
    "sent": "sent", "delivered": "delivered", "read": "read",
    "failed": "failed", "undelivered": "failed", "canceled": "failed",
}  # fmt: skip
HINTS = {
    21610: "the recipient has opted out (replied STOP)",
    21211: "the To number is not a valid phone number",
    21408: "sending to this region is not enabled",
    21614: "the To number cannot receive SMS",
    20003: "the account SID or auth token is wrong",
}


class SmsAdapter(ChannelAdapter):
    """SMS via Twilio Programmable Messaging."""

    name: ClassVar[ChannelName] = "sms"

    def __init__(self, settings: SmsSettings, *, sleep: Sleep | None = None) -> None:
        super().__init__(settings.retry, sleep=sleep)
        self._token = required_secret(settings.auth_token, "channels.sms.auth_token")
        if not settings.account_sid.strip():
            raise ChannelConfigurationError("channels.sms.account_sid is required")
        if not (settings.from_number or settings.messaging_service_sid):
            raise ChannelConfigurationError(
                "channels.sms needs from_number or messaging_service_sid to send from"
            )
        self.settings = settings
        sid = settings.account_sid.strip()
        self.messages_url = (
            f"{settings.api_url.rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json"
        )

    def verify(self, headers: Headers, body: bytes, url: str) -> None:
        """Check X-Twilio-Signature over `url` (the public URL Twilio called, query included)
        and the POST parameters."""
        signature = header(headers, TWILIO_SIGNATURE_HEADER)
        check_twilio_signature(signature, self._token, url, _form(body, strict=False))

    def parse(self, headers: Headers, body: bytes) -> ParsedWebhook:
        """An incoming SMS (a message or a compliance signal) or a status callback."""
        params = dict(_form(body, strict=True))
        parsed = ParsedWebhook()
        if "MessageStatus" in params:
            update = _status(params)
            if isinstance(update, Skipped):
                parsed.skipped.append(update)
            else:
                parsed.statuses.append(update)
            return parsed
        message_id = _required(params, "MessageSid", "SmsSid")
        sender = _required(params, "From")
        text = params.get("Body", "")
        kind = OPT_OUT_TYPES.get(params.get("OptOutType", "").upper()) or KEYWORDS.get(
            text.strip().upper()
        )
        if kind is not None:
            reply = self.settings.help_text if kind == "help" else None
            keyword = text.strip().upper()
            signal = ChannelSignal(
                sender=sender,
                kind=kind,
                provider_message_id=message_id,
                keyword=keyword,
                reply_text=reply,
            )
            parsed.signals.append(signal)
        elif not text.strip():
            media = params.get("NumMedia", "0")
            reason = "a picture message with no text" if media not in ("", "0") else "empty text"
            parsed.skipped.append(
                Skipped(reason=reason, provider_message_id=message_id, sender=sender)
            )
        else:
            message = inbound_message(
                "sms",
                sender,
                text,
                message_id=message_id,
                quick_reply=None,
                received_at=datetime.now(UTC),
                where="form",
            )
            parsed.messages.append(message)
        return parsed

    def render(self, reply: Reply, context: RenderContext) -> list[Payload]:
        """One REST API request: plain text, numbered options, the tracked checkout link."""
        return render_sms(reply, context, self.settings)

    async def _attempt(self, payload: Payload, client: httpx.AsyncClient) -> str:
        auth = (self.settings.account_sid.strip(), self._token.get_secret_value())
        response = await post(
            client, self.messages_url, self.retry.timeout_s, data=payload.body, auth=auth
        )
        if not response.is_success:
            raise _twilio_error(response)
        sid = json_object(response, "twilio").get("sid")
        if not isinstance(sid, str) or not sid:
            raise UncertainSendError("twilio answered without a message sid")
        return sid


def _form(body: bytes, *, strict: bool) -> list[tuple[str, str]]:
    if len(body) > MAX_FORM_BYTES:
        raise WebhookParseError(f"body larger than {MAX_FORM_BYTES} bytes")
    if strict and not body.strip():
        raise WebhookParseError("empty body")
    try:
        return parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=strict)
    except (UnicodeDecodeError, ValueError) as exc:
        raise WebhookParseError(f"body is not a form ({exc})") from exc


def _required(params: dict[str, str], *names: str) -> str:
    for name in names:
        if params.get(name, "").strip():
            return params[name].strip()
    raise WebhookParseError(f"form field {names[0]} is missing")


def _status(params: dict[str, str]) -> StatusUpdate | Skipped:
    message_id = _required(params, "MessageSid", "SmsSid")
    state = params["MessageStatus"].lower()
    if state not in STATUSES:  # "received" and the like: not about a message we sent
        return Skipped(reason=f"MessageStatus {state!r}", provider_message_id=message_id)
    code = params.get("ErrorCode", "")
    error = None
    if code.isdigit() and code != "0":
        error = f"{code}: {params.get('ErrorMessage') or HINTS.get(int(code), 'error')}"
    return StatusUpdate(
        provider_message_id=message_id,
        recipient=params.get("To", ""),
        status=STATUSES[state],
        timestamp=datetime.now(UTC),  # Twilio's callbacks carry no time: when we heard of it
        error=error,
    )


def _twilio_error(response: httpx.Response) -> SendError:
    data: Any
    try:
        data = response.json()
    except ValueError:
        data = {}
    data = data if isinstance(data, dict) else {}
    code = data.get("code") if isinstance(data.get("code"), int) else None
    detail = str(data.get("message") or response.reason_phrase)
    if code in HINTS:
        detail = f"{HINTS[code]} ({detail})"
    return status_error(response, "twilio", detail, code=str(code) if code else None)
