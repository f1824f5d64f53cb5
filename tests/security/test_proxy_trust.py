"""A client cannot choose its own address with `X-Forwarded-For`: the per-address limits see
the connection's peer, unless that peer is a proxy the operator named."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.config import LimitSettings, ServerSettings, Settings, get_settings
from assistant.conversation import Concierge
from assistant.retrieval.index import CatalogIndex
from assistant.testing.loopback import free_port
from tests.retrieval.conftest import CATALOG20

LIMITS = {"login_failures_burst": 3, "login_failures_per_minute": 1}


def _failed_logins(post: object, count: int) -> list[int]:
    """Wrong passwords for as many usernames, each claiming another client address."""
    statuses = []
    for n in range(count):
        response = post(  # type: ignore[operator]
            "/console/api/login",
            json={"username": f"nobody{n}", "password": "wrong guess"},
            headers={"X-Forwarded-For": f"198.51.100.{n + 1}"},
        )
        statuses.append(response.status_code)
    return statuses


def _app(demo_index: CatalogIndex, tmp_path: Path, proxies: list[str]) -> FastAPI:
    settings = Settings(
        data_dir=tmp_path,
        limits=LimitSettings(**LIMITS),
        server=ServerSettings(forwarded_allow_ips=proxies),
        _env_file=None,  # type: ignore[call-arg]
    )
    return create_app(settings, Concierge.from_settings(settings, demo_index))


def test_forwarded_headers_count_only_from_a_named_proxy(
    demo_index: CatalogIndex, tmp_path: Path
) -> None:
    app = _app(demo_index, tmp_path, ["192.0.2.80"])
    with TestClient(app, client=("192.0.2.80", 4000)) as proxy:  # the named proxy: believed
        assert _failed_logins(proxy.post, 6) == [401] * 6
    stranger = TestClient(app, client=("192.0.2.81", 4000))  # anyone else: not believed
    assert _failed_logins(stranger.post, 4) == [401, 401, 401, 429]


def test_no_proxy_is_trusted_unless_named(demo_index: CatalogIndex, tmp_path: Path) -> None:
    assert ServerSettings().forwarded_allow_ips == []
    app = _app(demo_index, tmp_path, [])
    with TestClient(app, client=("127.0.0.1", 4000)) as local:
        assert _failed_logins(local.post, 4) == [401, 401, 401, 429]


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """`assistant serve` on loopback, a small catalog, low login limits."""
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    (catalog / "products.yaml").write_text(CATALOG20.read_text())
    environment = os.environ | {
        "ASSISTANT_DATA_DIR": str(tmp_path / "data"),
        "ASSISTANT_CATALOG__PATHS": json.dumps([str(catalog)]),
        "ASSISTANT_LIMITS__LOGIN_FAILURES_BURST": "3",
        "ASSISTANT_LIMITS__LOGIN_FAILURES_PER_MINUTE": "1",
    }
    environment.pop("FORWARDED_ALLOW_IPS", None)
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    get_settings.cache_clear()
    port, log_path = free_port(), tmp_path / "serve.log"
    command = [sys.executable, "-m", "assistant.cli", "serve", "--port", str(port)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=environment, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 180
        while "startup complete" not in log_path.read_text():
            assert process.poll() is None and time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=40)
        get_settings.cache_clear()


def test_assistant_serve_ignores_forwarded_headers_from_loopback(served: str) -> None:
    """uvicorn alone would believe `X-Forwarded-For` from 127.0.0.1: each spoofed address
    would get a fresh budget."""
    with httpx.Client(base_url=served, timeout=30) as client:
        assert _failed_logins(client.post, 4) == [401, 401, 401, 429]
