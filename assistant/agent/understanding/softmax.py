"""Multinomial logistic regression in numpy, with a temperature fitted on held-out folds.

Small enough to train at start (hundreds of examples, 384 features): full-batch gradient
descent with Nesterov momentum from zero weights, so the same data always gives the same model.
The temperature comes from out-of-fold predictions on the training examples themselves, so the
probabilities it gives are calibrated without spending any evaluation data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

L2 = 1e-4  # chosen on the held-apart set: see benchmarks/acts.py and benchmarks/README.md
ITERATIONS = 200
FOLDS = 5
_TEMPERATURES = np.exp(np.linspace(np.log(0.1), np.log(3.0), 60))


@dataclass(frozen=True)
class SoftmaxModel:
    """Weights, biases and the temperature that calibrates their probabilities."""

    weights: np.ndarray  # (dimension, classes)
    bias: np.ndarray  # (classes,)
    temperature: float

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """Class probabilities for each row of `vectors`: shape (rows, classes)."""
        return softmax((vectors @ self.weights + self.bias) / self.temperature)


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, stable for large logits."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return np.asarray(exp / exp.sum(axis=1, keepdims=True))


def fit(vectors: np.ndarray, labels: np.ndarray, classes: int) -> SoftmaxModel:
    """Train on all examples, then set the temperature from out-of-fold predictions."""
    x = np.asarray(vectors, dtype=np.float64)
    # Products this small run faster on one BLAS thread, and much faster on a busy machine,
    # where several threads spin waiting for each other.
    with threadpool_limits(limits=1, user_api="blas"):
        weights, bias = train(x, labels, classes)
        logits = np.zeros((len(labels), classes))
        fold = np.arange(len(labels)) % FOLDS
        for held in range(FOLDS):
            test = fold == held
            w, b = train(x[~test], labels[~test], classes)
            logits[test] = x[test] @ w + b
    return SoftmaxModel(weights, bias, temperature(logits, labels))


def train(
    x: np.ndarray, labels: np.ndarray, classes: int, *, l2: float = L2, iterations: int = ITERATIONS
) -> tuple[np.ndarray, np.ndarray]:
    """Minimise mean cross-entropy plus `l2`·|W|² by accelerated gradient descent."""
    n, dimension = x.shape
    target = np.eye(classes)[labels]
    # 1/L step, with L bounding the gradient's Lipschitz constant (softmax Hessian ≤ 1/2).
    step = 1.0 / (0.5 * float(np.linalg.norm(x, 2)) ** 2 / n + l2)
    weights, bias = np.zeros((dimension, classes)), np.zeros(classes)
    look_w, look_b = weights.copy(), bias.copy()
    for t in range(iterations):
        error = softmax(x @ look_w + look_b) - target
        new_w = look_w - step * (x.T @ error / n + l2 * look_w)
        new_b = look_b - step * error.mean(axis=0)
        momentum = t / (t + 3)
        look_w = new_w + momentum * (new_w - weights)
        look_b = new_b + momentum * (new_b - bias)
        weights, bias = new_w, new_b
    return weights, bias


def temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The temperature (from a fixed grid) that minimises the negative log-likelihood."""
    rows = np.arange(len(labels))
    losses = [-np.log(softmax(logits / t)[rows, labels] + 1e-12).mean() for t in _TEMPERATURES]
    return float(_TEMPERATURES[int(np.argmin(losses))])
