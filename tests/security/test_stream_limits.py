"""Live-update streams are bounded per client address and per worker: past the setting, 429
before any stream starts; a closed stream gives its slot back."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from assistant.api.app import create_app
from assistant.api.limits import StreamSlots, TooManyStreams
from assistant.config import Settings
from assistant.conversation import Concierge
from assistant.desk.credentials import new_api_key
from assistant.retrieval.index import CatalogIndex
from assistant.testing.loopback import serve_app
from tests.web_chat import start_chat

PER_CLIENT = 3


@pytest.fixture
def served(demo_index: CatalogIndex, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """The service allowing `PER_CLIENT` streams an address; its URL and an agent's headers."""
    settings = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    settings.limits.streams_per_client = PER_CLIENT
    concierge = Concierge.from_settings(settings, demo_index)
    concierge.store.create_agent("sam", team="sales")
    key, key_hash = new_api_key()
    concierge.store.update_agent("sam", api_key_hash=key_hash)
    with serve_app(create_app(settings, concierge), name="concierge app") as url:
        yield url, {"Authorization": f"Bearer {key}"}


def _open(stack: ExitStack, http: httpx.Client, path: str, headers: dict[str, str]) -> int:
    """Open a stream (kept open until `stack` closes); its status."""
    response = stack.enter_context(http.stream("GET", path, headers=headers))
    return response.status_code


def test_the_stream_past_the_limit_from_one_address_gets_429(
    served: tuple[str, dict[str, str]],
) -> None:
    url, agent = served
    with httpx.Client(base_url=url, timeout=20) as http:
        chats = [start_chat(http) for _ in range(PER_CLIENT + 1)]
        paths = [f"/api/conversations/{chat.id}/events" for chat in chats]
        with ExitStack() as held:
            opened = [_open(held, http, p, c.headers) for p, c in zip(paths, chats, strict=True)]
            assert opened == [200] * PER_CLIENT + [429]
            refused = http.get("/console/api/events", headers=agent)  # the same address
            assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
            assert refused.json()["error"] == "rate_limited"
        deadline = time.monotonic() + 10  # closed: the server sees the streams end
        while True:
            with ExitStack() as again:
                if _open(again, http, "/console/api/events", agent) == 200:
                    break
            assert time.monotonic() < deadline, "the closed streams kept their slots"
            time.sleep(0.2)


def test_slots_are_bounded_per_address_and_in_all() -> None:
    slots = StreamSlots(per_client=2, total=3)
    with ExitStack() as held:
        for address in ("10.0.0.1", "10.0.0.1", "10.0.0.2"):
            held.enter_context(slots.hold(address))
        with pytest.raises(TooManyStreams):
            held.enter_context(slots.hold("10.0.0.1"))  # its own two are taken
        with pytest.raises(TooManyStreams):
            held.enter_context(slots.hold("10.0.0.3"))  # all three are taken
        assert len(slots) == 3
    assert len(slots) == 0
    with slots.hold("10.0.0.1"), slots.hold("10.0.0.1"):
        pass  # given back
