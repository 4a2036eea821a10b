"""The trainer's setup as JSON (``config``) and as one self-contained file (``save``,
``load``): a mixin of :class:`~nnwidgets.core.trainer.Trainer`.

The checkpoint module reads and writes files; building a trainer from one happens
here, through ``cls``, so that no core module imports the trainer.
"""

from __future__ import annotations

from pathlib import Path

from . import checkpoint
from .checkpoint import capture


class TrainerFiles:
    """``config()``, ``save(path)`` and ``load(path)``."""

    def config(self) -> dict:
        """JSON-ready description of this trainer's setup."""
        ds, opt = self.ds, self.optimizer
        return {
            "model": self.model.config(),
            "dataset": ds.params if hasattr(ds, "params") else {"name": ds.name},
            "loss": self.loss.name,
            "optimizer": {"name": opt.name, **opt.hyperparameters(), "lr": self.base_lr},
            "batch_size": self.batch_size,
            "shuffle": self.shuffle,
            "seed": self.seed,
            "l1": self.l1,
            "l2": self.l2,
            "schedule": None if self.schedule is None else self.schedule.config(),
            "divergence_factor": self.divergence_factor,
        }

    def save(self, path) -> Path:
        """Write everything needed to continue bit for bit to one ``.npz`` file."""
        return checkpoint.save(
            path,
            ds=self.ds,
            model=self.model,
            config=self.config(),
            checkpoint=capture(self._state, self.model, self.optimizer),
            initial_params=self._initial_params,
            history=self.history,
            divergence=self.divergence,
        )

    @classmethod
    def load(cls, path):
        """A trainer from a file written by ``save``; it continues bit for bit."""
        saved = checkpoint.read(path)
        try:
            model = saved.model()
            tr = cls(model, saved.dataset(), **saved.trainer_arguments())
            cp = saved.checkpoint(tr._state, model)
            checkpoint.check_saved_state(
                cp, saved.divergence, tr.n_train, tr.evaluate(), tr.optimizer, model
            )
            tr._restore(cp)
            tr._state.weight_norms = tr._weight_norms()
            tr.divergence = saved.divergence
            for name, table in (("steps", tr.history.steps), ("epochs", tr.history.epochs)):
                table.load_state(saved.table(name))
            # None: reset() draws from the model's seed again
            tr._initial_params = saved.initial_params(model.param_keys)
            tr._checkpoints.clear()
            tr._keep_checkpoint(epoch_end=False)
        except checkpoint.INCONSISTENT as exc:
            raise ValueError(f"path {str(path)!r} is an inconsistent save file: {exc!r}") from None
        return tr
