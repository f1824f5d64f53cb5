"""One writer at a time on a SQLite file, queued here rather than in SQLite's busy handler.

SQLite lets one connection write at a time; a connection that finds the write lock taken
sleeps in its busy handler (1, 2, 5, 10 ... up to 100 ms a try) and tries again, each waiting
thread on its own. Under load, with every API worker thread writing a few short transactions a
turn, unlucky writers missed the lock time after time: the web chat benchmark measured p99 turn
latencies of seconds while the cores were a quarter idle.

The gate queues writers before they BEGIN: a lock per database file inside the process (threads
wake as soon as it is free, in turn), then an exclusive `flock` on a file beside the database for
the processes on the machine (polled at most 0.2 ms apart: a coarser poll left the lock free and
a waiting worker idle for up to a millisecond after each release). SQLite's own lock still guards
every write; the gate only decides who asks for it next. Waiting is bounded by the busy timeout,
after which the transaction goes ahead and SQLite's busy handler has the last word.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from assistant.store.file_lock import lock_dir

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

FIRST_POLL_S = 0.0001
LONGEST_POLL_S = 0.0002

_guard = threading.Lock()
_gates: dict[str, WriteGate] = {}


class WriteGate:
    """The queue of writers for one SQLite database file (shared by every store on it)."""

    def __init__(self, lock_file: Path | None) -> None:
        self._lock_file = lock_file
        self._threads = threading.RLock()
        self._local = threading.local()
        self._descriptor: tuple[int, int] | None = None  # (process id, open lock file)

    @classmethod
    def for_database(cls, database: str | None) -> WriteGate:
        """The process's gate for `database` (a file path, or None/":memory:")."""
        directory = lock_dir(database)
        key = str(directory) if directory else f"memory:{database}"
        with _guard:
            gate = _gates.get(key)
            if gate is None:
                gate = _gates[key] = cls(directory / "write.lock" if directory else None)
            return gate

    @contextmanager
    def held(self, timeout_s: float) -> Iterator[None]:
        """Hold the gate for one write transaction; after `timeout_s` of waiting, go ahead
        anyway (SQLite's busy timeout then applies). Re-entrant within a thread."""
        deadline = time.monotonic() + timeout_s
        if not self._threads.acquire(timeout=timeout_s):
            yield  # a stuck writer in this process: leave it to SQLite's busy handler
            return
        try:
            depth = getattr(self._local, "depth", 0)
            self._local.depth = depth + 1
            try:
                if depth or self._lock_file is None or fcntl is None:
                    yield
                    return
                with _file_locked(self._open(self._lock_file), deadline):
                    yield
            finally:
                self._local.depth = depth
        finally:
            self._threads.release()

    def _open(self, path: Path) -> int | None:
        """The lock file, opened once per process (called holding `_threads`). A forked child
        opens its own: a descriptor inherited across fork shares the parent's lock."""
        if self._descriptor is None or self._descriptor[0] != os.getpid():
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._descriptor = (os.getpid(), os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
            except OSError:  # a read-only directory: SQLite's own lock still serialises writes
                return None
        return self._descriptor[1]


@contextmanager
def _file_locked(descriptor: int | None, deadline: float) -> Iterator[None]:
    """An exclusive `flock` on the open lock file until the block ends (or none, past
    `deadline`, or without a lock file)."""
    if descriptor is None:
        yield
        return
    locked, pause = False, FIRST_POLL_S
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            locked = True
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                break
            time.sleep(pause)
            pause = min(pause * 2, LONGEST_POLL_S)
    try:
        yield
    finally:
        if locked:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
