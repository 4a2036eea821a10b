"""Checkpoints of a trainer's whole state, in memory (rewind) and on disk (save/load).

A checkpoint holds everything that decides what the next steps do: parameters,
gradients, optimizer state, base learning rate and settings, the generator's
state, the epoch's permutation and the position in it. Training is
deterministic, so any step after a checkpoint can be reached again exactly by
replaying from it, as long as no setting changed in between; a checkpoint is
therefore taken at every epoch end and at every change of a setting.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

FORMAT = "nnwidgets-trainer"
FORMAT_VERSION = 1


@dataclass
class Checkpoint:
    """The trainer's state at one step (see the module docstring)."""

    step: int
    epoch: int
    pos: int
    perm: np.ndarray | None
    rng_state: dict
    params: dict[str, np.ndarray]
    grads: dict[str, np.ndarray]
    optimizer: dict
    base_lr: float
    settings: dict
    first_loss: float | None
    last_loss: float
    grad_norms: tuple[float, ...]
    update_ratios: tuple[float, ...]
    epoch_metrics: dict
    #: replaying from here is exact up to this step (a setting changed there); None: no limit
    valid_until: int | None = None
    is_epoch_end: bool = False
    _nbytes: int = field(default=0, repr=False)

    def nbytes(self) -> int:
        """Memory held by the checkpoint's arrays."""
        if not self._nbytes:
            arrays = [*self.params.values(), *self.grads.values()]
            arrays += [a for s in self.optimizer["state"].values() for a in s.values()]
            self._nbytes = sum(a.nbytes for a in arrays) + (
                self.perm.nbytes if self.perm is not None else 0
            )
        return self._nbytes


def settings_of(trainer) -> dict:
    """The settings that shape the next steps (besides the learning rate)."""
    return {
        "batch_size": trainer.batch_size,
        "l1": trainer.l1,
        "l2": trainer.l2,
        "shuffle": trainer.shuffle,
    }


def capture(trainer) -> Checkpoint:
    """A checkpoint of ``trainer`` now."""
    model = trainer.model
    return Checkpoint(
        step=trainer.step_count,
        epoch=trainer.epoch,
        pos=trainer._pos,
        perm=trainer._perm,  # never written in place, so sharing it is safe
        rng_state=trainer._rng.bit_generator.state,  # a new dict at every read
        # one copy of each flat array; the dicts hold views into it
        params=_copied(model, "params"),
        grads=_copied(model, "grads"),
        optimizer=trainer.optimizer.state_dict(),
        base_lr=trainer._base_lr,
        settings=settings_of(trainer),
        first_loss=trainer._first_loss,
        last_loss=trainer._last_loss,
        grad_norms=tuple(trainer._grad_norms),
        update_ratios=tuple(trainer._update_ratios),
        epoch_metrics=dict(trainer._epoch_metrics),
    )


def _copied(model, which: str) -> dict[str, np.ndarray]:
    return model.layout.views(getattr(model, f"flat_{which}").copy())


def restore(trainer, cp: Checkpoint) -> None:
    """Put ``trainer`` back to checkpoint ``cp`` (the history is the caller's business)."""
    from .optim import from_state_dict

    for k, v in cp.params.items():
        np.copyto(trainer.model.params[k], v)
    for k, v in cp.grads.items():
        np.copyto(trainer.model.grads[k], v)
    if cp.optimizer.get("name") == trainer.optimizer.name:
        trainer.optimizer.load_state_dict(cp.optimizer)
    else:
        trainer.optimizer = from_state_dict(cp.optimizer)
    trainer._base_lr = cp.base_lr
    for key, value in cp.settings.items():
        setattr(trainer, key, value)
    trainer._rng.bit_generator.state = copy.deepcopy(cp.rng_state)
    trainer._perm = cp.perm
    trainer._pos = cp.pos
    trainer.step_count = cp.step
    trainer.epoch = cp.epoch
    trainer._first_loss = cp.first_loss
    trainer._last_loss = cp.last_loss
    trainer._grad_norms = tuple(cp.grad_norms)
    trainer._update_ratios = tuple(cp.update_ratios)
    trainer._epoch_metrics = dict(cp.epoch_metrics)
    trainer._eval_cache = None
    trainer._can_undo = False
    trainer.divergence = None


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


