"""Where a benchmarked service's memory goes, sampled from inside its process.

`load.py` puts this folder on the service's PYTHONPATH and names a file in
`CONCIERGE_MEMORY_PROBE`; Python imports this module at start-up (as it does any
`sitecustomize`), and a daemon thread appends one JSON line to that file every
`CONCIERGE_MEMORY_PROBE_EVERY_S` seconds (default 5):

- `rss_kb`: the process's resident memory (VmRSS), what the soak's slope is fitted to;
- `sqlite_bytes`: what the SQLite library holds now (`sqlite3_memory_used()`: page caches,
  prepared statements, schema), across every connection of the process;
- `malloc_used` / `malloc_free`: bytes glibc's malloc hands out now (arenas and mmapped
  chunks) and bytes it keeps free inside its arenas without returning them (`mallinfo2`);
- `py_blocks`: the objects and buffers Python's allocator holds (`sys.getallocatedblocks()`).

Without the variable nothing happens, so the file is inert anywhere else. Linux with glibc
only; a field the platform cannot give is left out.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import sys
import threading
import time


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
            "fordblks", "keepcost",
        )
    ]  # fmt: skip


def _library(name: str) -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(name)
    except OSError:
        return None


def _sample(libc: ctypes.CDLL | None, sqlite: ctypes.CDLL | None) -> dict[str, float]:
    sample: dict[str, float] = {"t": time.time(), "py_blocks": sys.getallocatedblocks()}
    with open(f"/proc/{os.getpid()}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                sample["rss_kb"] = int(line.split()[1])
    if sqlite is not None:
        sample["sqlite_bytes"] = sqlite.sqlite3_memory_used()
    if libc is not None and hasattr(libc, "mallinfo2"):
        info = libc.mallinfo2()
        sample["malloc_used"] = info.uordblks + info.hblkhd
        sample["malloc_free"] = info.fordblks
    return sample


def _run(path: str, every_s: float) -> None:
    libc = _library("libc.so.6")
    if libc is not None and hasattr(libc, "mallinfo2"):
        libc.mallinfo2.restype = _MallInfo2
    # The library Python's sqlite3 module is linked to: loading it again gives the same copy.
    sqlite = _library(ctypes.util.find_library("sqlite3") or "libsqlite3.so.0")
    if sqlite is not None:
        sqlite.sqlite3_memory_used.restype = ctypes.c_int64
    while True:
        with open(path, "a") as out:
            out.write(json.dumps({"pid": os.getpid(), **_sample(libc, sqlite)}) + "\n")
        time.sleep(every_s)


if _path := os.environ.get("CONCIERGE_MEMORY_PROBE"):
    _every = float(os.environ.get("CONCIERGE_MEMORY_PROBE_EVERY_S", "5"))
    threading.Thread(target=_run, args=(_path, _every), name="memory-probe", daemon=True).start()
