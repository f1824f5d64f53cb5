"""Incremental indexing: re-embed only what changed, remove what disappeared, safe to interrupt.

Each record carries the content hash of the product or FAQ entry it came from. A run writes the
records whose hash differs, in batches that Chroma applies atomically, then deletes the records
that no longer exist. Killing a run half-way leaves a consistent index that the next run finishes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from assistant.retrieval.models import FaqEntry, Product
from assistant.retrieval.vectorstore import Kind, VectorStore

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Record:
    """One vector to store: its id, content hash, the text embedded and its metadata."""

    id: str
    hash: str
    text: str
    metadata: dict[str, Any]


@dataclass
class IngestReport:
    """What one run changed in one collection."""

    kind: Kind
    written: int = 0
    unchanged: int = 0
    removed: int = 0

    def __str__(self) -> str:
        return (
            f"{self.kind}: {self.written} embedded, {self.unchanged} unchanged, "
            f"{self.removed} removed"
        )


def product_records(products: Iterable[Product]) -> list[Record]:
    """One record per product; the full product travels in the metadata."""
    records = []
    for product in products:
        digest = product.content_hash()
        meta: dict[str, Any] = {
            "hash": digest,
            "title": product.title,
            "category": product.category,
            "price_min": float(product.price_min),
            "in_stock": product.in_stock,
            "product": product.model_dump_json(),
        }
        records.append(Record(product.id, digest, product.search_text(), meta))
    return records


def faq_records(entries: Iterable[FaqEntry]) -> list[Record]:
    """One record per phrasing of each entry (question and alternates), each with the answer."""
    records = []
    for entry in entries:
        digest = entry.content_hash()
        meta = {"hash": digest, "faq_id": entry.id, "faq": entry.model_dump_json()}
        for n, phrasing in enumerate([entry.question, *entry.alternate_questions]):
            records.append(Record(f"{entry.id}#{n}", digest, f"{phrasing}\n{entry.answer}", meta))
    return records


def sync(
    store: VectorStore,
    kind: Kind,
    records: list[Record],
    *,
    batch_size: int = 64,
    progress: Progress | None = None,
) -> IngestReport:
    """Make the collection hold exactly these records, embedding only new or changed ones."""
    stored = store.hashes(kind)
    wanted = {r.id: r for r in records}
    todo = [r for r in records if stored.get(r.id) != r.hash]
    stale = [record_id for record_id in stored if record_id not in wanted]
    report = IngestReport(kind, unchanged=len(records) - len(todo))
    # Embed the next batch while the previous one is written: on two cores the two overlap.
    with ThreadPoolExecutor(max_workers=1) as writer:
        pending: Future[None] | None = None
        for start in range(0, len(todo), batch_size):
            batch = todo[start : start + batch_size]
            vectors = store.embedder.embed([r.text for r in batch])
            if pending is not None:
                pending.result()
            pending = writer.submit(
                store.upsert,
                kind,
                [r.id for r in batch],
                vectors,
                [r.text for r in batch],
                [r.metadata for r in batch],
            )
            report.written += len(batch)
            if progress:
                progress(report.written, len(todo))
        if pending is not None:
            pending.result()
    store.delete(kind, stale)
    report.removed = len(stale)
    return report
