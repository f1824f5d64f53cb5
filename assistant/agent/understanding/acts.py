"""Dialogue acts read from a message by a classifier over the local embeddings.

`ActClassifier.build` embeds the labelled examples and trains once (both cached on disk,
`cache.py`), then `read` turns a message, or its precomputed embedding, into a `Reading`: the
top act, a calibrated confidence and the runners-up. The model is a multinomial logistic
regression over the embeddings (`softmax.py`), chosen on the held-apart set against nearest
neighbours and nearest centroid (`benchmarks/acts.py`). Messages like the `unsure` examples
put their weight on no act, so their confidence is low.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.agent.understanding import cache, softmax
from assistant.agent.understanding.examples import (
    ACTS,
    LABELS,
    Act,
    Examples,
    load_examples,
    normalise,
)
from assistant.config import Settings, UnderstandingSettings
from assistant.retrieval.embeddings import Embedder

DEFAULT_MIN_CONFIDENCE = UnderstandingSettings().min_confidence
RUNNERS_UP = 3


@dataclass(frozen=True)
class Reading:
    """What a message is taken to be: the top act, how sure, and the next likeliest acts.

    `confidence` is a probability: of readings with confidence 0.8, about 80 % are right.
    `unsure` is true below the configured minimum: ask one clarifying question, then hand off."""

    act: Act
    confidence: float
    runners_up: tuple[tuple[Act, float], ...]
    unsure: bool


class ActClassifier:
    """Reads dialogue acts from messages; deterministic, and cheap once a message is embedded."""

    def __init__(
        self,
        model: softmax.SoftmaxModel,
        embedder: Embedder,
        *,
        min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    ) -> None:
        self._model = model
        self._embedder = embedder
        self.min_confidence = min_confidence
        # Columns of the acts among the model's classes (the last one, `unsure`, is no act).
        self._acts = np.array([LABELS.index(act) for act in ACTS])

    @classmethod
    def build(
        cls,
        examples: Examples,
        embedder: Embedder,
        *,
        cache_dir: Path | None = None,
        min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    ) -> ActClassifier:
        """Embed and train on `examples`, or load both from `cache_dir` when nothing changed."""
        key = cache.model_key(examples.texts, examples.acts, embedder.id)
        path = cache_dir / f"acts-{key}.npz" if cache_dir else None
        model = cache.load_model(path) if path else None
        if model is None:
            vectors = cache.example_vectors(examples.texts, embedder, cache_dir)
            labels = np.array([LABELS.index(act) for act in examples.acts])
            model = softmax.fit(vectors, labels, len(LABELS))
            if path is not None:
                cache.save_model(path, model)
        return cls(model, embedder, min_confidence=min_confidence)

    @classmethod
    def from_settings(cls, settings: Settings, embedder: Embedder) -> ActClassifier:
        """The classifier the settings describe: the brand's prompts directory, the cache under
        the data directory, the configured minimum confidence."""
        return cls.from_prompts(
            settings.prompts.dir,
            embedder,
            cache_dir=settings.data_dir / "understanding",
            min_confidence=settings.understanding.min_confidence,
        )

    @classmethod
    def from_prompts(
        cls,
        prompts_dir: Path | None,
        embedder: Embedder,
        *,
        cache_dir: Path | None = None,
        min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    ) -> ActClassifier:
        """The classifier for the shipped examples plus those in `prompts_dir/understanding/`."""
        examples = load_examples(prompts_dir)
        return cls.build(examples, embedder, cache_dir=cache_dir, min_confidence=min_confidence)

    def read(self, text: str, vector: np.ndarray | None = None) -> Reading:
        """The reading of `text`; pass `vector` when the message is already embedded (the
        product search's query embedding is the same vector: the tokenizer ignores case and
        spacing, so embedding the raw text or its normalised form gives the same result)."""
        if vector is None:
            vector = self._embedder.embed([normalise(text) or " "])[0]
        return self._reading(self.probabilities(np.asarray(vector, dtype=np.float64)[None, :])[0])

    def read_many(self, texts: list[str]) -> list[Reading]:
        """Readings of several messages, embedded in one batch (evaluations, benchmarks)."""
        vectors = self._embedder.embed([normalise(t) or " " for t in texts])
        return [self._reading(row) for row in self.probabilities(vectors)]

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """Per row of `vectors`, the probability of each act in `ACTS` order (the rest of
        each row's mass is on `unsure`, so a row may sum to less than one)."""
        return self._model.probabilities(np.asarray(vectors, dtype=np.float64))[:, self._acts]

    def _reading(self, row: np.ndarray) -> Reading:
        order = np.argsort(-row, kind="stable")
        top = int(order[0])
        confidence = float(row[top])
        runners_up = tuple((ACTS[int(i)], float(row[i])) for i in order[1 : 1 + RUNNERS_UP])
        return Reading(ACTS[top], confidence, runners_up, confidence < self.min_confidence)
