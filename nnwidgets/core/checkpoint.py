"""Checkpoints of a trainer's whole state, in memory (rewind) and on disk (save/load).

A checkpoint holds everything that decides what the next steps do: a copy of the
trainer's :class:`~nnwidgets.core.state.TrainerState` (base learning rate and
settings, the generator's state, the epoch's permutation and the position in it,
the latest diagnostics), the parameters, gradients and optimizer state. Training is
deterministic, so any step after a checkpoint can be reached again exactly by
replaying from it, as long as no setting changed in between; a checkpoint is
therefore taken at every epoch end and at every change of a setting.

This module knows the state object, the model and the optimizer, never the trainer:
``read`` gives the parts of a saved file, and ``Trainer.load`` builds the trainer.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .checks import check_int
from .datasets import Dataset
from .model import MLP
from .optim import OPTIMIZERS, _check_lr, _check_number, from_state_dict
from .schedules import from_config
from .state import TrainerState

FORMAT = "nnwidgets-trainer"
FORMAT_VERSION = 1


@dataclass
class Checkpoint:
    """The trainer's state at one step (see the module docstring): its
    :class:`TrainerState` copy, the model's arrays and the optimizer's state."""

    state: TrainerState
    params: dict[str, np.ndarray]
    grads: dict[str, np.ndarray]
    optimizer: dict
    #: replaying from here is exact up to this step (a setting changed there); None: no limit
    valid_until: int | None = None
    is_epoch_end: bool = False
    _nbytes: int = field(default=0, repr=False)

    @property
    def step(self) -> int:
        """The step this checkpoint was taken at."""
        return self.state.step

    @property
    def epoch(self) -> int:
        """The epoch this checkpoint was taken in."""
        return self.state.epoch

    @property
    def pos(self) -> int:
        """Samples of the epoch already used."""
        return self.state.pos

    def nbytes(self) -> int:
        """Memory held by the checkpoint's arrays."""
        if not self._nbytes:
            arrays = [*self.params.values(), *self.grads.values()]
            arrays += [a for s in self.optimizer["state"].values() for a in s.values()]
            perm = self.state.perm
            self._nbytes = sum(a.nbytes for a in arrays) + (perm.nbytes if perm is not None else 0)
        return self._nbytes


def capture(state: TrainerState, model, optimizer) -> Checkpoint:
    """A checkpoint of a trainer's ``state``, ``model`` and ``optimizer`` now."""
    return Checkpoint(
        state=state.copy(),  # shares the permutation: never written in place
        # one copy of each flat array; the dicts hold views into it
        params=model.layout.views(model.flat_params.copy()),
        grads=model.layout.views(model.flat_grads.copy()),
        optimizer=optimizer.state_dict(),
    )


def restore_arrays(cp: Checkpoint, model, optimizer):
    """Put ``cp``'s parameters and gradients into ``model`` and its optimizer state into
    ``optimizer``; returns the optimizer to use (a new one when ``cp``'s is another
    kind). The trainer restores ``cp.state`` itself."""
    for k, v in cp.params.items():
        np.copyto(model.params[k], v)
    for k, v in cp.grads.items():
        np.copyto(model.grads[k], v)
    if cp.optimizer.get("name") == optimizer.name:
        optimizer.load_state_dict(cp.optimizer)
        return optimizer
    return from_state_dict(cp.optimizer)


