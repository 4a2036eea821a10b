"""Training history with bounded memory.

Recent rows are kept exactly; older ones are folded into per-series archives
that keep each bucket's minimum and maximum, so spikes survive however long a
run goes, and memory stays within ``2 * capacity`` points per series.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence

import numpy as np

FOLD = 8  # rows folded into two archive points (their min and max)


def decimate_minmax(x: np.ndarray, y: np.ndarray, max_points: int) -> tuple[np.ndarray, np.ndarray]:
    """Reduce ``(x, y)`` to at most ``max_points`` points keeping each bucket's min and max.

    Points stay in x order; NaNs are ignored within a bucket unless it is all NaN.
    """
    n = len(y)
    if max_points < 2:
        raise ValueError(f"max_points must be >= 2, got {max_points}")
    if n <= max_points:
        return x.copy(), y.copy()
    n_buckets = max_points // 2
    size = math.ceil(n / n_buckets)
    n_full = n // size
    nan = np.isnan(y)
    if nan.any():  # a NaN is kept only where its whole bucket is NaN
        y_min, y_max = np.where(nan, np.inf, y), np.where(nan, -np.inf, y)
    else:
        y_min = y_max = y
    cut = n_full * size
    offsets = np.arange(0, cut, size)
    lo = y_min[:cut].reshape(n_full, size).argmin(axis=1)
    lo += offsets
    hi = y_max[:cut].reshape(n_full, size).argmax(axis=1)
    hi += offsets
    if cut < n:  # the last, shorter bucket
        lo = np.append(lo, cut + int(y_min[cut:].argmin()))
        hi = np.append(hi, cut + int(y_max[cut:].argmax()))
    # (min, max) pairs in x order, bucket after bucket; a bucket whose min and max are
    # one point gives it once
    pairs = np.empty(2 * len(lo), dtype=np.intp)
    np.minimum(lo, hi, out=pairs[0::2])
    np.maximum(lo, hi, out=pairs[1::2])
    keep = pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))]
    return x[keep], y[keep]


class SeriesTable:
    """Several series sampled at the same x (step or epoch), bounded in memory."""

    def __init__(self, columns: Sequence[str], capacity: int = 4096) -> None:
        if capacity < 2 * FOLD:
            raise ValueError(f"capacity must be >= {2 * FOLD}, got {capacity}")
        self.columns = list(columns)
        self._index = {c: i for i, c in enumerate(self.columns)}
        self.capacity = capacity
        self._x = np.empty(capacity)
        self._rows = np.empty((capacity, len(self.columns)))
        self._n = 0
        # Archives are preallocated too, so memory is the same at step 10 and step 10**7:
        # at most `capacity` points per series after halving, plus one fold's worth.
        room = capacity + capacity // 4 + 2
        self._ax = np.empty((len(self.columns), room))
        self._ay = np.empty((len(self.columns), room))
        self._alen = [0] * len(self.columns)
        self._fold_rows = FOLD  # rows per archived min/max pair; doubles as the archive fills
        self.count = 0  # rows ever appended (minus truncated ones)

    def append(self, x: float, values: Sequence[float] | np.ndarray) -> None:
        """Append one row; ``values`` in column order."""
        if self._n == self.capacity:
            self._fold()
        self._x[self._n] = x
        self._rows[self._n] = values
        self._n += 1
        self.count += 1

    def _fold(self) -> None:
        # Move the older half of the exact rows into the archives, as min/max pairs of
        # `_fold_rows` rows each, so that the archive stays evenly spread over the run.
        half = (self.capacity // 2) // FOLD * FOLD
        xs = self._x[:half]
        n_points = 2 * max(1, half // self._fold_rows)
        for j in range(len(self.columns)):
            ax, ay = decimate_minmax(xs, self._rows[:half, j], n_points)
            start = self._alen[j]
            self._ax[j, start : start + len(ax)] = ax
            self._ay[j, start : start + len(ay)] = ay
            self._alen[j] = start + len(ax)
        if max(self._alen) > self.capacity:
            # Halve every archive (two pairs into one) and the resolution of later folds.
            for j in range(len(self.columns)):
                n = self._alen[j]
                ax, ay = decimate_minmax(self._ax[j, :n], self._ay[j, :n], 2 * math.ceil(n / 4))
                self._ax[j, : len(ax)] = ax
                self._ay[j, : len(ay)] = ay
                self._alen[j] = len(ax)
            self._fold_rows *= 2
        remaining = self._n - half
        self._x[:remaining] = self._x[half : self._n]
        self._rows[:remaining] = self._rows[half : self._n]
        self._n = remaining

    def __len__(self) -> int:
        return self.count

    def full(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """All stored points of one series: archive (decimated) then exact rows."""
        j = self._index[name]
        n = self._alen[j]
        x = np.concatenate([self._ax[j, :n], self._x[: self._n]])
        y = np.concatenate([self._ay[j, :n], self._rows[: self._n, j]])
        return x, y

    def last(self, name: str) -> float:
        """The latest value of one series (NaN when empty)."""
        if self._n:
            return float(self._rows[self._n - 1, self._index[name]])
        j = self._index[name]
        n = self._alen[j]
        return float(self._ay[j, n - 1]) if n else math.nan

    def truncate(self, x_max: float) -> None:
        """Drop every point with x > x_max (used by rewind)."""
        keep = int(np.searchsorted(self._x[: self._n], x_max, side="right"))
        self.count -= self._n - keep
        self._n = keep
        for j in range(len(self.columns)):
            n = self._alen[j]
            self._alen[j] = int(np.searchsorted(self._ax[j, :n], x_max, side="right"))
        if self._n == 0 and not any(self._alen):
            self.count = 0

    def clear(self) -> None:
        """Remove everything."""
        self.truncate(-math.inf)
        self.count = 0
        self._fold_rows = FOLD

    def nbytes(self) -> int:
        """Memory held by this table's arrays."""
        return self._x.nbytes + self._rows.nbytes + self._ax.nbytes + self._ay.nbytes

    def state(self) -> dict[str, np.ndarray]:
        """Arrays that reproduce this table (for checkpoints and files)."""
        out = {"x": self._x[: self._n].copy(), "rows": self._rows[: self._n].copy()}
        for j, c in enumerate(self.columns):
            out[f"archive_x/{c}"] = self._ax[j, : self._alen[j]].copy()
            out[f"archive_y/{c}"] = self._ay[j, : self._alen[j]].copy()
        out["count"] = np.array(self.count)
        out["fold_rows"] = np.array(self._fold_rows)
        return out

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        """Restore what ``state`` returned; a state of the wrong shape is refused first."""
        x = np.asarray(state["x"], dtype=float)
        rows = np.asarray(state["rows"], dtype=float)
        n = len(x) if x.ndim == 1 else -1
        if n < 0 or rows.shape != (n, len(self.columns)) or n > self.capacity:
            raise ValueError(
                f"history state must hold x (n,) and rows (n, {len(self.columns)}) with "
                f"n <= {self.capacity}, got {x.shape} and {rows.shape}"
            )
        archives = {}
        for c in self.columns:
            ax = np.array(state[f"archive_x/{c}"], dtype=float)
            ay = np.array(state[f"archive_y/{c}"], dtype=float)
            if ax.ndim != 1 or ax.shape != ay.shape or len(ax) > self._ax.shape[1]:
                raise ValueError(
                    f"history archive of {c!r} must be two 1-D arrays of one length "
                    f"<= {self._ax.shape[1]}"
                )
            archives[c] = ax, ay
        count, fold_rows = int(state["count"]), int(state.get("fold_rows", FOLD))
        if count < n or fold_rows < FOLD:
            raise ValueError(f"history count {count} or fold_rows {fold_rows} is out of range")
        self._x[:n] = x
        self._rows[:n] = rows
        self._n = n
        for j, c in enumerate(self.columns):
            ax, ay = archives[c]
            self._ax[j, : len(ax)] = ax
            self._ay[j, : len(ay)] = ay
            self._alen[j] = len(ax)
        self.count = count
        self._fold_rows = fold_rows


