"""``TorchTrainer``: watch real PyTorch training in the nnwidgets Dashboard.

It speaks the trainer protocol (``step``, ``step_epoch``, ``run``, ``lr``,
``evaluate``, ``snapshot``, ``history``, ``reset``) for a ``torch.nn.Module``
made of ``Linear`` layers and element-wise activations, with the same
minibatches as ``nw.Trainer`` (a seeded permutation per epoch, consecutive
slices). torch is imported lazily: nnwidgets never depends on it.
"""

from __future__ import annotations

import copy
import math
from types import MappingProxyType, SimpleNamespace

import numpy as np

from ..core.checks import check_int, check_seed
from ..core.datasets import Dataset
from ..core.history import History
from ..core.losses import DEFAULT_LOSS
from ..core.optim import _check_lr
from ..core.snapshot import Snapshot, frozen_dict
from ..core.stepping import Stepping

ACTIVATION_NAMES = {
    "ReLU": "relu",
    "LeakyReLU": "leaky_relu",
    "Tanh": "tanh",
    "Sigmoid": "sigmoid",
    "ELU": "elu",
    "GELU": "gelu",
    "Identity": "linear",
}
TORCH_LOSSES = {"mse": "MSELoss", "bce": "BCEWithLogitsLoss", "cross_entropy": "CrossEntropyLoss"}


def _import_torch():
    try:
        import torch
    except ImportError:
        raise ImportError(
            "TorchTrainer needs PyTorch: pip install torch (a CPU build is enough)"
        ) from None
    return torch


def describe_module(module) -> tuple[list, list[str]]:
    """The Linear layers of ``module`` in order and the activation after each hidden one.

    Raises ValueError for layers the views could not reproduce from weights alone.
    """
    torch = _import_torch()
    nn = torch.nn
    leaves = [m for m in module.modules() if not list(m.children())]
    linears, activations = [], []
    pending: str | None = None
    for layer in leaves:
        name = type(layer).__name__
        if isinstance(layer, nn.Linear):
            if linears:
                activations.append(pending or "linear")
            linears.append(layer)
            pending = None
        elif name in ACTIVATION_NAMES:
            if not linears or pending is not None:
                raise ValueError(f"module: activation {name} must follow a Linear layer")
            if name == "LeakyReLU" and layer.negative_slope != 0.01:
                raise ValueError("module: LeakyReLU must have negative_slope=0.01")
            if name == "GELU" and layer.approximate != "tanh":
                raise ValueError("module: GELU must use approximate='tanh'")
            pending = ACTIVATION_NAMES[name]
        elif name in ("Dropout", "Flatten"):
            continue  # no weights, and inactive in evaluation
        else:
            raise ValueError(
                f"module: layer {name} is not supported; use Linear layers and the "
                f"activations {sorted(ACTIVATION_NAMES)}"
            )
    if not linears:
        raise ValueError("module must contain at least one torch.nn.Linear layer")
    if pending not in (None, "linear"):
        raise ValueError("module: the output layer must be linear (logits), without activation")
    return linears, activations


