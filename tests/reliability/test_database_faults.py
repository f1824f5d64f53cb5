"""The database is briefly locked or unreachable: requests fail cleanly with a 503 and a
Retry-After (so providers redeliver), nothing is half-written, and the redelivery is answered
once when the database is back."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from assistant.api.app import create_app
from assistant.config import Settings
from assistant.conversation import Concierge
from assistant.retrieval.index import CatalogIndex
from assistant.store import Store
from assistant.store.engine import default_url
from assistant.store.models import ConversationRow, MessageRow
from assistant.testing.fake_provider import FakeProvider
from assistant.testing.loopback import free_port
from assistant.testing.shoppers import (
    audit_deliveries,
    sender_id,
    signed_message,
    webhook_path,
)
from tests.reliability.conftest import wait_for
from tests.web_chat import start_chat


def _count(store: Store, model: type[MessageRow] | type[ConversationRow]) -> int:
    with store.session(write=False) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_locked_database_answers_503_and_the_redelivery_is_answered_once(
    channel_settings: Settings, demo_index: CatalogIndex, provider: FakeProvider
) -> None:
    channel_settings.store.busy_timeout_s = 0.2
    concierge = Concierge.from_settings(channel_settings, demo_index)
    webhook = signed_message("whatsapp", sender_id("whatsapp", 3), "merino socks")
    with TestClient(create_app(channel_settings, concierge)) as client:
        conversation, auth, _ = start_chat(client)
        path = f"/api/conversations/{conversation}/messages"
        holder = sqlite3.connect(Path(channel_settings.data_dir) / "assistant.db")
        holder.execute("BEGIN IMMEDIATE")  # another writer holds the database
        try:
            hook = client.post(
                webhook_path("whatsapp"), content=webhook.body, headers=webhook.headers
            )
            chat = client.post(path, json={"text": "merino socks"}, headers=auth)
            for response in (hook, chat):
                assert response.status_code == 503, response.text
                assert int(response.headers["retry-after"]) >= 1
                assert response.json()["error"] == "StoreUnavailable"
            assert _count(concierge.store, MessageRow) == 0  # nothing half-written
        finally:
            holder.rollback()
            holder.close()

        redelivered = client.post(
            webhook_path("whatsapp"), content=webhook.body, headers=webhook.headers
        )
        assert redelivered.status_code == 200
        assert client.post(path, json={"text": "merino socks"}, headers=auth).status_code == 200
        wait_for(lambda: audit_deliveries(concierge.store, provider).delivered >= 1)
        again = client.post(webhook_path("whatsapp"), content=webhook.body, headers=webhook.headers)
        assert again.status_code == 200  # a late duplicate of the same message
        wait_for(lambda: concierge.store.unprocessed_inbound() == [], what="the turns")

    audit = audit_deliveries(concierge.store, provider)
    assert (audit.inbound, audit.replies) == (1, 1) and audit.exact, audit


def test_an_unreachable_database_answers_503_and_the_service_stays_up(
    channel_settings: Settings, demo_index: CatalogIndex, tmp_path: Path
) -> None:
    nowhere = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test"
    store = Store.open(nowhere, busy_timeout_s=1.0)
    concierge = Concierge.from_settings(channel_settings, demo_index, store=store)
    webhook = signed_message("sms", sender_id("sms", 4), "merino socks")
    with TestClient(create_app(channel_settings, concierge)) as client:
        hook = client.post(webhook_path("sms"), content=webhook.body, headers=webhook.headers)
        start = client.post("/api/conversations", json={})
        for response in (hook, start):
            assert response.status_code == 503, response.text
            assert int(response.headers["retry-after"]) >= 1
            assert "database unavailable" in response.json()["detail"]
        assert client.get("/healthz").status_code == 200
    # The SQLite default of the same settings was never touched by the failed requests.
    assert not Path(default_url(channel_settings.data_dir).removeprefix("sqlite:///")).exists()
