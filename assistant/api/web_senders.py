"""Who is behind each recent web chat conversation, remembered by this worker.

A web chat message names its conversation; the turn needs its sender too, and the request must
hold the conversation's secret. The channel, sender and secret hash of a conversation never
change, so once known (from starting it, or from one read) they are kept here, in a bounded
least-recently-used map, and the next messages skip that read. An unknown id is never
remembered; a conversation erased since is refused by the turn itself, which then has it
forgotten here.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import NamedTuple

from assistant.conversation import Concierge

REMEMBERED = 4096  # conversations per worker; about 250 bytes each


class WebConversation(NamedTuple):
    """What a web chat request needs of its conversation."""

    id: str
    sender: str
    secret_hash: str | None  # None: opened before secrets existed, never resumable


class WebSenders:
    """The sender of each web conversation seen lately (at most `size` of them)."""

    def __init__(self, concierge: Concierge, size: int = REMEMBERED) -> None:
        self._concierge = concierge
        self._size = size
        self._senders: OrderedDict[str, WebConversation] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, conversation_id: str, sender: str, secret_hash: str | None = None) -> None:
        with self._lock:
            self._senders[conversation_id] = WebConversation(conversation_id, sender, secret_hash)
            self._senders.move_to_end(conversation_id)
            while len(self._senders) > self._size:
                self._senders.popitem(last=False)

    def forget(self, conversation_id: str) -> None:
        """The conversation is gone (erased): its next message reads, and is refused."""
        with self._lock:
            self._senders.pop(conversation_id, None)

    def sender(self, conversation_id: str) -> str | None:
        """The sender of web conversation `conversation_id`; None when there is none."""
        found = self.conversation(conversation_id)
        return found.sender if found else None

    def conversation(self, conversation_id: str) -> WebConversation | None:
        """Web conversation `conversation_id` (read once, then remembered); None if none."""
        with self._lock:
            known = self._senders.get(conversation_id)
            if known is not None:
                self._senders.move_to_end(conversation_id)
                return known
        conversation = self._concierge.get(conversation_id)
        if conversation is None or conversation.channel != "web":
            return None
        self.remember(conversation_id, conversation.sender, conversation.secret_hash)
        return WebConversation(conversation_id, conversation.sender, conversation.secret_hash)

    def cached(self, conversation_id: str) -> WebConversation | None:
        """The conversation if remembered here, without reading the store."""
        with self._lock:
            return self._senders.get(conversation_id)

    def __len__(self) -> int:
        return len(self._senders)
