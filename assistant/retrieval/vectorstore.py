"""Chroma as the durable index: embedded (`PersistentClient`) by default, a server when configured.

Each collection records which embedding built it; opening it with another embedding is refused.
Chroma errors are translated into `VectorStoreError` here, at the boundary.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlparse

import chromadb
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings as ChromaSettings
from chromadb.errors import ChromaError, NotFoundError

from assistant.config import Settings
from assistant.errors import EmbeddingMismatchError, IndexMissingError, VectorStoreError
from assistant.retrieval.embeddings import ChromaEmbedding, Embedder

Kind = Literal["products", "faq"]
SCHEMA_VERSION = 1
PAGE = 2000


@dataclass
class Records:
    """Everything stored in one collection, in a stable order."""

    ids: list[str]
    embeddings: np.ndarray
    documents: list[str]
    metadatas: list[dict[str, Any]]


def connect(settings: Settings) -> ClientAPI:
    """A Chroma client: the server at `chroma_url` if set, else an embedded store in data_dir."""
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    try:
        if settings.chroma_url:
            url = urlparse(settings.chroma_url)
            if url.scheme not in ("http", "https") or not url.hostname:
                raise VectorStoreError(
                    f"ASSISTANT_CHROMA_URL is not an http(s) URL: {settings.chroma_url}"
                )
            return chromadb.HttpClient(
                host=url.hostname,
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        settings.chroma_path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)
    except (ChromaError, ValueError, OSError) as exc:
        where = settings.chroma_url or settings.chroma_path
        raise VectorStoreError(f"cannot open the Chroma store at {where}: {exc}") from exc


class VectorStore:
    """The product and FAQ collections of one brand, bound to one embedder."""

    def __init__(self, client: ClientAPI, embedder: Embedder, *, prefix: str = "concierge") -> None:
        self._client = client
        self._embedder = embedder
        self._prefix = prefix
        self._function = ChromaEmbedding(embedder)

    @property
    def embedder(self) -> Embedder:
        return self._embedder

    def name(self, kind: Kind) -> str:
        return f"{self._prefix}-{kind}"

    def collection(self, kind: Kind, *, create: bool = False) -> Collection:
        """Open a collection, checking it was built by our embedder; create it if asked."""
        name = self.name(kind)
        try:
            existing = {c.name for c in self._client.list_collections()}
            if name not in existing:
                if not create:
                    raise IndexMissingError(
                        f"no {kind} index in the vector store yet: run `assistant ingest`"
                    )
                return self._client.create_collection(
                    name,
                    embedding_function=self._function,  # type: ignore[arg-type]
                    metadata=self._stamp(),
                    configuration={"hnsw": {"space": "cosine"}},
                )
            collection = self._client.get_collection(name, embedding_function=self._function)  # type: ignore[arg-type]
        except (ChromaError, ValueError) as exc:
            raise VectorStoreError(f"Chroma failed opening {name}: {exc}") from exc
        self._check(collection)
        return collection

    def drop(self, kind: Kind) -> None:
        """Delete a collection (for a rebuild with another embedding)."""
        try:
            self._client.delete_collection(self.name(kind))
        except (NotFoundError, ValueError):
            return
        except ChromaError as exc:
            raise VectorStoreError(f"Chroma failed deleting {self.name(kind)}: {exc}") from exc

    def records(self, kind: Kind) -> Records:
        """Every record of a collection with its embedding, read page by page."""
        collection = self.collection(kind)
        ids: list[str] = []
        documents: list[str] = []
        metadatas: list[dict[str, Any]] = []
        vectors: list[np.ndarray] = []
        for page in self._pages(collection, ["embeddings", "documents", "metadatas"]):
            ids.extend(page["ids"])
            documents.extend(page["documents"] or [])
            metadatas.extend(dict(m or {}) for m in page["metadatas"] or [])
            vectors.append(np.asarray(page["embeddings"], dtype=np.float32))
        if not ids:
            width = int((collection.metadata or {}).get("dimension", 0))
            return Records([], np.zeros((0, width), dtype=np.float32), [], [])
        return Records(ids, np.concatenate(vectors), documents, metadatas)

    def hashes(self, kind: Kind) -> dict[str, str]:
        """id -> content hash of every stored record (what ingestion compares against)."""
        collection = self.collection(kind, create=True)
        found: dict[str, str] = {}
        for page in self._pages(collection, ["metadatas"]):
            for record_id, meta in zip(page["ids"], page["metadatas"] or [], strict=True):
                found[record_id] = str((meta or {}).get("hash", ""))
        return found

    def upsert(
        self,
        kind: Kind,
        ids: list[str],
        vectors: np.ndarray,
        documents: list[str],
        metadatas: list[dict[str, Any]],
    ) -> None:
        """Write one batch; Chroma applies a batch atomically, so an interrupted ingest is safe."""
        try:
            self.collection(kind, create=True).upsert(
                ids=ids,
                embeddings=vectors,
                documents=documents,
                metadatas=metadatas,  # type: ignore[arg-type]
            )
        except (ChromaError, ValueError) as exc:
            raise VectorStoreError(f"Chroma failed writing to {self.name(kind)}: {exc}") from exc

    def delete(self, kind: Kind, ids: list[str]) -> None:
        if not ids:
            return
        try:
            collection = self.collection(kind, create=True)
            for start in range(0, len(ids), PAGE):
                collection.delete(ids=ids[start : start + PAGE])
        except (ChromaError, ValueError) as exc:
            raise VectorStoreError(f"Chroma failed deleting from {self.name(kind)}: {exc}") from exc

    def _pages(self, collection: Collection, include: list[str]) -> Iterator[Any]:
        offset = 0
        try:
            while True:
                page = collection.get(limit=PAGE, offset=offset, include=include)  # type: ignore[arg-type]
                if not page["ids"]:
                    return
                yield page
                offset += len(page["ids"])
        except (ChromaError, ValueError) as exc:
            raise VectorStoreError(f"Chroma failed reading {collection.name}: {exc}") from exc

    def _stamp(self) -> dict[str, Any]:
        return {
            "embedding": self._embedder.id,
            "dimension": self._embedder.dimension,
            "schema": SCHEMA_VERSION,
        }

    def _check(self, collection: Collection) -> None:
        meta = collection.metadata or {}
        built_with = meta.get("embedding")
        if built_with != self._embedder.id:
            raise EmbeddingMismatchError(
                f"the {collection.name} index was built with embedding {built_with!r} but "
                f"{self._embedder.id!r} is configured: run `assistant ingest --rebuild`, "
                "or set ASSISTANT_EMBEDDING__MODEL back"
            )
