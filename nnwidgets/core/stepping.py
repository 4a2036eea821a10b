"""The stepping half of the trainer protocol, shared by every trainer.

A trainer supplies ``_step()`` (one minibatch update; False when it refuses, e.g.
after a divergence, whose reason it keeps in ``divergence``), ``snapshot()`` and
``epoch``; this mixin builds ``step``, ``step_epoch``, ``run``, ``run_steps`` and
``diverged`` on them.
"""

from __future__ import annotations

import contextlib

import numpy as np

from .blas import limited
from .checks import check_int

#: m * n * k of a matrix product below which BLAS runs it on one thread whatever its
#: limit (OpenBLAS starts threads from 4 * 65536): setting and restoring the limit would
#: cost more than a small network's whole step
SMALL_PRODUCT = 65536


def step_context(
    blas_threads: int | None, largest_product: int
) -> contextlib.AbstractContextManager:
    """The context a run of numpy training steps runs in: numpy neither warns nor raises
    on overflow (the step detects it and undoes it), and BLAS keeps to ``blas_threads``
    when the ``largest_product`` (m * n * k) is large enough for BLAS to start threads."""
    if blas_threads is None or largest_product < SMALL_PRODUCT:
        return np.errstate(over="ignore", invalid="ignore")
    return _limited_errstate(blas_threads)


@contextlib.contextmanager
def _limited_errstate(threads: int):
    with limited(threads), np.errstate(over="ignore", invalid="ignore"):
        yield


class Stepping:
    """``step``, ``step_epoch``, ``run``, ``run_steps`` and ``diverged`` from ``_step``."""

    divergence: str | None = None  # why steps are refused, set by the trainer

    @property
    def diverged(self) -> bool:
        """True while the trainer refuses steps after a divergence (until the learning
        rate changes, a reset or a rewind)."""
        return self.divergence is not None

    def _stepping(self):
        """The context every batch of steps runs in (none here)."""
        return contextlib.nullcontext()

    def step(self):
        """Exactly one minibatch update; returns a Snapshot."""
        with self._stepping():
            self._step()
        return self.snapshot()

    def step_epoch(self):
        """Run to the end of the current epoch; returns a Snapshot."""
        return self._run_until(self.epoch + 1)

    def run(self, epochs: int = 1):
        """Several epochs, the same as calling ``step_epoch()`` that many times."""
        epochs = check_int("epochs", epochs, 0)
        return self._run_until(self.epoch + epochs)

    def _run_until(self, epoch: int):
        with self._stepping():
            while self.epoch < epoch and self._step():
                pass
        return self.snapshot()

    def run_steps(self, n: int, stop_epoch: int | None = None) -> int:
        """Up to ``n`` minibatch updates without snapshots, stopping early on divergence
        or when ``epoch`` reaches ``stop_epoch``; returns how many were done."""
        n = check_int("n", n, 0)
        done = 0
        step = self._step
        with self._stepping():
            if stop_epoch is None:
                while done < n and step():
                    done += 1
            else:
                while done < n and self.epoch < stop_epoch and step():
                    done += 1
        return done
