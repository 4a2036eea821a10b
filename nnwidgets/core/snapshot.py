"""Snapshot: a frozen, read-only picture of a trainer at one moment."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType

import numpy as np

from .layout import ParamLayout


def frozen_copy(a: np.ndarray) -> np.ndarray:
    """A copy of ``a`` that cannot be written to."""
    c = np.array(a, copy=True)
    c.flags.writeable = False
    return c


def frozen_dict(arrays: dict[str, np.ndarray]) -> MappingProxyType:
    """A read-only mapping of read-only copies."""
    return MappingProxyType({k: frozen_copy(v) for k, v in arrays.items()})


class FrozenArrays(Mapping):
    """Read-only named arrays over one flat copy: ``FrozenArrays(flat, layout)`` takes a
    private copy of ``flat`` (one copy, however many arrays), and builds each read-only
    view of it the first time it is read."""

    __slots__ = ("_flat", "_layout", "_views")

    def __init__(self, flat: np.ndarray, layout: ParamLayout) -> None:
        self._flat = flat.copy()
        self._flat.flags.writeable = False
        self._layout = layout
        self._views: dict[str, np.ndarray] = {}

    def __getitem__(self, key: str) -> np.ndarray:
        view = self._views.get(key)
        if view is None:
            layout = self._layout
            view = self._flat[layout.slices[key]].reshape(layout.shapes[layout.keys.index(key)])
            self._views[key] = view
        return view

    def __iter__(self) -> Iterator[str]:
        return iter(self._layout.keys)

    def __len__(self) -> int:
        return len(self._layout.keys)

    def __contains__(self, key: object) -> bool:
        return key in self._layout.slices

    def __repr__(self) -> str:
        return f"FrozenArrays({dict(self)!r})"


_EMPTY_BATCH = np.zeros(0, dtype=np.intp)
_EMPTY_BATCH.flags.writeable = False


def read_only(a: np.ndarray) -> np.ndarray:
    """A read-only view of ``a`` (no copy: for arrays never written in place)."""
    v = a.view()
    v.flags.writeable = False
    return v


@dataclass(frozen=True)
class Snapshot:
    """What a view needs to draw the trainer's state; never holds the trainer.

    ``grad_norms``, ``weight_norms`` and ``update_ratios`` have one entry per
    layer (of its weight matrix W_i); ``update_ratios`` is |last update| / |W|.
    ``metrics`` holds the latest epoch metrics (as ``Trainer.evaluate()``).
    ``diverged`` is set when the trainer refused a step; ``divergence`` says
    which step and why.
    """

    step: int
    epoch: int
    lr: float
    batch_loss: float
    metrics: Mapping[str, float]
    params: Mapping[str, np.ndarray]
    grads: Mapping[str, np.ndarray]
    grad_norms: tuple[float, ...]
    weight_norms: tuple[float, ...]
    update_ratios: tuple[float, ...]
    layer_sizes: tuple[int, ...] = ()
    activations: tuple[str, ...] = ()
    task: str = "binary"
    batch_in_epoch: int = 0
    batches_per_epoch: int = 1
    diverged: bool = False
    divergence: str | None = None
    #: training-set indices of the latest step's minibatch (empty before the first)
    batch: np.ndarray = field(default_factory=lambda: _EMPTY_BATCH)
    extra: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def _trusted(cls, **fields) -> Snapshot:
        """A Snapshot of every field, already checked and read-only, built without the
        frozen ``__init__``'s one ``object.__setattr__`` per field (a step's snapshot
        costs a few microseconds less)."""
        snap = object.__new__(cls)
        snap.__dict__.update(fields)
        if len(snap.__dict__) != len(_FIELDS):
            raise TypeError(f"Snapshot needs the fields {_FIELDS}, got {sorted(fields)}")
        return snap

    @property
    def n_layers(self) -> int:
        """Number of weight layers."""
        return len(self.grad_norms)

    def status_line(self, steps_per_second: float | None = None) -> str:
        """One line such as ``epoch 3 · step 57 · loss 0.412 · test 0.398 · acc 91% · lr 0.03``."""
        parts = [f"epoch {self.epoch}", f"step {self.step}"]
        if not math.isnan(self.batch_loss):
            parts.append(f"loss {self.batch_loss:.4g}")
        test = self.metrics.get("test_loss")
        if test is not None and not math.isnan(test):
            parts.append(f"test {test:.4g}")
        acc = self.metrics.get("test_acc", self.metrics.get("train_acc"))
        if acc is not None and not math.isnan(acc):
            parts.append(f"acc {acc:.0%}")
        parts.append(f"lr {self.lr:.3g}")
        if steps_per_second:
            parts.append(f"{steps_per_second:,.0f} steps/s")
        line = " · ".join(parts)
        if self.diverged:
            line = f"⚠ {self.divergence} — {line}"
        return line


_FIELDS = tuple(f.name for f in fields(Snapshot))
