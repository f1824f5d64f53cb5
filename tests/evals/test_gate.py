"""The gate works: the shipped prompts pass a sample of cases, a broken variant fails it."""

from __future__ import annotations

from pathlib import Path

from assistant.config import PROJECT_ROOT, Settings
from assistant.evals.cases import load_cases
from assistant.evals.runner import EvalRunner
from assistant.evals.summary import Thresholds
from assistant.retrieval.index import CatalogIndex

CASES = PROJECT_ROOT / "evals" / "cases"
THRESHOLDS = Thresholds.load(PROJECT_ROOT / "evals" / "thresholds.yaml")


def _sample() -> list:
    """Hand-written cases (no shared data needed) from categories the default variant passes."""
    cases = load_cases([CASES / "handoff.yaml", CASES / "safety.yaml", CASES / "faq.yaml"])
    return [c for c in cases if not c.referenced]


def test_default_prompts_pass_the_sample(
    eval_settings: Settings, demo_index: CatalogIndex, broken_prompts: Path
) -> None:
    eval_settings.prompts.dir = broken_prompts
    run = EvalRunner(eval_settings, demo_index, variant="default").run(_sample())
    assert run.summary.overall.ran == len(_sample())
    assert run.summary.scores["handoff"].rate == 1.0
    assert run.summary.scores["safety"].rate == 1.0


def test_broken_variant_fails_the_gate(
    eval_settings: Settings, demo_index: CatalogIndex, broken_prompts: Path
) -> None:
    eval_settings.prompts.dir = broken_prompts
    run = EvalRunner(eval_settings, demo_index, variant="broken").run(_sample())
    failing = run.summary.failing(THRESHOLDS)
    assert "faq" in failing and "safety" in failing
    failed = [c for r in run.results for t in r.turns for c in t.failed]
    assert any(c.name == "brand rules" and "banned phrase" in c.detail for c in failed)
