"""A per-conversation lock shared by every process on one machine: an exclusive `flock` on a
small file beside the SQLite database. SQLite's own write lock keeps each write atomic, but a
turn spans several writes and a model call; this keeps two API workers (processes) on one
SQLite file from running turns of the same conversation at once. (PostgreSQL uses row locks
instead, which also work across machines.) Where `fcntl` is missing (Windows) only the
in-process lock applies."""

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


@contextmanager
def file_lock(directory: Path, conversation_id: str, timeout: float) -> Iterator[None]:
    """Hold the conversation's lock file; `ConversationBusy` after `timeout` seconds."""
    name = hashlib.sha256(conversation_id.encode()).hexdigest()[:32]
    try:
        descriptor = os.open(directory / f"{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    except FileNotFoundError:  # the first lock beside this database makes the directory
        directory.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(directory / f"{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
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
