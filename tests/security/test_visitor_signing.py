"""A site's `visitor` is a pass the service signed: only a genuine one reaches the shopper's
saved preferences and linked identity; anything else starts a fresh anonymous visitor."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.config import Settings
from assistant.conversation import Concierge
from assistant.identity import ANONYMOUS_VISITOR
from assistant.retrieval.index import CatalogIndex
from assistant.store.models import ConversationRow
from assistant.visitors import VISITOR_PREFIX, VisitorPasses

PHONE = "16505550142"


@pytest.fixture
def service(demo_index: CatalogIndex, tmp_path: Path) -> Iterator[tuple[TestClient, Concierge]]:
    settings = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    concierge = Concierge.from_settings(settings, demo_index)
    with TestClient(create_app(settings, concierge)) as client:
        yield client, concierge


def _start(
    client: TestClient, concierge: Concierge, visitor: str
) -> tuple[ConversationRow, list[str]]:
    """Start a chat as `visitor`: its conversation row and its greeting's chip titles."""
    response = client.post("/api/conversations", json={"visitor": visitor})
    assert response.status_code == 201
    started = response.json()
    row = concierge.get(started["conversation_id"])
    assert row is not None
    return row, [q["title"] for q in started["greeting"]["quick_replies"]]


def _known_shopper(client: TestClient, concierge: Concierge) -> tuple[str, ConversationRow]:
    """A visitor with a pass, saved favourites and a linked phone; the pass and first chat."""
    visitor = client.post("/api/visitors").json()["visitor"]
    first, chips = _start(client, concierge, visitor)
    assert first.customer_id is not None and "Socks" not in chips
    store = concierge.store
    store.remember_preferences(first.customer_id, "web", first.sender, {"categories": ["Socks"]})
    store.link_identity(first.customer_id, "whatsapp", PHONE)
    return visitor, first


def test_a_genuine_pass_brings_back_the_shoppers_preferences_and_identity(
    service: tuple[TestClient, Concierge],
) -> None:
    client, concierge = service
    visitor, first = _known_shopper(client, concierge)
    assert first.sender.startswith(VISITOR_PREFIX) and first.sender not in ("", visitor)
    again, chips = _start(client, concierge, visitor)
    assert again.customer_id == first.customer_id
    assert chips[0] == "Socks"  # a returning shopper's favourites lead the greeting


def _altered(visitor: str, sender: str) -> str:
    return visitor[:-1] + ("A" if visitor[-1] != "A" else "B")


def _moved(visitor: str, sender: str) -> str:  # a genuine signature on another id
    return f"{VISITOR_PREFIX}{'0' * 32}.{visitor.split('.')[1]}"


def _other_key(visitor: str, sender: str) -> str:
    return f"{sender}.{VisitorPasses(b'k' * 32).issue().split('.')[1]}"


FORGERIES: dict[str, Callable[[str, str], str]] = {
    "unsigned id": lambda visitor, sender: sender,
    "altered signature": _altered,
    "signature of another id": _moved,
    "signed with another key": _other_key,
    "made up": lambda visitor, sender: "v-123",
}


@pytest.mark.parametrize("forge", FORGERIES.values(), ids=FORGERIES.keys())
def test_a_forged_or_unsigned_visitor_gets_no_preferences_or_identity(
    service: tuple[TestClient, Concierge], forge: Callable[[str, str], str]
) -> None:
    client, concierge = service
    visitor, first = _known_shopper(client, concierge)
    forged = forge(visitor, first.sender)
    assert forged != visitor
    row, chips = _start(client, concierge, forged)
    assert row.sender.startswith(ANONYMOUS_VISITOR) and row.customer_id != first.customer_id
    assert "Socks" not in chips
    preferences, _ = concierge.store.preferences_of(row.customer_id or "")
    assert not preferences
    phone_owner = concierge.store.identify("whatsapp", PHONE)
    assert phone_owner.id == first.customer_id  # the phone stays with its own shopper


def test_passes_are_random_and_bound_to_the_key() -> None:
    passes = VisitorPasses(b"a-secret-key-of-32-bytes-or-more!")
    one, two = passes.issue(), passes.issue()
    assert one != two and len(one) <= 120
    assert passes.verify(one) == one.split(".")[0] and passes.verify(two) == two.split(".")[0]
    assert VisitorPasses(b"another-secret-key-of-32-bytes!!").verify(one) is None
    for bad in (None, "", one + "x", one.replace(".", ""), f"{one}.x", "anonymous-1.abc"):
        assert passes.verify(bad) is None
