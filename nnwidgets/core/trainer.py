"""The stepwise trainer: one minibatch (or one epoch) at a time, reproducibly."""

from __future__ import annotations

import contextlib
import math
from pathlib import Path
from types import MappingProxyType

import numpy as np

from .blas import limited
from .checkpoint import CheckpointStore, capture, restore
from .checkpoint import load as load_trainer
from .checkpoint import save as save_trainer
from .checks import check_int, check_seed
from .datasets import Dataset
from .features import expand
from .history import History
from .kept import kept
from .losses import DEFAULT_LOSS, Loss, get_loss
from .model import MLP
from .optim import Optimizer, _check_lr, _check_number, get_optimizer
from .schedules import Schedule
from .snapshot import Snapshot, frozen_dict
from .stepping import Stepping
from .view_context import ViewContext

_WEIGHTS = slice(0, None, 2)  # W0, W1, ... among the layout's W0, b0, W1, b1, ...


def _norm(a: np.ndarray) -> float:
    flat = a.ravel()
    return math.sqrt(float(np.dot(flat, flat)))


class Trainer(Stepping):
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
        if not isinstance(model, MLP):
            raise TypeError(f"model must be an nw.MLP, got {type(model).__name__}")
        if not isinstance(ds, Dataset):
            raise TypeError(f"ds must be an nw.Dataset, got {type(ds).__name__}")
        loss_fn = get_loss(DEFAULT_LOSS[ds.task] if loss is None else loss)
        optimizer = get_optimizer(SGDDefault() if optimizer is None else optimizer)
        batch_size = check_int("batch_size", batch_size, 1)
        if not isinstance(shuffle, bool):
            raise TypeError(f"shuffle must be a bool, got {type(shuffle).__name__}")
        seed = check_seed(seed)
        l1 = _check_number("l1", l1)
        l2 = _check_number("l2", l2)
        if schedule is not None and not isinstance(schedule, Schedule):
            raise TypeError(
                f"schedule must be an nw.schedules instance or None, got {type(schedule).__name__}"
            )
        divergence_factor = _check_number("divergence_factor", divergence_factor, 1.0)
        checkpoint_budget = check_int("checkpoint_budget", checkpoint_budget, 0)
        if blas_threads is not None:
            blas_threads = check_int("blas_threads", blas_threads, 1)
        self._check_compatible(model, ds, loss_fn)

        self.model = model
        self.ds = ds
        self.loss: Loss = loss_fn
        self.optimizer = optimizer
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.l1 = l1
        self.l2 = l2
        self.schedule = schedule
        self.divergence_factor = divergence_factor
        self._checkpoints = CheckpointStore(checkpoint_budget)
        self.blas_threads = blas_threads
        if model.task is None:
            model.task = loss_fn.model_task(ds.task)
        self._base_lr = optimizer.lr
        # features computed once here, so a step costs the same with or without them
        # (with a column of ones, which carries the bias through the matrix products)
        self._X_train = model.with_ones(expand(ds.X_train, model.features))
        self._X_test = model.with_ones(expand(ds.X_test, model.features))
        self._y_train = self._targets(ds.y_train)
        self._y_test = self._targets(ds.y_test)
        if ds.task != "regression":
            self._eval_labels = {part: self.ds_labels(part) for part in ("train", "test")}
        self._batch_inputs: dict[int, np.ndarray] = {}
        self._prev = np.empty_like(model.flat_params)  # the weights before the last update
        # for squares, and for the last update (an array of its own: the layout keeps
        # views per array, and a row of a 2-D array would be a new view at every step)
        self._scratch = tuple(np.empty(model.layout.size, dtype=model.dtype) for _ in "ab")
        self._initial_params = {k: v.copy() for k, v in model.params.items()}
        self._start()

    # ------------------------------------------------------------ validation
    @staticmethod
    def _check_compatible(model: MLP, ds: Dataset, loss: Loss) -> None:
        if model.features is not None and ds.n_features != 2:
            raise ValueError(
                f"model features {list(model.features)} need 2-D data; the data set has "
                f"{ds.n_features} features"
            )
        if model.n_inputs != ds.n_features:
            raise ValueError(
                f"model input width sizes[0]={model.sizes[0]} does not match the data set's "
                f"{ds.n_features} features"
            )
        n_classes = 0
        if ds.task != "regression":
            n_classes = int(max(ds.y_train.max(initial=0), ds.y_test.max(initial=0))) + 1
        loss.check_fits(ds.task, ds.n_outputs, n_classes, model.sizes[-1])

    def _targets(self, y: np.ndarray) -> np.ndarray:
        return self.loss.targets(y, self.model.dtype)

    # ----------------------------------------------------------------- state
    def _start(self) -> None:
        """Put the trainer at step 0 (weights as they are now)."""
        self._rng = np.random.default_rng(self.seed)
        self._perm: np.ndarray | None = None
        self._pos = 0
        self.step_count = 0
        self.epoch = 0
        self._first_loss: float | None = None
        self._last_loss = math.nan
        self._grad_norms = tuple(0.0 for _ in range(self.model.n_layers))
        self._update_ratios = tuple(0.0 for _ in range(self.model.n_layers))
        self.divergence: str | None = None
        self._can_undo = False
        self._undo: tuple | None = None
        self.optimizer.reset_state()
        for g in self.model.grads.values():
            g[...] = 0
        self.history = History(self.model.n_layers, self.ds.task != "regression")
        self._eval_cache: tuple[int, dict] | None = None
        self._epoch_metrics = self.evaluate()
        self.history.record_epoch(self.epoch, self.step_count, self._epoch_metrics)
        self._checkpoints.clear()
        self._keep_checkpoint(epoch_end=True)

    @property
    def n_train(self) -> int:
        """Number of training samples."""
        return len(self._X_train)

    @property
    def batches_per_epoch(self) -> int:
        """Minibatches in one epoch (the last may be smaller)."""
        return math.ceil(self.n_train / self.batch_size)

    @property
    def lr(self) -> float:
        """The rate the next step uses (the schedule applied to the base rate)."""
        if self.schedule is None:
            return self._base_lr
        return self.schedule.lr(self._base_lr, self.epoch)

    @lr.setter
    def lr(self, value: float) -> None:
        value = _check_lr(value)
        if value == self._base_lr:
            return
        self.divergence = None  # a new rate is a new attempt
        self._base_lr = value
        self._settings_changed()

    @property
    def base_lr(self) -> float:
        """The rate the schedule scales (what the slider sets)."""
        return self._base_lr

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
        new = {}
        if batch_size is not None:
            new["batch_size"] = check_int("batch_size", batch_size, 1)
        if l1 is not None:
            new["l1"] = _check_number("l1", l1)
        if l2 is not None:
            new["l2"] = _check_number("l2", l2)
        if optimizer is not None:
            keep_lr = isinstance(optimizer, str)
            opt = get_optimizer(optimizer)
            if keep_lr:
                opt.lr = self._base_lr
            new["optimizer"] = opt
        for key, value in new.items():
            setattr(self, key, value)
        if "optimizer" in new:
            self._base_lr = new["optimizer"].lr
            self.divergence = None
            new["optimizer"].backup()  # undoing the last step leaves the new one as it is
        if "l1" in new or "l2" in new:
            self._epoch_metrics["penalty"] = self.model.penalty(self.l1, self.l2)
        if new:
            self._settings_changed()

    def _settings_changed(self) -> None:
        # Replays from earlier checkpoints would use the new settings: mark where they stop
        # being exact, and keep the state here with its new settings.
        self._checkpoints.settings_changed(self.step_count)
        self._keep_checkpoint(epoch_end=False)

    def _keep_checkpoint(self, epoch_end: bool) -> None:
        if self._checkpoints.budget_bytes == 0:
            return
        cp = capture(self)
        cp.is_epoch_end = epoch_end
        self._checkpoints.add(cp)

    # -------------------------------------------------------------- stepping
    def _next_batch(self) -> np.ndarray:
        if self._perm is None:
            n = self.n_train
            self._perm = self._rng.permutation(n) if self.shuffle else np.arange(n)
        return self._perm[self._pos : self._pos + self.batch_size]

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
        model = self.model
        undo = self._where_we_are()
        idx = self._next_batch()
        data_loss, penalty = model.loss_and_grad(
            self._gather(idx), self._y_train[idx], self.loss, self.l1, self.l2, with_ones=True
        )
        objective = data_loss + penalty
        layout, params, scratch = model.layout, model.flat_params, self._scratch
        # sums of squares per array, in layout order W0, b0, W1, b1, ...
        grad_sq = layout.sums_of_squares(model.flat_grads, scratch[0])
        reason = self._check_before_update(objective, grad_sq)
        if reason is not None:
            # The weights this batch saw came from the previous update: undo that one.
            self._go_back_to(undo)
            self._undo_last_step()
            self._diverge(reason)
            return False
        if self._first_loss is None:
            self._first_loss = objective
        np.copyto(self._prev, params)
        optimizer = self.optimizer
        optimizer.backup()
        lr = self.lr
        optimizer._lr = lr  # unchecked: a schedule may reach 0 (cosine at T_max), as torch
        optimizer.step_flat(params, model.flat_grads, layout)
        weight_sq = layout.sums_of_squares(params, scratch[0])
        if not math.isfinite(sum(weight_sq)):
            self._restore_before_update()
            self._go_back_to(undo)
            self._can_undo = False
            self._diverge(
                f"diverged at step {self.step_count + 1}: the update made the weights "
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
        self.step_count += 1
        self._pos += len(idx)
        self._last_loss = objective
        self._grad_norms = grad_norms
        self._update_ratios = ratios
        self.history.steps.append(
            self.step_count, (objective, lr, *grad_norms, *weight_norms, *ratios)
        )
        if self._pos >= self.n_train:
            self._end_epoch()
        return True

    def _restore_before_update(self) -> None:
        np.copyto(self.model.flat_params, self._prev)
        self.optimizer.restore()

    def _where_we_are(self) -> tuple:
        # What one step changes besides the weights and the optimizer state.
        rng_state = self._rng.bit_generator.state if self._perm is None else None
        return (
            self._pos,
            self._perm,
            self.epoch,
            self._first_loss,
            self._last_loss,
            self._grad_norms,
            self._update_ratios,
            self._epoch_metrics,
            rng_state,
        )

    def _go_back_to(self, where: tuple) -> None:
        (
            self._pos,
            self._perm,
            self.epoch,
            self._first_loss,
            self._last_loss,
            self._grad_norms,
            self._update_ratios,
            self._epoch_metrics,
            rng_state,
        ) = where
        if rng_state is not None:  # the step drew a new permutation
            self._rng.bit_generator.state = rng_state

    def _undo_last_step(self) -> None:
        """Return to the state before the last completed update (the last good weights)."""
        if not self._can_undo:
            return
        self._restore_before_update()
        self._go_back_to(self._undo)
        self.step_count -= 1
        self.history.truncate(self.step_count, self.epoch)
        self._checkpoints.drop_after(self.step_count)
        self._eval_cache = None
        self._can_undo = False

    def _check_before_update(self, objective: float, grad_sq: list[float]) -> str | None:
        limit = self.divergence_factor * max(1.0, self._first_loss or 1.0)
        if objective <= limit and math.isfinite(sum(grad_sq)):
            return None  # the usual case, decided in one comparison and one sum
        step = self.step_count
        where = f"diverged at step {step}" if step else "diverged at the first step"
        if not math.isfinite(objective):
            return f"{where}: the loss became {objective}"
        for key, g in zip(self.model.layout.keys, grad_sq, strict=True):
            if not math.isfinite(g):
                kind = "bias gradient" if key.startswith("b") else "gradient"
                return f"{where}: the {kind} of {key} became infinite"
        if objective > limit:
            return (
                f"{where}: the loss rose to {objective:.3g}, over "
                f"{self.divergence_factor:.0e} × the first loss"
            )
        return None

    def _diverge(self, reason: str) -> None:
        self.divergence = f"{reason}; lower the learning rate, reset or rewind"

    def _end_epoch(self) -> None:
        self.epoch += 1
        self._pos = 0
        self._perm = None
        self._epoch_metrics = self.evaluate()
        self.history.record_epoch(self.epoch, self.step_count, self._epoch_metrics)
        self._keep_checkpoint(epoch_end=True)

    @contextlib.contextmanager
    def _stepping(self):
        # Entered once per run of steps, not per step: both contexts cost microseconds.
        with limited(self.blas_threads), np.errstate(over="ignore", invalid="ignore"):
            yield

    # ------------------------------------------------------------ reporting
    def evaluate(self) -> dict[str, float]:
        """Data losses on the training and test parts, the penalty, and accuracies."""
        if self._eval_cache is not None and self._eval_cache[0] == self._version():
            return dict(self._eval_cache[1])
        out = {}
        for part, X, y in (
            ("train", self._X_train, self._y_train),
            ("test", self._X_test, self._y_test),
        ):
            if len(X) == 0:
                out[f"{part}_loss"] = math.nan
                if self.ds.task != "regression":
                    out[f"{part}_acc"] = math.nan
                continue
            raw = self.model.forward_buffered(X, with_ones=True)
            out[f"{part}_loss"] = self.loss.value(raw, y)
            if self.ds.task != "regression":
                hits = np.count_nonzero(self._labels(raw) == self._eval_labels[part])
                out[f"{part}_acc"] = hits / len(X)
        out["penalty"] = self.model.penalty(self.l1, self.l2)
        self._eval_cache = (self._version(), out)
        return dict(out)

    def _version(self) -> tuple:
        return (
            self.step_count,
            self.epoch,
            id(self._perm),
            self.divergence is None,
            self.l1,
            self.l2,
        )

    def _labels(self, raw: np.ndarray) -> np.ndarray:
        return self.loss.labels(raw)

    def ds_labels(self, part: str) -> np.ndarray:
        """Integer labels of the training or test part (classification)."""
        y = self.ds.y_train if part == "train" else self.ds.y_test
        return np.asarray(y).reshape(len(y), -1)[:, 0].astype(np.int64)

    def predict(self, X) -> np.ndarray:
        """Labels or values for raw features (the data set's standardisation applied)."""
        raw = self.model.forward(self.ds.transform(X))
        if self.ds.task == "regression":
            return raw[:, 0] if raw.shape[1] == 1 else raw
        return self._labels(raw)

    def view_context(self) -> ViewContext:
        """What the views may know of this trainer: data, network shape, loss."""
        model = self.model
        return ViewContext(
            ds=self.ds,
            layer_sizes=tuple(model.sizes),
            activations=tuple(model.activation_names),
            loss=self.loss,
            task=self.ds.task,
            features=model.features,
        )

    def snapshot(self) -> Snapshot:
        """A frozen, read-only Snapshot of now."""
        return self._snapshot_of(None)

    def _snapshot_of(self, cp) -> Snapshot:
        model = self.model
        n_w = model.n_layers
        params = model.params if cp is None else cp.params
        grads = model.grads if cp is None else cp.grads
        if cp is None:
            step, epoch, pos, base_lr = self.step_count, self.epoch, self._pos, self._base_lr
            loss, metrics = self._last_loss, self._epoch_metrics
            grad_norms, ratios, divergence = self._grad_norms, self._update_ratios, self.divergence
            batch_size = self.batch_size
        else:
            step, epoch, pos, base_lr = cp.step, cp.epoch, cp.pos, cp.base_lr
            loss, metrics = cp.last_loss, cp.epoch_metrics
            grad_norms, ratios, divergence = cp.grad_norms, cp.update_ratios, None
            batch_size = cp.settings["batch_size"]
        lr = base_lr if self.schedule is None else self.schedule.lr(base_lr, epoch)
        return Snapshot(
            step=step,
            epoch=epoch,
            lr=lr,
            batch_loss=loss,
            metrics=MappingProxyType(dict(metrics)),
            params=frozen_dict(params),
            grads=frozen_dict(grads),
            grad_norms=tuple(grad_norms),
            weight_norms=tuple(_norm(params[f"W{i}"]) for i in range(n_w)),
            update_ratios=tuple(ratios),
            layer_sizes=tuple(model.sizes),
            activations=tuple(model.activation_names),
            task=self.ds.task,
            batch_in_epoch=math.ceil(pos / batch_size),
            batches_per_epoch=math.ceil(self.n_train / batch_size),
            diverged=divergence is not None,
            divergence=divergence,
        )

    # ------------------------------------------------------------- restarts
    def reset(self, seed: int | None = None) -> Snapshot:
        """Back to step 0. ``None`` keeps the seed (as a new trainer); an int draws new
        weights and a new batch order."""
        seed = check_seed(seed)
        if seed is None and self._initial_params is not None:
            for k, v in self._initial_params.items():
                np.copyto(self.model.params[k], v)
        elif seed is None:
            self.model.initialize(self.model.seed)
            self._initial_params = {k: v.copy() for k, v in self.model.params.items()}
        else:
            self.seed = seed
            self.model.initialize(seed)
            self._initial_params = {k: v.copy() for k, v in self.model.params.items()}
        self._start()
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
        self._epoch_metrics = self.evaluate()
        self._can_undo = False
        self._settings_changed()

    # ---------------------------------------------------------- time travel
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
        restore(self, base)
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
                return self._snapshot_of(cp)
        raise ValueError(f"step {step} has no kept checkpoint; kept: {self.checkpoints}")

    def save(self, path) -> Path:
        """Write everything needed to continue bit for bit to one ``.npz`` file."""
        return save_trainer(self, path)

    @classmethod
    def load(cls, path) -> Trainer:
        """A trainer from a file written by ``save``; it continues bit for bit."""
        return load_trainer(path)

    def config(self) -> dict:
        """JSON-ready description of this trainer's setup."""
        return {
            "model": self.model.config(),
            "dataset": self.ds.params if hasattr(self.ds, "params") else {"name": self.ds.name},
            "loss": self.loss.name,
            "optimizer": {
                "name": self.optimizer.name,
                **self.optimizer.hyperparameters(),
                "lr": self._base_lr,
            },
            "batch_size": self.batch_size,
            "shuffle": self.shuffle,
            "seed": self.seed,
            "l1": self.l1,
            "l2": self.l2,
            "schedule": None if self.schedule is None else self.schedule.config(),
            "divergence_factor": self.divergence_factor,
        }

    def __repr__(self) -> str:
        return (
            f"Trainer({self.model!r}, {self.ds.name!r}, loss={self.loss.name!r}, "
            f"optimizer={self.optimizer!r}, batch_size={self.batch_size}, "
            f"epoch={self.epoch}, step={self.step_count})"
        )


def SGDDefault() -> Optimizer:
    """The default optimizer: SGD(lr=0.03)."""
    from .optim import SGD

    return SGD(lr=0.03)
