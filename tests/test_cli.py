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
