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

from .kept import kept


@dataclass(frozen=True)
class Loss:
    """One loss: value and gradient with respect to the raw outputs, and what the raw
    outputs mean (the one place that knows it: trainers, views and adapters ask here).

    ``value(out, target)`` is the mean loss, ``grad`` its gradient with respect to
    ``out`` and ``value_and_grad`` both at once. ``targets(y, dtype)`` encodes a data
    set's targets as this loss takes them, ``labels(raw)`` turns raw outputs into class
    labels (the one threshold, or the argmax), ``proba(raw)`` into probabilities (of
    class 1 for one output, per class otherwise), and ``check_fits(task, n_outputs,
    n_classes, width)`` refuses a data set or an output width that does not fit.
    """

    name: str
    value: Callable[[np.ndarray, np.ndarray], float]
    grad: Callable[[np.ndarray, np.ndarray], np.ndarray]
    value_and_grad: Callable[[np.ndarray, np.ndarray], tuple[float, np.ndarray]]
    #: raw outputs are logits (bce, cross-entropy), or values to compare with the targets
    logits: bool = True
    #: targets are integer class labels (one column of indices), not an array of values
    class_labels: bool = False
    #: the raw output above which one output means class 1
    threshold: float = 0.0

    def targets(self, y: np.ndarray, dtype=np.float64) -> np.ndarray:
        """``y`` encoded as this loss takes it: int64 labels, or a 2-D float array."""
        if self.class_labels:
            return np.ascontiguousarray(np.asarray(y).reshape(-1), dtype=np.int64)
        y = np.asarray(y, dtype=dtype)
        return np.ascontiguousarray(y.reshape(len(y), -1))

    def labels(self, raw: np.ndarray) -> np.ndarray:
        """Class labels (int64) from raw outputs: the threshold for one output, else the
        argmax."""
        raw = np.asarray(raw)
        if raw.shape[1] == 1:
            return (raw[:, 0] > self.threshold).astype(np.int64)
        return raw.argmax(axis=1)

    def proba(self, raw: np.ndarray) -> np.ndarray:
        """Probabilities from raw outputs: of class 1 for one output (shape (n,)), per
        class otherwise (rows summing to 1). A value loss (mse) is clipped to [0, 1]."""
        raw = np.asarray(raw)
        if raw.shape[1] == 1:
            out = raw[:, 0]
            return sigmoid(out) if self.logits else np.clip(out, 0.0, 1.0)
        if self.logits:
            return softmax(raw)
        return np.clip(raw, 0.0, 1.0)

    def signed_output(self, raw: np.ndarray) -> np.ndarray:
        """One output mapped to [-1, 1] around the decision threshold (for colouring a
        neuron's output); several outputs, or a value loss, unchanged."""
        raw = np.asarray(raw)
        if raw.shape[1] == 1 and self.logits:
            return 2 * sigmoid(raw) - 1
        return raw

    def model_task(self, data_task: str) -> str:
        """What a model trained with this loss on ``data_task`` data predicts."""
        return data_task if self.logits else "regression"

    def output_width(self, n_outputs: int, n_classes: int) -> int:
        """The model output width this loss needs on a data set with ``n_outputs``
        target columns and ``n_classes`` classes (labels 0..n_classes-1)."""
        if self.class_labels:
            return n_classes
        return n_outputs

    def check_fits(self, task: str, n_outputs: int, n_classes: int, width: int) -> None:
        """Raise ``ValueError`` unless a model of output ``width`` can learn this data
        (``task``, ``n_outputs`` target columns, ``n_classes`` classes) with this loss."""
        name = self.name
        if self.class_labels:
            if task not in ("binary", "multiclass"):
                raise ValueError(f"loss {name!r} needs class labels; the data set is {task}")
            if width < 2:
                raise ValueError(
                    f"loss {name!r} needs an output layer of width >= 2, got sizes[-1]={width}"
                )
            if n_classes > width:
                raise ValueError(
                    f"labels run up to {n_classes - 1}, out of range for loss {name!r} "
                    f"with {width} outputs"
                )
        elif self.logits:
            if task != "binary":
                raise ValueError(f"loss {name!r} needs binary 0/1 labels; the data set is {task}")
            if width != 1:
                raise ValueError(
                    f"loss {name!r} needs one output (sizes[-1]=1), got sizes[-1]={width}"
                )
        else:
            if task == "multiclass":
                raise ValueError(
                    f"loss {name!r} does not fit multiclass labels; use loss='cross_entropy'"
                )
            if width != n_outputs:
                raise ValueError(
                    f"model output width sizes[-1]={width} does not match "
                    f"the data set's {n_outputs} outputs"
                )


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


