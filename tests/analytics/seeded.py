"""One seeded run for the whole test session, whichever test directory asks first: simulated
conversations driven through the service on loopback (web chat API, signed WhatsApp, Messenger
and SMS webhooks, `/c/{token}` clicks, an agent closing handoffs so shoppers rate them).

Fixtures registered in two places (here for the analytics tests, in the analytics browser
test) are two fixtures to pytest; the cache below makes them share one run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

import httpx
import pytest
from pydantic import SecretStr

from assistant.api.app import create_app
from assistant.channels.settings import MessengerSettings, SmsSettings, WhatsAppSettings
from assistant.config import Settings
from assistant.conversation import Concierge
from assistant.desk.credentials import hash_password
from assistant.retrieval.index import CatalogIndex
from assistant.store import Store
from assistant.testing.fake_provider import FakeProvider, serve
from assistant.testing.loopback import serve_app
from assistant.testing.traffic import ChannelKeys, Simulated, Traffic

CONVERSATIONS = 200
AGENT, PASSWORD = "ana", "correct horse battery staple"
META_TOKEN, TWILIO_SID, TWILIO_TOKEN = "EAAG-seed", "AC" + "5" * 32, "twilio-seed-token"
WA_SECRET, FB_SECRET = "wa-seed-secret", "fb-seed-secret"


@dataclass
class SeededRun:
    """The service after the simulated conversations, and what the simulator did."""

    url: str
    settings: Settings
    store: Store
    simulated: list[Simulated]


def _channels(settings: Settings, provider_url: str) -> None:
    settings.channels.sms = SmsSettings(
        enabled=True, api_url=provider_url, account_sid=TWILIO_SID,
        auth_token=SecretStr(TWILIO_TOKEN), from_number="+15017122661",
    )  # fmt: skip
    settings.channels.whatsapp = WhatsAppSettings(
        enabled=True, api_url=provider_url, phone_number_id="1029384756",
        access_token=SecretStr(META_TOKEN), app_secret=SecretStr(WA_SECRET),
        verify_token=SecretStr("verify-me"),
    )  # fmt: skip
    settings.channels.messenger = MessengerSettings(
        enabled=True, api_url=provider_url, access_token=SecretStr(META_TOKEN),
        app_secret=SecretStr(FB_SECRET), verify_token=SecretStr("verify-me"),
    )  # fmt: skip


_runs: dict[str, SeededRun] = {}
_open = ExitStack()


def seeded_once(demo_index: CatalogIndex, factory: pytest.TempPathFactory) -> SeededRun:
    """The session's seeded run, made on first use; `close_seeded` stops its servers."""
    if "run" not in _runs:
        _runs["run"] = _open.enter_context(_seeded(demo_index, factory))
    return _runs["run"]


def close_seeded() -> None:
    _runs.clear()
    _open.close()


@contextmanager
def _seeded(
    demo_index: CatalogIndex, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SeededRun]:
    """200 conversations over web, WhatsApp, Messenger and SMS, prompts split 50/50."""
    fake = FakeProvider(meta_token=META_TOKEN, twilio_sid=TWILIO_SID, twilio_token=TWILIO_TOKEN)
    settings = Settings(data_dir=tmp_path_factory.mktemp("seeded"), _env_file=None)  # type: ignore[call-arg]
    settings.prompts.variants = {"default": 0.5, "playful": 0.5}
    settings.analytics.resolved_after_minutes = 0.05  # 3 s: the page shows settled conversations
    # 200 simulated shoppers share one client address: the per-address limit is not measured
    settings.limits.ip_per_minute, settings.limits.ip_burst = 1e9, 10**9
    with serve(fake) as provider_url:
        _channels(settings, provider_url)
        concierge = Concierge.from_settings(settings, demo_index)
        concierge.store.create_agent(
            AGENT, team="support", is_admin=True, password_hash=hash_password(PASSWORD)
        )
        with serve_app(create_app(settings, concierge), name="seeded app") as url:
            settings.server.public_url = url  # tracked links and Twilio signatures use it
            keys = ChannelKeys(WA_SECRET, FB_SECRET, TWILIO_TOKEN, f"{url}/webhooks/sms")
            # A new connection per request: no race with the server closing an idle keep-alive.
            fresh = httpx.Limits(max_keepalive_connections=0)
            with httpx.Client(base_url=url, timeout=30, limits=fresh) as client:
                traffic = Traffic(client, concierge.store, keys, agent=(AGENT, PASSWORD))
                simulated = traffic.run(CONVERSATIONS)
            yield SeededRun(url, settings, concierge.store, simulated)
