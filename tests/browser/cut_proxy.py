"""A TCP proxy on a loopback port whose connections the test can cut: a dropped connection
as the browser sees it (the server stays up, the stream in flight just ends)."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit


class CutProxy:
    """Forwards every connection to `upstream`; `cut()` ends them all and refuses new ones
    until `restore()`."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self._upstream = upstream
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._open: set[socket.socket] = set()
        self._up = True
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True, name="cut proxy").start()

    def cut(self) -> None:
        """Drop every connection now, and refuse new ones."""
        with self._lock:
            self._up = False
            doomed, self._open = self._open, set()
        for sock in doomed:
            _close(sock)

    def restore(self) -> None:
        """Accept connections again."""
        with self._lock:
            self._up = True

    def close(self) -> None:
        self.cut()
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:  # closed
                return
            with self._lock:
                up = self._up
            if not up:
                _close(client)
                continue
            server = socket.create_connection(self._upstream)
            with self._lock:
                self._open |= {client, server}
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=_pump, args=(source, sink), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    _close(source)
    _close(sink)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)  # wakes a thread blocked reading it
    sock.close()


@contextmanager
def cut_proxy(url: str) -> Iterator[CutProxy]:
    """A `CutProxy` in front of the server at `url` (http://host:port) for the block."""
    parts = urlsplit(url)
    proxy = CutProxy((parts.hostname or "127.0.0.1", parts.port or 80))
    try:
        yield proxy
    finally:
        proxy.close()
