"""The admin API: agents and customers' data requests, for admins only."""

from __future__ import annotations

from assistant.messages import InboundMessage
from tests.desk.conftest import Shop


def test_admins_add_and_list_agents(shop: Shop) -> None:
    admin = shop.as_agent("ada")
    created = shop.client.post(
        "/admin/api/agents",
        json={
            "username": "lee",
            "team": "orders",
            "password": "a long passphrase",
            "api_key": True,
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    key = created.json()["api_key"]
    assert key.startswith("ck_") and created.json()["agent"]["team"] == "orders"
    me = shop.client.get("/console/api/me", headers={"Authorization": f"Bearer {key}"})
    assert me.json()["agent"]["username"] == "lee"
    login = shop.client.post(
        "/console/api/login", json={"username": "lee", "password": "a long passphrase"}
    )
    assert login.status_code == 200
    rows = shop.client.get("/admin/api/agents", headers=admin).json()["agents"]
    lee = next(r for r in rows if r["username"] == "lee")
    assert lee["has_password"] and lee["has_api_key"] and "password_hash" not in lee
    dup = shop.client.post(
        "/admin/api/agents", json={"username": "lee", "team": "orders"}, headers=admin
    )
    assert dup.status_code == 409
    bad = shop.client.post(
        "/admin/api/agents", json={"username": "kim", "team": "pr"}, headers=admin
    )
    assert bad.status_code == 422


def test_admins_export_and_delete_a_customer(shop: Shop) -> None:
    conversation = shop.store.get_or_create_conversation("web:gdpr", "web", "v-gdpr", "default")
    shop.store.record_inbound(
        conversation.id, InboundMessage(channel="web", sender="v-gdpr", text="hi")
    )
    customer_id = conversation.customer_id
    admin = shop.as_agent("ada")
    exported = shop.client.get(f"/admin/api/customers/{customer_id}/export", headers=admin)
    assert exported.status_code == 200
    assert [m["text"] for m in exported.json()["messages"]] == ["hi"]
    deleted = shop.client.delete(f"/admin/api/customers/{customer_id}", headers=admin)
    assert deleted.status_code == 200 and deleted.json()["deleted"]["messages"] == 1
    assert (
        shop.client.get(f"/admin/api/customers/{customer_id}/export", headers=admin).status_code
        == 404
    )
    assert shop.store.get_conversation("web:gdpr") is None


def test_admins_see_the_sends_of_unknown_outcome(shop: Shop) -> None:
    phone = "+15550100"
    conversation = shop.store.get_or_create_conversation(f"sms:{phone}", "sms", phone, "default")
    kept = shop.store.enqueue(conversation.id, "sms", phone, {"Body": "hi"})
    shop.store.claim_due()
    shop.store.mark_uncertain(kept.id, "no answer within 10 s (ReadTimeout)")
    answer = shop.client.get("/admin/api/outbox/uncertain", headers=shop.as_agent("ada"))
    assert answer.status_code == 200, answer.text
    (send,) = answer.json()["sends"]
    assert (send["id"], send["conversation_id"]) == (kept.id, conversation.id)
    assert send["channel"] == "sms" and "ReadTimeout" in send["error"]
    assert "recipient" not in send and "payload" not in send  # what to check, not the message
