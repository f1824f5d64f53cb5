"""Dialogue-act benchmark: the act classifier on held-apart utterances, its calibration and speed.

Run from the repository root: ``python benchmarks/acts.py [--data DIR]``. The classifier is the
shipped one (`ActClassifier` over `LocalMiniLM`, trained on `prompts/understanding/acts.yaml`);
it is scored on `evals/understanding/acts_heldout.yaml`, never trained on, and on client turns
of MG-ShopDial (``<repo>/../shared/data``, read at run time, never copied) whose labels map
clearly to an act. Candidate models are compared on the same embeddings. Progress goes to
stderr; stdout holds the tables.
"""

from __future__ import annotations

import argparse
import itertools
import json
import platform
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import yaml
from rich import box
from rich.console import Console
from rich.table import Table

from assistant.agent.understanding import softmax
from assistant.agent.understanding.acts import ActClassifier
from assistant.agent.understanding.examples import ACTS, LABELS, load_examples, normalise
from assistant.config import UnderstandingSettings
from assistant.retrieval.embeddings import LocalMiniLM

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
HELDOUT = ROOT / "evals" / "understanding" / "acts_heldout.yaml"
DEFAULT_DATA = ROOT.parent / "shared" / "data"
STARTED = time.perf_counter()
THRESHOLDS = (0.2, 0.3, 0.4, 0.5)
BUCKETS = np.linspace(0.0, 1.0, 6)  # reliability buckets of width 0.2


def log(message: str) -> None:
    """Progress on stderr, so stdout is only the report."""
    print(f"[{time.perf_counter() - STARTED:6.1f}s] {message}", file=sys.stderr, flush=True)


def heldout() -> tuple[list[str], list[str], list[str]]:
    """Texts and acts of the held-apart file, and its `unsure` utterances."""
    data = yaml.safe_load(HELDOUT.read_text(encoding="utf-8"))
    texts = [normalise(str(u)) for act in ACTS for u in data[act]]
    labels: list[str] = [act for act in ACTS for _ in data[act]]
    return texts, labels, [normalise(str(u)) for u in data["unsure"]]


_CLEAR = [  # (act, pattern over the client turn, the goal it must have or None)
    ("bye", r"\b(bye|goodbye)\b", None),
    ("thanks", r"^(ok(ay)?,? )?(thanks?|thank you)\b[^?]{0,30}$", None),
    ("greet", r"^(hi|hello|hey|good (morning|evening|afternoon))\W*$", None),
    ("policy", r"\b(shipping|delivery|deliver|return policy|warranty|refund)\b", "qa"),
    ("checkout", r"\b(i('ll| will) (take|buy)|i would like to (buy|order) (it|this|that))\b", None),
    (
        "superlative",
        r"^(which|what)( one)? (is|has|one is)( the)? (most|cheapest|best|lightest)",
        None,
    ),
    ("pick", r"^(what|how) about the (first|second|third|last) one\b", None),
    (
        "search",
        r"\b(i('m| am) looking for|i want to buy|i would like to buy an?)\b",
        "recommendation",
    ),
    ("ask_attribute", r"^(what('s| is) the price|how much (is|does) (it|this|that))\b", "qa"),
]


def mg_shopdial(data: Path) -> tuple[list[str], list[str]]:
    """Client turns of MG-ShopDial whose act is clear from their goal label and wording."""
    path = data / "mg-shopdial" / "MGShopDial.json"
    if not path.exists():
        return [], []
    texts, labels = [], []
    for conversation in json.loads(path.read_text(encoding="utf-8")):
        for turn in conversation["utterances"]:
            text = normalise(turn["utterance"])
            if turn["participant"] != "Client" or not text:
                continue
            for act, pattern, goal in _CLEAR:
                if re.search(pattern, text) and goal in (None, turn["goal"]):
                    texts.append(text)
                    labels.append(act)
                    break
    return texts, labels


def per_act(
    predicted: Sequence[str], truth: Sequence[str]
) -> dict[str, tuple[float, float, float, int]]:
    """Precision, recall, F1 and support of each act."""
    out: dict[str, tuple[float, float, float, int]] = {}
    for act in ACTS:
        tp = sum(p == t == act for p, t in zip(predicted, truth, strict=True))
        guessed, support = predicted.count(act), truth.count(act)
        precision = tp / guessed if guessed else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[act] = (precision, recall, f1, support)
    return out


