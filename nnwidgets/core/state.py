"""TrainerState: everything a trainer's next steps depend on besides the model's
arrays and the optimizer's state, in one object.

Undoing a step, a checkpoint (rewind), the snapshot of a checkpoint and a saved
file all copy, restore or write this one object.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from .cursor import NO_BATCH, EpochCursor


@dataclass(eq=False)
class TrainerState(EpochCursor):
    """The epoch cursor plus the base learning rate, the penalties and the first loss.

    A copy taken with :meth:`copy` keeps the generator's state in ``rng_state`` (None
    in the live state, and in an undo copy of a step that draws nothing).
    """

    base_lr: float = 0.03
    l1: float = 0.0
    l2: float = 0.0
    first_loss: float | None = None
    rng_state: dict | None = None

    def copy(self, with_rng: bool = True) -> TrainerState:
        """A copy of this state; ``with_rng`` also keeps the generator's state (a step
        that draws no permutation leaves it as it is, and an undo may skip it)."""
        new = object.__new__(TrainerState)
        new.__dict__.update(self.__dict__)
        if with_rng:
            new.rng_state = self.rng.bit_generator.state  # a new dict at every read
        return new

    def assign(self, saved: TrainerState, keep_settings: bool = False) -> None:
        """Become ``saved`` (a copy), keeping this state's own generator; with
        ``keep_settings``, also the base rate and the settings changed since (undoing
        a step keeps them, returning to a checkpoint does not)."""
        rng, kept = self.rng, (self.base_lr, self.settings) if keep_settings else None
        self.__dict__.update(saved.__dict__)
        self.rng = rng
        self.rng_state = None
        if kept is not None:
            self.base_lr = kept[0]
            self.__dict__.update(kept[1])
        if saved.rng_state is not None:
            rng.bit_generator.state = copy.deepcopy(saved.rng_state)

    @property
    def settings(self) -> dict:
        """The settings that shape the next steps (besides the learning rate)."""
        return {
            "batch_size": self.batch_size,
            "l1": self.l1,
            "l2": self.l2,
            "shuffle": self.shuffle,
        }

    def to_json(self) -> dict:
        """The JSON part of this state for a saved file (the permutation goes apart)."""
        return {
            "step": self.step,
            "epoch": self.epoch,
            "pos": self.pos,
            "has_perm": self.perm is not None,
            "rng_state": self.rng_state or self.rng.bit_generator.state,
            "base_lr": self.base_lr,
            "first_loss": self.first_loss,
            "last_loss": self.last_loss,
            "grad_norms": list(self.grad_norms),
            "update_ratios": list(self.update_ratios),
            "epoch_metrics": dict(self.epoch_metrics),
        }

    def from_json(self, saved: dict, perm: np.ndarray | None) -> TrainerState:
        """A copy of this state (its settings) at the saved ``to_json()`` values."""
        new = self.copy(with_rng=False)
        new.step, new.epoch, new.pos = saved["step"], saved["epoch"], saved["pos"]
        new.perm = perm if saved["has_perm"] else None
        new.last_batch = NO_BATCH
        new.rng_state = saved["rng_state"]
        new.base_lr = float(saved["base_lr"])
        new.first_loss = saved["first_loss"]
        new.last_loss = float(saved["last_loss"])
        new.grad_norms = tuple(float(v) for v in saved["grad_norms"])
        new.update_ratios = tuple(float(v) for v in saved["update_ratios"])
        metrics = {str(k): float(v) for k, v in dict(saved["epoch_metrics"]).items()}
        new.epoch_metrics = metrics
        return new

    def lr(self, schedule) -> float:
        """The rate the next step uses: the schedule (if any) applied to the base rate."""
        return self.base_lr if schedule is None else schedule.lr(self.base_lr, self.epoch)