class CheckpointStore:
    """Checkpoints within a memory budget: old epoch checkpoints are thinned, never the
    first and the last; checkpoints at a change of settings are kept as long as the
    budget allows, since exact replay across them needs them."""

    def __init__(self, budget_bytes: int = 64 * 2**20, max_count: int = 256) -> None:
        self.budget_bytes = budget_bytes
        self.max_count = max_count  # also bounds the work of listing them (the scrubber)
        self.items: list[Checkpoint] = []
        self._total = 0  # bytes held, kept up to date so that adding stays O(1)

    def __len__(self) -> int:
        return len(self.items)

    def clear(self) -> None:
        """Forget every checkpoint."""
        self.items.clear()
        self._total = 0

    def add(self, cp: Checkpoint) -> None:
        """Keep ``cp`` (replacing one of the same step) and stay within the budget."""
        while self.items and self.items[-1].step >= cp.step:
            self._total -= self.items.pop().nbytes()
        self.items.append(cp)
        self._total += cp.nbytes()
        self._thin()

    def settings_changed(self, step: int) -> None:
        """A setting changed at ``step``: replaying across it is no longer exact."""
        for cp in reversed(self.items):
            if cp.step <= step and cp.valid_until is None:
                cp.valid_until = step
            if cp.step < step:
                break

    def drop_after(self, step: int) -> None:
        """Forget checkpoints later than ``step`` (after a rewind or an undone step)."""
        while self.items and self.items[-1].step > step:
            self._total -= self.items.pop().nbytes()
        if self.items:
            last = self.items[-1]
            if last.valid_until is not None and last.valid_until > step:
                last.valid_until = None

    def nbytes(self) -> int:
        """Memory held by all checkpoints."""
        return self._total

    def _thin(self) -> None:
        # Removing a checkpoint never makes a replay wrong: each keeps the step of the
        # next change of settings after it; it only makes replays longer or, once
        # settings boundaries go, some old steps unreachable.
        def over() -> bool:
            return self._total > self.budget_bytes or len(self.items) > self.max_count

        while over() and len(self.items) > 2:
            middle = self.items[1:-1]
            epoch_ends = [cp for cp in middle if cp.is_epoch_end]
            victims = epoch_ends[::2] if epoch_ends else middle[:1]
            drop = set()
            for cp in victims:
                drop.add(id(cp))
                self._total -= cp.nbytes()
                if self._total <= self.budget_bytes and len(self.items) - len(drop) <= (
                    self.max_count // 2
                ):
                    break
            self.items = [cp for cp in self.items if id(cp) not in drop]

    def base_for(self, step: int) -> Checkpoint | None:
        """The latest checkpoint from which ``step`` can be replayed exactly."""
        for cp in reversed(self.items):
            if cp.step <= step and (cp.valid_until is None or step <= cp.valid_until):
                return cp
            if cp.step <= step:
                return None
        return None

    def at_epoch(self, epoch: int) -> Checkpoint | None:
        """The checkpoint at the end of ``epoch`` (its first step), if kept."""
        for cp in self.items:
            if cp.epoch == epoch and cp.pos == 0:
                return cp
        return None


# ------------------------------------------------------------------ files


def _json_array(obj) -> np.ndarray:
    return np.frombuffer(json.dumps(obj).encode("utf-8"), dtype=np.uint8)


def save(
    path,
    *,
    ds,
    model,
    config: dict,
    checkpoint: Checkpoint,
    initial_params: dict[str, np.ndarray] | None,
    history,
    divergence: str | None,
) -> Path:
    """Write a trainer to one ``.npz`` file (arrays plus a JSON header), atomically:
    its data set, ``model``, ``config()``, a ``checkpoint`` of now, the initial
    parameters (for ``reset()``), ``history`` and ``divergence``."""
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_suffix(path.suffix + ".npz") if path.suffix else path.with_suffix(".npz")
    cp = checkpoint
    arrays: dict[str, np.ndarray] = {}
    for k, v in ds.to_arrays().items():
        arrays[f"data/{k}"] = np.asarray(v)
    for k, v in cp.params.items():
        arrays[f"params/{k}"] = v
    for k, v in cp.grads.items():
        arrays[f"grads/{k}"] = v
    for k, v in (initial_params or {}).items():
        arrays[f"initial/{k}"] = v
    opt_state_names = {}
    for key, state in cp.optimizer["state"].items():
        opt_state_names[key] = list(state)
        for name, arr in state.items():
            arrays[f"optimizer/{key}/{name}"] = arr
    if cp.state.perm is not None:
        arrays["perm"] = cp.state.perm
    for table_name, table in (("steps", history.steps), ("epochs", history.epochs)):
        for k, v in table.state().items():
            arrays[f"history/{table_name}/{k}"] = np.asarray(v)
    header = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "dataset": ds.to_config(),
        "model": model.config(),
        "trainer": config,
        "optimizer": {
            "name": cp.optimizer["name"],
            "hyperparameters": cp.optimizer["hyperparameters"],
            "steps": cp.optimizer["steps"],
            "state_names": opt_state_names,
        },
        "state": {
            **cp.state.to_json(),
            "divergence": divergence,
            "history_capacity": history.steps.capacity,
        },
    }
    arrays["header"] = _json_array(header)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(Exception):
            os.unlink(tmp)
        raise
    return path


