"""Channel adapters: WhatsApp, Messenger, Instagram and SMS behind one small contract
(`ChannelAdapter`: verify, parse, render, send). See `base.py` for how a route uses them."""

from assistant.channels.base import (
    ChannelAdapter,
    ChannelName,
    ChannelSignal,
    ParsedWebhook,
    Payload,
    RenderContext,
    SendResult,
    Skipped,
    StatusUpdate,
)
from assistant.channels.errors import (
    ChannelConfigurationError,
    ChannelError,
    SendError,
    SignatureError,
    UncertainSendError,
    WebhookParseError,
    WindowClosedError,
)
from assistant.channels.fallback import resolve_numbered_reply
from assistant.channels.messenger import InstagramAdapter, MessengerAdapter
from assistant.channels.registry import build_adapters
from assistant.channels.settings import ChannelSettings
from assistant.channels.sms import SmsAdapter
from assistant.channels.twiml import EMPTY_TWIML, TWIML_MEDIA_TYPE, twiml
from assistant.channels.whatsapp import WhatsAppAdapter

__all__ = [
    "EMPTY_TWIML",
    "TWIML_MEDIA_TYPE",
    "ChannelAdapter",
    "ChannelConfigurationError",
    "ChannelError",
    "ChannelName",
    "ChannelSettings",
    "ChannelSignal",
    "InstagramAdapter",
    "MessengerAdapter",
    "ParsedWebhook",
    "Payload",
    "RenderContext",
    "SendError",
    "SendResult",
    "SignatureError",
    "Skipped",
    "SmsAdapter",
    "StatusUpdate",
    "UncertainSendError",
    "WebhookParseError",
    "WhatsAppAdapter",
    "WindowClosedError",
    "build_adapters",
    "resolve_numbered_reply",
    "twiml",
]