def calibration(confidence: np.ndarray, correct: np.ndarray) -> tuple[float, list[str]]:
    """Expected calibration error and, per bucket, 'n: mean confidence -> accuracy'."""
    ece, rows = 0.0, []
    for low, high in itertools.pairwise(BUCKETS):
        inside = (confidence > low) & (confidence <= high)
        if inside.any():
            conf, acc = confidence[inside].mean(), correct[inside].mean()
            ece += inside.mean() * abs(conf - acc)
            rows.append(f"{low:.1f}-{high:.1f}: n={inside.sum()} conf {conf:.2f} acc {acc:.2f}")
    return float(ece), rows


def unsure_scores(
    in_scope: np.ndarray, unsure: np.ndarray, threshold: float
) -> tuple[float, float]:
    """Recall and precision of 'unsure' (top confidence below threshold) for the unsure set."""
    caught, false = int((unsure < threshold).sum()), int((in_scope < threshold).sum())
    return caught / len(unsure), caught / (caught + false) if caught + false else 1.0


def candidates(train: np.ndarray, labels: np.ndarray) -> dict[str, object]:
    """Models compared on the same embeddings: name -> function(vectors) -> act probabilities."""
    classes = len(LABELS)
    onehot = np.eye(classes)[labels]
    centroids = np.stack([train[labels == c].mean(axis=0) for c in range(classes)])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)

    def knn(vectors: np.ndarray, k: int = 10, scale: float = 0.1) -> np.ndarray:
        similarity = vectors @ train.T
        nearest = np.argsort(-similarity, axis=1)[:, :k]
        weights = np.exp(np.take_along_axis(similarity, nearest, axis=1) / scale)
        scores = np.einsum("rk,rkc->rc", weights, onehot[nearest])
        return scores / scores.sum(axis=1, keepdims=True)

    models: dict[str, object] = {
        "kNN k=10, similarity-weighted": knn,
        "nearest centroid, softmax t=0.05": lambda v: softmax.softmax(v @ centroids.T / 0.05),
    }
    for l2 in (1e-5, 1e-4, 1e-3):
        weights, bias = softmax.train(train.astype(np.float64), labels, classes, l2=l2)
        models[f"softmax regression l2={l2:g} (no T)"] = lambda v, w=weights, b=bias: (
            softmax.softmax(v @ w + b)
        )
    acts_only = labels < len(ACTS)  # the same regression, without the `unsure` examples
    weights, bias = softmax.train(train[acts_only].astype(np.float64), labels[acts_only], len(ACTS))
    models["softmax regression l2=1e-4, no unsure examples"] = lambda v: softmax.softmax(
        v @ weights + bias
    )
    return models


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args(argv)
    console = Console(width=150, soft_wrap=True)
    threshold = UnderstandingSettings().min_confidence
    embedder = LocalMiniLM()
    examples = load_examples()
    log(f"{len(examples.texts)} examples")

    with tempfile.TemporaryDirectory() as cache:
        start = time.perf_counter()
        classifier = ActClassifier.build(examples, embedder, cache_dir=Path(cache))
        cold = time.perf_counter() - start
        start = time.perf_counter()
        ActClassifier.build(examples, embedder, cache_dir=Path(cache))
        warm = time.perf_counter() - start
    log(f"built: {cold:.1f}s cold, {warm * 1000:.0f} ms from cache")

    texts, truth, unsure_texts = heldout()
    vectors, unsure_vectors = embedder.embed(texts), embedder.embed(unsure_texts)
    mg_texts, mg_truth = mg_shopdial(args.data)
    mg_vectors = embedder.embed(mg_texts) if mg_texts else np.zeros((0, embedder.dimension))
    start = time.perf_counter()
    embedder.embed(["is the second one warmer than the first"])
    embed_ms = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    readings = [classifier.read(t, v) for t, v in zip(texts, vectors, strict=True)]
    read_us = (time.perf_counter() - start) / len(texts) * 1e6
    assert readings == [classifier.read(t, v) for t, v in zip(texts, vectors, strict=True)]

    predicted = [r.act for r in readings]
    confidence = np.array([r.confidence for r in readings])
    correct = np.array([p == t for p, t in zip(predicted, truth, strict=True)])
    unsure_conf = classifier.probabilities(unsure_vectors).max(axis=1)
    mg_pred = [classifier.read(t, v).act for t, v in zip(mg_texts, mg_vectors, strict=True)]
    held, mg = per_act(predicted, truth), per_act(mg_pred, mg_truth)

    console.print(f"# Dialogue acts ({platform.machine()}, {platform.python_version()})")
    console.print(
        f"{len(examples.texts)} training examples; held-apart {len(texts)} utterances + "
        f"{len(unsure_texts)} unsure; MG-ShopDial-derived {len(mg_texts)} client turns"
    )
    table = Table(box=box.MARKDOWN, title="Per act")
    for column in ("act", "P", "R", "F1", "n", "MG P", "MG R", "MG F1", "MG n"):
        table.add_column(column, justify="left" if column == "act" else "right")
    for act in ACTS:
        p, r, f, n = held[act]
        mp, mr, mf, mn = mg[act]
        mg_cells = [f"{mp:.2f}", f"{mr:.2f}", f"{mf:.2f}", str(mn)] if mn else ["", "", "", "0"]
        table.add_row(act, f"{p:.2f}", f"{r:.2f}", f"{f:.2f}", str(n), *mg_cells)
    console.print(table)

    ece, buckets = calibration(confidence, correct)
    mg_acc = (
        float(np.mean([p == t for p, t in zip(mg_pred, mg_truth, strict=True)])) if mg_pred else 0
    )
    summary = Table(box=box.MARKDOWN, title="Summary")
    summary.add_column("measure")
    summary.add_column("value", justify="right")
    summary.add_row("held-apart accuracy", f"{correct.mean():.3f}")
    summary.add_row("held-apart macro F1", f"{np.mean([v[2] for v in held.values()]):.3f}")
    summary.add_row("MG-ShopDial-derived accuracy", f"{mg_acc:.3f}")
    summary.add_row("calibration: expected calibration error", f"{ece:.3f}")
    for row in buckets:
        summary.add_row("  reliability " + row.split(":")[0], row.split(": ", 1)[1])
    for t in THRESHOLDS:
        recall, precision = unsure_scores(confidence, unsure_conf, t)
        mark = " (setting)" if t == threshold else ""
        summary.add_row(
            f"unsure below {t}{mark}: recall / precision", f"{recall:.2f} / {precision:.2f}"
        )
    summary.add_row("build, cold (embed + train, 5-fold temperature)", f"{cold:.1f} s")
    summary.add_row("build, from cache", f"{warm * 1000:.0f} ms")
    summary.add_row("embed one message", f"{embed_ms:.1f} ms")
    summary.add_row("classify one embedded message", f"{read_us:.0f} µs")
    console.print(summary)

    train_vectors = embedder.embed(list(examples.texts))
    labels = np.array([LABELS.index(a) for a in examples.acts])
    models = candidates(train_vectors, labels)
    models["softmax regression l2=1e-4 + 5-fold T (shipped)"] = classifier.probabilities
    compare = Table(box=box.MARKDOWN, title="Models (held-apart set; unsure at the setting)")
    for column in ("model", "accuracy", "macro F1", "ECE", "unsure R / P"):
        compare.add_column(column, justify="left" if column == "model" else "right")
    for name, model in models.items():
        probs = np.asarray(model(vectors))[:, : len(ACTS)]  # type: ignore[operator]
        u_probs = np.asarray(model(unsure_vectors))[:, : len(ACTS)]  # type: ignore[operator]
        guess = [ACTS[i] for i in probs.argmax(axis=1)]
        hit = np.array([g == t for g, t in zip(guess, truth, strict=True)])
        f1 = np.mean([v[2] for v in per_act(guess, truth).values()])
        e, _ = calibration(probs.max(axis=1), hit)
        recall, precision = unsure_scores(probs.max(axis=1), u_probs.max(axis=1), threshold)
        compare.add_row(
            name, f"{hit.mean():.3f}", f"{f1:.3f}", f"{e:.3f}", f"{recall:.2f} / {precision:.2f}"
        )
    console.print(compare)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
