"""Tracked checkout links: a real link redirects to its cart and records the click."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.checkout import parse_cart_url
from assistant.config import Settings
from assistant.conversation import Concierge
from assistant.retrieval.index import CatalogIndex
from tests.web_chat import start_chat


@pytest.fixture
def concierge(demo_index: CatalogIndex, tmp_path: Path) -> Concierge:
    settings = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    return Concierge.from_settings(settings, demo_index)


@pytest.fixture
def client(concierge: Concierge) -> Iterator[TestClient]:
    with TestClient(
        create_app(concierge.settings, concierge), follow_redirects=False
    ) as test_client:
        yield test_client


def _checkout(client: TestClient) -> str:
    cid, auth, _ = start_chat(client)
    client.post(
        f"/api/conversations/{cid}/messages", json={"text": "insulated water bottle"}, headers=auth
    )
    reply = client.post(
        f"/api/conversations/{cid}/messages", json={"text": "I'll take the first one"}, headers=auth
    ).json()
    while not reply["checkout_url"]:
        chip = reply["quick_replies"][0]["payload"]
        reply = client.post(
            f"/api/conversations/{cid}/messages", json={"quick_reply": chip}, headers=auth
        ).json()
    assert reply["checkout_url"] in reply["text"]
    return str(reply["checkout_url"])


def test_tracked_link_redirects_to_the_cart_and_records_the_click(
    client: TestClient, concierge: Concierge
) -> None:
    tracked = _checkout(client)
    path = tracked.removeprefix(concierge.settings.server.public_url)
    assert path.startswith("/c/")
    response = client.get(path, headers={"user-agent": "pytest-browser"})
    assert response.status_code == 302 and response.headers["cache-control"] == "no-store"
    cart = parse_cart_url(response.headers["location"])
    assert cart.ref == "concierge" and len(cart.lines) == 1
    link_id = path.removeprefix("/c/").split(".")[0]
    clicks = concierge.store.clicks(link_id)
    assert len(clicks) == 1 and clicks[0].user_agent == "pytest-browser"


@pytest.mark.parametrize(
    "bad", ["nope", "abc.def", "x" * 300, "%2F%2Fevil.example", "..%2F..%2Fadmin"]
)
def test_unknown_or_tampered_tokens_get_a_404_page(client: TestClient, bad: str) -> None:
    response = client.get(f"/c/{bad}")
    assert response.status_code in (404,) and "location" not in response.headers
    if response.headers["content-type"].startswith("text/html"):
        assert "This link isn't valid" in response.text


def test_a_token_with_a_changed_id_is_refused(client: TestClient) -> None:
    tracked = _checkout(client)
    token = tracked.rsplit("/", 1)[1]
    link_id, mac = token.split(".")
    forged = f"{link_id[:-1]}{'A' if link_id[-1] != 'A' else 'B'}.{mac}"
    assert client.get(f"/c/{forged}").status_code == 404