def _bce_terms(logits, target):
    # softplus(x) - x*t, the loss per output, with softplus(x) = logaddexp(0, x) computed
    # without overflow: the stable form of BCEWithLogitsLoss
    loss = np.logaddexp(0, logits)
    loss -= logits * target
    return loss


def _bce(logits, target):
    loss = _bce_terms(logits, target)
    return float(np.add.reduce(loss, axis=None)) / loss.size


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function, without overflow for large |x|."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _bce_grad(logits, target):
    g = sigmoid(logits)
    g -= target
    g *= 1.0 / g.size
    return g


def _bce_value_and_grad(logits, target):
    # few calls matter here: the Playground's batches hold ten numbers
    loss = _bce_terms(logits, target)
    value = float(np.add.reduce(loss, axis=None)) / loss.size
    g = np.multiply(logits, 0.5, out=loss)
    np.tanh(g, out=g)  # sigmoid(x) = (1 + tanh(x / 2)) / 2
    g += 1
    g *= 0.5
    g -= target
    g *= 1.0 / g.size
    return value, g


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax."""
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    e /= e.sum(axis=1, keepdims=True)
    return e


def _by_class(logits, labels):
    """``logits - row max`` laid out (classes, samples), and the flat positions of the
    true classes in it.

    Reductions over a few classes per sample are about ten times faster along
    contiguous rows of the transpose than across the short rows of ``logits``.
    """
    n = len(labels)
    t = np.ascontiguousarray(logits.T)
    t -= np.maximum.reduce(t, axis=0)
    true = labels * n
    true += _rows(n)
    return t, true


def _cross_entropy_parts(logits, labels):
    """The mean loss, and ``exp(logits - row max)`` by class with its sums per sample
    and the true classes' positions (what the gradient is made of)."""
    t, true = _by_class(logits, labels)
    picked = np.add.reduce(t.reshape(-1).take(true))  # shifted logits of the true classes
    np.exp(t, out=t)
    sums = np.add.reduce(t, axis=0)
    value = float(np.add.reduce(np.log(sums)) - picked) / len(labels)
    return value, t, sums, true


def _cross_entropy(logits, labels):
    return _cross_entropy_parts(logits, labels)[0]


def _cross_entropy_value_and_grad(logits, labels):
    value, t, sums, true = _cross_entropy_parts(logits, labels)
    t /= sums
    t.reshape(-1)[true] -= 1
    t *= 1.0 / len(labels)
    return value, t.T  # (samples, classes), a transposed view


def _cross_entropy_grad(logits, labels):
    return _cross_entropy_value_and_grad(logits, labels)[1]


_ROWS: dict[int, np.ndarray] = {}


def _rows(n: int) -> np.ndarray:
    """``np.arange(n)``, kept: every step indexes rows of the same few batch sizes."""
    return kept(_ROWS, n, lambda: _read_only(np.arange(n)), limit=8)


def _read_only(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


LOSSES: dict[str, Loss] = {
    "mse": Loss("mse", _mse, _mse_grad, _mse_value_and_grad, logits=False, threshold=0.5),
    "bce": Loss("bce", _bce, _bce_grad, _bce_value_and_grad),
    "cross_entropy": Loss(
        "cross_entropy",
        _cross_entropy,
        _cross_entropy_grad,
        _cross_entropy_value_and_grad,
        class_labels=True,
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