def save(trainer, path) -> Path:
    """Write ``trainer`` to one ``.npz`` file (arrays plus a JSON header), atomically."""
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_suffix(path.suffix + ".npz") if path.suffix else path.with_suffix(".npz")
    cp = capture(trainer)
    arrays: dict[str, np.ndarray] = {}
    for k, v in trainer.ds.to_arrays().items():
        arrays[f"data/{k}"] = np.asarray(v)
    for k, v in cp.params.items():
        arrays[f"params/{k}"] = v
    for k, v in cp.grads.items():
        arrays[f"grads/{k}"] = v
    if trainer._initial_params is not None:
        for k, v in trainer._initial_params.items():
            arrays[f"initial/{k}"] = v
    opt_state_names = {}
    for key, state in cp.optimizer["state"].items():
        opt_state_names[key] = list(state)
        for name, arr in state.items():
            arrays[f"optimizer/{key}/{name}"] = arr
    if cp.perm is not None:
        arrays["perm"] = cp.perm
    for table_name, table in (("steps", trainer.history.steps), ("epochs", trainer.history.epochs)):
        for k, v in table.state().items():
            arrays[f"history/{table_name}/{k}"] = np.asarray(v)
    header = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "dataset": trainer.ds.to_config(),
        "model": trainer.model.config(),
        "trainer": trainer.config(),
        "optimizer": {
            "name": cp.optimizer["name"],
            "hyperparameters": cp.optimizer["hyperparameters"],
            "steps": cp.optimizer["steps"],
            "state_names": opt_state_names,
        },
        "state": {
            "step": cp.step,
            "epoch": cp.epoch,
            "pos": cp.pos,
            "has_perm": cp.perm is not None,
            "rng_state": cp.rng_state,
            "base_lr": cp.base_lr,
            "first_loss": cp.first_loss,
            "last_loss": cp.last_loss,
            "grad_norms": list(cp.grad_norms),
            "update_ratios": list(cp.update_ratios),
            "epoch_metrics": cp.epoch_metrics,
            "divergence": trainer.divergence,
            "history_capacity": trainer.history.steps.capacity,
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
        with _suppress():
            os.unlink(tmp)
        raise
    return path


class _suppress:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return True


def load(path):
    """Read a file written by ``save`` into a new Trainer that continues bit for bit."""
    from .datasets import Dataset
    from .model import MLP
    from .optim import OPTIMIZERS
    from .schedules import from_config
    from .trainer import Trainer

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"path {str(path)!r} does not exist")
    if not zipfile.is_zipfile(path):
        raise ValueError(f"path {str(path)!r} is not an nnwidgets save file (not an .npz archive)")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (ValueError, OSError, EOFError) as exc:
        raise ValueError(
            f"path {str(path)!r} is not a readable nnwidgets save file: {exc}"
        ) from None
    except Exception as exc:  # zipfile.BadZipFile and friends
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
    try:
        return _rebuild(header, arrays, Dataset, MLP, OPTIMIZERS, from_config, Trainer)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, OverflowError) as exc:
        raise ValueError(f"path {str(path)!r} is an inconsistent save file: {exc!r}") from None


