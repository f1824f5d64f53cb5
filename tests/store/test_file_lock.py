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
