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

from assistant.api.app import create_app
from assistant.config import Settings
from assistant.conversation import Concierge
from assistant.desk.credentials import hash_password
from assistant.retrieval.index import CatalogIndex
from assistant.store import Store
from assistant.testing.fake_provider import serve
from assistant.testing.loopback import serve_app
from assistant.testing.shoppers import (
    MESSENGER_SECRET,
    TWILIO_TOKEN,
    WHATSAPP_SECRET,
    channel_provider,
    enable_channels,
)
from assistant.testing.traffic import ChannelKeys, Simulated, Traffic

CONVERSATIONS = 200
AGENT, PASSWORD = "ana", "correct horse battery staple"


@dataclass
class SeededRun:
    """The service after the simulated conversations, and what the simulator did."""

    url: str
    settings: Settings
    store: Store
    simulated: list[Simulated]


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
    fake = channel_provider()
    settings = Settings(data_dir=tmp_path_factory.mktemp("seeded"), _env_file=None)  # type: ignore[call-arg]
    settings.prompts.variants = {"default": 0.5, "playful": 0.5}
    settings.analytics.resolved_after_minutes = 0.05  # 3 s: the page shows settled conversations
    # 200 simulated shoppers share one client address: the per-address limit is not measured
    settings.limits.ip_per_minute, settings.limits.ip_burst = 1e9, 10**9
    with serve(fake) as provider_url:
        enable_channels(settings, provider_url)
        concierge = Concierge.from_settings(settings, demo_index)
        concierge.store.create_agent(
            AGENT, team="support", is_admin=True, password_hash=hash_password(PASSWORD)
        )
        with serve_app(create_app(settings, concierge), name="seeded app") as url:
            settings.server.public_url = url  # tracked links and Twilio signatures use it
            keys = ChannelKeys(
                WHATSAPP_SECRET, MESSENGER_SECRET, TWILIO_TOKEN, f"{url}/webhooks/sms"
            )
            # A new connection per request: no race with the server closing an idle keep-alive.
            fresh = httpx.Limits(max_keepalive_connections=0)
            with httpx.Client(base_url=url, timeout=30, limits=fresh) as client:
                traffic = Traffic(client, concierge.store, keys, agent=(AGENT, PASSWORD))
                simulated = traffic.run(CONVERSATIONS)
            yield SeededRun(url, settings, concierge.store, simulated)
