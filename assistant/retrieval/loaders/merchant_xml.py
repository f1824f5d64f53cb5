"""Google Merchant Center XML feeds (RSS 2.0 ``<item>`` or Atom ``<entry>``) read safely.

Parsed with expat directly so every item keeps its line number. Documents with a DOCTYPE or
entity declarations are refused: a product feed never needs them, and they are how XML entity
expansion ("billion laughs") and external-entity attacks get in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from assistant.retrieval.loaders.file_load import FileLoad, UnreadableFileError

GOOGLE_NAMESPACE = "http://base.google.com/ns/1.0"
_ITEM_TAGS = frozenset({"item", "entry"})
_FEED_ROOTS = frozenset({"rss", "feed", "channel"})
_REPEATABLE = frozenset({"additional_image_link"})
_ATOM_ALIASES = {"summary": "description", "content": "description"}


class _UnsafeXmlError(Exception):
    """Raised from an expat handler when a DOCTYPE or entity declaration appears."""


@dataclass
class FeedItem:
    """One feed item: its fields keyed by local name (``g:price`` -> "price") and its line."""

    line: int
    fields: dict[str, str] = field(default_factory=dict)
    _google_keys: set[str] = field(default_factory=set, init=False, repr=False)

    def put(self, name: str, value: str, *, google: bool) -> None:
        """Store a field; a ``g:`` field wins over a plain RSS/Atom one of the same name."""
        if not google:
            name = _ATOM_ALIASES.get(name, name)
        if name in _REPEATABLE and name in self.fields:
            self.fields[name] += "," + value
        elif google:
            self.fields[name] = value
            self._google_keys.add(name)
        elif name not in self.fields:
            self.fields[name] = value


class _FeedParser:
    def __init__(self) -> None:
        self.items: list[FeedItem] = []
        self.root: str | None = None
        self.current: FeedItem | None = None
        self._depth = 0
        self._field: tuple[str, bool] | None = None
        self._text: list[str] = []
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        self.parser.StartDoctypeDeclHandler = self._refuse
        self.parser.EntityDeclHandler = self._refuse
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.CharacterDataHandler = self._characters

    def _refuse(self, *args: object) -> None:
        raise _UnsafeXmlError

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        namespace, _, local = name.rpartition(" ")
        if self.root is None:
            self.root = local
        if self.current is None:
            if local in _ITEM_TAGS:
                self.current, self._depth = FeedItem(self.parser.CurrentLineNumber), 0
            return
        self._depth += 1
        if self._depth == 1:
            self._field, self._text = (local, namespace == GOOGLE_NAMESPACE), []
            if local == "link" and attrs.get("href"):  # Atom: <link href="..."/>
                self.current.put("link", attrs["href"], google=False)

    def _end(self, name: str) -> None:
        if self.current is None:
            return
        if self._depth == 0:
            self.items.append(self.current)
            self.current = None
            return
        if self._depth == 1 and self._field is not None:
            value = "".join(self._text).strip()
            if value:
                self.current.put(self._field[0], value, google=self._field[1])
            self._field = None
        self._depth -= 1

    def _characters(self, data: str) -> None:
        if self._field is not None and self._depth == 1:
            self._text.append(data)


def read_feed(path: Path, load: FileLoad) -> list[FeedItem]:
    """The items of an RSS or Atom feed; an item cut short by broken XML is reported to `load`."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFileError(path, f"cannot read file: {exc.strerror or exc}") from exc
    feed = _FeedParser()
    try:
        feed.parser.Parse(data, True)
    except _UnsafeXmlError:
        line = feed.parser.CurrentLineNumber
        raise UnreadableFileError(
            path, "unsafe XML: DOCTYPE/ENTITY declarations are not allowed", line
        ) from None
    except expat.ExpatError as exc:
        _report_broken_xml(path, feed, exc, load)
    if feed.root is not None and feed.root not in _FEED_ROOTS and not feed.items:
        reason = f"not a product feed: root element <{feed.root}> is not <rss> or <feed>"
        raise UnreadableFileError(path, reason, 1)
    return feed.items


def _report_broken_xml(
    path: Path, feed: _FeedParser, exc: expat.ExpatError, load: FileLoad
) -> None:
    problem = f"{expat.ErrorString(exc.code)} at line {exc.lineno}"
    if feed.current is not None:
        reason = f"broken XML: item cut short ({problem}); rest of file not read"
        load.skip_row(feed.current.line, reason)
    elif feed.items:
        load.skip_row(exc.lineno, f"broken XML after the last complete item: {problem}")
    else:
        raise UnreadableFileError(path, f"invalid XML: {problem}", exc.lineno) from exc
