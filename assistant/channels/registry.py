"""The enabled channel adapters, built once from settings at start (a missing secret fails
there, with the setting's name)."""

from __future__ import annotations

from assistant.channels.base import ChannelAdapter, ChannelName
from assistant.channels.messenger import InstagramAdapter, MessengerAdapter
from assistant.channels.retry import Sleep
from assistant.channels.settings import ChannelSettings
from assistant.channels.sms import SmsAdapter
from assistant.channels.whatsapp import WhatsAppAdapter


def build_adapters(
    settings: ChannelSettings, *, sleep: Sleep | None = None
) -> dict[ChannelName, ChannelAdapter]:
    """One adapter per enabled channel, by name."""
    adapters: dict[ChannelName, ChannelAdapter] = {}
    if settings.whatsapp.enabled:
        adapters["whatsapp"] = WhatsAppAdapter(settings.whatsapp, sleep=sleep)
    if settings.messenger.enabled:
        adapters["messenger"] = MessengerAdapter(settings.messenger, sleep=sleep)
    if settings.instagram.enabled:
        adapters["instagram"] = InstagramAdapter(settings.instagram, sleep=sleep)
    if settings.sms.enabled:
        adapters["sms"] = SmsAdapter(settings.sms, sleep=sleep)
    return adapters
