"""The eval HTML report renders in headless Chromium: chart, table, failing transcripts."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import PROJECT_ROOT, Settings
from assistant.evals.cases import load_cases
from assistant.evals.html_report import write_html
from assistant.evals.runner import EvalRunner
from assistant.evals.summary import Thresholds
from assistant.retrieval.index import CatalogIndex

CHROMIUM = Path("/usr/bin/chromium")
try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:
    pytest.skip("the playwright package is not installed", allow_module_level=True)
if not CHROMIUM.exists():
    pytest.skip(f"Chromium not found at {CHROMIUM}", allow_module_level=True)

pytestmark = pytest.mark.browser
OUTPUT = Path(__file__).parent / "output"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP * ~NOTFOUND"]


def test_report_renders_with_chart_and_highlighted_failures(
    demo_index: CatalogIndex, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path / "data", _env_file=None)  # type: ignore[call-arg]
    settings.model = "offline"
    cases = [c for c in load_cases([PROJECT_ROOT / "evals" / "cases"]) if not c.referenced]
    sample = cases[::8]
    run = EvalRunner(settings, demo_index).run(sample)
    report = tmp_path / "report.html"
    write_html(report, run, Thresholds.load(PROJECT_ROOT / "evals" / "thresholds.yaml"))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 1400})
        page.goto(report.as_uri())
        expect(page.get_by_role("heading", name="Assistant eval report")).to_be_visible()
        chart = page.get_by_role("img", name="pass rate per category")
        expect(chart).to_be_visible()
        assert chart.locator("rect").count() == 2 * len(run.summary.scores)
        failing = [r for r in run.results if r.status == "failed"]
        assert page.locator("section.case").count() == len(failing)
        if failing:
            expect(page.locator("li.failed").first).to_be_visible()
            colour = page.locator("li.failed").first.evaluate(
                "e => getComputedStyle(e).backgroundColor"
            )
            assert colour == "rgb(253, 232, 231)"
        OUTPUT.mkdir(exist_ok=True)
        shot = OUTPUT / "eval-report.png"
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    assert shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")
