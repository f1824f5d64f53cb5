"""Datasets without a licence to copy are referenced, never copied into the repository."""

from __future__ import annotations

import csv
import json

from assistant.config import PROJECT_ROOT
from assistant.evals.cases import load_cases
from assistant.evals.sources import SharedData
from tests.conftest import shared_data

CASE_TEXT = "\n".join(
    p.read_text(encoding="utf-8").lower() for p in (PROJECT_ROOT / "evals").rglob("*.yaml")
)


def test_no_mg_shopdial_utterance_is_copied() -> None:
    dialogues = json.loads(shared_data("mg-shopdial", "MGShopDial.json").read_text())
    copied = [
        u["utterance"] for d in dialogues for u in d["utterances"]
        if len(u["utterance"].strip()) > 25 and u["utterance"].strip().lower() in CASE_TEXT
    ]  # fmt: skip
    assert not copied


def test_no_ecommerce_faq_question_is_copied() -> None:
    with shared_data("ecommerce-faq-chatbot", "ground_truth.csv").open() as handle:
        questions = [row["question"].strip().lower() for row in csv.DictReader(handle)]
    assert not [q for q in questions if q in CASE_TEXT]


def test_every_reference_resolves_to_shopper_words() -> None:
    """Each referenced turn points at a record that exists (a typo would skip a case)."""
    data = SharedData(shared_data())
    cases = load_cases([PROJECT_ROOT / "evals" / "cases", PROJECT_ROOT / "evals" / "dev"])
    refs = [turn.source for case in cases for turn in case.turns if turn.source]
    assert len(refs) >= 50
    assert all(data.text(ref).strip() for ref in refs)
