"""The SQLite conversation lock holds across processes (two API workers on one file)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.config import PROJECT_ROOT
from assistant.store import ConversationBusy, Store

HOLDER = """
import sys, time
from assistant.store import Store
store = Store.open(sys.argv[1])
with store.conversation_lock("c-1"):
    print("held", flush=True)
    time.sleep(1.5)
"""


def test_another_process_waits_for_the_conversation(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    store = Store.open(url)
    store.create_schema()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url], cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(ConversationBusy), store.conversation_lock("c-1", timeout_s=0.2):
            pass
        with store.conversation_lock("c-2", timeout_s=0.2):  # other conversations are free
            pass
        started = time.monotonic()
        with store.conversation_lock("c-1", timeout_s=10):
            assert holder.poll() is not None or time.monotonic() - started > 0.5
    finally:
        holder.wait(timeout=10)
        store.close()


def test_lock_files_stay_bounded_however_many_conversations(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'many.db'}", lock_files=8)
    store.create_schema()
    try:
        for n in range(300):
            with store.conversation_lock(f"whatsapp:+1555010{n:04d}", timeout_s=1):
                pass
        lock_dir = tmp_path / ".many.db.locks"
        conversation_files = [p for p in lock_dir.iterdir() if p.name != "write.lock"]
        assert 1 <= len(conversation_files) <= 8
    finally:
        store.close()


def test_conversations_sharing_a_lock_file_still_take_turns_correctly(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'one.db'}", lock_files=1)
    store.create_schema()
    try:
        # Another conversation on the same (only) file waits, bounded by its timeout...
        first, busy = store.conversation_lock("c-1", timeout_s=1), pytest.raises(ConversationBusy)
        with first, busy, store.conversation_lock("c-2", timeout_s=0.1):
            pass
        # ...and gets it once the first turn ends.
        with store.conversation_lock("c-2", timeout_s=1):
            pass
    finally:
        store.close()
