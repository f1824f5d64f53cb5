"""Shopper words read at run time from `../shared/data`: datasets whose licence forbids copying
their text into the repository are referenced by file and record, never stored here."""

from __future__ import annotations

import csv
import json
import threading
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError
from assistant.evals.cases import SourceRef


class SourceMissingError(AssistantError):
    """The referenced dataset (or record) is not available; the case is skipped, not passed."""


class SharedData:
    """Reads referenced utterances from a shared data folder, each file parsed once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._files: dict[str, Any] = {}
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        return self.root.is_dir()

    def text(self, ref: SourceRef) -> str:
        """The shopper's words the reference points at."""
        if ref.dataset == "mg-shopdial":
            return self._utterance(ref)
        rows: list[dict[str, str]] = self._load(ref, _csv_rows)
        if ref.row is None or ref.row > len(rows):
            raise SourceMissingError(f"{ref.describe()}: no such row ({len(rows)} rows)")
        return rows[ref.row - 1]["question"].strip()

    def _utterance(self, ref: SourceRef) -> str:
        dialogues: dict[str, dict[int, str]] = self._load(ref, _dialogues)
        said = dialogues.get(ref.record or "", {}).get(ref.utterance or 0)
        if said is None:
            raise SourceMissingError(f"{ref.describe()}: no such dialogue utterance")
        return said.strip()

    def _load(self, ref: SourceRef, parse: Any) -> Any:
        path = (self.root / ref.dataset / ref.file).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise SourceMissingError(f"{ref.describe()}: the file is outside the data folder")
        with self._lock:
            if str(path) not in self._files:
                if not path.is_file():
                    raise SourceMissingError(f"{ref.describe()}: {path} is not available")
                self._files[str(path)] = parse(path)
            return self._files[str(path)]


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _dialogues(path: Path) -> dict[str, dict[int, str]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {
        d["id"]: {int(u["utterance_id"]): str(u["utterance"]) for u in d["utterances"]}
        for d in data
    }
