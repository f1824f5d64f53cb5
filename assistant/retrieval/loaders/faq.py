"""FAQ entries from JSON or CSV files (Markdown lives in `faq_markdown`).

JSON: a list of ``{question, answer, category?, id?, alternate_questions?, url?}`` objects, or
``{"faqs": [...]}`` / ``{"questions": [...]}``; other keys are ignored. ``alternate_questions``
is a list or a ``|``-separated string.
CSV: header ``question,answer[,category][,id][,alternate_questions][,url]`` (any order), with
alternate questions separated by ``|``.
An entry without an id gets a slug of its question ("How do returns work?" ->
"how-do-returns-work"), made unique within the file. An empty question or answer is a bad row.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from assistant.retrieval.loaders.file_load import FileLoad, UnreadableFileError
from assistant.retrieval.loaders.slug import SlugSet
from assistant.retrieval.loaders.source import load_json_items, read_text
from assistant.retrieval.loaders.table import read_table
from assistant.retrieval.loaders.validation import describe_validation_error, located
from assistant.retrieval.models import FaqEntry

FAQ_JSON_KEYS = ("faqs", "questions")
_FIELDS = ("question", "answer", "category", "id", "alternate_questions", "url")


def load_faq_json(path: Path) -> FileLoad:
    """FAQ entries from a JSON file."""
    load = FileLoad.of(path)
    slugs = SlugSet()
    for item, line in load_json_items(path, FAQ_JSON_KEYS):
        if not isinstance(item, dict):
            load.skip_row(line, f"not a question: expected an object, got {type(item).__name__}")
            continue
        add_faq(load, line, {k: item[k] for k in _FIELDS if item.get(k) is not None}, slugs)
    return load


def load_faq_csv(path: Path) -> FileLoad:
    """FAQ entries from a CSV file with question and answer columns."""
    load = FileLoad.of(path)
    text = read_text(path, latin1_fallback=True)
    header, rows = read_table(text, load, normalise=lambda name: name.strip().lower())
    if "question" not in header or "answer" not in header:
        raise UnreadableFileError(path, "missing required column(s): question, answer", 1)
    slugs = SlugSet()
    for row in rows:
        fields: dict[str, object] = {k: row.get(k) for k in _FIELDS if row.get(k)}
        add_faq(load, row.line, fields, slugs)
    return load


def add_faq(load: FileLoad, line: int | None, fields: dict[str, object], slugs: SlugSet) -> None:
    """Validate one entry and add it to `load`, or report why it was skipped."""
    question = str(fields.get("question") or "").strip()
    answer = str(fields.get("answer") or "").strip()
    if not question:
        load.skip_row(line, "question: missing")
        return
    if not answer:
        load.skip_row(line, located("answer: empty", f"question {question!r}"))
        return
    given_id = str(fields.get("id") or "").strip()
    if given_id:
        slugs.reserve(given_id)
    alternates = fields.get("alternate_questions") or []
    if isinstance(alternates, str):
        alternates = [a.strip() for a in alternates.split("|") if a.strip()]
    data = {**fields, "question": question, "answer": answer, "alternate_questions": alternates}
    data["id"] = given_id or slugs.claim(question)
    try:
        load.add_faq(FaqEntry.model_validate(data), line)
    except ValidationError as exc:
        load.skip_row(line, describe_validation_error(exc, f"question {question!r}"))
