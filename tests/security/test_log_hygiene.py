"""Secrets never reach the logs, and shoppers' emails, phone and card numbers are masked, through
whole conversations on every channel, provider failures and withheld replies included."""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from assistant.agent.disclosure import secret_values
from assistant.api.app import create_app
from assistant.api.web_access import SECRET_HEADER
from assistant.config import Settings
from assistant.conversation import Concierge
from assistant.log import JsonFormatter
from assistant.retrieval.index import CatalogIndex
from assistant.testing.fake_provider import serve
from assistant.testing.shoppers import channel_provider, enable_channels, signed_message
from tests.web_chat import start_chat

EMAIL, CARD = "jamie.rivera@example.com", "4111 1111 1111 1111"
PHONE_SENDER = "16505557788"


@pytest.fixture
def logs() -> Iterator[io.StringIO]:
    """Everything logged, formatted as the service writes it."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield out
    root.removeHandler(handler)
    root.setLevel(previous)


def test_a_day_of_traffic_logs_no_secret_and_no_raw_pii(
    demo_index: CatalogIndex, tmp_path: Path, logs: io.StringIO
) -> None:
    provider = channel_provider()
    with serve(provider) as provider_url:
        settings = enable_channels(
            Settings(data_dir=tmp_path / "data", model="offline", _env_file=None),  # type: ignore[call-arg]
            provider_url,
        )
        settings.server.secret_key = SecretStr("link-signing-key-for-log-test")
        settings.channels.whatsapp.retry.max_attempts = 1
        concierge = Concierge.from_settings(settings, demo_index)
        provider.fail_next(500, times=2)  # failed sends are logged with the provider's error
        with TestClient(create_app(settings, concierge)) as client:
            for words in (f"my email is {EMAIL}", f"card {CARD}, call me on +1 650 555 7788"):
                hook = signed_message("whatsapp", PHONE_SENDER, words)
                client.post("/webhooks/whatsapp", content=hook.body, headers=hook.headers)
                sms = signed_message("sms", "+14155557788", words)
                client.post("/webhooks/sms", content=sms.body, headers=sms.headers)
            conversation, auth, _ = start_chat(client)
            client.post(
                f"/api/conversations/{conversation}/messages",
                json={"text": f"where is order #W1000002? {EMAIL}"},
                headers=auth,
            )
            client.post("/webhooks/whatsapp", content=b"{}", headers={"x-hub-signature-256": "x"})
            deadline = time.monotonic() + 60  # generous: a busy machine answers late
            while time.monotonic() < deadline and (
                len(provider.sent()) < 4 or "send failed" not in logs.getvalue()
            ):
                time.sleep(0.1)

    written = logs.getvalue()
    assert "send failed" in written and "POST /webhooks/{channel} 200" in written  # captured
    for secret in [s for s in secret_values(settings) if s]:
        assert secret not in written
    for raw in (EMAIL, CARD, "4111111111111111", PHONE_SENDER, "4155557788", "650 555 7788"):
        assert raw not in written, raw
    assert auth[SECRET_HEADER] not in written  # the web chat's secret is never logged


def test_a_channel_conversation_id_is_masked_in_the_log_fields() -> None:
    record = logging.LogRecord("assistant.x", logging.INFO, __file__, 1, "turn", None, None)
    record.conversation_id = f"whatsapp:{PHONE_SENDER}"
    entry = JsonFormatter().format(record)
    assert PHONE_SENDER not in entry and "whatsapp:[phone ...88]" in entry
