"""`assistant serve --workers N`: N server processes, each listening on its own socket.

uvicorn's own multi-worker mode binds one socket in the parent and lets every worker accept
from it; whichever worker wakes first takes a whole burst of connections, and keep-alive
clients (a reverse proxy's upstream pool, a load generator, a busy widget) then stay on it. The
web chat benchmark saw one worker serve every turn while the other sat idle. Here each worker
binds its own socket to the same address with `SO_REUSEPORT`, and the kernel spreads new
connections across them.

The parent only supervises: it starts the workers, starts another when one exits while the
service runs, stops them all on SIGINT/SIGTERM (each finishes its requests in flight), and gives
up if a worker cannot start at all. Where `SO_REUSEPORT` is missing (Windows) it hands over to
uvicorn's multi-worker mode.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import threading
import time
from multiprocessing.process import BaseProcess
from types import FrameType

from assistant.errors import ConfigurationError

log = logging.getLogger("assistant.api")

APP = "assistant.api.app:app_from_environment"
BACKLOG = 2048
STOP_GRACE_S = 30.0
STARTUP_FAILURE = 3  # uvicorn's exit code for a server that could not start
QUICK_EXIT_S = 10.0  # a worker gone sooner than this after starting failed to start


def supported() -> bool:
    return hasattr(socket, "SO_REUSEPORT")


def _tcp_socket(host: str) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    return sock


def listening_socket(host: str, port: int) -> socket.socket:
    """A listening socket on `host:port` that other workers may bind too."""
    sock = _tcp_socket(host)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
        sock.listen(BACKLOG)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _check_free(host: str, port: int) -> None:
    """Fail unless nothing listens on `host:port`: a plain bind (without `SO_REUSEPORT`) is
    refused by any listener, so two services are never started on one port by mistake."""
    with _tcp_socket(host) as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ConfigurationError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc


def run_worker(host: str, port: int, keep_alive_s: int) -> None:
    """One worker: its own socket, the app from the environment's settings."""
    import uvicorn

    sock = listening_socket(host, port)
    config = uvicorn.Config(
        APP,
        factory=True,
        host=host,
        port=port,
        log_config=None,
        access_log=False,  # RequestContext logs each request once, with its id and time
        proxy_headers=False,  # the app trusts only server.forwarded_allow_ips
        backlog=BACKLOG,
        timeout_keep_alive=keep_alive_s,
    )
    uvicorn.Server(config).run(sockets=[sock])


class Supervisor:
    """Start `workers` processes, keep them running, stop them on a signal."""

    def __init__(self, host: str, port: int, workers: int, *, keep_alive_s: int = 75) -> None:
        self.host, self.port, self.workers = host, port, workers
        self.keep_alive_s = keep_alive_s
        self._context = multiprocessing.get_context("spawn")
        self._stopping = threading.Event()
        self._processes: list[tuple[BaseProcess, float]] = []

    def run(self) -> int:
        """Serve until a signal; the exit code (non-zero when the workers could not start)."""
        _check_free(self.host, self.port)
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._stop)
        self._processes = [self._start() for _ in range(self.workers)]
        log.info("serving on %s:%d with %d workers", self.host, self.port, self.workers)
        code = 0
        while not self._stopping.wait(0.5):
            code = self._replace_exited()
            if code:
                break
        self._stop_all()
        return code

    def _start(self) -> tuple[BaseProcess, float]:
        arguments = (self.host, self.port, self.keep_alive_s)
        process = self._context.Process(target=run_worker, args=arguments)
        process.start()
        return process, time.monotonic()

    def _replace_exited(self) -> int:
        for n, (process, started) in enumerate(self._processes):
            if process.is_alive() or self._stopping.is_set():
                continue
            code = process.exitcode or 0
            if code == STARTUP_FAILURE or time.monotonic() - started < QUICK_EXIT_S:
                log.error("worker %d could not start (exit code %d); stopping", process.pid, code)
                return code or STARTUP_FAILURE
            log.warning("worker %d exited (code %d); starting another", process.pid, code)
            self._processes[n] = self._start()
        return 0

    def _stop(self, _signum: int, _frame: FrameType | None) -> None:
        self._stopping.set()

    def _stop_all(self) -> None:
        for process, _ in self._processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes the requests in flight
        deadline = time.monotonic() + STOP_GRACE_S
        for process, _ in self._processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                log.warning("worker %d did not stop in time; killing it", process.pid)
                process.kill()
                process.join()