class TorchTrainer(Stepping):
    """Train a PyTorch module step by step, speaking nnwidgets' trainer protocol.

    ``optimizer`` is a ``torch.optim`` instance over ``module.parameters()``
    (default SGD with lr 0.03). The Dashboard can watch it like ``nw.Trainer``.
    """

    def __init__(
        self,
        module,
        ds: Dataset,
        loss: str | None = None,
        optimizer=None,
        batch_size: int = 10,
        shuffle: bool = True,
        seed: int | None = 0,
    ) -> None:
        torch = _import_torch()
        if not isinstance(module, torch.nn.Module):
            raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
        if not isinstance(ds, Dataset):
            raise TypeError(f"ds must be an nw.Dataset, got {type(ds).__name__}")
        loss = DEFAULT_LOSS[ds.task] if loss is None else loss
        if loss not in TORCH_LOSSES:
            raise ValueError(f"loss {loss!r} is unknown; expected one of {sorted(TORCH_LOSSES)}")
        batch_size = check_int("batch_size", batch_size, 1)
        if not isinstance(shuffle, bool):
            raise TypeError(f"shuffle must be a bool, got {type(shuffle).__name__}")
        seed = check_seed(seed)
        linears, activations = describe_module(module)
        sizes = [linears[0].in_features] + [lin.out_features for lin in linears]
        if sizes[0] != ds.n_features:
            raise ValueError(
                f"module input width {sizes[0]} does not match the data set's "
                f"{ds.n_features} features"
            )
        if optimizer is None:
            optimizer = torch.optim.SGD(module.parameters(), lr=0.03)
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise TypeError(
                f"optimizer must be a torch.optim optimizer, got {type(optimizer).__name__}"
            )
        self.torch = torch
        self.module = module
        self.ds = ds
        self.optimizer = optimizer
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.linears = linears
        self.dtype = linears[0].weight.dtype
        self.model = SimpleNamespace(
            sizes=sizes, activation_names=activations, n_layers=len(linears)
        )
        self.loss = SimpleNamespace(name=loss)
        self._loss_fn = getattr(torch.nn, TORCH_LOSSES[loss])()
        self._X_train = torch.as_tensor(ds.X_train, dtype=self.dtype)
        self._X_test = torch.as_tensor(ds.X_test, dtype=self.dtype)
        self._y_train = self._targets(ds.y_train)
        self._y_test = self._targets(ds.y_test)
        self._initial = (copy.deepcopy(module.state_dict()), copy.deepcopy(optimizer.state_dict()))
        self._start()

    def _targets(self, y):
        torch = self.torch
        if self.loss.name == "cross_entropy":
            return torch.as_tensor(np.asarray(y).reshape(-1), dtype=torch.long)
        y = np.asarray(y, dtype=float).reshape(len(y), -1)
        return torch.as_tensor(y, dtype=self.dtype)

    def _start(self) -> None:
        self._rng = np.random.default_rng(self.seed)
        self._perm = None
        self._pos = 0
        self.step_count = 0
        self.epoch = 0
        self._last_loss = math.nan
        n = len(self.linears)
        self._grad_norms = (0.0,) * n
        self._update_ratios = (0.0,) * n
        self.divergence = None
        self.history = History(n, self.ds.task != "regression")
        self._metrics = self.evaluate()
        self.history.record_epoch(self.epoch, self.step_count, self._metrics)

    # ------------------------------------------------------------- protocol
    @property
    def lr(self) -> float:
        """The learning rate of the optimizer's first parameter group."""
        return float(self.optimizer.param_groups[0]["lr"])

    @lr.setter
    def lr(self, value: float) -> None:
        value = _check_lr(value)
        for group in self.optimizer.param_groups:
            group["lr"] = value
        self.divergence = None

    @property
    def base_lr(self) -> float:
        """Same as ``lr`` (schedules are the user's torch code)."""
        return self.lr

    @property
    def diverged(self) -> bool:
        """True after a non-finite loss (steps are refused until lr changes or reset)."""
        return self.divergence is not None

    @property
    def batches_per_epoch(self) -> int:
        """Minibatches in one epoch."""
        return math.ceil(len(self.ds.X_train) / self.batch_size)

    def _weights(self) -> list[np.ndarray]:
        return [lin.weight.detach().cpu().numpy().T.copy() for lin in self.linears]

    def _step(self) -> bool:
        if self.divergence is not None:
            return False
        torch = self.torch
        if self._perm is None:
            n = len(self.ds.X_train)
            self._perm = self._rng.permutation(n) if self.shuffle else np.arange(n)
        idx = self._perm[self._pos : self._pos + self.batch_size]
        index = torch.as_tensor(idx)
        before = self._weights()
        self.optimizer.zero_grad(set_to_none=True)
        loss = self._loss_fn(self.module(self._X_train[index]), self._y_train[index])
        value = float(loss.detach())
        if not math.isfinite(value):
            self.divergence = (
                f"diverged at step {self.step_count + 1}: the loss is {value}; "
                "lower the learning rate or reset"
            )
            return False
        loss.backward()
        grads = [float(lin.weight.grad.norm()) for lin in self.linears]
        self.optimizer.step()
        after = self._weights()
        weight_norms = [float(np.linalg.norm(w)) for w in after]
        ratios = [
            float(np.linalg.norm(a - b)) / wn if wn else 0.0
            for a, b, wn in zip(after, before, weight_norms, strict=True)
        ]
        self.step_count += 1
        self._pos += len(idx)
        self._last_loss = value
        self._grad_norms, self._update_ratios = tuple(grads), tuple(ratios)
        self.history.steps.append(self.step_count, [value, self.lr, *grads, *weight_norms, *ratios])
        if self._pos >= len(self.ds.X_train):
            self.epoch += 1
            self._pos = 0
            self._perm = None
            self._metrics = self.evaluate()
            self.history.record_epoch(self.epoch, self.step_count, self._metrics)
        return True

    def evaluate(self) -> dict[str, float]:
        """Data losses (and accuracies for classification) on both parts."""
        out = {}
        with self.torch.no_grad():
            for part, X, y in (
                ("train", self._X_train, self._y_train),
                ("test", self._X_test, self._y_test),
            ):
                if len(X) == 0:
                    out[f"{part}_loss"] = math.nan
                    if self.ds.task != "regression":
                        out[f"{part}_acc"] = math.nan
                    continue
                raw = self.module(X)
                out[f"{part}_loss"] = float(self._loss_fn(raw, y))
                if self.ds.task != "regression":
                    pred = (raw[:, 0] > 0).long() if raw.shape[1] == 1 else raw.argmax(dim=1)
                    labels = y.reshape(-1).long()
                    out[f"{part}_acc"] = float((pred == labels).double().mean())
        out["penalty"] = 0.0
        return out

    def params(self) -> dict[str, np.ndarray]:
        """``W0, b0, ...`` as numpy arrays in nnwidgets' layout (W_i is (n_in, n_out))."""
        out = {}
        for i, lin in enumerate(self.linears):
            out[f"W{i}"] = lin.weight.detach().cpu().numpy().T
            out[f"b{i}"] = (
                lin.bias.detach().cpu().numpy()
                if lin.bias is not None
                else (np.zeros(lin.out_features))
            )
        return out

    def snapshot(self) -> Snapshot:
        """A frozen Snapshot in nnwidgets' layout."""
        params = self.params()
        grads = {}
        for i, lin in enumerate(self.linears):
            g = lin.weight.grad
            grads[f"W{i}"] = (
                g.detach().cpu().numpy().T if g is not None else np.zeros_like(params[f"W{i}"])
            )
            gb = lin.bias.grad if lin.bias is not None else None
            grads[f"b{i}"] = (
                gb.detach().cpu().numpy() if gb is not None else np.zeros_like(params[f"b{i}"])
            )
        n = len(self.linears)
        return Snapshot(
            step=self.step_count,
            epoch=self.epoch,
            lr=self.lr,
            batch_loss=self._last_loss,
            metrics=MappingProxyType(dict(self._metrics)),
            params=frozen_dict(params),
            grads=frozen_dict(grads),
            grad_norms=self._grad_norms,
            weight_norms=tuple(float(np.linalg.norm(params[f"W{i}"])) for i in range(n)),
            update_ratios=self._update_ratios,
            layer_sizes=tuple(self.model.sizes),
            activations=tuple(self.model.activation_names),
            task=self.ds.task,
            batch_in_epoch=math.ceil(self._pos / self.batch_size),
            batches_per_epoch=self.batches_per_epoch,
            diverged=self.divergence is not None,
            divergence=self.divergence,
        )

    def reset(self, seed: int | None = None) -> Snapshot:
        """Back to the initial weights and optimizer state (and the same batch order)."""
        seed = check_seed(seed)
        if seed is not None:
            self.seed = seed
        module_state, opt_state = self._initial
        self.module.load_state_dict(copy.deepcopy(module_state))
        self.optimizer.load_state_dict(copy.deepcopy(opt_state))
        for lin in self.linears:
            lin.weight.grad = None
            if lin.bias is not None:
                lin.bias.grad = None
        self._start()
        return self.snapshot()

    def __repr__(self) -> str:
        return (
            f"TorchTrainer({type(self.module).__name__} {self.model.sizes}, "
            f"{self.ds.name!r}, loss={self.loss.name!r}, "
            f"optimizer={type(self.optimizer).__name__}, step={self.step_count})"
        )