def _rebuild(header, arrays, Dataset, MLP, OPTIMIZERS, from_config, Trainer):
    data = {k[len("data/") :]: v for k, v in arrays.items() if k.startswith("data/")}
    ds = Dataset.from_saved(data, header["dataset"])
    mcfg = header["model"]
    sizes = list(mcfg["sizes"])
    shapes = [arrays[f"params/W{i}"].shape for i in range(len(sizes) - 1)]
    if shapes != list(itertools.pairwise(sizes)):  # before allocating them
        raise ValueError(f"model sizes {sizes} do not match the weight shapes {shapes}")
    model = MLP(
        mcfg["sizes"],
        activation=mcfg["activation"],
        init=mcfg["init"],
        seed=mcfg["seed"],
        dtype=mcfg["dtype"],
        task=mcfg["task"],
        features=mcfg.get("features"),
    )
    tcfg = header["trainer"]
    ocfg = header["optimizer"]
    opt = OPTIMIZERS[ocfg["name"]](**ocfg["hyperparameters"])
    tr = Trainer(
        model,
        ds,
        loss=tcfg["loss"],
        optimizer=opt,
        batch_size=tcfg["batch_size"],
        shuffle=tcfg["shuffle"],
        seed=tcfg["seed"],
        l1=tcfg["l1"],
        l2=tcfg["l2"],
        schedule=from_config(tcfg["schedule"]),
        divergence_factor=tcfg["divergence_factor"],
    )
    state = header["state"]
    opt_state = {
        key: {name: arrays[f"optimizer/{key}/{name}"] for name in names}
        for key, names in ocfg["state_names"].items()
    }
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
    cp = Checkpoint(
        step=state["step"],
        epoch=state["epoch"],
        pos=state["pos"],
        perm=arrays["perm"] if state["has_perm"] else None,
        rng_state=state["rng_state"],
        params=params,
        grads=grads,
        optimizer={
            "name": ocfg["name"],
            "hyperparameters": ocfg["hyperparameters"],
            "steps": ocfg["steps"],
            "state": opt_state,
        },
        base_lr=float(state["base_lr"]),
        settings=settings_of(tr),
        first_loss=state["first_loss"],
        last_loss=float(state["last_loss"]),
        grad_norms=tuple(float(v) for v in state["grad_norms"]),
        update_ratios=tuple(float(v) for v in state["update_ratios"]),
        epoch_metrics={str(k): float(v) for k, v in dict(state["epoch_metrics"]).items()},
    )
    _check_saved_state(tr, cp, state["divergence"])
    restore(tr, cp)
    tr.divergence = state["divergence"]
    for name, table in (("steps", tr.history.steps), ("epochs", tr.history.epochs)):
        prefix = f"history/{name}/"
        table.load_state({k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)})
    if all(f"initial/{k}" in arrays for k in model.param_keys):
        tr._initial_params = {k: np.array(arrays[f"initial/{k}"]) for k in model.param_keys}
    else:
        tr._initial_params = None  # reset() draws from the model's seed again
    tr._checkpoints.clear()
    tr._checkpoints.add(capture(tr))
    return tr


def _check_saved_state(tr, cp: Checkpoint, divergence) -> None:
    """Refuse a saved state that no trainer could have been in (a corrupt or edited file)."""
    from .checks import check_int
    from .optim import _check_lr, _check_number

    n, n_layers = tr.n_train, tr.model.n_layers
    for name in ("step", "epoch", "pos"):
        # counts must stay exact as floats in the history's x column
        if check_int(name, getattr(cp, name), 0) > 2**53:
            raise ValueError(f"{name} {getattr(cp, name)} is out of range")
    if cp.pos >= n or (cp.perm is None and cp.pos != 0):
        raise ValueError(f"pos {cp.pos} does not fit an epoch of {n} samples")
    if cp.perm is not None and not (
        cp.perm.dtype.kind in "iu" and np.array_equal(np.sort(cp.perm), np.arange(n))
    ):
        raise ValueError(f"perm is not a permutation of the {n} training samples")
    _check_lr(cp.base_lr)
    if cp.first_loss is not None:
        _check_number("first_loss", cp.first_loss, -np.inf)
    for name in ("grad_norms", "update_ratios"):
        if len(getattr(cp, name)) != n_layers:
            raise ValueError(f"{name} must hold {n_layers} numbers, got {getattr(cp, name)!r}")
    if set(cp.epoch_metrics) != set(tr.evaluate()):
        raise ValueError(f"epoch_metrics must have the keys {sorted(tr.evaluate())}")
    if divergence is not None and not isinstance(divergence, str):
        raise ValueError(f"divergence must be None or a message, got {divergence!r}")
    if check_int("optimizer steps", cp.optimizer["steps"], 0) >= 2**63:
        raise ValueError(f"optimizer steps {cp.optimizer['steps']} is out of range")
    probe = type(tr.optimizer)(**cp.optimizer["hyperparameters"])
    probe.step({k: v.copy() for k, v in tr.model.params.items()}, tr.model.grads)
    want = {k: {m: (a.shape, a.dtype) for m, a in s.items()} for k, s in probe.state.items()}
    got = {
        k: {m: (a.shape, a.dtype) for m, a in s.items()} for k, s in cp.optimizer["state"].items()
    }
    if got and got != want:
        raise ValueError(f"the optimizer state does not fit a {probe.name} optimizer of this model")
