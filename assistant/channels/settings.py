"""Settings of the channel adapters: provider URLs, ids, secrets (`SecretStr`) and retry policy.

These are nested into the app's `Settings` as ``channels`` (``ASSISTANT_CHANNELS__SMS__...``).
A channel is off until ``enabled``; an enabled channel missing a secret fails at start.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, SecretStr, StringConstraints

# Settings load before the brand package, so this mirrors assistant.brand.models.Text.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

GRAPH_API_URL = "https://graph.facebook.com"
GRAPH_API_VERSION = "v25.0"


class RetrySettings(BaseModel):
    """How `send` retries what cannot go out twice (a refused connection, 429, 503, a provider's
    "not sent" code) before handing the payload back to the outbox; see `retry.py`."""

    max_attempts: int = Field(default=4, ge=1, le=10, description="first try included")
    backoff_s: float = Field(
        default=0.5, ge=0, description="first retry window (doubles each attempt; full jitter)"
    )
    max_backoff_s: float = Field(default=8.0, ge=0)
    max_retry_after_s: float = Field(
        default=30.0, ge=0, description="a longer Retry-After is left to the outbox"
    )
    timeout_s: float = Field(
        default=10.0, gt=0, description="no answer by then: uncertain, never sent again"
    )


class WhatsAppTemplate(BaseModel):
    """The approved template sent when the 24-hour customer service window has closed."""

    name: Text
    language: Text = "en_US"
    body_parameters: list[str] = Field(
        default_factory=list, description="values for {{1}}, {{2}}... of the template body"
    )


class WhatsAppSettings(BaseModel):
    """WhatsApp Cloud API: one business phone number of one Meta app."""

    enabled: bool = False
    api_url: str = GRAPH_API_URL
    api_version: str = GRAPH_API_VERSION
    phone_number_id: str = ""
    access_token: SecretStr | None = None
    app_secret: SecretStr | None = Field(default=None, description="signs X-Hub-Signature-256")
    verify_token: SecretStr | None = Field(default=None, description="the GET handshake token")
    template: WhatsAppTemplate | None = None
    list_button: str = Field(default="See options", min_length=1, max_length=20)
    products_button: str = Field(default="See products", min_length=1, max_length=20)
    options_prompt: str = Field(default="Pick one:", min_length=1, max_length=1024)
    checkout_text: str = Field(default="Your cart is ready.", min_length=1, max_length=1024)
    checkout_button: str = Field(default="Checkout", min_length=1, max_length=20)
    retry: RetrySettings = Field(default_factory=RetrySettings)


class MessengerSettings(BaseModel):
    """Messenger Send API for one Facebook Page (Instagram uses the same shape)."""

    enabled: bool = False
    api_url: str = GRAPH_API_URL
    api_version: str = GRAPH_API_VERSION
    page_id: str = Field(default="me", description='the sending Page (or "me" for the token\'s)')
    access_token: SecretStr | None = None
    app_secret: SecretStr | None = None
    verify_token: SecretStr | None = None
    options_prompt: str = Field(default="Pick one:", min_length=1, max_length=640)
    checkout_text: str = Field(default="Your cart is ready.", min_length=1, max_length=640)
    checkout_button: str = Field(default="Checkout", min_length=1, max_length=20)
    buy_button: str = Field(default="Buy", min_length=1, max_length=20)
    details_button: str = Field(default="Tell me more", min_length=1, max_length=20)
    retry: RetrySettings = Field(default_factory=RetrySettings)


class InstagramSettings(MessengerSettings):
    """Instagram messaging: ``api_url`` is graph.instagram.com with Instagram Login, or
    graph.facebook.com with a Page token; ``page_id`` is the Instagram account id or "me"."""


class SmsSettings(BaseModel):
    """SMS through Twilio's Programmable Messaging REST API."""

    enabled: bool = False
    api_url: str = "https://api.twilio.com"
    account_sid: str = ""
    auth_token: SecretStr | None = Field(default=None, description="also signs the webhooks")
    from_number: str | None = Field(default=None, description="E.164 sender, e.g. +15017122661")
    messaging_service_sid: str | None = Field(default=None, description="instead of from_number")
    status_callback_url: str | None = None
    max_segments: int = Field(default=3, ge=1, le=10, description="parts one reply may take")
    plain_punctuation: bool = Field(
        default=True, description="curly quotes, dashes and ellipses become GSM-7 ones"
    )
    help_text: Text = Field(
        default="Shopping help: reply with your question. Reply STOP to opt out.",
        description="answered to HELP",
    )
    retry: RetrySettings = Field(default_factory=RetrySettings)


class ChannelSettings(BaseModel):
    """Every channel adapter's settings."""

    whatsapp: WhatsAppSettings = Field(default_factory=WhatsAppSettings)
    messenger: MessengerSettings = Field(default_factory=MessengerSettings)
    instagram: InstagramSettings = Field(default_factory=InstagramSettings)
    sms: SmsSettings = Field(default_factory=SmsSettings)
