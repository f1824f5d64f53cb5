"""Delimited text (CSV, TSV) as rows keyed by header name, each with its physical line number."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.retrieval.loaders.file_load import FileLoad, UnreadableFileError

if TYPE_CHECKING:
    from _csv import Reader

_DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True)
class TableRow:
    """One record: cells keyed by (normalised) header name; `line` is where it starts.

    Lines are physical lines of the file, the header being line 1.
    """

    line: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        """The stripped cell, "" when the column is absent or blank."""
        return self.cells.get(column, "").strip()


def first_record(text: str, delimiter: str | None = None) -> list[str]:
    """The header row of `text` (cells stripped), or [] for an empty file."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter or sniff_delimiter(text))
    try:
        return [cell.strip() for cell in next(reader, [])]
    except csv.Error:
        return []


def sniff_delimiter(text: str) -> str:
    """Comma unless the first line has more semicolons or tabs (Excel in some locales)."""
    first_line = text.split("\n", 1)[0]
    return max(_DELIMITERS, key=lambda d: (first_line.count(d), d == ","))


def read_table(
    text: str,
    load: FileLoad,
    *,
    delimiter: str | None = None,
    normalise: Callable[[str], str] = str.strip,
) -> tuple[list[str], Iterator[TableRow]]:
    """Header and rows of `text`; rows of the wrong width are reported to `load` and left out."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter or sniff_delimiter(text))
    try:
        header = [normalise(cell) for cell in next(reader, [])]
    except csv.Error as exc:
        raise UnreadableFileError(load.path, f"unreadable header: {exc}", 1) from exc
    if not any(header):
        raise UnreadableFileError(load.path, "empty file: no header row", 1)
    return header, _rows(reader, header, load)


def _rows(reader: Reader, header: list[str], load: FileLoad) -> Iterator[TableRow]:
    last_line = 1
    while True:
        start = last_line + 1
        try:
            record = next(reader, None)
        except csv.Error as exc:
            load.skip_row(start, f"unreadable CSV from here on: {exc}")
            return
        if record is None:
            return
        last_line = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        problem = _width_problem(record, header)
        if problem:
            load.skip_row(start, problem)
            continue
        yield TableRow(
            start, {name: cell for name, cell in zip(header, record, strict=False) if name}
        )


def _width_problem(record: list[str], header: list[str]) -> str | None:
    too_long = any(cell.strip() for cell in record[len(header) :])
    if len(record) < len(header) or too_long:
        return f"wrong number of columns: row has {len(record)}, the header has {len(header)}"
    return None