#: what a damaged or edited file raises while it is read back (turned into ValueError)
INCONSISTENT = (KeyError, TypeError, ValueError, IndexError, AttributeError, OverflowError)


def read(path) -> Saved:
    """Read a file written by ``save``: its format is checked here, its contents when a
    trainer is built from it (``Trainer.load``)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"path {str(path)!r} does not exist")
    if not zipfile.is_zipfile(path):
        raise ValueError(f"path {str(path)!r} is not an nnwidgets save file (not an .npz archive)")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except Exception as exc:  # ValueError, OSError, zipfile.BadZipFile and friends
        raise ValueError(
            f"path {str(path)!r} is not a readable nnwidgets save file: {exc}"
        ) from None
    if "header" not in arrays:
        raise ValueError(f"path {str(path)!r} is not an nnwidgets save file (no header)")
    try:
        header = json.loads(arrays["header"].tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"path {str(path)!r} has a corrupt header: {exc}") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ValueError(f"path {str(path)!r} is not an nnwidgets save file")
    if header.get("version") != FORMAT_VERSION:
        raise ValueError(
            f"path {str(path)!r} has format version {header.get('version')!r}; this nnwidgets "
            f"reads version {FORMAT_VERSION}"
        )
    return Saved(path, header, arrays)


@dataclass
class Saved:
    """The parts of a saved trainer, read back; a trainer is built from them."""

    path: Path
    header: dict
    arrays: dict[str, np.ndarray]

    def dataset(self) -> Dataset:
        """The saved data set (arrays and standardisation)."""
        data = {k[len("data/") :]: v for k, v in self.arrays.items() if k.startswith("data/")}
        return Dataset.from_saved(data, self.header["dataset"])

    def model(self) -> MLP:
        """A model of the saved configuration (its parameters come with the checkpoint)."""
        mcfg = self.header["model"]
        sizes = list(mcfg["sizes"])
        shapes = [self.arrays[f"params/W{i}"].shape for i in range(len(sizes) - 1)]
        if shapes != list(itertools.pairwise(sizes)):  # before allocating them
            raise ValueError(f"model sizes {sizes} do not match the weight shapes {shapes}")
        return MLP(
            mcfg["sizes"],
            activation=mcfg["activation"],
            init=mcfg["init"],
            seed=mcfg["seed"],
            dtype=mcfg["dtype"],
            task=mcfg["task"],
            features=mcfg.get("features"),
        )

    def trainer_arguments(self) -> dict:
        """The keyword arguments of the saved trainer (optimizer and schedule built)."""
        tcfg, ocfg = self.header["trainer"], self.header["optimizer"]
        return {
            "loss": tcfg["loss"],
            "optimizer": OPTIMIZERS[ocfg["name"]](**ocfg["hyperparameters"]),
            "batch_size": tcfg["batch_size"],
            "shuffle": tcfg["shuffle"],
            "seed": tcfg["seed"],
            "l1": tcfg["l1"],
            "l2": tcfg["l2"],
            "schedule": from_config(tcfg["schedule"]),
            "divergence_factor": tcfg["divergence_factor"],
        }

    @property
    def divergence(self) -> str | None:
        """Why the saved trainer refused steps (None: it did not)."""
        return self.header["state"]["divergence"]

    def checkpoint(self, state: TrainerState, model: MLP) -> Checkpoint:
        """The saved state as a checkpoint; ``state`` gives the settings, ``model`` the
        shapes and dtype every array must have."""
        arrays, ocfg = self.arrays, self.header["optimizer"]
        params = {k: arrays[f"params/{k}"] for k in model.param_keys}
        grads = {k: arrays[f"grads/{k}"] for k in model.param_keys}
        for k in model.param_keys:
            for kind, a in (("params", params[k]), ("grads", grads[k])):
                if a.shape != model.params[k].shape:
                    raise ValueError(
                        f"{kind}/{k} has shape {a.shape}, expected {model.params[k].shape}"
                    )
                if a.dtype != model.dtype:  # save writes the model's own dtype
                    raise ValueError(f"{kind}/{k} has dtype {a.dtype}, expected {model.dtype}")
        saved = self.header["state"]
        return Checkpoint(
            state=state.from_json(saved, arrays["perm"] if saved["has_perm"] else None),
            params=params,
            grads=grads,
            optimizer={
                "name": ocfg["name"],
                "hyperparameters": ocfg["hyperparameters"],
                "steps": ocfg["steps"],
                "state": {
                    key: {name: arrays[f"optimizer/{key}/{name}"] for name in names}
                    for key, names in ocfg["state_names"].items()
                },
            },
        )

    def table(self, name: str) -> dict[str, np.ndarray]:
        """The saved state of the history's ``steps`` or ``epochs`` table."""
        prefix = f"history/{name}/"
        return {k[len(prefix) :]: v for k, v in self.arrays.items() if k.startswith(prefix)}

    def initial_params(self, keys) -> dict[str, np.ndarray] | None:
        """The initial parameters (None in a file without them: reset() draws anew)."""
        if not all(f"initial/{k}" in self.arrays for k in keys):
            return None
        return {k: np.array(self.arrays[f"initial/{k}"]) for k in keys}


