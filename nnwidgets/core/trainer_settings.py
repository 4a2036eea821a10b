"""The trainer's settings and counters, read from and written to its one state object:
a mixin of :class:`~nnwidgets.core.trainer.Trainer`."""

from __future__ import annotations

from .optim import Optimizer, _check_lr
from .state import TrainerState
from .trainer_checks import checked_settings


class TrainerSettings:
    """``step_count``, ``epoch``, ``lr``, ``base_lr``, the settings and ``configure``."""

    _state: TrainerState

    @property
    def step_count(self) -> int:
        """Updates done since step 0."""
        return self._state.step

    @property
    def epoch(self) -> int:
        """Epochs finished since step 0."""
        return self._state.epoch

    @property
    def batch_size(self) -> int:
        """Samples per minibatch (the last of an epoch may hold fewer)."""
        return self._state.batch_size

    @property
    def shuffle(self) -> bool:
        """Whether each epoch draws a new batch order."""
        return self._state.shuffle

    @property
    def l1(self) -> float:
        """The L1 penalty's factor."""
        return self._state.l1

    @property
    def l2(self) -> float:
        """The L2 penalty's factor."""
        return self._state.l2

    @property
    def n_train(self) -> int:
        """Number of training samples."""
        return self._state.n

    @property
    def batches_per_epoch(self) -> int:
        """Minibatches in one epoch (the last may be smaller)."""
        return self._state.batches_per_epoch

    @property
    def lr(self) -> float:
        """The rate the next step uses (the schedule applied to the base rate)."""
        return self._state.lr(self.schedule)

    @lr.setter
    def lr(self, value: float) -> None:
        value = _check_lr(value)
        if value == self._state.base_lr:
            return
        self.divergence = None  # a new rate is a new attempt
        self._state.base_lr = value
        self._settings_changed()

    @property
    def base_lr(self) -> float:
        """The rate the schedule scales (what the slider sets)."""
        return self._state.base_lr

    def configure(
        self,
        *,
        batch_size: int | None = None,
        l1: float | None = None,
        l2: float | None = None,
        optimizer: Optimizer | str | None = None,
    ) -> None:
        """Change settings between steps; every value is checked before any is applied.

        A new optimizer starts with fresh state and keeps the current base rate
        unless it was given as an instance.
        """
        new = checked_settings(
            {"batch_size": batch_size, "l1": l1, "l2": l2, "optimizer": optimizer},
            self.base_lr,
        )
        state = self._state
        opt = new.pop("optimizer", None)
        for key, value in new.items():
            setattr(state, key, value)
        if opt is not None:
            self.optimizer = opt
            state.base_lr = opt.lr
            self.divergence = None
            opt.backup()  # undoing the last step leaves the new one as it is
        if "l1" in new or "l2" in new:
            penalty = self.model.penalty(self.l1, self.l2)
            state.epoch_metrics = {**state.epoch_metrics, "penalty": penalty}
        if new or opt is not None:
            self._settings_changed()
