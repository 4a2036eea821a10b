"""The checks of a Trainer's arguments, all made before any state is kept."""

from __future__ import annotations

from typing import Any

from .checks import check_int, check_seed
from .datasets import Dataset
from .losses import DEFAULT_LOSS, Loss, get_loss
from .model import MLP
from .optim import SGD, _check_number, get_optimizer
from .schedules import Schedule


def checked_arguments(model: Any, ds: Any, **kw: Any) -> dict[str, Any]:
    """The Trainer's keyword arguments checked and normalised (``loss`` a Loss,
    ``optimizer`` an Optimizer); raises TypeError or ValueError naming the argument."""
    if not isinstance(model, MLP):
        raise TypeError(f"model must be an nw.MLP, got {type(model).__name__}")
    if not isinstance(ds, Dataset):
        raise TypeError(f"ds must be an nw.Dataset, got {type(ds).__name__}")
    loss = get_loss(DEFAULT_LOSS[ds.task] if kw["loss"] is None else kw["loss"])
    out = {
        "loss": loss,
        "optimizer": get_optimizer(SGD(lr=0.03) if kw["optimizer"] is None else kw["optimizer"]),
        "batch_size": check_int("batch_size", kw["batch_size"], 1),
    }
    if not isinstance(kw["shuffle"], bool):
        raise TypeError(f"shuffle must be a bool, got {type(kw['shuffle']).__name__}")
    out["shuffle"] = kw["shuffle"]
    out["seed"] = check_seed(kw["seed"])
    out["l1"] = _check_number("l1", kw["l1"])
    out["l2"] = _check_number("l2", kw["l2"])
    schedule = kw["schedule"]
    if schedule is not None and not isinstance(schedule, Schedule):
        raise TypeError(
            f"schedule must be an nw.schedules instance or None, got {type(schedule).__name__}"
        )
    out["schedule"] = schedule
    out["divergence_factor"] = _check_number("divergence_factor", kw["divergence_factor"], 1.0)
    out["checkpoint_budget"] = check_int("checkpoint_budget", kw["checkpoint_budget"], 0)
    threads = kw["blas_threads"]
    out["blas_threads"] = None if threads is None else check_int("blas_threads", threads, 1)
    check_compatible(model, ds, loss)
    return out


def check_compatible(model: MLP, ds: Dataset, loss: Loss) -> None:
    """Refuse a model, data set and loss that do not fit together."""
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


def checked_settings(new: dict[str, Any], base_lr: float) -> dict[str, Any]:
    """``configure``'s settings checked (None: unchanged); a named optimizer takes
    ``base_lr``, an instance keeps its own rate."""
    out: dict[str, Any] = {}
    if new.get("batch_size") is not None:
        out["batch_size"] = check_int("batch_size", new["batch_size"], 1)
    for name in ("l1", "l2"):
        if new.get(name) is not None:
            out[name] = _check_number(name, new[name])
    optimizer = new.get("optimizer")
    if optimizer is not None:
        opt = get_optimizer(optimizer)
        if isinstance(optimizer, str):
            opt.lr = base_lr
        out["optimizer"] = opt
    return out
