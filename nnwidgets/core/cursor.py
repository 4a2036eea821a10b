"""The epoch cursor: where training is, shared by every trainer.

Each epoch is one pass over a permutation of the training set (drawn from the
cursor's seeded generator; the identity when ``shuffle=False``), cut into consecutive
slices of ``batch_size``, the last smaller slice kept. The cursor also keeps the
latest step's diagnostics, writes the history row of each step, and holds the
``evaluate()`` skeleton both trainers fill in.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .history import History
from .losses import Loss

NO_BATCH = np.zeros(0, dtype=np.intp)
NO_BATCH.flags.writeable = False


@dataclass(eq=False)
class EpochCursor:
    """Batch order, position and the latest step's diagnostics (see the module docstring).

    ``step`` counts updates, ``epoch`` finished epochs; ``perm`` is the epoch's batch
    order (None until its first batch is drawn) and ``pos`` the samples already used.
    ``epoch_metrics`` and the per-layer diagnostics are replaced, never written in
    place: snapshots and checkpoints share them.
    """

    n: int
    batch_size: int
    shuffle: bool
    rng: np.random.Generator
    step: int = 0
    epoch: int = 0
    pos: int = 0
    perm: np.ndarray | None = None
    last_loss: float = math.nan
    grad_norms: Sequence[float] = ()
    weight_norms: Sequence[float] = ()
    update_ratios: Sequence[float] = ()
    epoch_metrics: dict[str, float] = field(default_factory=dict)
    #: training-set indices of the latest step's minibatch (a slice of that epoch's
    #: order, which is never written in place); empty before the first step
    last_batch: np.ndarray = field(default_factory=lambda: NO_BATCH)

    def next_batch(self) -> np.ndarray:
        """Indices of the next minibatch (draws the epoch's order at its first batch)."""
        if self.perm is None:
            n = self.n
            self.perm = self.rng.permutation(n) if self.shuffle else np.arange(n)
        return self.perm[self.pos : self.pos + self.batch_size]

    def advance(
        self,
        history: History,
        batch: np.ndarray,
        loss: float,
        lr: float,
        grad_norms: Sequence[float],
        weight_norms: Sequence[float],
        update_ratios: Sequence[float],
    ) -> bool:
        """Count one update on ``batch`` (training-set indices), keep its diagnostics and
        write its history row; True when it ended the epoch (the next batch starts a
        new one)."""
        self.step += 1
        self.pos += len(batch)
        self.last_batch = batch
        self.last_loss = loss
        self.grad_norms = grad_norms  # kept as given: never written in place
        self.weight_norms = weight_norms
        self.update_ratios = update_ratios
        history.steps.append(self.step, (loss, lr, *grad_norms, *weight_norms, *update_ratios))
        if self.pos < self.n:
            return False
        self.epoch += 1
        self.pos = 0
        self.perm = None
        return True

    def end_epoch(self, history: History, metrics: Mapping[str, float]) -> None:
        """Keep the metrics of the epoch just ended (or of step 0) and record them."""
        self.epoch_metrics = dict(metrics)
        history.record_epoch(self.epoch, self.step, self.epoch_metrics)

    def diagnostics_zero(self, n_layers: int) -> None:
        """No step yet: zero gradient norms and update ratios for ``n_layers`` layers."""
        self.grad_norms = self.update_ratios = (0.0,) * n_layers

    @property
    def batches_per_epoch(self) -> int:
        """Minibatches in one epoch (the last may be smaller)."""
        return math.ceil(self.n / self.batch_size)

    @property
    def batch_in_epoch(self) -> int:
        """Minibatches of the current epoch already done."""
        return math.ceil(self.pos / self.batch_size)


Part = tuple[str, int, object, object, np.ndarray | None]


def evaluate_parts(
    parts: Iterable[Part],
    run: Callable[[object, object], tuple[float, np.ndarray]],
    loss: Loss,
    classification: bool,
    penalty: float,
) -> dict[str, float]:
    """The ``evaluate()`` skeleton: for each ``(name, n_rows, X, y, labels)`` part, the
    data loss and (for classification) the accuracy of ``loss.labels`` against
    ``labels``; nan for an empty part. ``run(X, y)`` gives ``(loss value, raw outputs
    as a numpy array)``."""
    out: dict[str, float] = {}
    for name, n_rows, X, y, labels in parts:
        if n_rows == 0:
            out[f"{name}_loss"] = math.nan
            if classification:
                out[f"{name}_acc"] = math.nan
            continue
        value, raw = run(X, y)
        out[f"{name}_loss"] = value
        if classification:
            out[f"{name}_acc"] = np.count_nonzero(loss.labels(raw) == labels) / n_rows
    out["penalty"] = penalty
    return out
