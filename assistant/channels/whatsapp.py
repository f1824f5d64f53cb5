"""WhatsApp Cloud API: webhooks from ``entry[].changes[].value`` and sends to
``POST {api_url}/{version}/{phone_number_id}/messages``.

Read: text messages, taps on reply buttons and list rows (`interactive`), taps on template
quick-reply buttons (`button`); statuses sent/delivered/read/failed. Other message types
(images, stickers, locations...) are skipped with the reason, for the service to answer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from assistant.channels.base import (
    ChannelName,
    DeliveryStatus,
    Headers,
    ParsedWebhook,
    Payload,
    RenderContext,
    Skipped,
    StatusUpdate,
    inbound_message,
)
from assistant.channels.errors import ChannelConfigurationError, WebhookParseError
from assistant.channels.meta import MetaAdapter, field, items, obj, webhook_object
from assistant.channels.retry import Sleep
from assistant.channels.settings import WhatsAppSettings
from assistant.channels.whatsapp_render import render_whatsapp
from assistant.messages import Reply

STATUSES: dict[str, DeliveryStatus] = {
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "failed": "failed",
}
UNSUPPORTED = (
    "unsupported message type {kind!r}: only text and taps on buttons or list rows are read"
)


class WhatsAppAdapter(MetaAdapter):
    """The WhatsApp Cloud API channel."""

    name: ClassVar[ChannelName] = "whatsapp"

    def __init__(self, settings: WhatsAppSettings, *, sleep: Sleep | None = None) -> None:
        if not settings.phone_number_id.strip():
            raise ChannelConfigurationError("channels.whatsapp.phone_number_id is required")
        super().__init__(
            prefix="channels.whatsapp.",
            api_url=settings.api_url,
            api_version=settings.api_version,
            node_id=settings.phone_number_id.strip(),
            access_token=settings.access_token,
            app_secret=settings.app_secret,
            verify_token=settings.verify_token,
            retry=settings.retry,
            sleep=sleep,
        )
        self.settings = settings

    def parse(self, headers: Headers, body: bytes) -> ParsedWebhook:
        """Messages and statuses of every change of every entry."""
        data = webhook_object(body, "whatsapp_business_account")
        parsed = ParsedWebhook()
        for e, entry in enumerate(items(data, "entry", "body")):
            for c, change in enumerate(items(entry, "changes", f"entry[{e}]")):
                where = f"entry[{e}].changes[{c}]"
                if change.get("field", "messages") != "messages":
                    parsed.skipped.append(Skipped(reason=f"field {change.get('field')!r}"))
                    continue
                self._change(obj(change, "value", where), f"{where}.value", parsed)
        return parsed

    def render(self, reply: Reply, context: RenderContext) -> list[Payload]:
        """Within the 24-hour window: text, lists, buttons, a checkout button. Outside it:
        the configured template alone (`Payload.is_template`), or `WindowClosedError`."""
        return render_whatsapp(reply, context, self.settings)

    def _message_id(self, data: dict[str, Any]) -> str | None:
        messages = data.get("messages")
        if isinstance(messages, list) and messages and isinstance(messages[0], dict):
            return str(messages[0].get("id") or "") or None
        return None

    def _change(self, value: dict[str, Any], where: str, parsed: ParsedWebhook) -> None:
        contacts = items(value, "contacts", where)
        for m, message in enumerate(items(value, "messages", where)):
            self._message(message, contacts, f"{where}.messages[{m}]", parsed)
        for s, status in enumerate(items(value, "statuses", where)):
            _status(status, f"{where}.statuses[{s}]", parsed)
        for error in items(value, "errors", where):
            parsed.skipped.append(Skipped(reason=f"error reported: {_error_text([error])}"))

    def _message(
        self,
        message: dict[str, Any],
        contacts: list[dict[str, Any]],
        where: str,
        parsed: ParsedWebhook,
    ) -> None:
        message_id = field(message, "id", where)
        sender = _sender(message, contacts, where)
        content = _content(message, where)
        if isinstance(content, str):
            parsed.skipped.append(
                Skipped(reason=content, provider_message_id=message_id, sender=sender)
            )
            return
        text, payload = content
        received_at = _timestamp(message.get("timestamp"), where)
        parsed.messages.append(
            inbound_message(
                "whatsapp",
                sender,
                text,
                message_id=message_id,
                quick_reply=payload,
                received_at=received_at,
                where=where,
            )
        )


def _content(message: dict[str, Any], where: str) -> tuple[str, str | None] | str:
    """The text and tapped payload of a message, or why it is not read."""
    kind = message.get("type")
    if kind == "text":
        return field(obj(message, "text", where), "body", f"{where}.text"), None
    if kind == "interactive":
        interactive = obj(message, "interactive", where)
        tapped = interactive.get("type")
        if tapped not in ("button_reply", "list_reply"):
            return f"unsupported interactive reply {tapped!r}"
        choice = obj(interactive, str(tapped), f"{where}.interactive")
        payload = field(choice, "id", f"{where}.interactive.{tapped}")
        return str(choice.get("title") or payload), payload
    if kind == "button":  # a quick-reply button of a template message
        button = obj(message, "button", where)
        payload = field(button, "payload", f"{where}.button")
        return str(button.get("text") or payload), payload
    return UNSUPPORTED.format(kind=kind)


def _sender(message: dict[str, Any], contacts: list[dict[str, Any]], where: str) -> str:
    """The phone number, or the business-scoped user id of a shopper who hides it."""
    for key in ("from", "from_user_id", "user_id"):
        if isinstance(message.get(key), str) and message[key]:
            return str(message[key])
    for contact in contacts:
        for key in ("wa_id", "user_id"):
            if isinstance(contact.get(key), str) and contact[key]:
                return str(contact[key])
    raise WebhookParseError(f"{where}.from is missing")


def _status(status: dict[str, Any], where: str, parsed: ParsedWebhook) -> None:
    message_id = field(status, "id", where)
    state = status.get("status")
    if state not in STATUSES:
        parsed.skipped.append(Skipped(reason=f"status {state!r}", provider_message_id=message_id))
        return
    errors = items(status, "errors", where)
    update = StatusUpdate(
        provider_message_id=message_id,
        recipient=str(status.get("recipient_id") or status.get("recipient_user_id") or ""),
        status=STATUSES[str(state)],
        timestamp=_timestamp(status.get("timestamp"), where),
        error=_error_text(errors) if errors else None,
    )
    parsed.statuses.append(update)


def _error_text(errors: list[dict[str, Any]]) -> str:
    first = errors[0]
    data = first.get("error_data")
    detail = data.get("details") if isinstance(data, dict) else None
    text = detail or first.get("title") or first.get("message") or "error"
    return f"{first.get('code', '?')}: {text}"


def _timestamp(value: object, where: str) -> datetime:
    """Unix seconds (as Meta sends them, in a string); now when absent."""
    if value is None:
        return datetime.now(UTC)
    try:
        return datetime.fromtimestamp(int(str(value)), UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise WebhookParseError(f"{where}.timestamp is not a Unix time: {value!r}") from exc
