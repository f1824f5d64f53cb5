"""Channel rendering: the reply rendered by the real adapter, each payload checked against the
provider's published limits (independently of the constants the adapters use)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import SecretStr

from assistant.brand.models import ChannelStyle
from assistant.brand.text import find_markdown
from assistant.channels import (
    ChannelAdapter,
    ChannelError,
    InstagramAdapter,
    MessengerAdapter,
    RenderContext,
    SmsAdapter,
    WhatsAppAdapter,
)
from assistant.channels.settings import (
    InstagramSettings,
    MessengerSettings,
    SmsSettings,
    WhatsAppSettings,
)
from assistant.channels.sms_segments import segment_count
from assistant.evals.records import Check
from assistant.messages import Reply

NAME = "renders within channel limits"
WHATSAPP = {"text": 4096, "body": 1024, "buttons": 3, "button": 20, "rows": 10, "row": 24}
MESSENGER = {"text": 2000, "quick_replies": 13, "quick_reply": 20, "elements": 10}
SMS_SEGMENTS = 3  # the adapter's default max_segments


def _adapters() -> dict[str, ChannelAdapter]:
    """Adapters with placeholder credentials: rendering never sends, so none are real."""
    token = SecretStr("eval-render-only")
    return {
        "whatsapp": WhatsAppAdapter(
            WhatsAppSettings(phone_number_id="100000000000000", access_token=token,
                             app_secret=token, verify_token=token)
        ),
        "messenger": MessengerAdapter(
            MessengerSettings(access_token=token, app_secret=token, verify_token=token)
        ),
        "instagram": InstagramAdapter(
            InstagramSettings(access_token=token, app_secret=token, verify_token=token)
        ),
        "sms": SmsAdapter(
            SmsSettings(account_sid="AC" + "0" * 32, auth_token=token, from_number="+15005550006")
        ),
    }  # fmt: skip


ADAPTERS = _adapters()


def check_rendering(reply: Reply, channel: str, style: ChannelStyle) -> Check:
    """Render `reply` on `channel` and check every payload against the provider's limits."""
    if not (reply.text or reply.products or reply.quick_replies or reply.checkout_url):
        return Check(NAME, "skipped", "nothing to send (a person has the conversation)")
    context = RenderContext(
        recipient="15551234567" if channel in ("whatsapp", "sms") else "7700000000000000",
        style=style,
        link=lambda url: url,
        last_inbound_at=datetime.now(UTC),
    )
    try:
        payloads = ADAPTERS[channel].render(reply, context)
    except ChannelError as exc:
        return Check.of(NAME, False, f"the adapter refused the reply: {exc}")
    problems: list[str] = []
    if not payloads:
        problems.append("the adapter produced nothing to send")
    for payload in payloads:
        problems += _problems(channel, payload.body)
    return Check.of(NAME, not problems, "; ".join(problems))


def _problems(channel: str, body: dict[str, Any]) -> list[str]:
    if channel == "whatsapp":
        return _whatsapp(body)
    if channel == "sms":
        return _sms(str(body.get("Body", "")))
    return _messenger(body.get("message", {}))


def _whatsapp(body: dict[str, Any]) -> list[str]:
    found = []
    if body.get("type") == "text" and len(body["text"]["body"]) > WHATSAPP["text"]:
        found.append(f"WhatsApp text over {WHATSAPP['text']} characters")
    interactive = body.get("interactive") or {}
    if len(interactive.get("body", {}).get("text", "")) > WHATSAPP["body"]:
        found.append(f"WhatsApp interactive body over {WHATSAPP['body']} characters")
    action = interactive.get("action", {})
    buttons = action.get("buttons", [])
    if len(buttons) > WHATSAPP["buttons"]:
        found.append(f"{len(buttons)} WhatsApp reply buttons (max {WHATSAPP['buttons']})")
    found += [
        f"WhatsApp button title {b['reply']['title']!r} over {WHATSAPP['button']} characters"
        for b in buttons
        if len(b["reply"]["title"]) > WHATSAPP["button"]
    ]
    rows = [row for section in action.get("sections", []) for row in section.get("rows", [])]
    if len(rows) > WHATSAPP["rows"]:
        found.append(f"{len(rows)} WhatsApp list rows (max {WHATSAPP['rows']})")
    found += [
        f"WhatsApp row title {r['title']!r} over {WHATSAPP['row']} characters"
        for r in rows
        if len(r["title"]) > WHATSAPP["row"]
    ]
    return found


def _messenger(message: dict[str, Any]) -> list[str]:
    found = []
    if len(message.get("text", "")) > MESSENGER["text"]:
        found.append(f"Messenger text over {MESSENGER['text']} characters")
    chips = message.get("quick_replies", [])
    if len(chips) > MESSENGER["quick_replies"]:
        found.append(f"{len(chips)} quick replies (max {MESSENGER['quick_replies']})")
    found += [
        f"quick reply title {c['title']!r} over {MESSENGER['quick_reply']} characters"
        for c in chips
        if len(c.get("title", "")) > MESSENGER["quick_reply"]
    ]
    elements = message.get("attachment", {}).get("payload", {}).get("elements", [])
    if len(elements) > MESSENGER["elements"]:
        found.append(f"{len(elements)} cards (max {MESSENGER['elements']})")
    return found


def _sms(text: str) -> list[str]:
    found = []
    if (segments := segment_count(text)) > SMS_SEGMENTS:
        found.append(f"SMS takes {segments} segments (max {SMS_SEGMENTS})")
    if kinds := find_markdown(text):
        found.append(f"markdown in an SMS: {', '.join(kinds)}")
    return found
