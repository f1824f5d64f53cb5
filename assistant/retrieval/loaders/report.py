"""What a load produced: the good items, and every bad row with file, line and reason."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from assistant.retrieval.models import FaqEntry, Product


@dataclass(frozen=True)
class RowError:
    """One skipped row: where it was and why it was skipped."""

    path: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.reason}"


@dataclass
class CatalogLoad:
    """Products and FAQ entries read from one or more files, plus the rows that were skipped."""

    products: list[Product] = field(default_factory=list)
    faqs: list[FaqEntry] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    def extend(self, other: CatalogLoad) -> None:
        self.products.extend(other.products)
        self.faqs.extend(other.faqs)
        self.errors.extend(other.errors)
        self.files.extend(other.files)

    def skip(self, path: Path | str, line: int | None, reason: str) -> None:
        self.errors.append(RowError(str(path), line, reason))

    def summary(self) -> str:
        """One paragraph for the end of an ingest: loaded, skipped, and why."""
        reasons = Counter(e.reason.split(":")[0] for e in self.errors)
        text = (
            f"{len(self.products)} products and {len(self.faqs)} FAQ entries loaded "
            f"from {len(self.files)} file(s); {len(self.errors)} row(s) skipped"
        )
        if reasons:
            text += " (" + "; ".join(f"{n}x {r}" for r, n in reasons.most_common()) + ")"
        return text
