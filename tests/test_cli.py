"""The `assistant` command, as a newcomer uses it: ingest, search, start."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.config import get_settings
from tests.retrieval.conftest import CATALOG20

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private data dir and a small catalog, seen through the environment like a real run."""
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    (catalog / "products.yaml").write_text(CATALOG20.read_text())
    (catalog / "faq.md").write_text("## Do you ship to Canada?\n\nYes, for $19.95.\n")
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ASSISTANT_CATALOG__PATHS", json.dumps([str(catalog)]))
    get_settings.cache_clear()
    yield catalog
    get_settings.cache_clear()


def test_search_before_ingest_says_what_to_do(env: Path) -> None:
    result = runner.invoke(app, ["search", "tent"])
    assert result.exit_code == 2
    assert "assistant ingest" in result.output


def test_ingest_then_search_shows_filters_and_in_budget_results(env: Path) -> None:
    first = runner.invoke(app, ["ingest"])
    assert first.exit_code == 0, first.output
    assert "20 products and 1 FAQ entries loaded" in first.output
    assert "products: 20 embedded" in first.output
    again = runner.invoke(app, ["ingest"])
    assert "products: 0 embedded, 20 unchanged" in again.output

    result = runner.invoke(app, ["search", "rain jacket under $200", "-k", "3"])
    assert result.exit_code == 0, result.output
    assert "up to $200" in result.output
    assert "in stock" in result.output
    assert "$" in result.output


def test_faq_search(env: Path) -> None:
    runner.invoke(app, ["ingest"])
    result = runner.invoke(app, ["search", "--faq", "can you deliver to Toronto"])
    assert result.exit_code == 0
    assert "Do you ship to Canada?" in result.output


def test_ingest_reports_bad_rows_and_keeps_the_rest(env: Path) -> None:
    (env / "extra.csv").write_text(
        "product_id,title,variant_id,price\n"
        "ok-1,Camp Mug,9000001,12.00\n"
        "bad-1,Broken Row,9000002,not-a-price\n"
    )
    result = runner.invoke(app, ["ingest"])
    assert result.exit_code == 0, result.output
    assert "extra.csv:3" in result.output
    assert "21 products" in result.output


def test_start_ingests_and_answers_lines_from_stdin(env: Path) -> None:
    result = runner.invoke(app, ["start"], input="rain jacket under 200\nshipping to canada?\n")
    assert result.exit_code == 0, result.output
    assert "Concierge is ready" in result.output
    assert "up to $200" in result.output
    assert "Yes, for $19.95." in result.output


def test_chat_json_over_another_catalog_indexed_on_first_use(env: Path) -> None:
    lines = "hi\nrain jacket under $200\nI'll take the first one\nwhat's the weather in Paris?\n"
    result = runner.invoke(app, ["chat", "--json", "--catalog", str(CATALOG20)], input=lines)
    assert result.exit_code == 0, result.output
    replies = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert len(replies) == 4
    assert set(replies[0]) == {"text", "products", "quick_replies", "checkout_url", "handoff"}
    assert "Juniper" in replies[0]["text"] and replies[0]["quick_replies"]
    search = replies[1]
    assert search["products"], search
    for card in search["products"]:
        assert set(card) == {"product_id", "variant_id", "title", "price", "in_stock"}
        assert float(card["price"]) <= 200 and card["in_stock"]
    assert replies[2]["checkout_url"] or replies[2]["quick_replies"]
    assert "outside what I can help with" in replies[3]["text"]
    assert replies[3]["handoff"] is None


def test_chat_json_reports_a_handoff(env: Path) -> None:
    result = runner.invoke(
        app,
        ["chat", "--json", "--catalog", str(CATALOG20)],
        input="talk to a human please\nhello?\n",
    )
    first, second = (
        json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")
    )
    assert first["handoff"] == {"reason": "shopper asked for a person"}
    assert second["text"] == "" and second["handoff"] is None


def test_chat_rejects_an_unknown_channel(env: Path) -> None:
    result = runner.invoke(app, ["chat", "--channel", "fax"])
    assert result.exit_code != 0
    assert "channel must be one of" in result.output


def test_serve_with_workers_starts_processes_that_answer(env: Path, tmp_path: Path) -> None:
    """`assistant serve --workers 2`: the parent checks the index once, each worker builds the
    app from the environment (`app_from_environment`) and starts up, the service answers, the
    kernel spreads keep-alive connections over both workers, and a SIGTERM stops them all."""
    import os
    import subprocess
    import sys
    import time
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    from assistant.testing.loopback import free_port

    assert runner.invoke(app, ["ingest"]).exit_code == 0
    port, log_path = free_port(), tmp_path / "serve.log"
    serve = [sys.executable, "-m", "assistant.cli", "serve", "--port", str(port), "--workers", "2"]
    with log_path.open("wb") as log:
        environment = os.environ | {"ASSISTANT_SERVER__KEEP_ALIVE_S": "2"}
        process = subprocess.Popen(serve, env=environment, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and log_path.read_text().count("startup complete") < 2:
            time.sleep(0.2)
        assert log_path.read_text().count("Application startup complete") == 2, log_path.read_text()
        for _ in range(4):
            ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=10)
            assert ready.status_code == 200 and ready.json()["products"] == 20
            started = httpx.post(f"http://127.0.0.1:{port}/api/conversations", json={}, timeout=10)
            assert started.status_code == 201
        clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}") for _ in range(16)]
        try:
            with ThreadPoolExecutor(len(clients)) as pool:  # all at once; each stays open
                answers = list(pool.map(lambda c: c.get("/healthz").status_code, clients))
            assert answers == [200] * len(clients)
            serving = _connections_by_worker(process.pid, port)
            assert len([n for n in serving.values() if n]) == 2, serving
            time.sleep(3)  # past the keep-alive the environment set: the workers closed them
            assert sum(_connections_by_worker(process.pid, port).values()) == 0
        finally:
            for client in clients:
                client.close()
        assert "died" not in log_path.read_text()
        process.terminate()
        assert process.wait(timeout=40) == 0
        assert "Finished server process" in log_path.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


def test_serve_with_workers_refuses_a_port_another_server_listens_on(env: Path) -> None:
    import socket

    from assistant.testing.loopback import free_port

    assert runner.invoke(app, ["ingest"]).exit_code == 0
    port = free_port()
    with socket.socket() as other:
        other.bind(("127.0.0.1", port))
        other.listen()
        result = runner.invoke(app, ["serve", "--port", str(port), "--workers", "2"])
    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.output


def _connections_by_worker(parent: int, port: int) -> dict[int, int]:
    """Open connections to `port` held by each child process of `parent` (Linux /proc)."""
    import os

    established = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local_port, state, inode = int(fields[1].rsplit(":", 1)[1], 16), fields[3], fields[9]
            if local_port == port and state == "01":  # ESTABLISHED, on the server's side
                established.add(f"socket:[{inode}]")
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    counts = {}
    for child in map(int, children):
        targets = []
        for fd in Path(f"/proc/{child}/fd").iterdir():
            try:
                targets.append(os.readlink(fd))
            except OSError:
                continue
        counts[child] = sum(target in established for target in targets)
    return counts
