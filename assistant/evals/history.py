"""The results history: one JSON line per run, appended, and read back as a trend."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from assistant.config import Settings


def path_of(settings: Settings) -> Path:
    return settings.evals.history_file or settings.data_dir / "eval-history.jsonl"


def append(path: Path, line: dict[str, Any]) -> None:
    """Add one run's summary to the history file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(line, default=str) + "\n")


def read(path: Path) -> list[dict[str, Any]]:
    """Every run recorded, oldest first; unreadable lines are left out."""
    if not path.is_file():
        return []
    runs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(item, dict):
            runs.append(item)
    return runs