class History:
    """Per-step and per-epoch series of a training run.

    Step series: ``batch_loss``, ``lr``, and per layer ``grad_norm_i``,
    ``weight_norm_i``, ``update_ratio_i``. Epoch series: ``step`` (the step count
    at the epoch's end), ``train_loss``, ``test_loss``, ``penalty`` and, for
    classification, ``train_acc``, ``test_acc``.
    The x of a step series is the step number (1 for the first update); the x
    of an epoch series is the number of finished epochs (0 = before training).
    """

    def __init__(self, n_layers: int, classification: bool, capacity: int = 4096) -> None:
        self.n_layers = n_layers
        self.step_columns = ["batch_loss", "lr"] + [
            f"{kind}_{i}"
            for kind in ("grad_norm", "weight_norm", "update_ratio")
            for i in range(n_layers)
        ]
        self.epoch_columns = ["step", "train_loss", "test_loss", "penalty"]
        if classification:
            self.epoch_columns += ["train_acc", "test_acc"]
        self.steps = SeriesTable(self.step_columns, capacity)
        self.epochs = SeriesTable(self.epoch_columns, max(capacity // 4, 2 * FOLD))

    @property
    def names(self) -> list[str]:
        """Every series name, step series first."""
        return self.step_columns + self.epoch_columns

    def _table(self, name: str) -> SeriesTable:
        if name in self.steps._index:
            return self.steps
        if name in self.epochs._index:
            return self.epochs
        raise ValueError(f"series {name!r} is unknown; expected one of {self.names}")

    def series(self, name: str, max_points: int = 2000) -> tuple[np.ndarray, np.ndarray]:
        """``(x, y)`` of one series, decimated to at most ``max_points`` (min/max kept)."""
        if isinstance(max_points, bool) or not isinstance(max_points, int):
            raise TypeError(f"max_points must be an int, got {type(max_points).__name__}")
        if max_points < 2:
            raise ValueError(f"max_points must be >= 2, got {max_points}")
        x, y = self._table(name).full(name)
        return decimate_minmax(x, y, max_points)

    def last(self, name: str) -> float:
        """The latest value of a series (NaN when there is none yet)."""
        return self._table(name).last(name)

    def __len__(self) -> int:
        return len(self.steps)

    def record_epoch(self, epoch: int, step: int, metrics: dict) -> None:
        """Append one epoch's row: the step it ended at and its metrics by name."""
        self.epochs.append(epoch, [step] + [metrics[c] for c in self.epoch_columns[1:]])

    def truncate(self, step: int, epoch: int) -> None:
        """Forget what came after ``step`` and ``epoch`` (rewind)."""
        self.steps.truncate(step)
        self.epochs.truncate(epoch)

    def clear(self) -> None:
        """Forget everything."""
        self.steps.clear()
        self.epochs.clear()

    def nbytes(self) -> int:
        """Memory held by the history's arrays."""
        return self.steps.nbytes() + self.epochs.nbytes()

    def to_dict(self) -> dict:
        """``{"steps": {name: {"x": [...], "y": [...]}}, "epochs": {...}}``, JSON-ready."""

        def table(t: SeriesTable) -> dict:
            out = {}
            for c in t.columns:
                x, y = t.full(c)
                out[c] = {"x": x.tolist(), "y": [None if math.isnan(v) else v for v in y.tolist()]}
            return out

        return {"steps": table(self.steps), "epochs": table(self.epochs)}

    def to_csv(self, path) -> None:
        """Write every stored point as rows ``series,kind,x,value``."""
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["series", "kind", "x", "value"])
            for kind, t in (("step", self.steps), ("epoch", self.epochs)):
                for c in t.columns:
                    x, y = t.full(c)
                    for xi, yi in zip(x.tolist(), y.tolist(), strict=True):
                        w.writerow([c, kind, int(xi), repr(yi)])

    def to_dataframe(self, kind: str = "epochs"):
        """A pandas DataFrame of the ``"steps"`` or ``"epochs"`` series, one column each."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("to_dataframe needs pandas: pip install pandas") from None
        if kind not in ("steps", "epochs"):
            raise ValueError(f"kind must be 'steps' or 'epochs', got {kind!r}")
        t = self.steps if kind == "steps" else self.epochs
        index_name = "step" if kind == "steps" else "epoch"
        frames = []
        for c in t.columns:
            x, y = t.full(c)
            frames.append(pd.Series(y, index=pd.Index(x.astype(int), name=index_name), name=c))
        if not frames:
            return pd.DataFrame()
        return pd.concat(frames, axis=1)
