"""FAQ entries from Markdown.

Layout::

    # Shipping                      <- optional level-1 heading: the category of what follows

    ## How long does delivery take?  <- level-2 heading: one question
    Also asked: shipping time | when will my order arrive   <- optional, first line only

    Orders ship within 2 working days...   <- the answer, up to the next # or ## heading

Deeper headings (``###``) and fenced code blocks stay inside the answer. Ids are slugs of the
question, made unique within the file. A question with an empty answer is a bad row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from assistant.retrieval.loaders.faq import add_faq
from assistant.retrieval.loaders.file_load import FileLoad
from assistant.retrieval.loaders.slug import SlugSet
from assistant.retrieval.loaders.source import read_text

_HEADING = re.compile(r"^(#{1,2})\s+(.*?)\s*#*\s*$")
_ALSO_ASKED = re.compile(r"^also asked\s*:\s*(.*)$", re.IGNORECASE)
_FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass
class _Question:
    line: int
    question: str
    category: str | None
    body: list[str] = field(default_factory=list)

    def fields(self) -> dict[str, object]:
        lines = "\n".join(self.body).strip().splitlines()
        alternates = ""
        if lines and (match := _ALSO_ASKED.match(lines[0].strip())):
            alternates, lines = match.group(1), lines[1:]
        fields: dict[str, object] = {
            "question": self.question,
            "answer": "\n".join(lines).strip(),
            "alternate_questions": alternates,
        }
        if self.category:
            fields["category"] = self.category
        return fields


def load_faq_markdown(path: Path) -> FileLoad:
    """FAQ entries from a Markdown file of ``## Question`` sections."""
    load = FileLoad.of(path)
    slugs = SlugSet()
    for question in _questions(read_text(path)):
        add_faq(load, question.line, question.fields(), slugs)
    return load


def _questions(text: str) -> list[_Question]:
    questions: list[_Question] = []
    current: _Question | None = None
    category: str | None = None
    in_fence = False
    for number, line in enumerate(text.splitlines(), start=1):
        if _FENCE.match(line):
            in_fence = not in_fence
        heading = None if in_fence else _HEADING.match(line)
        if heading and heading.group(1) == "#":
            category, current = heading.group(2) or None, None
        elif heading:
            current = _Question(number, heading.group(2), category)
            questions.append(current)
        elif current is not None:
            current.body.append(line)
    return questions
