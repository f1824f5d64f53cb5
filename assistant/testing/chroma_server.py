"""A real Chroma server (`chroma run`, shipped with the chromadb package) on a loopback port."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from assistant.testing.loopback import free_port


@dataclass(frozen=True)
class ChromaServer:
    url: str
    pid: int


def chroma_command() -> str:
    """The `chroma` executable beside this Python, else on PATH."""
    beside = Path(sys.executable).with_name("chroma")
    found = str(beside) if beside.exists() else shutil.which("chroma")
    if not found:
        raise FileNotFoundError("the `chroma` command (from the chromadb package) is not installed")
    return found


@contextmanager
def run_chroma_server(path: Path, *, timeout_s: float = 90) -> Iterator[ChromaServer]:
    """Start `chroma run` storing in `path`; yields once its heartbeat answers; stops it after."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        chroma_command(),
        "run",
        "--path",
        str(path),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    log = path.parent / f"chroma-{port}.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            command,
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
        try:
            _wait_for_heartbeat(url, server, timeout_s, log)
            yield ChromaServer(url, server.pid)
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_for_heartbeat(
    url: str, server: subprocess.Popen[bytes], timeout_s: float, log: Path
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(
                f"chroma run exited ({server.returncode}): {log.read_text()[-2000:]}"
            )
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"chroma server at {url} did not answer within {timeout_s:.0f} s")
