"""The fake provider answers like the real APIs: credentials, limits, ids, failures."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import httpx
import pytest

from assistant.store import Store
from assistant.testing.fake_provider import (
    FakeProvider,
    messenger_webhook,
    payload_digest,
    serve,
    whatsapp_text_webhook,
)
from assistant.testing.shoppers import audit_deliveries
from tests.channels.conftest import META_TOKEN, TWILIO_SID, TWILIO_TOKEN

WA_TEXT: dict[str, object] = {
    "messaging_product": "whatsapp",
    "to": "16505551234",
    "type": "text",
    "text": {"body": "hi"},
}


def graph(base: str, body: Mapping[str, object], token: str = META_TOKEN) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.post(f"{base}/v25.0/106540352242922/messages", json=body, headers=headers)


def test_whatsapp_answers_with_a_wamid(provider: FakeProvider, provider_url: str) -> None:
    answer = graph(provider_url, WA_TEXT).json()
    assert answer["messages"][0]["id"].startswith("wamid.")
    assert answer["contacts"] == [{"input": "16505551234", "wa_id": "16505551234"}]
    assert provider.sent("whatsapp") == [WA_TEXT]


def test_messenger_answers_with_a_mid(provider: FakeProvider, provider_url: str) -> None:
    body = {"recipient": {"id": "PSID"}, "messaging_type": "RESPONSE", "message": {"text": "hi"}}
    answer = httpx.post(
        f"{provider_url}/v25.0/me/messages",
        json=body,
        headers={"Authorization": f"Bearer {META_TOKEN}"},
    )
    assert (
        answer.json()["message_id"].startswith("mid.") and answer.json()["recipient_id"] == "PSID"
    )


def test_a_wrong_token_gets_graphs_oauth_error(provider: FakeProvider, provider_url: str) -> None:
    answer = graph(provider_url, WA_TEXT, token="nope")
    assert answer.status_code == 401 and answer.json()["error"]["code"] == 190
    assert provider.sent() == [] and provider.requests[0].status == 401


def test_payloads_over_the_limits_are_refused(provider_url: str) -> None:
    long_text = {**WA_TEXT, "text": {"body": "x" * 4097}}
    assert graph(provider_url, long_text).status_code == 400
    buttons = [{"type": "reply", "reply": {"id": str(i), "title": "t"}} for i in range(4)]
    four = {
        **WA_TEXT,
        "type": "interactive",
        "interactive": {"type": "button", "action": {"buttons": buttons}},
    }
    assert graph(provider_url, four).json()["error"]["code"] == 100


def test_twilio_checks_basic_auth_and_answers_an_sm_sid(
    provider: FakeProvider, provider_url: str
) -> None:
    url = f"{provider_url}/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
    form = {"To": "+14155550100", "From": "+15017122661", "Body": "hi"}
    assert httpx.post(url, data=form, auth=(TWILIO_SID, "wrong")).json()["code"] == 20003
    answer = httpx.post(url, data=form, auth=(TWILIO_SID, TWILIO_TOKEN))
    assert answer.status_code == 201 and answer.json()["sid"].startswith("SM")
    assert httpx.post(url, data={"Body": "hi"}, auth=(TWILIO_SID, TWILIO_TOKEN)).status_code == 400


def test_failures_are_served_in_order_then_it_recovers(
    provider: FakeProvider, provider_url: str
) -> None:
    provider.fail_next(503, times=2)
    provider.fail_next(429, retry_after="5", code=80007)
    answers = [graph(provider_url, WA_TEXT) for _ in range(4)]
    assert [a.status_code for a in answers] == [503, 503, 429, 200]
    assert answers[2].headers["retry-after"] == "5" and answers[2].json()["error"]["code"] == 80007


def test_a_delayed_answer_can_time_a_client_out(provider: FakeProvider, provider_url: str) -> None:
    provider.delay_next(0.5)
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(f"{provider_url}/v25.0/me/messages", json={}, timeout=0.1)


def test_webhook_builders_sign_what_they_send() -> None:
    hook = whatsapp_text_webhook("s3cret", text="hi", message_id="wamid.X")
    assert hook.headers["X-Hub-Signature-256"].startswith("sha256=") and b"wamid.X" in hook.body
    assert b'"object": "instagram"' in messenger_webhook("s3cret", platform="instagram").body


def test_a_body_that_is_not_an_object_is_a_bad_request(provider_url: str) -> None:
    headers = {"Authorization": f"Bearer {META_TOKEN}", "Content-Type": "application/json"}
    answer = httpx.post(f"{provider_url}/v25.0/me/messages", content=b"[1, 2]", headers=headers)
    assert answer.status_code == 400 and answer.json()["error"]["type"] == "OAuthException"


def test_a_compact_fake_keeps_digests_and_the_audit_still_finds_losses_and_duplicates(
    tmp_path: Path,
) -> None:
    store = Store.open(f"sqlite:///{tmp_path}/assistant.db")
    store.create_schema()
    to = str(WA_TEXT["to"])
    chat = store.get_or_create_conversation("wa-audit", "whatsapp", to, "default")
    first, second = ({**WA_TEXT, "text": {"body": words}} for words in ("first", "second"))
    for body in (first, second):
        store.enqueue(
            chat.id, "whatsapp", to, {"channel": "whatsapp", "kind": "text", "body": body}
        )
    fake = FakeProvider(meta_token=META_TOKEN, compact=True)
    with serve(fake) as base:
        assert [graph(base, body).status_code for body in (first, second)] == [200, 200]
        assert audit_deliveries(store, fake).exact
        record = fake.requests[0]
        assert (record.to, record.digest) == (to, payload_digest(first))
        assert record.body == {} and record.headers == {}  # compact: no body kept
        with pytest.raises(RuntimeError):
            fake.sent()

        fake.reset()  # now the first reply arrives twice and the second never
        assert [graph(base, body).status_code for body in (first, first)] == [200, 200]
        audit = audit_deliveries(store, fake)
    store.close()
    assert (audit.payloads, audit.delivered) == (2, 2)
    assert (audit.undelivered, audit.duplicates, audit.lost) == (1, 1, 1)
    assert audit.out_of_order == [to] and not audit.exact
