"""A run as JSON (for `--json` and the history file)."""

from __future__ import annotations

import json

# Only to read the checkout's commit for the run history: a fixed git command, no shell.
import subprocess  # nosec B404
from pathlib import Path
from typing import Any

from assistant.config import PROJECT_ROOT
from assistant.evals.runner import EvalRun
from assistant.evals.summary import Thresholds


def run_json(run: EvalRun, thresholds: Thresholds) -> dict[str, Any]:
    """Everything about a run: summary per category, and every case with its turns."""
    return {
        **summary_line(run),
        "failing": run.summary.failing(thresholds),
        "seconds": round(run.seconds, 2),
        "categories": {
            name: {
                "passed": s.passed,
                "failed": s.failed,
                "skipped": s.skipped,
                "rate": s.rate,
                "threshold": thresholds.of(name),
            }
            for name, s in run.summary.scores.items()
        },
        "cases": [
            {
                "id": r.case_id,
                "category": r.category,
                "channel": r.channel,
                "status": r.status,
                "note": r.note,
                "source": r.source,
                "turns": [
                    {
                        "said": t.said,
                        "reply": t.reply.model_dump(mode="json"),
                        "tools": [{"name": c.name, "args": c.args} for c in t.calls],
                        "checks": [
                            {"name": c.name, "status": c.status, "detail": c.detail}
                            for c in t.checks
                        ],
                    }
                    for t in r.turns
                ],
            }
            for r in run.results
        ],
    }


def summary_line(run: EvalRun) -> dict[str, Any]:
    """What the history keeps of a run: date, commit, model, variant, pass rates."""
    overall = run.summary.overall
    return {
        "date": run.started.isoformat(timespec="seconds"),
        "commit": current_commit(),
        "model": run.model,
        "variant": run.variant,
        "overall": overall.rate,
        "cases": {"passed": overall.passed, "failed": overall.failed, "skipped": overall.skipped},
        "rates": run.summary.rates(),
    }


def current_commit(root: Path = PROJECT_ROOT) -> str:
    """The short commit of the checkout, or "unknown" outside git."""
    try:  # fixed arguments, no shell, nothing from input; git found on PATH like any dev tool
        done = subprocess.run(  # nosec B603 B607
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root, capture_output=True, text=True, timeout=5, check=True,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return done.stdout.strip() or "unknown"


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
