"""Losses on raw outputs (logits), as a small table of functions.

Each entry has ``value(out, target)`` (mean, as PyTorch's default reduction),
``grad(out, target)`` (the gradient of that mean with respect to ``out``) and
``value_and_grad(out, target)``, both at once from shared intermediate arrays
(what a training step calls).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Loss:
    """One loss: value and gradient with respect to the raw outputs."""

    name: str
    value: Callable[[np.ndarray, np.ndarray], float]
    grad: Callable[[np.ndarray, np.ndarray], np.ndarray]
    value_and_grad: Callable[[np.ndarray, np.ndarray], tuple[float, np.ndarray]]
    task: str  # the data task this loss fits: "regression", "binary" or "multiclass"


def _mse(out, target):
    diff = out - target
    return float(np.mean(diff * diff))


def _mse_grad(out, target):
    g = out - target
    g *= 2.0 / g.size
    return g


def _mse_value_and_grad(out, target):
    g = out - target
    value = float(np.vdot(g, g)) / g.size
    g *= 2.0 / g.size
    return value, g


def _bce(logits, target):
    # max(x, 0) - x*t + log(1 + exp(-|x|)): the stable form of BCEWithLogitsLoss
    loss = np.maximum(logits, 0) - logits * target + np.log1p(np.exp(-np.abs(logits)))
    return float(np.mean(loss))


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function, without overflow for large |x|."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _bce_grad(logits, target):
    g = sigmoid(logits)
    g -= target
    g *= 1.0 / g.size
    return g


def _bce_value_and_grad(logits, target):
    e = np.abs(logits)
    np.negative(e, out=e)
    np.exp(e, out=e)  # exp(-|x|), shared by the value and the gradient
    loss = np.maximum(logits, 0)
    loss -= logits * target
    loss += np.log1p(e)
    value = float(np.add.reduce(loss, axis=None)) / loss.size
    # sigmoid(x) is 1 / (1 + e) for x >= 0 and e / (1 + e) below: no overflow either way
    g = np.where(logits >= 0, 1.0, e)
    e += 1
    g /= e
    g -= target
    g *= 1.0 / g.size
    return value, g


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise log-softmax, shifted by the row maximum for stability."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    shifted -= np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return shifted


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax."""
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    e /= e.sum(axis=1, keepdims=True)
    return e


def _cross_entropy(logits, labels):
    logp = log_softmax(logits)
    return float(-np.mean(logp[np.arange(len(labels)), labels]))


def _cross_entropy_grad(logits, labels):
    g = softmax(logits)
    g[np.arange(len(labels)), labels] -= 1
    g *= 1.0 / len(labels)
    return g


def _cross_entropy_value_and_grad(logits, labels):
    n = len(labels)
    g = logits - logits.max(axis=1, keepdims=True)
    picked = g[_rows(n), labels]  # shifted logits of the true classes
    np.exp(g, out=g)
    sums = np.add.reduce(g, axis=1)
    value = float(np.add.reduce(np.log(sums)) - np.add.reduce(picked)) / n
    g /= sums[:, None]
    g[_rows(n), labels] -= 1
    g *= 1.0 / n
    return value, g


_ROWS: dict[int, np.ndarray] = {}


def _rows(n: int) -> np.ndarray:
    """``np.arange(n)``, kept: every step indexes rows of the same few batch sizes."""
    rows = _ROWS.get(n)
    if rows is None:
        if len(_ROWS) > 8:
            _ROWS.clear()
        rows = _ROWS[n] = np.arange(n)
        rows.flags.writeable = False
    return rows


LOSSES: dict[str, Loss] = {
    "mse": Loss("mse", _mse, _mse_grad, _mse_value_and_grad, "regression"),
    "bce": Loss("bce", _bce, _bce_grad, _bce_value_and_grad, "binary"),
    "cross_entropy": Loss(
        "cross_entropy",
        _cross_entropy,
        _cross_entropy_grad,
        _cross_entropy_value_and_grad,
        "multiclass",
    ),
}

DEFAULT_LOSS = {"regression": "mse", "binary": "bce", "multiclass": "cross_entropy"}


def get_loss(name: str) -> Loss:
    """Look up a loss by name, with a clear error for unknown names."""
    if not isinstance(name, str):
        raise TypeError(f"loss must be a name (str), got {type(name).__name__}")
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(f"loss {name!r} is unknown; expected one of {sorted(LOSSES)}") from None
