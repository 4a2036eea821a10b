"""The stepwise trainer: one minibatch (or one epoch) at a time, reproducibly."""

from __future__ import annotations

import contextlib
import math
from types import MappingProxyType

import numpy as np

from .checkpoint import CheckpointStore
from .checks import check_seed
from .cursor import Part, evaluate_parts
from .datasets import Dataset
from .divergence import reason_before_update
from .features import expand
from .history import History
from .kept import kept
from .losses import Loss
from .model import MLP
from .optim import Optimizer, _check_number
from .schedules import Schedule
from .snapshot import FrozenArrays, Snapshot, read_only
from .state import TrainerState
from .stepping import Stepping, step_context
from .time_travel import TimeTravel
from .trainer_checks import checked_arguments
from .trainer_files import TrainerFiles
from .trainer_settings import TrainerSettings
from .view_context import ViewContext

_WEIGHTS = slice(0, None, 2)  # W0, W1, ... among the layout's W0, b0, W1, b1, ...
_NO_EXTRA: MappingProxyType = MappingProxyType({})


class Trainer(TrainerSettings, TimeTravel, TrainerFiles, Stepping):
    """Trains an :class:`MLP` on a :class:`Dataset` one minibatch at a time.

    Each epoch is one pass over a permutation of the training set (drawn from
    the trainer's seeded generator; the identity when ``shuffle=False``), cut
    into consecutive slices of ``batch_size``, the last smaller slice kept.
    The same seed gives the same run, bit for bit.
    """

    def __init__(
        self,
        model: MLP,
        ds: Dataset,
        loss: str | None = None,
        optimizer: Optimizer | str | None = None,
        batch_size: int = 10,
        shuffle: bool = True,
        seed: int | None = 0,
        l1: float = 0.0,
        l2: float = 0.0,
        schedule: Schedule | None = None,
        divergence_factor: float = 1e6,
        checkpoint_budget: int = 64 * 2**20,
        blas_threads: int | None = 1,
    ) -> None:
        args = checked_arguments(**{k: v for k, v in locals().items() if k != "self"})
        self.model = model
        self.ds = ds
        self.loss: Loss = args["loss"]
        self.optimizer: Optimizer = args["optimizer"]
        self.seed: int | None = args["seed"]
        self.schedule: Schedule | None = args["schedule"]
        self.divergence_factor: float = args["divergence_factor"]
        self.blas_threads: int | None = args["blas_threads"]
        self._checkpoints = CheckpointStore(args["checkpoint_budget"])
        if model.task is None:
            model.task = self.loss.model_task(ds.task)
        # features computed once here, so a step costs the same with or without them
        # (with a column of ones, which carries the bias through the matrix products)
        self._X_train = model.with_ones(expand(ds.X_train, model.features))
        self._X_test = model.with_ones(expand(ds.X_test, model.features))
        self._y_train = self.loss.targets(ds.y_train, model.dtype)
        self._y_test = self.loss.targets(ds.y_test, model.dtype)
        self._classification = ds.task != "regression"
        self._eval_labels = {
            part: self.ds_labels(part) if self._classification else None
            for part in ("train", "test")
        }
        self._batch_inputs: dict[int, np.ndarray] = {}
        self._sizes, self._activations = tuple(model.sizes), tuple(model.activation_names)
        rows, ks = max(len(self._X_train), len(self._X_test)), (self._X_train.shape[1],)
        ks += tuple(n + 1 for n in model.sizes[1:-1])  # inputs with ones, per layer
        self._largest_product = rows * max(k * n for k, n in zip(ks, model.sizes[1:], strict=True))
        self._prev = np.empty_like(model.flat_params)  # the weights before the last update
        # for squares, and for the last update (an array of its own: the layout keeps
        # views per array, and a row of a 2-D array would be a new view at every step)
        self._scratch = tuple(np.empty(model.layout.size, dtype=model.dtype) for _ in "ab")
        self._initial_params = {k: v.copy() for k, v in model.params.items()}
        self._start(self.optimizer.lr, {k: args[k] for k in ("batch_size", "shuffle", "l1", "l2")})

    # ----------------------------------------------------------------- state
    def _start(self, base_lr: float, settings: dict) -> None:
        """Put the trainer at step 0 (weights as they are now) with these settings."""
        rng = np.random.default_rng(self.seed)
        self._state = TrainerState(len(self._X_train), rng=rng, base_lr=base_lr, **settings)
        self._state.diagnostics_zero(self.model.n_layers)
        self._state.weight_norms = self._weight_norms()
        self.divergence: str | None = None
        self._can_undo = False
        self._undo: TrainerState | None = None
        self.optimizer.reset_state()
        self.model.flat_grads[...] = 0
        self.history = History(self.model.n_layers, self._classification)
        self._eval_cache: tuple[tuple, dict] | None = None
        self._state.end_epoch(self.history, self.evaluate())
        self._checkpoints.clear()
        self._keep_checkpoint(epoch_end=True)

    # -------------------------------------------------------------- stepping
    def _gather(self, idx: np.ndarray) -> np.ndarray:
        # into a kept array per batch size: a wide network's batch is large enough for
        # a fresh allocation to cost page faults at every step
        X = self._X_train
        out = kept(
            self._batch_inputs, len(idx), lambda: np.empty((len(idx), X.shape[1]), X.dtype), 4
        )
        return np.take(X, idx, axis=0, out=out)

    def _step(self) -> bool:
        """One minibatch update without building a snapshot; False if refused.

        Runs inside ``_stepping()``, where numpy neither warns nor raises on overflow:
        the step detects it and undoes it."""
        if self.divergence is not None:
            return False
        model, state = self.model, self._state
        undo = state.copy(with_rng=state.perm is None)  # only a new epoch draws
        idx = state.next_batch()
        data_loss, penalty = model.loss_and_grad(
            self._gather(idx), self._y_train[idx], self.loss, state.l1, state.l2, with_ones=True
        )
        objective = data_loss + penalty
        layout, params, scratch = model.layout, model.flat_params, self._scratch
        # sums of squares per array, in layout order W0, b0, W1, b1, ...
        grad_sq = layout.sums_of_squares(model.flat_grads, scratch[0])
        limit, reason = self.divergence_factor * max(1.0, state.first_loss or 1.0), None
        if not (objective <= limit and math.isfinite(sum(grad_sq))):  # rare: say why
            reason = reason_before_update(
                objective,
                grad_sq,
                layout.keys,
                self.divergence_factor,
                state.first_loss,
                state.step,
            )
        if reason is not None:
            # The weights this batch saw came from the previous update: undo that one.
            state.assign(undo)
            self._undo_last_step()
            self._diverge(reason)
            return False
        if state.first_loss is None:
            state.first_loss = objective
        np.copyto(self._prev, params)
        optimizer = self.optimizer
        optimizer.backup()
        lr = state.lr(self.schedule)
        optimizer._lr = lr  # unchecked: a schedule may reach 0 (cosine at T_max), as torch
        optimizer.step_flat(params, model.flat_grads, layout)
        weight_sq = layout.sums_of_squares(params, scratch[0])
        if not math.isfinite(sum(weight_sq)):
            np.copyto(params, self._prev)
            optimizer.restore()
            state.assign(undo)
            self._can_undo = False
            self._diverge(
                f"diverged at step {state.step + 1}: the update made the weights "
                "overflow (learning rate too large)"
            )
            return False
        np.subtract(self._prev, params, out=scratch[1])
        update_sq = layout.sums_of_squares(scratch[1], scratch[0], _WEIGHTS)
        grad_norms = [math.sqrt(v) for v in grad_sq[_WEIGHTS]]
        weight_norms = [math.sqrt(v) for v in weight_sq[_WEIGHTS]]
        ratios = [
            math.sqrt(u) / w if w else 0.0 for u, w in zip(update_sq, weight_norms, strict=True)
        ]
        self._undo = undo
        self._can_undo = True
        if state.advance(self.history, idx, objective, lr, grad_norms, weight_norms, ratios):
            state.end_epoch(self.history, self.evaluate())
            self._keep_checkpoint(epoch_end=True)
        return True

    def _weight_norms(self) -> tuple[float, ...]:
        """Each weight matrix's norm, computed as a step computes it."""
        sq = self.model.layout.sums_of_squares(self.model.flat_params, self._scratch[0])
        return tuple(math.sqrt(v) for v in sq[_WEIGHTS])

    def _undo_last_step(self) -> None:
        """Return to the state before the last completed update (the last good weights)."""
        if not self._can_undo:
            return
        np.copyto(self.model.flat_params, self._prev)
        self.optimizer.restore()
        s = self._state
        s.assign(self._undo, keep_settings=True)
        if (s.l1, s.l2) != (self._undo.l1, self._undo.l2):  # penalties changed since
            s.epoch_metrics = {**s.epoch_metrics, "penalty": self.model.penalty(s.l1, s.l2)}
        self.history.truncate(self.step_count, self.epoch)
        self._checkpoints.drop_after(self.step_count)
        self._eval_cache = None
        self._can_undo = False

    def _diverge(self, reason: str) -> None:
        self.divergence = f"{reason}; lower the learning rate, reset or rewind"

    def _stepping(self) -> contextlib.AbstractContextManager:
        return step_context(self.blas_threads, self._largest_product)

    # ------------------------------------------------------------ reporting
    def evaluate(self) -> dict[str, float]:
        """Data losses on the training and test parts, the penalty, and accuracies."""
        s = self._state
        version = (s.step, s.epoch, id(s.perm), self.divergence is None, s.l1, s.l2)
        if self._eval_cache is not None and self._eval_cache[0] == version:
            return dict(self._eval_cache[1])
        loss, model = self.loss, self.model

        def run(X: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
            raw = model.forward_buffered(X, with_ones=True)
            return loss.value(raw, y), raw

        parts: list[Part] = [
            ("train", len(self._X_train), self._X_train, self._y_train, self._eval_labels["train"]),
            ("test", len(self._X_test), self._X_test, self._y_test, self._eval_labels["test"]),
        ]
        penalty = model.penalty(s.l1, s.l2)
        out = evaluate_parts(parts, run, loss, self._classification, penalty)
        self._eval_cache = (version, out)
        return dict(out)

    def ds_labels(self, part: str) -> np.ndarray:
        """Integer labels of the training or test part (classification)."""
        y = self.ds.y_train if part == "train" else self.ds.y_test
        return np.asarray(y).reshape(len(y), -1)[:, 0].astype(np.int64)

    def predict(self, X) -> np.ndarray:
        """Labels or values for raw features (the data set's standardisation applied)."""
        raw = self.model.forward(self.ds.transform(X))
        if self.ds.task == "regression":
            return raw[:, 0] if raw.shape[1] == 1 else raw
        return self.loss.labels(raw)

    def view_context(self) -> ViewContext:
        """What the views may know of this trainer: data, network shape, loss."""
        model = self.model
        return ViewContext(
            ds=self.ds,
            layer_sizes=self._sizes,
            activations=self._activations,
            loss=self.loss,
            task=self.ds.task,
            features=model.features,
        )

    def snapshot(self) -> Snapshot:
        """A frozen, read-only Snapshot of now."""
        m = self.model
        return self._snapshot_of(self._state, m.flat_params, m.flat_grads, self.divergence)

    def _snapshot_of(self, s: TrainerState, params, grads, divergence: str | None) -> Snapshot:
        """A Snapshot of state ``s`` with ``params`` and ``grads`` (flat arrays, or dicts
        of arrays of the model's layout, as a checkpoint keeps them)."""
        model = self.model
        if isinstance(params, dict):
            params, grads = (
                np.concatenate([a.ravel() for a in d.values()]) for d in (params, grads)
            )
        return Snapshot._trusted(
            step=s.step,
            epoch=s.epoch,
            lr=s.lr(self.schedule),
            batch_loss=s.last_loss,
            metrics=MappingProxyType(s.epoch_metrics),
            params=FrozenArrays(params, model.layout),
            grads=FrozenArrays(grads, model.layout),
            grad_norms=tuple(s.grad_norms),
            weight_norms=tuple(s.weight_norms),
            update_ratios=tuple(s.update_ratios),
            layer_sizes=self._sizes,
            activations=self._activations,
            task=self.ds.task,
            batch_in_epoch=s.batch_in_epoch,
            batches_per_epoch=s.batches_per_epoch,
            diverged=divergence is not None,
            divergence=divergence,
            batch=read_only(s.last_batch),
            extra=_NO_EXTRA,
        )

    # ------------------------------------------------------------- restarts
    def reset(self, seed: int | None = None) -> Snapshot:
        """Back to step 0. ``None`` keeps the seed (as a new trainer); an int draws new
        weights and a new batch order."""
        seed = check_seed(seed)
        if seed is None and self._initial_params is not None:
            for k, v in self._initial_params.items():
                np.copyto(self.model.params[k], v)
        else:
            if seed is not None:
                self.seed = seed
            self.model.initialize(self.model.seed if seed is None else seed)
            self._initial_params = {k: v.copy() for k, v in self.model.params.items()}
        self._start(self.base_lr, self._state.settings)
        return self.snapshot()

    def set_param(self, key: str, index: tuple[int, ...], value: float) -> None:
        """Set one weight or bias by hand (then step on from there)."""
        if key not in self.model.params:
            raise ValueError(f"key must be one of {self.model.param_keys}, got {key!r}")
        array = self.model.params[key]
        if (
            not isinstance(index, tuple)
            or len(index) != array.ndim
            or not all(
                isinstance(i, int | np.integer) and 0 <= i < n
                for i, n in zip(index, array.shape, strict=False)
            )
        ):
            raise ValueError(f"index must be a tuple within {array.shape} for {key}, got {index!r}")
        value = _check_number("value", value, -math.inf)
        array[index] = value
        self._eval_cache = None
        self._state.epoch_metrics = self.evaluate()
        self._state.weight_norms = self._weight_norms()
        self._can_undo = False
        self._settings_changed()

    def __repr__(self) -> str:
        return (
            f"Trainer({self.model!r}, {self.ds.name!r}, loss={self.loss.name!r}, "
            f"optimizer={self.optimizer!r}, batch_size={self.batch_size}, "
            f"epoch={self.epoch}, step={self.step_count})"
        )
