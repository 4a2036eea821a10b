"""What the trainer benchmark compares: its networks and data, our trainer made and run
through its public API, and the PyTorch twin that does the same work.

Everything here reads ``nw.Trainer`` only through public names: ``run_steps``, ``step``,
``model``, ``loss``, ``optimizer``, ``ds``, ``blas_threads`` and ``batches_per_epoch``; the
encoded data a step sees is rebuilt with ``model.with_ones``, ``features.expand`` and
``loss.targets`` (see ``encoded``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

import nnwidgets as nw
from nnwidgets.core import blas
from nnwidgets.core.features import expand

OPTIMIZERS = {"sgd": {"lr": 0.03}, "adam": {"lr": 1e-3}}
DTYPES = ("float32", "float64")


# --------------------------------------------------------------------------- data
def _moons() -> nw.Dataset:
    return nw.datasets.moons(n_samples=200)


def _digits() -> nw.Dataset:
    return nw.datasets.digits()


def _wide() -> nw.Dataset:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((4096, 784))
    y = rng.integers(0, 10, size=4096)
    return nw.Dataset.from_arrays(X, y, name="synthetic-784")


@dataclass(frozen=True)
class Case:
    """One network, its data and how long to time it."""

    key: str
    title: str
    sizes: tuple[int, ...]
    activation: str
    loss: str
    batch_size: int
    data: Callable[[], nw.Dataset]
    epochs: int  # epochs per timed repeat (a whole number, so each repeat has the same evals)
    warmup: int  # warm-up epochs
    quick_epochs: int
    quick_warmup: int

    def epochs_and_warmup(self, quick: bool) -> tuple[int, int]:
        """Epochs per timed repeat and warm-up epochs, in a full or a quick run."""
        return (self.quick_epochs, self.quick_warmup) if quick else (self.epochs, self.warmup)


CASES = (
    Case("a", "playground 2-8-8-1 tanh, moons(200), batch 10, bce",
         (2, 8, 8, 1), "tanh", "bce", 10, _moons, 100, 20, 25, 5),
    Case("b", "digits 64-128-64-10 relu, batch 64, cross_entropy",
         (64, 128, 64, 10), "relu", "cross_entropy", 64, _digits, 15, 2, 4, 1),
    Case("c", "wide 784-256-10 relu, synthetic 4096x784, batch 128, cross_entropy",
         (784, 256, 10), "relu", "cross_entropy", 128, _wide, 3, 1, 1, 1),
)  # fmt: skip

CASE = {c.key: c for c in CASES}


# ------------------------------------------------------------------------ threads
_THREADS = {"n": 1}  # threads both sides train with in the current measurement


def threads() -> int:
    """The threads both sides train with now (set by ``use_threads``)."""
    return _THREADS["n"]


def use_threads(n: int) -> None:
    """Both sides train with ``n`` threads: ours through its BLAS, torch intra-op."""
    _THREADS["n"] = n
    torch.set_num_threads(n)


def trainer_default_threads(n_blas: int) -> tuple[int, str]:
    """The BLAS threads ``nw.Trainer`` trains with by default, and why."""
    default = inspect.signature(nw.Trainer).parameters["blas_threads"].default
    if default is None:
        return n_blas, "nw.Trainer(blas_threads=None): numpy's BLAS as it is"
    if not blas.available():
        return n_blas, f"nw.Trainer(blas_threads={default}) cannot limit this BLAS"
    return min(default, n_blas), f"nw.Trainer's default blas_threads={default}"


# ------------------------------------------------------------------------ our side
def make_ours(case: Case, ds: nw.Dataset, dtype: str, opt: str) -> nw.Trainer:
    """Our trainer for ``case``, seeded, with the threads of the current measurement."""
    init = "xavier" if case.activation == "tanh" else "he"
    model = nw.MLP(list(case.sizes), activation=case.activation, init=init, seed=0, dtype=dtype)
    optimizer = {"sgd": nw.optim.SGD, "adam": nw.optim.Adam}[opt](**OPTIMIZERS[opt])
    return nw.Trainer(
        model, ds, loss=case.loss, optimizer=optimizer, batch_size=case.batch_size, seed=0,
        blas_threads=threads(),
    )  # fmt: skip


def run_ours(tr: nw.Trainer, n: int) -> None:
    """``n`` steps of ``tr.run_steps`` (which enters the BLAS limit itself)."""
    done = tr.run_steps(n)
    if done != n:
        raise RuntimeError(f"our trainer stopped after {done} of {n} steps: {tr.divergence}")


def step_ours(tr: nw.Trainer, n: int) -> None:
    """``n`` calls of the public ``tr.step()``, each returning a Snapshot."""
    step = tr.step
    for _ in range(n):
        snap = step()
    if n and snap.diverged:
        raise RuntimeError(f"our trainer diverged: {snap.divergence}")


@dataclass(frozen=True)
class Encoded:
    """A trainer's data as its step and evaluation take it, rebuilt from public pieces."""

    X_train: np.ndarray  # inputs in the first layer's space with a column of ones
    y_train: np.ndarray  # targets as the loss takes them
    X_test: np.ndarray
    y_test: np.ndarray
    labels_train: np.ndarray | None  # int64 class labels (classification)
    labels_test: np.ndarray | None


