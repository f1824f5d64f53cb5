"""A per-conversation lock shared by every process on one machine: an exclusive `flock` on a
small file beside the SQLite database. SQLite's own write lock keeps each write atomic, but a
turn spans several writes and a model call; this keeps two API workers (processes) on one
SQLite file from running turns of the same conversation at once. (PostgreSQL uses row locks
instead, which also work across machines.) Where `fcntl` is missing (Windows) only the
in-process lock applies.

Conversations share a fixed number of lock files ("stripes"): a conversation's id is hashed
onto one of them, so the directory holds at most that many files however many conversations
there are, while two turns of one conversation still meet on the same file. Two conversations
on one stripe merely take turns; with a few hundred stripes that is rare and short."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from assistant.store.errors import ConversationBusy

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

POLL_S = 0.01


def lock_dir(database: str | None) -> Path | None:
    """The directory of lock files for a SQLite database file (None for in-memory ones)."""
    if fcntl is None or not database or database == ":memory:":
        return None
    return Path(database).resolve().parent / f".{Path(database).name}.locks"


def stripe_name(conversation_id: str, stripes: int) -> str:
    """The lock file a conversation uses among `stripes` of them (stable across processes)."""
    digest = hashlib.sha256(conversation_id.encode()).digest()
    return f"stripe-{int.from_bytes(digest[:8], 'big') % stripes:05d}.lock"


@contextmanager
def file_lock(
    directory: Path, conversation_id: str, timeout: float, *, stripes: int
) -> Iterator[None]:
    """Hold the conversation's lock file (one of `stripes`); `ConversationBusy` after
    `timeout` seconds."""
    path = directory / stripe_name(conversation_id, stripes)
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except FileNotFoundError:  # the first lock beside this database makes the directory
        directory.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError as exc:
                if time.monotonic() >= deadline:
                    raise ConversationBusy(f"conversation {conversation_id} is busy") from exc
                time.sleep(POLL_S)
        try:
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)
