"""Time travel for the trainer: kept checkpoints, looking back at them, and rewind.

A mixin of :class:`~nnwidgets.core.trainer.Trainer`: it keeps a checkpoint of the
trainer's one state object at every epoch end and every change of a setting, and
replays from the nearest kept one to reach any later step exactly.
"""

from __future__ import annotations

import numpy as np

from .checkpoint import Checkpoint, CheckpointStore, capture, restore_arrays
from .checks import check_int
from .snapshot import Snapshot
from .state import TrainerState


class TimeTravel:
    """``checkpoints``, ``can_rewind``, ``rewind`` and ``checkpoint_snapshot``."""

    _checkpoints: CheckpointStore
    _state: TrainerState

    @property
    def checkpoints(self) -> list[tuple[int, int]]:
        """``(step, epoch)`` of every kept checkpoint, oldest first."""
        return [(cp.step, cp.epoch) for cp in self._checkpoints.items]

    def can_rewind(self, step: int) -> bool:
        """True when ``rewind(step=step)`` can reach that step exactly."""
        return 0 <= step <= self.step_count and self._checkpoints.base_for(step) is not None

    def rewind(self, step: int | None = None, epoch: int | None = None) -> Snapshot:
        """Back to an earlier step (or the end of an earlier epoch), exactly as it was:
        parameters, optimizer and schedule state, generator state, position in the
        epoch; the history is truncated, and stepping on reproduces the original run
        bit for bit. Settings (learning rate, batch size, ...) return to what they were.
        """
        if (step is None) == (epoch is None):
            raise TypeError("rewind takes exactly one of step=... or epoch=...")
        if epoch is not None:
            epoch = check_int("epoch", epoch, 0)
            if epoch > self.epoch:
                raise ValueError(f"epoch must be <= the current epoch {self.epoch}, got {epoch}")
            ex, steps = self.history.series("step", max_points=10**9)
            match = np.flatnonzero(ex == epoch)
            if len(match) == 0:
                raise ValueError(f"epoch {epoch} is no longer in the history; cannot rewind there")
            step = int(steps[match[0]])
        step = check_int("step", step, 0)
        if step > self.step_count:
            raise ValueError(f"step must be <= the current step {self.step_count}, got {step}")
        base = self._checkpoints.base_for(step)
        if base is None:
            kept = [s for s, _ in self.checkpoints]
            raise ValueError(
                f"step {step} cannot be reached exactly any more (its checkpoints were thinned "
                f"or a setting changed); kept checkpoints are at steps {kept}"
            )
        self._restore(base)
        self.history.truncate(base.step, base.epoch)
        self._checkpoints.drop_after(base.step)
        with self._stepping():
            while self.step_count < step:
                if not self._step():  # cannot happen on an exact replay; be safe
                    break
        return self.snapshot()

    def checkpoint_snapshot(self, step: int) -> Snapshot:
        """A Snapshot of the kept checkpoint at ``step``, without changing the trainer."""
        for cp in self._checkpoints.items:
            if cp.step == step:
                return self._snapshot_of(cp.state, cp.params, cp.grads, None)
        raise ValueError(f"step {step} has no kept checkpoint; kept: {self.checkpoints}")

    def _restore(self, cp: Checkpoint) -> None:
        """Put the whole trainer back to checkpoint ``cp`` (the history is the caller's)."""
        self.optimizer = restore_arrays(cp, self.model, self.optimizer)
        self._state.assign(cp.state)
        self._eval_cache = None
        self._can_undo = False
        self.divergence = None

    def _settings_changed(self) -> None:
        # Replays from earlier checkpoints would use the new settings: mark where they stop
        # being exact, and keep the state here with its new settings.
        self._checkpoints.settings_changed(self.step_count)
        self._keep_checkpoint(epoch_end=False)

    def _keep_checkpoint(self, epoch_end: bool) -> None:
        if self._checkpoints.budget_bytes == 0:
            return
        cp = capture(self._state, self.model, self.optimizer)
        cp.is_epoch_end = epoch_end
        self._checkpoints.add(cp)
