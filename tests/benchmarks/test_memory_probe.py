"""The soak's memory probe: a process started with it on its path samples itself into a file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROBE = Path(__file__).resolve().parents[2] / "benchmarks" / "probe"
# Opens a SQLite database and, after the first sample, builds 50,000 Python strings: both
# show in the samples.
CHILD = """
import sqlite3, time
time.sleep(0.3)
db = sqlite3.connect(":memory:")
db.execute("create table t(x)")
db.executemany("insert into t values (?)", [("x" * 100,)] * 5000)
kept = [str(n) * 8 for n in range(50_000)]
time.sleep(0.6)
"""


def _run(tmp_path: Path, **extra: str) -> Path:
    out = tmp_path / "memory.jsonl"
    env = os.environ | {"PYTHONPATH": str(PROBE), **extra}
    subprocess.run([sys.executable, "-c", CHILD], env=env, check=True, timeout=60)
    return out


def test_samples_the_process_from_inside(tmp_path: Path) -> None:
    out = _run(
        tmp_path,
        CONCIERGE_MEMORY_PROBE=str(tmp_path / "memory.jsonl"),
        CONCIERGE_MEMORY_PROBE_EVERY_S="0.1",
    )
    samples = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(samples) >= 3
    last = samples[-1]
    assert last["pid"] != os.getpid()
    assert last["rss_kb"] > 10_000
    assert last["sqlite_bytes"] > 500_000  # the table's pages in SQLite's cache
    assert last["malloc_used"] > 0 and last["malloc_free"] >= 0
    assert last["py_blocks"] > samples[0]["py_blocks"]  # the list built after start-up
    assert [s["t"] for s in samples] == sorted(s["t"] for s in samples)


def test_inert_without_its_variable() -> None:
    env = {k: v for k, v in os.environ.items() if k != "CONCIERGE_MEMORY_PROBE"}
    check = (
        "import sys, threading; assert 'sitecustomize' in sys.modules; "
        "assert all(t.name != 'memory-probe' for t in threading.enumerate())"
    )
    subprocess.run(
        [sys.executable, "-c", check], env=env | {"PYTHONPATH": str(PROBE)}, check=True, timeout=60
    )
