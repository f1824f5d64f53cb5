"""SMS through Twilio against the channel contract."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import httpx
import pytest
from pydantic import SecretStr

from assistant.channels import Payload, SmsAdapter, UncertainSendError
from assistant.channels.settings import RetrySettings, SmsSettings
from assistant.testing.fake_provider import FakeProvider, SignedWebhook, twilio_sms_form
from tests.channels.conftest import TWILIO_SID, TWILIO_TOKEN
from tests.channels.contracts.suite import FAST, SECRET, WEBHOOK_URL, ChannelContract, sms_parts


class TestSmsContract(ChannelContract):
    id_prefix = "SM"
    extra_malformed: ClassVar[dict[str, bytes]] = {
        "no MessageSid": b"From=%2B14155550100&Body=hi",
        "no From": b"MessageSid=SM1&Body=hi",
        "status without sid": b"MessageStatus=delivered&To=%2B1415",
        "not a form": b"MessageSid",
        "not UTF-8": b"MessageSid=SM1&From=%2B1&Body=\xff\xfe",
        "sender too long": b"MessageSid=SM1&Body=hi&From=" + b"1" * 300,
    }

    def make_adapter(
        self,
        api_url: str,
        *,
        secret: str | None = SECRET,
        retry: RetrySettings = FAST,
        sleep: Callable[[float], Any] | None = None,
        token: str | None = None,
    ) -> SmsAdapter:
        # Twilio signs webhooks with the account's auth token, the same one the REST API takes:
        # `secret` and `token` are one setting here, so a wrong token means a wrong secret too.
        auth = token or (TWILIO_TOKEN if secret == SECRET else secret)
        settings = SmsSettings(
            enabled=True,
            api_url=api_url,
            account_sid=TWILIO_SID,
            auth_token=SecretStr(auth) if auth else None,
            from_number="+15017122661",
            retry=retry,
        )
        return SmsAdapter(settings, sleep=sleep)

    def signed(self, *, message_id: str, text: str, secret: str = SECRET) -> SignedWebhook:
        token = TWILIO_TOKEN if secret == SECRET else secret
        return twilio_sms_form(token, WEBHOOK_URL, body=text, message_sid=message_id)

    def assert_within_limits(self, payloads: list[Payload]) -> None:
        assert len(payloads) == 1  # one message, its parts joined by the carrier
        body = payloads[0].body
        assert body["To"] and body["From"] == "+15017122661"
        assert sms_parts(body["Body"]) <= 3
        assert len(body["Body"]) <= 1600  # Twilio's own cap
        assert "**" not in body["Body"]

    @pytest.mark.anyio
    async def test_a_500_is_uncertain_and_not_retried(
        self, adapter: SmsAdapter, provider: FakeProvider, sleeps: list[float]
    ) -> None:
        # Twilio documents 429 and 503 as "not served, try again"; a 500 may come after it
        # queued the message.
        provider.fail_next(500)
        async with httpx.AsyncClient() as client:
            with pytest.raises(UncertainSendError) as raised:
                await adapter.send(self._payload(adapter), client)
        assert (raised.value.status, raised.value.code) == (500, "20500")
        assert len(provider.requests) == 1 and sleeps == []
