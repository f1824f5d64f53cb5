"""The web chat's remembered senders: bounded, web conversations only, forgotten on request."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

from assistant.api.web_senders import WebSenders
from assistant.conversation import Concierge


class Conversations:
    """A stand-in for the concierge's `get`, counting reads."""

    def __init__(self, rows: dict[str, tuple[str, str]]) -> None:
        self.rows = rows
        self.reads = 0

    def get(self, conversation_id: str) -> Any:
        self.reads += 1
        found = self.rows.get(conversation_id)
        if not found:
            return None
        return SimpleNamespace(channel=found[0], sender=found[1], secret_hash=f"hash-of-{found[1]}")


def _senders(rows: dict[str, tuple[str, str]], size: int = 3) -> tuple[WebSenders, Conversations]:
    conversations = Conversations(rows)
    return WebSenders(cast(Concierge, conversations), size=size), conversations


def test_a_web_conversation_is_read_once_then_remembered() -> None:
    senders, conversations = _senders({"c1": ("web", "visitor-1")})
    assert [senders.sender("c1") for _ in range(5)] == ["visitor-1"] * 5
    assert conversations.reads == 1


def test_other_channels_and_unknown_ids_are_refused_and_not_kept() -> None:
    senders, conversations = _senders({"c1": ("sms", "+15550001")})
    assert senders.sender("c1") is None and senders.sender("nope") is None
    assert senders.sender("c1") is None and conversations.reads == 3 and len(senders) == 0


def test_at_most_size_are_kept_least_recently_used_first_out() -> None:
    senders, conversations = _senders({f"c{n}": ("web", f"v{n}") for n in range(5)})
    for n in range(3):
        senders.remember(f"c{n}", f"v{n}")
    assert senders.sender("c0") == "v0"  # used: now the most recent
    senders.remember("c3", "v3")  # c1 goes
    assert len(senders) == 3 and conversations.reads == 0
    assert senders.sender("c1") == "v1" and conversations.reads == 1


def test_a_forgotten_conversation_is_read_again() -> None:
    rows = {"c1": ("web", "visitor-1")}
    senders, conversations = _senders(rows)
    senders.remember("c1", "visitor-1")
    senders.forget("c1")
    del rows["c1"]  # erased
    assert senders.sender("c1") is None and conversations.reads == 1


def test_the_secret_hash_is_remembered_with_the_sender() -> None:
    senders, conversations = _senders({"c1": ("web", "visitor-1")})
    assert senders.cached("c1") is None  # not read yet: the cache alone does not read
    read = senders.conversation("c1")
    assert read is not None and read.secret_hash == "hash-of-visitor-1"
    assert senders.cached("c1") == read and conversations.reads == 1