def check_saved_state(
    cp: Checkpoint, divergence, n_train: int, metric_keys, optimizer, model
) -> None:
    """Refuse a saved state that no trainer could have been in (a corrupt or edited file):
    ``n_train`` samples, ``metric_keys`` of ``evaluate()``, the ``optimizer`` and
    ``model`` it was loaded into."""
    st = cp.state
    n, n_layers = n_train, model.n_layers
    for name in ("step", "epoch", "pos"):
        # counts must stay exact as floats in the history's x column
        if check_int(name, getattr(st, name), 0) > 2**53:
            raise ValueError(f"{name} {getattr(st, name)} is out of range")
    if st.pos >= n or (st.perm is None and st.pos != 0):
        raise ValueError(f"pos {st.pos} does not fit an epoch of {n} samples")
    if st.perm is not None and not (
        st.perm.dtype.kind in "iu" and np.array_equal(np.sort(st.perm), np.arange(n))
    ):
        raise ValueError(f"perm is not a permutation of the {n} training samples")
    _check_lr(st.base_lr)
    if st.first_loss is not None:
        _check_number("first_loss", st.first_loss, -np.inf)
    for name in ("grad_norms", "update_ratios"):
        if len(getattr(st, name)) != n_layers:
            raise ValueError(f"{name} must hold {n_layers} numbers, got {getattr(st, name)!r}")
    if set(st.epoch_metrics) != set(metric_keys):
        raise ValueError(f"epoch_metrics must have the keys {sorted(metric_keys)}")
    if divergence is not None and not isinstance(divergence, str):
        raise ValueError(f"divergence must be None or a message, got {divergence!r}")
    if check_int("optimizer steps", cp.optimizer["steps"], 0) >= 2**63:
        raise ValueError(f"optimizer steps {cp.optimizer['steps']} is out of range")
    probe = type(optimizer)(**cp.optimizer["hyperparameters"])
    probe.step({k: v.copy() for k, v in model.params.items()}, model.grads)
    want = {k: {m: (a.shape, a.dtype) for m, a in s.items()} for k, s in probe.state.items()}
    got = {
        k: {m: (a.shape, a.dtype) for m, a in s.items()} for k, s in cp.optimizer["state"].items()
    }
    if got and got != want:
        raise ValueError(f"the optimizer state does not fit a {probe.name} optimizer of this model")
