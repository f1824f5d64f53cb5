"""Reading a catalog file's text: UTF-8 (BOM or not), latin-1 for spreadsheets, JSON with lines."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from assistant.retrieval.loaders.file_load import UnreadableFileError

_JSON_SPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def read_text(path: Path, *, latin1_fallback: bool = False) -> str:
    """The file's text; spreadsheets exported by Excel are often latin-1, hence the fallback."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFileError(path, f"cannot read file: {exc.strerror or exc}") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if latin1_fallback:
            return data.decode("latin-1")
        line = data.count(b"\n", 0, exc.start) + 1
        raise UnreadableFileError(path, "not valid UTF-8 text", line) from exc


def parse_json(path: Path, text: str) -> Any:
    """Parse JSON text, turning a syntax error into one error for the file."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        reason = f"invalid JSON: {exc.msg} (column {exc.colno})"
        raise UnreadableFileError(path, reason, exc.lineno) from exc


def load_json_items(path: Path, keys: tuple[str, ...]) -> list[tuple[Any, int | None]]:
    """Items of a JSON list, or of the list (or single object) under the first of `keys` present.

    Each item comes with the line it starts on, or None if the layout defeats the line finder.
    """
    text = read_text(path)
    data = parse_json(path, text)
    key: str | None = None
    if isinstance(data, dict):
        key = next((k for k in keys if k in data), None)
        if key is None:
            wanted = " or ".join(f'"{k}"' for k in keys)
            reason = f"unexpected JSON shape: expected a list or an object with {wanted}"
            raise UnreadableFileError(path, reason, 1)
        data = data[key]
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise UnreadableFileError(path, "unexpected JSON shape: expected a list of objects", 1)
    lines = item_lines(text, key)
    return [(item, lines[i] if i < len(lines) else None) for i, item in enumerate(data)]


def item_lines(text: str, key: str | None = None) -> list[int]:
    """Line where each item of the top-level JSON array (or of the array under `key`) starts.

    Best effort: returns [] rather than failing when the text is not shaped as expected.
    """
    try:
        pos = _skip_space(text, 0)
        if key is not None:
            found = _member_value(text, pos, key)
            if found is None:
                return []
            pos = found
        if text[pos] == "{":
            return [text.count("\n", 0, pos) + 1]
        return _array_item_lines(text, pos) if text[pos] == "[" else []
    except (ValueError, IndexError):
        return []


def _skip_space(text: str, pos: int) -> int:
    match = _JSON_SPACE.match(text, pos)
    return match.end() if match else pos


def _member_value(text: str, pos: int, key: str) -> int | None:
    """Position of `key`'s value in the object starting at `pos`."""
    if text[pos] != "{":
        return None
    pos = _skip_space(text, pos + 1)
    while text[pos] != "}":
        name, pos = _DECODER.raw_decode(text, pos)
        pos = _skip_space(text, pos)
        if text[pos] != ":":
            return None
        pos = _skip_space(text, pos + 1)
        if name == key:
            return pos
        _, pos = _DECODER.raw_decode(text, pos)
        pos = _skip_space(text, pos)
        if text[pos] == ",":
            pos = _skip_space(text, pos + 1)
    return None


def _array_item_lines(text: str, pos: int) -> list[int]:
    lines: list[int] = []
    line, counted_to = 1, 0
    pos = _skip_space(text, pos + 1)
    while text[pos] != "]":
        line += text.count("\n", counted_to, pos)
        counted_to = pos
        lines.append(line)
        _, pos = _DECODER.raw_decode(text, pos)
        pos = _skip_space(text, pos)
        if text[pos] == ",":
            pos = _skip_space(text, pos + 1)
    return lines
