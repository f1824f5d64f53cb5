"""Settings and the adapter registry: off by default, loud when half configured."""

from __future__ import annotations

import pytest

from assistant.channels import (
    ChannelConfigurationError,
    InstagramAdapter,
    MessengerAdapter,
    SmsAdapter,
    WhatsAppAdapter,
    build_adapters,
)
from assistant.channels.settings import ChannelSettings

META = {"access_token": "t", "app_secret": "s", "verify_token": "v"}


def test_every_channel_is_off_by_default() -> None:
    assert build_adapters(ChannelSettings()) == {}


def test_enabled_channels_are_built() -> None:
    settings = ChannelSettings.model_validate(
        {
            "whatsapp": {"enabled": True, "phone_number_id": "1065", **META},
            "messenger": {"enabled": True, **META},
            "instagram": {"enabled": True, **META},
            "sms": {"enabled": True, "account_sid": "AC1", "auth_token": "x", "from_number": "+1"},
        }
    )
    adapters = build_adapters(settings)
    assert {name: type(a) for name, a in adapters.items()} == {
        "whatsapp": WhatsAppAdapter,
        "messenger": MessengerAdapter,
        "instagram": InstagramAdapter,
        "sms": SmsAdapter,
    }
    assert all(adapter.name == name for name, adapter in adapters.items())


@pytest.mark.parametrize(
    ("channel", "values", "missing"),
    [
        (
            "whatsapp",
            {"phone_number_id": "1", "access_token": "t", "verify_token": "v"},
            "channels.whatsapp.app_secret",
        ),
        ("whatsapp", META, "channels.whatsapp.phone_number_id"),
        ("messenger", {"app_secret": "s", "verify_token": "v"}, "channels.messenger.access_token"),
        ("instagram", {"access_token": "t", "app_secret": "s"}, "channels.instagram.verify_token"),
        ("sms", {"account_sid": "AC1", "from_number": "+1"}, "channels.sms.auth_token"),
        ("sms", {"account_sid": "AC1", "auth_token": "x"}, "from_number or messaging_service_sid"),
    ],
)
def test_a_missing_setting_is_named(channel: str, values: dict[str, str], missing: str) -> None:
    settings = ChannelSettings.model_validate({channel: {"enabled": True, **values}})
    with pytest.raises(ChannelConfigurationError, match=missing):
        build_adapters(settings)


def test_secrets_do_not_show_in_settings() -> None:
    settings = ChannelSettings.model_validate({"sms": {"auth_token": "very-secret"}})
    assert "very-secret" not in repr(settings) and "very-secret" not in settings.model_dump_json()
