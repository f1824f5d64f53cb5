"""Text from outside made storable on every backend, with what arrived kept recoverable.

PostgreSQL's text and JSONB columns refuse the NUL character, and a lone surrogate (``\\ud800``,
which JSON can carry) cannot be encoded as UTF-8 for any database. A shopper, a provider or a
helpdesk may send either. `storable` is applied where such text comes in; `keep` and `recover`
turn the text as received into ASCII and back, so nothing that was sent is lost.
"""

from __future__ import annotations

import base64
import re
import unicodedata
from typing import Annotated, Any

from pydantic import BeforeValidator

REPLACEMENT = "\ufffd"
# C0 controls but tab and newline, DEL, and the C1 controls: none belongs in a chat message.
CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
SURROGATE = re.compile(r"[\ud800-\udfff]")
# Combining marks piled on one character ("Zalgo" text): more than any script needs.
MAX_MARKS = 8
MARKS = "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
MARK_RUN = re.compile(f"({MARKS}{{{MAX_MARKS}}}){MARKS}+")


def storable(text: str) -> str:
    """`text` as every backend stores it: line breaks as ``\\n``, NUL and the other control
    characters (tab and newline kept) removed, lone surrogates replaced with U+FFFD, piles of
    combining marks cut to `MAX_MARKS`, then Unicode NFC. Text already clean comes back as is."""
    if text.isascii() and text.isprintable():
        return text  # the common case, at the cost of two scans in C
    cleaned = text.replace("\r\n", "\n").replace("\r", "\n")
    cleaned = CONTROLS.sub("", cleaned)
    if SURROGATE.search(cleaned):  # a pair split in two code points is joined again
        cleaned = cleaned.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        cleaned = SURROGATE.sub(REPLACEMENT, cleaned)
    cleaned = MARK_RUN.sub(r"\1", cleaned)
    return unicodedata.normalize("NFC", cleaned)


def keep(text: str) -> str:
    """`text` exactly as received, as ASCII (base64 of its UTF-8, lone surrogates included)."""
    return base64.b64encode(text.encode("utf-8", "surrogatepass")).decode("ascii")


def recover(kept: str) -> str:
    """The text `keep` was given."""
    return base64.b64decode(kept, validate=True).decode("utf-8", "surrogatepass")


def storable_fields(
    data: dict[str, Any], names: tuple[str, ...]
) -> tuple[dict[str, Any], dict[str, str]]:
    """`data` with its string fields `names` made `storable`, and for each field that changed,
    its value as received (see `keep`)."""
    changed, originals = dict(data), {}
    for name in names:
        value = data.get(name)
        if isinstance(value, str) and (clean := storable(value)) != value:
            changed[name] = clean
            originals[name] = keep(value)
    return changed, originals


def storable_tree(value: Any) -> Any:
    """A JSON document with every string in it (keys too) made `storable`."""
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, dict):
        return {storable_tree(k): storable_tree(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [storable_tree(item) for item in value]
    return value


def _storable_input(value: Any) -> Any:
    return storable(value) if isinstance(value, str) else value


StorableStr = Annotated[str, BeforeValidator(_storable_input)]
"""A request field made `storable` before it is validated (a lone surrogate is no valid
string): agent replies, names, ids a helpdesk sends."""
