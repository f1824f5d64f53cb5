"""On-disk caches that make building the act classifier fast at start.

Two files per cache directory: the examples' embeddings, by text, per embedder (a brand adding a
few examples embeds only those), and the trained model, keyed by a hash of everything it was
trained from. Files are written atomically (workers may start side by side) and an unreadable
one is ignored: the classifier is then built again, never refused.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from assistant.agent.understanding import softmax
from assistant.retrieval.embeddings import Embedder

VERSION = 1  # bump when training changes in a way the key below does not capture
log = logging.getLogger(__name__)


def model_key(texts: Sequence[str], labels: Sequence[str], embedder_id: str) -> str:
    """A name for the model trained on these examples with these settings and embedder."""
    settings = [VERSION, softmax.L2, softmax.ITERATIONS, softmax.FOLDS, embedder_id]
    payload = json.dumps([settings, list(texts), list(labels)])
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


def load_model(path: Path) -> softmax.SoftmaxModel | None:
    """The model saved at `path`, or None when there is none or it cannot be read."""
    data = _read(path, ("weights", "bias", "temperature"))
    if data is None:
        return None
    return softmax.SoftmaxModel(data["weights"], data["bias"], float(data["temperature"]))


def save_model(path: Path, model: softmax.SoftmaxModel) -> None:
    """Save `model` at `path` (a failure to write is logged: the cache is an optimisation)."""
    _write(path, weights=model.weights, bias=model.bias, temperature=model.temperature)


def example_vectors(texts: Sequence[str], embedder: Embedder, cache_dir: Path | None) -> np.ndarray:
    """Embeddings of `texts`, embedding only those the cache does not hold yet."""
    if cache_dir is None:
        return embedder.embed(list(texts))
    digest = hashlib.sha256(embedder.id.encode()).hexdigest()[:16]
    path = cache_dir / f"vectors-{digest}.npz"
    data = _read(path, ("texts", "vectors"))
    known: dict[str, np.ndarray] = {}
    if data is not None:
        known = dict(zip(data["texts"].tolist(), data["vectors"], strict=True))
    missing = sorted({text for text in texts if text not in known})
    if missing:
        known.update(zip(missing, embedder.embed(missing), strict=True))
        kept = sorted(known)
        _write(path, texts=np.array(kept), vectors=np.stack([known[t] for t in kept]))
    return np.stack([known[text] for text in texts]).astype(np.float32)


def _read(path: Path, names: tuple[str, ...]) -> dict[str, np.ndarray] | None:
    try:
        with np.load(path) as data:  # no pickles: allow_pickle stays off
            return {name: data[name] for name in names}
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError) as exc:  # a torn or foreign file: build again
        log.warning("ignoring unreadable act classifier cache %s: %s", path, exc)
        return None


def _write(path: Path, **arrays: object) -> None:
    """Write atomically, so a worker starting beside another never reads half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".npz.tmp")
    except OSError as exc:
        log.warning("cannot cache the act classifier in %s: %s", path.parent, exc)
        return
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez(file, **arrays)  # type: ignore[arg-type]
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        log.warning("cannot cache the act classifier in %s: %s", path.parent, exc)
