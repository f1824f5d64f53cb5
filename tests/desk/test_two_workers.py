"""Two API workers (separate uvicorn processes) on one database, PostgreSQL and a SQLite file:
messages to one conversation posted to both at once, each also redelivered to the other
worker (a provider retry), are answered once each, one turn at a time, in arrival order."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

from assistant.config import PROJECT_ROOT
from assistant.desk.credentials import new_api_key
from assistant.store import Store
from assistant.store.models import ConversationRow
from assistant.store.tickets import NewTicket, add_ticket
from assistant.testing.fake_provider import FakeProvider, whatsapp_text_webhook
from assistant.testing.loopback import free_port
from tests.channels.conftest import META_TOKEN
from tests.store import conftest as store_fixtures

postgres_url = store_fixtures.postgres_url
SECRET = "wa-two-workers"
SHOPPER = "16505550999"
ASKS = ["merino socks", "insulated water bottle", "wool beanie", "hiking gloves",
        "trail running socks", "a filter bottle"]  # fmt: skip


@contextmanager
def worker(url: str, provider_url: str, log: Path) -> Iterator[str]:
    """One API worker process on `url`; yields its base URL once it is ready."""
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "ASSISTANT_DATABASE_URL": url,
        "ASSISTANT_DATA_DIR": str(log.parent / "data"),
        "ASSISTANT_MODEL": "offline",
        "ASSISTANT_CHANNELS__WHATSAPP__ENABLED": "true",
        "ASSISTANT_CHANNELS__WHATSAPP__API_URL": provider_url,
        "ASSISTANT_CHANNELS__WHATSAPP__PHONE_NUMBER_ID": "1029384756",
        "ASSISTANT_CHANNELS__WHATSAPP__ACCESS_TOKEN": META_TOKEN,
        "ASSISTANT_CHANNELS__WHATSAPP__APP_SECRET": SECRET,
        "ASSISTANT_CHANNELS__WHATSAPP__VERIFY_TOKEN": "verify-me",
    }
    command = [sys.executable, "-m", "uvicorn", "--factory", "tests.desk.worker_app:create",
               "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]  # fmt: skip
    with log.open("w") as output:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert process.poll() is None, log.read_text()
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        else:
            raise AssertionError(f"worker did not start:\n{log.read_text()}")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def _post(base: str, body: bytes, headers: dict[str, str]) -> int:
    return httpx.post(
        f"{base}/webhooks/whatsapp", content=body, headers=headers, timeout=30
    ).status_code


def _run(url: str, tmp_path: Path, provider: FakeProvider, provider_url: str) -> None:
    Store.open(url).create_schema()
    with ExitStack() as stack:
        one = stack.enter_context(worker(url, provider_url, tmp_path / "one.log"))
        two = stack.enter_context(worker(url, provider_url, tmp_path / "two.log"))
        hooks = [
            whatsapp_text_webhook(SECRET, sender=SHOPPER, text=ask, message_id=f"wamid.{n}")
            for n, ask in enumerate(ASKS)
        ]
        calls = []
        for n, hook in enumerate(hooks):  # each message to both workers: a provider's retry
            first, second = (one, two) if n % 2 == 0 else (two, one)
            calls += [(first, hook), (second, hook)]
        with ThreadPoolExecutor(max_workers=len(calls)) as pool:
            statuses = list(pool.map(lambda c: _post(c[0], c[1].body, c[1].headers), calls))
        assert statuses == [200] * len(calls)
        store = Store.open(url)
        conversation_id = f"whatsapp:{SHOPPER}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            rows = store.messages(conversation_id, limit=100)
            inbound = [m for m in rows if m.direction == "inbound"]
            if len(inbound) == len(ASKS) and all(m.status == "processed" for m in inbound):
                break
            time.sleep(0.2)
        else:
            raise AssertionError("the turns did not finish")
        outbound = [m for m in rows if m.direction == "outbound"]
        assert len(inbound) == len(outbound) == len(ASKS)  # each answered once, none twice
        history = store.load_history(conversation_id)
        humans = [m.text for m in history if m.type == "human"]
        assert sorted(humans) == sorted(ASKS) and len(humans) == len(ASKS)
        arrival = [m.text for m in sorted(inbound, key=lambda m: m.id)]
        assert humans == arrival  # turns ran in arrival order
        finished = [m.processed_at for m in sorted(inbound, key=lambda m: m.id) if m.processed_at]
        assert len(finished) == len(ASKS) and finished == sorted(finished)  # one after another
        kinds = [m.type for m in history]
        for n, kind in enumerate(kinds):  # a turn's messages never interleave with another's
            if kind == "human" and n:  # the turn before ended on its reply (and what it showed)
                presented = kinds[n - 1] == "tool" and history[n - 1].name == "present_products"
                assert kinds[n - 2 if presented else n - 1] == "ai"
        _live_updates_cross_workers(store, one, two)
        store.close()


def _live_updates_cross_workers(store: Store, one: str, two: str) -> None:
    """A console on worker one hears of a ticket claimed through worker two."""
    store.create_agent("sam", team="sales")
    key, key_hash = new_api_key()
    store.update_agent("sam", api_key_hash=key_hash)
    auth = {"Authorization": f"Bearer {key}"}
    conversation = store.get_or_create_conversation("web:live", "web", "v-live", "default")
    heard: list[str] = []
    listening = threading.Event()

    def listen() -> None:
        with httpx.stream("GET", f"{one}/console/api/events", headers=auth, timeout=30) as r:
            assert r.headers["content-type"].startswith("text/event-stream")
            for line in r.iter_lines():
                listening.set()
                heard.append(line)
                if heard.count("event: queue") >= 2:
                    return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert listening.wait(timeout=10)
    time.sleep(1.5)  # the stream has taken its first reading
    with store.session() as session:
        row = session.get(ConversationRow, conversation.id)
        assert row is not None
        row.state = "pending_human"
        add_ticket(session, row, NewTicket(team="sales", reason="low confidence", confidence=0.1))
    time.sleep(1.5)
    claimed = httpx.post(f"{two}/console/api/conversations/{conversation.id}/claim", headers=auth)
    assert claimed.status_code == 200, claimed.text
    listener.join(timeout=20)
    assert heard.count("event: queue") >= 2, heard  # created, then claimed on the other worker
    assert 'data: {"conversation_id": "web:live"}' in heard


def test_two_workers_on_one_sqlite_file(
    tmp_path: Path, provider: FakeProvider, provider_url: str
) -> None:
    _run(f"sqlite:///{tmp_path / 'shared.db'}", tmp_path, provider, provider_url)


def test_two_workers_on_one_postgresql_database(
    postgres_url: str, tmp_path: Path, provider: FakeProvider, provider_url: str
) -> None:
    store = Store.open(postgres_url)
    store_fixtures._empty(store)
    store.close()
    _run(postgres_url, tmp_path, provider, provider_url)
