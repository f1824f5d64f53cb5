"""Order lookup can't be brute-forced: the attack (sequential order numbers, ZIP guesses, a new
web chat for every try) rerun through the real web chat API and a signed WhatsApp webhook.

Misses are limited per order number and per client address (or channel sender) whatever the
number of chats, across app instances on one database; a locked-out lookup answers the same
for an existing and a missing order, and for the right proof; misses open no desk tickets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select, text

from assistant.api.app import create_app
from assistant.channels.settings import WhatsAppSettings
from assistant.config import Settings
from assistant.conversation import Concierge
from assistant.orders import LOCKED_MESSAGE, NOT_VERIFIED_MESSAGE
from assistant.retrieval.index import CatalogIndex
from assistant.store import Store
from assistant.store.desk_models import HandoffTicket
from assistant.store.models import Base
from assistant.testing.fake_provider import FakeProvider, whatsapp_text_webhook
from tests.channels import conftest as channel_fixtures
from tests.channels.conftest import META_TOKEN
from tests.desk.conftest import wait_processed
from tests.store import conftest as store_fixtures

postgres_url = store_fixtures.postgres_url
provider_server = channel_fixtures.provider_server
provider = channel_fixtures.provider
provider_url = channel_fixtures.provider_url

PER_ORDER, PER_CLIENT = 3, 5
WA_SECRET = "wa-app-secret"
ATTACKER = ("203.0.113.66", 40000)
# (order, right ZIP) of the demo orders; a guess is a ZIP that is not the right one.
ORDERS = [(f"W10000{n:02d}", zip_code) for n, zip_code in
          enumerate(["97202", "80218", "98103", "80302", "11215", "V6K1P9"], start=1)]  # fmt: skip


def _settings(tmp_path: Path, database_url: str | None = None) -> Settings:
    settings = Settings(data_dir=tmp_path / "data", _env_file=None)  # type: ignore[call-arg]
    settings.database_url = SecretStr(database_url) if database_url else None
    settings.orders.max_attempts_per_order = PER_ORDER
    settings.orders.max_attempts_per_client = PER_CLIENT
    settings.limits.ip_per_minute, settings.limits.ip_burst = 6000.0, 1000  # not this limit
    return settings


@pytest.fixture
def concierge(demo_index: CatalogIndex, tmp_path: Path) -> Concierge:
    return Concierge.from_settings(_settings(tmp_path), demo_index)


def _client(concierge: Concierge, address: tuple[str, int] = ATTACKER) -> TestClient:
    return TestClient(create_app(concierge.settings, concierge), client=address)


def _new_chat_says(client: TestClient, *texts: str) -> list[dict[str, Any]]:
    """A new web chat (as the widget opens it), then each text in turn; the replies."""
    started = client.post("/api/conversations", json={})
    assert started.status_code == 201
    body = started.json()
    path = f"/api/conversations/{body['conversation_id']}/messages"
    headers = {"X-Conversation-Secret": body.get("secret", "")}
    replies = []
    for said in texts:
        response = client.post(path, json={"text": said}, headers=headers)
        assert response.status_code == 200, response.text
        replies.append(response.json())
    return replies


def _kind(reply: dict[str, Any]) -> str:
    if LOCKED_MESSAGE in reply["text"]:
        return "locked"
    if NOT_VERIFIED_MESSAGE in reply["text"]:
        return "missed"
    return "shown" if "Order #W" in reply["text"] else "other"


def _offers_a_person(reply: dict[str, Any]) -> bool:
    return any(q["title"] == "Talk to a person" for q in reply["quick_replies"])


def _tickets(concierge: Concierge) -> int:
    with concierge.store.session(write=False) as session:
        return session.scalar(select(func.count()).select_from(HandoffTicket)) or 0


def _guesses(count: int) -> Iterator[str]:
    """Sequential order numbers, each with ZIP guesses that are all wrong."""
    for n in range(count):
        order_id, _ = ORDERS[n % len(ORDERS)]
        yield f"order {order_id} zip {30000 + n:05d}"


def test_many_new_chats_from_one_address_get_at_most_the_client_limit(
    concierge: Concierge,
) -> None:
    with _client(concierge) as client:
        replies, guesses = [], list(_guesses(24))
        for n in range(0, len(guesses), 2):  # two guesses per chat, twelve chats
            replies += _new_chat_says(client, guesses[n], guesses[n + 1])
        kinds = [_kind(r) for r in replies]
        assert kinds.count("missed") == PER_CLIENT
        assert kinds.count("locked") == len(replies) - PER_CLIENT
        # The right proof of an order nobody tried, from this address: refused the same way.
        order_id, zip_code = ORDERS[1]
        right = _new_chat_says(client, f"order {order_id} zip {zip_code}")[0]
        missing = _new_chat_says(client, "order W9999999 zip 80218")[0]
        assert right["text"] == missing["text"] == replies[-1]["text"]
        assert _kind(right) == "locked" and "USPS" not in right["text"]
        offered = [r for r in replies if _offers_a_person(r)]
        assert len(offered) == 1  # a person is offered once, not on every miss
        assert all(r["handoff"] is None and not r["waiting_for_human"] for r in replies)
    assert _tickets(concierge) == 0  # no desk ticket per miss


def test_an_order_is_locked_whatever_the_address_and_tells_nothing(
    concierge: Concierge,
) -> None:
    order_id, zip_code = ORDERS[0]
    kinds = []
    for n in range(8):  # a botnet: every guess from another address, in a new chat
        with _client(concierge, (f"198.51.100.{n}", 40000)) as client:
            kinds.append(_kind(_new_chat_says(client, f"order {order_id} zip {20000 + n}")[0]))
            _new_chat_says(client, f"order W9999999 zip {20000 + n}")  # a missing order, too
    assert kinds == ["missed"] * PER_ORDER + ["locked"] * (8 - PER_ORDER)
    with _client(concierge, ("192.0.2.1", 40000)) as client:  # the real owner, later
        right = _new_chat_says(client, f"order {order_id} zip {zip_code}")[0]
        missing = _new_chat_says(client, "order W9999999 email maya.okafor@example.com")[0]
        assert right["text"] == missing["text"]
        assert _kind(right) == "locked" and "Ridgeline" not in right["text"]
        assert right["quick_replies"] == missing["quick_replies"]
        other = _new_chat_says(client, f"order {ORDERS[1][0]} zip {ORDERS[1][1]}")[0]
        assert _kind(other) == "shown"  # other orders and this address are fine
    assert _tickets(concierge) == 0


def test_a_channel_sender_is_limited_across_its_conversations(
    demo_index: CatalogIndex, tmp_path: Path, provider: FakeProvider, provider_url: str
) -> None:
    settings = _settings(tmp_path)
    settings.channels.whatsapp = WhatsAppSettings(
        enabled=True, api_url=provider_url, phone_number_id="1029384756",
        access_token=SecretStr(META_TOKEN), app_secret=SecretStr(WA_SECRET),
        verify_token=SecretStr("verify-me"),
    )  # fmt: skip
    concierge = Concierge.from_settings(settings, demo_index)
    sender = "16505550111"
    conversation_id = f"whatsapp:{sender}"
    with TestClient(create_app(settings, concierge)) as client:
        said = [*_guesses(PER_CLIENT + 3), f"order {ORDERS[1][0]} zip {ORDERS[1][1]}"]
        for text_ in said:
            hook = whatsapp_text_webhook(WA_SECRET, sender=sender, text=text_)
            response = client.post("/webhooks/whatsapp", content=hook.body, headers=hook.headers)
            assert response.status_code == 200
            wait_processed(concierge.store, conversation_id)
    answers = [m for m in concierge.store.messages(conversation_id) if m.direction == "outbound"]
    kinds = [_kind({"text": m.text or ""}) for m in answers]
    assert kinds == ["missed"] * PER_CLIENT + ["locked"] * 4  # the right proof, too
    assert _tickets(concierge) == 0
    conversation = concierge.store.get_conversation(conversation_id)
    assert conversation is not None and conversation.state == "bot"


def _empty(url: str) -> None:
    store = Store.open(url)
    try:
        tables = ", ".join(f'"{name}"' for name in Base.metadata.tables)
        with store.engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        store.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_app_instances_on_one_database_share_the_count(
    backend: str, demo_index: CatalogIndex, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = None
    if backend == "postgresql":
        url = request.getfixturevalue("postgres_url")
        _empty(url)
    workers = [Concierge.from_settings(_settings(tmp_path, url), demo_index) for _ in range(2)]
    with _client(workers[0]) as one, _client(workers[1]) as two:
        kinds = [_kind(_new_chat_says((one, two)[n % 2], guess)[0])
                 for n, guess in enumerate(_guesses(12))]  # fmt: skip
    assert kinds == ["missed"] * PER_CLIENT + ["locked"] * (12 - PER_CLIENT)
    for worker in workers:
        worker.store.close()


def test_the_client_address_is_never_stored(concierge: Concierge) -> None:
    with _client(concierge) as client:
        _new_chat_says(client, next(_guesses(1)), "merino socks")
    concierge.store.close()  # everything written through to the database file
    kept = b"".join(p.read_bytes() for p in (concierge.settings.data_dir).glob("assistant.db*"))
    assert kept and ATTACKER[0].encode() not in kept
