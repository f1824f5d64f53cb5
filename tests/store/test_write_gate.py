"""The write gate: SQLite writers queue before BEGIN, within a process and across processes."""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from assistant.store import Store
from assistant.store.engine import default_url
from assistant.store.write_gate import WriteGate


def test_one_gate_per_database_file(tmp_path: Path) -> None:
    database = str(tmp_path / "a.db")
    assert WriteGate.for_database(database) is WriteGate.for_database(database)
    assert WriteGate.for_database(database) is not WriteGate.for_database(str(tmp_path / "b.db"))


def test_threads_hold_the_gate_one_at_a_time(tmp_path: Path) -> None:
    gate = WriteGate.for_database(str(tmp_path / "threads.db"))
    inside, most = 0, 0
    count = threading.Lock()

    def write() -> None:
        nonlocal inside, most
        for _ in range(20):
            with gate.held(5.0):
                with count:
                    inside += 1
                    most = max(most, inside)
                time.sleep(0.0005)
                with count:
                    inside -= 1

    threads = [threading.Thread(target=write) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == 1


def test_the_gate_is_reentrant_in_a_thread(tmp_path: Path) -> None:
    gate = WriteGate.for_database(str(tmp_path / "nested.db"))
    with gate.held(1.0), gate.held(1.0):  # no self-deadlock on the lock file either
        pass


def _hold_the_file(lock_file: str, held: multiprocessing.synchronize.Event, hold_s: float) -> None:
    import fcntl
    import os

    descriptor = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    held.set()
    time.sleep(hold_s)
    fcntl.flock(descriptor, fcntl.LOCK_UN)


@contextmanager
def _written_by_another_process(tmp_path: Path, name: str, hold_s: float) -> Iterator[WriteGate]:
    """The gate of database `name`, while another process holds its lock file for `hold_s`."""
    gate = WriteGate.for_database(str(tmp_path / name))
    lock_file = tmp_path / f".{name}.locks" / "write.lock"
    lock_file.parent.mkdir()
    context = multiprocessing.get_context("spawn")
    held = context.Event()
    other = context.Process(target=_hold_the_file, args=(str(lock_file), held, hold_s))
    other.start()
    try:
        assert held.wait(30)
        yield gate
    finally:
        other.join(30)


def test_another_process_writing_is_waited_for_then_the_gate_opens(tmp_path: Path) -> None:
    with _written_by_another_process(tmp_path, "procs.db", 0.5) as gate:
        started = time.monotonic()
        with gate.held(10.0):
            waited = time.monotonic() - started
    assert waited >= 0.3  # it queued behind the other process's write


def test_a_writer_stuck_past_the_busy_timeout_does_not_block_forever(tmp_path: Path) -> None:
    with _written_by_another_process(tmp_path, "stuck.db", 3.0) as gate:
        started = time.monotonic()
        with gate.held(0.3):  # goes ahead; SQLite's own busy handling has the last word
            waited = time.monotonic() - started
    assert 0.25 <= waited < 2.5


def test_many_threads_writing_through_the_store_all_land(tmp_path: Path) -> None:
    store = Store.open(default_url(tmp_path))
    store.create_schema()
    errors: list[Exception] = []

    def shopper(n: int) -> None:
        try:
            for turn in range(10):
                conversation = store.get_or_create_conversation(f"c{n}", "web", f"s{n}", "default")
                store.set_fallbacks(conversation.id, turn)
        except Exception as exc:  # collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=shopper, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for n in range(12):
        conversation = store.get_conversation(f"c{n}")
        assert conversation is not None and conversation.consecutive_fallbacks == 9
    store.close()
