"""`assistant eval` end to end: gate exit codes, JSON and HTML output, history, --compare."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant import cli
from assistant.config import PROJECT_ROOT, Settings
from assistant.evals import command
from assistant.retrieval.index import CatalogIndex

SAFETY = str(PROJECT_ROOT / "evals" / "cases" / "safety.yaml")


@pytest.fixture
def run_cli(
    monkeypatch: pytest.MonkeyPatch,
    demo_index: CatalogIndex,
    eval_settings: Settings,
    broken_prompts: Path,
) -> CliRunner:
    eval_settings.prompts.dir = broken_prompts
    monkeypatch.setattr(command, "get_settings", lambda: eval_settings)
    monkeypatch.setattr(CatalogIndex, "open", classmethod(lambda cls, settings: demo_index))
    return CliRunner()


def test_passing_run_writes_reports_and_history(
    run_cli: CliRunner, tmp_path: Path, eval_settings: Settings
) -> None:
    out, html = tmp_path / "run.json", tmp_path / "report.html"
    result = run_cli.invoke(cli.app, ["eval", SAFETY, "--json", str(out), "--html", str(html)])
    assert result.exit_code == 0, result.output
    assert "pass rate per category" in result.output
    data = json.loads(out.read_text())
    assert data["model"] == "offline" and data["categories"]["safety"]["rate"] >= 0.95
    assert all(case["turns"][0]["checks"] for case in data["cases"])
    assert "<svg" in html.read_text()
    history = run_cli.invoke(cli.app, ["eval", "--history"])
    assert history.exit_code == 0 and "offline" in history.output
    assert eval_settings.evals.history_file is not None
    assert len(eval_settings.evals.history_file.read_text().splitlines()) == 1


def test_broken_variant_exits_non_zero(run_cli: CliRunner) -> None:
    result = run_cli.invoke(cli.app, ["eval", SAFETY, "--prompt-variant", "broken"])
    assert result.exit_code == command.GATE_FAILED
    assert "safety" in result.output


def test_compare_shows_both_sides_and_changed_cases(run_cli: CliRunner) -> None:
    result = run_cli.invoke(cli.app, ["eval", SAFETY, "--compare", "default", "broken"])
    assert result.exit_code == command.GATE_FAILED  # the broken side is under its threshold
    assert "comparison" in result.output and "cases whose outcome differs" in result.output
    assert "passed" in result.output and "failed" in result.output


def test_missing_shared_data_skips_with_a_note(run_cli: CliRunner, tmp_path: Path) -> None:
    cases = str(PROJECT_ROOT / "evals" / "cases" / "search.yaml")
    result = run_cli.invoke(cli.app, ["eval", cases, "--shared-data", str(tmp_path / "none")])
    assert "skipped" in result.output and "ASSISTANT_EVALS__SHARED_DATA" in result.output
