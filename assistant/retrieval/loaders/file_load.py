"""One file's load: its items with the line each started on, and the file-level error."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from assistant.errors import CatalogError
from assistant.retrieval.loaders.report import CatalogLoad
from assistant.retrieval.models import FaqEntry, Product


class UnreadableFileError(CatalogError):
    """A file that cannot be parsed at all; `line` is where the parser gave up, when known."""

    def __init__(self, path: Path, reason: str, line: int | None = None) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
        self.line = line


@dataclass
class FileLoad(CatalogLoad):
    """A `CatalogLoad` of one file that also remembers where each item started.

    The lines let `load_paths` report a duplicate id at the line of the later copy.
    Add items with `add_product`/`add_faq` so the lines stay aligned with the items.
    """

    product_lines: list[int | None] = field(default_factory=list)
    faq_lines: list[int | None] = field(default_factory=list)

    @classmethod
    def of(cls, path: Path) -> FileLoad:
        """An empty load for `path`."""
        return cls(files=[path])

    @property
    def path(self) -> Path:
        return self.files[0]

    def add_product(self, product: Product, line: int | None) -> None:
        self.products.append(product)
        self.product_lines.append(line)

    def add_faq(self, faq: FaqEntry, line: int | None) -> None:
        self.faqs.append(faq)
        self.faq_lines.append(line)

    def skip_row(self, line: int | None, reason: str) -> None:
        """Report a skipped row of this file."""
        self.skip(self.path, line, reason)

    def product_rows(self) -> list[tuple[Product, int | None]]:
        return list(zip(self.products, self.product_lines, strict=True))

    def faq_rows(self) -> list[tuple[FaqEntry, int | None]]:
        return list(zip(self.faqs, self.faq_lines, strict=True))