def encoded(tr: nw.Trainer) -> Encoded:
    """``tr``'s data encoded with ``model.with_ones``, ``features.expand`` and
    ``loss.targets``: the arrays the trainer's step and ``evaluate()`` compute on."""
    model, ds, loss = tr.model, tr.ds, tr.loss

    def inputs(X: np.ndarray) -> np.ndarray:
        return model.with_ones(expand(X, model.features))

    def labels(y: np.ndarray) -> np.ndarray | None:
        if ds.task == "regression":
            return None
        return np.asarray(y).reshape(len(y), -1)[:, 0].astype(np.int64)

    return Encoded(
        inputs(ds.X_train), loss.targets(ds.y_train, model.dtype),
        inputs(ds.X_test), loss.targets(ds.y_test, model.dtype),
        labels(ds.y_train), labels(ds.y_test),
    )  # fmt: skip


# ---------------------------------------------------------------------- torch side
class TorchLoop:
    """The plain PyTorch loop: nn.Sequential, loss, zero_grad, backward, step.

    Batches are slices of the same seeded numpy permutation our trainer draws each epoch,
    gathered with ``index_select``. With ``evaluate=True`` each epoch end computes the loss
    and accuracy on the full training and test parts under ``torch.no_grad()``, as
    ``nw.Trainer`` does.
    """

    def __init__(self, case: Case, ds: nw.Dataset, ours: nw.Trainer, evaluate: bool) -> None:
        dtype = ours.model.dtype
        tdtype = {np.dtype("float32"): torch.float32, np.dtype("float64"): torch.float64}[dtype]
        act = {"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}[case.activation]
        layers: list[torch.nn.Module] = []
        n_w = len(case.sizes) - 1
        for i in range(n_w):
            lin = torch.nn.Linear(case.sizes[i], case.sizes[i + 1], dtype=tdtype)
            with torch.no_grad():  # the same initial weights as ours
                lin.weight.copy_(torch.from_numpy(ours.model.params[f"W{i}"].T.copy()))
                lin.bias.copy_(torch.from_numpy(ours.model.params[f"b{i}"].copy()))
            layers.append(lin)
            if i < n_w - 1:
                layers.append(act())
        self.model = torch.nn.Sequential(*layers)
        opt = type(ours.optimizer).__name__.lower()
        cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}[opt]
        self.opt = cls(self.model.parameters(), **OPTIMIZERS[opt])
        self.binary = case.loss == "bce"
        self.loss_fn = torch.nn.BCEWithLogitsLoss() if self.binary else torch.nn.CrossEntropyLoss()

        def part(X: np.ndarray, y: np.ndarray):
            Xt = torch.from_numpy(np.ascontiguousarray(X, dtype=dtype))
            labels = torch.from_numpy(np.asarray(y, dtype=np.int64).reshape(-1))
            yt = labels.to(tdtype).reshape(-1, 1) if self.binary else labels
            return Xt, yt, labels

        self.train = part(ds.X_train, ds.y_train)
        self.test = part(ds.X_test, ds.y_test)
        self.n = len(ds.X_train)
        self.batch_size = case.batch_size
        self.evaluate = evaluate
        self.rng = np.random.default_rng(0)  # the trainer's seed: the same permutations
        self.batches: tuple[torch.Tensor, ...] = ()
        self.pos = 0
        self.metrics: dict[str, float] = {}

    def run_steps(self, n: int) -> None:
        """``n`` minibatch updates, with the epoch-end evaluation when asked for."""
        model, loss_fn, opt = self.model, self.loss_fn, self.opt
        X, y, _ = self.train
        for _ in range(n):
            if self.pos == len(self.batches):
                perm = torch.from_numpy(self.rng.permutation(self.n))
                self.batches = perm.split(self.batch_size)
                self.pos = 0
            idx = self.batches[self.pos]
            loss = loss_fn(model(X.index_select(0, idx)), y.index_select(0, idx))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            self.pos += 1
            if self.pos == len(self.batches) and self.evaluate:
                self.epoch_end()

    def epoch_end(self) -> None:
        """Loss and accuracy on the full training and test parts."""
        with torch.no_grad():
            for name, (X, y, labels) in (("train", self.train), ("test", self.test)):
                out = self.model(X)
                self.metrics[f"{name}_loss"] = self.loss_fn(out, y).item()
                pred = (out[:, 0] > 0).long() if self.binary else out.argmax(dim=1)
                self.metrics[f"{name}_acc"] = (pred == labels).double().mean().item()

    def params(self) -> dict[str, np.ndarray]:
        """The weights as ours names and lays them out (W as inputs x outputs)."""
        lins = [m for m in self.model if isinstance(m, torch.nn.Linear)]
        out = {}
        for i, lin in enumerate(lins):
            out[f"W{i}"] = lin.weight.detach().numpy().T
            out[f"b{i}"] = lin.bias.detach().numpy()
        return out


def check_equivalence(case: Case, ds: nw.Dataset, opt: str) -> float:
    """Max |param difference| after 1.5 epochs of ours and the torch loop, in float64."""
    ours = make_ours(case, ds, "float64", opt)
    loop = TorchLoop(case, ds, ours, evaluate=True)
    n = ours.batches_per_epoch * 3 // 2
    run_ours(ours, n)
    loop.run_steps(n)
    theirs = loop.params()
    return max(float(np.max(np.abs(ours.model.params[k] - theirs[k]))) for k in theirs)
