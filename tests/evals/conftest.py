"""Eval test fixtures: offline settings, and a prompt folder holding a broken variant."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.config import PROJECT_ROOT, Settings

HERE = Path(__file__).parent


@pytest.fixture
def eval_settings(tmp_path: Path) -> Settings:
    settings = Settings(data_dir=tmp_path / "data", _env_file=None)  # type: ignore[call-arg]
    settings.model = "offline"
    settings.evals.history_file = tmp_path / "history.jsonl"
    return settings


@pytest.fixture
def broken_prompts(tmp_path: Path) -> Path:
    """The shipped prompts plus a variant named `broken` (from tests/evals/broken_prompts)."""
    folder = tmp_path / "prompts"
    shutil.copytree(PROJECT_ROOT / "prompts", folder)
    shutil.copytree(HERE / "broken_prompts", folder / "variants" / "broken")
    return folder
