"""The process is killed (SIGKILL) between keeping a message and sending its reply: after a
restart the message is answered and the reply delivered, once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from assistant.store import Store
from assistant.store.engine import default_url
from assistant.store.models import MessageRow, OutboxItem
from assistant.testing.fake_provider import FakeProvider
from assistant.testing.loopback import free_port
from assistant.testing.shoppers import audit_deliveries, sender_id, signed_message
from tests.reliability.conftest import wait_for

SERVER = Path(__file__).with_name("crash_server.py")
REPO = SERVER.parents[2]
SENDER = sender_id("whatsapp", 7)


class Service:
    """One service process on a loopback port."""

    def __init__(self, data_dir: Path, provider_url: str, hang: str) -> None:
        self.url = f"http://127.0.0.1:{free_port()}"
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        command = [sys.executable, str(SERVER), "--data-dir", str(data_dir)]
        command += ["--provider-url", provider_url, "--port", self.url.rsplit(":", 1)[1]]
        self.process = subprocess.Popen([*command, "--hang", hang], env=env, cwd=REPO)
        wait_for(self._ready, timeout_s=120, what="the service to start")

    def _ready(self) -> bool:
        assert self.process.poll() is None, "the service exited"
        try:
            return httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def post(self, body: bytes, headers: dict[str, str]) -> int:
        response = httpx.post(f"{self.url}/webhooks/whatsapp", content=body, headers=headers)
        return response.status_code

    def kill(self) -> None:
        self.process.kill()  # SIGKILL: no shutdown code runs
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:  # a process the test left hanging
                self.kill()


@pytest.fixture
def services(tmp_path: Path) -> Iterator[list[Service]]:
    started: list[Service] = []
    yield started
    for service in started:
        service.stop()


def _rows(store: Store) -> tuple[list[str], list[str]]:
    """The statuses of the shopper's inbound messages, and of the outbox's items."""
    with store.session(write=False) as session:
        inbound = session.scalars(
            select(MessageRow.status).where(MessageRow.direction == "inbound")
        ).all()
        outbox = session.scalars(select(OutboxItem.status)).all()
    return list(inbound), list(outbox)


STOPPED_AT: dict[str, Callable[[list[str], list[str]], bool]] = {
    "turn": lambda inbound, outbox: inbound == ["processing"],
    "reply": lambda inbound, outbox: inbound == ["processed"],
    "delivery": lambda inbound, outbox: inbound == ["processed"] and outbox[:1] == ["pending"],
}


@pytest.mark.parametrize("point", sorted(STOPPED_AT))
def test_a_message_survives_a_kill_and_is_answered_once(
    tmp_path: Path,
    services: list[Service],
    provider: FakeProvider,
    provider_server: tuple[FakeProvider, str],
    point: str,
) -> None:
    data_dir, provider_url = tmp_path / "data", provider_server[1]
    first = Service(data_dir, provider_url, hang=point)
    services.append(first)
    webhook = signed_message("whatsapp", SENDER, "merino socks")
    assert first.post(webhook.body, webhook.headers) == 200  # stored before this 200
    store = Store.open(default_url(data_dir))
    wait_for(lambda: STOPPED_AT[point](*_rows(store)), what=f"{point}: {_rows(store)}")

    first.kill()
    assert provider.sent() == []

    second = Service(data_dir, provider_url, hang="none")
    services.append(second)
    wait_for(lambda: len(provider.sent()) >= 1, timeout_s=30, what="the reply after restart")
    assert second.post(webhook.body, webhook.headers) == 200  # the provider redelivers
    time.sleep(1.5)  # room for a wrong second answer to show up

    audit = audit_deliveries(store, provider)
    assert (audit.inbound, audit.replies) == (1, 1)
    assert audit.exact and audit.delivered == audit.payloads >= 1, audit
    assert _rows(store) == (["processed"], ["sent"] * audit.payloads)
    assert "sock" in str(provider.sent()).lower()
