"""``TorchTrainer``: watch real PyTorch training in the nnwidgets Dashboard.

It speaks the trainer protocol (``step``, ``step_epoch``, ``run``, ``lr``,
``evaluate``, ``snapshot``, ``history``, ``reset``) for a ``torch.nn.Module``,
with the same minibatches as ``nw.Trainer`` (a seeded permutation per epoch,
consecutive slices). torch is imported lazily: nnwidgets never depends on it.

Two kinds of module:

- a plain chain of ``Linear`` layers and the activations nnwidgets has (``Dropout``
  and ``Flatten`` allowed): its snapshots use nnwidgets' ``W0, b0, ...`` layout and
  every view, the network diagram and the loss landscape included, works as for
  ``nw.Trainer``;
- anything else (BatchNorm, LayerNorm, convolutions, any element-wise activation,
  nested or custom modules with their own ``forward``): snapshots hold every
  parameter under its module path (``net.0.weight``, in PyTorch's layout) and the
  buffers (running statistics) in ``snapshot.extra["buffers"]``; the views draw every
  layer that has weights, and predictions come from the real module (a scratch copy
  in evaluation mode). The network diagram and the loss landscape say they are not
  available.

Steps run the module in training mode, ``evaluate()`` and the views in evaluation
mode. Dropout draws from a torch generator of the trainer's own, seeded with
``seed``, so ``reset()`` repeats a run exactly and the global torch RNG is untouched.
"""

from __future__ import annotations

import contextlib
import copy
import math
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from ..core.checks import check_int, check_seed
from ..core.cursor import EpochCursor, evaluate_parts
from ..core.datasets import Dataset
from ..core.history import History
from ..core.losses import DEFAULT_LOSS, Loss, get_loss
from ..core.model import forward_with
from ..core.optim import _check_lr
from ..core.snapshot import Snapshot, frozen_dict, read_only
from ..core.stepping import Stepping
from ..core.view_context import ViewContext
from ..core.weight_layers import array_weight_layer, chain_weight_layers

ACTIVATION_NAMES = {
    "ReLU": "relu",
    "LeakyReLU": "leaky_relu",
    "Tanh": "tanh",
    "Sigmoid": "sigmoid",
    "ELU": "elu",
    "GELU": "gelu",
    "Identity": "linear",
}
#: torch.nn.modules.activation classes that are not element-wise
NOT_ELEMENTWISE = {"Softmax", "LogSoftmax", "Softmin", "Softmax2d", "GLU", "MultiheadAttention"}
TORCH_LOSSES = {"mse": "MSELoss", "bce": "BCEWithLogitsLoss", "cross_entropy": "CrossEntropyLoss"}
PROBE_ROWS = 8  # training rows run through the module to check it before training


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

    Raises ValueError when ``module`` is not a plain chain that nnwidgets' own forward
    pass reproduces from the weights alone (``TorchTrainer`` then runs the module itself).
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


def chain_params(linears) -> dict[str, np.ndarray]:
    """``W0, b0, ...`` of a chain of ``Linear`` layers in nnwidgets' layout (W_i is
    (n_in, n_out)); a layer without bias gets zeros of its weights' dtype."""
    out = {}
    for i, lin in enumerate(linears):
        out[f"W{i}"] = lin.weight.detach().cpu().numpy().T
        out[f"b{i}"] = (
            lin.bias.detach().cpu().numpy()
            if lin.bias is not None
            else np.zeros(lin.out_features, dtype=out[f"W{i}"].dtype)
        )
    return out


def is_activation(layer) -> bool:
    """True for an element-wise activation module (ReLU, Softplus, SiLU, Hardtanh, ...)."""
    cls = type(layer)
    return cls.__module__ == "torch.nn.modules.activation" and cls.__name__ not in NOT_ELEMENTWISE


def activation_name(layer) -> str:
    """nnwidgets' name of an activation module when it has one, else its class in lower case."""
    name = type(layer).__name__
    return ACTIVATION_NAMES.get(name, name.lower())


@dataclass
class ModuleShape:
    """What probing a module found: its Linear chain (``linears`` None when it is not a
    plain chain), the activation after each hidden layer, and otherwise the hidden
    activations' module paths and widths and the output width."""

    linears: list | None
    activations: list[str]
    hidden_names: list[str] = field(default_factory=list)
    widths: list[int] = field(default_factory=list)
    n_out: int = 0


@dataclass
class _Scratch:
    """A copy of the module for the views, and the snapshot whose weights it holds."""

    module: object
    loaded: object = None


def probe_module(module, ds: Dataset, batch_size: int, loss: Loss, dtype) -> ModuleShape:
    """Run a few training rows through ``module`` (evaluation mode, no gradient) in
    torch ``dtype``, check it fits the data and ``loss``; find its hidden activations."""
    torch = _import_torch()
    X = torch.as_tensor(ds.X_train[:PROBE_ROWS], dtype=dtype)
    leaves = [m for m in module.modules() if not list(m.children())]
    paths = {id(m): name for name, m in module.named_modules()}
    calls: list = []
    handles = [
        m.register_forward_hook(lambda mod, _inp, out: calls.append((mod, out))) for m in leaves
    ]
    was_training = module.training
    try:
        module.eval()
        with torch.no_grad():
            out = module(X)
    except Exception as exc:  # any failure of the user's forward: say what went in
        raise ValueError(
            f"module cannot take the data set's input width of {ds.n_features} features "
            f"(a batch of shape {tuple(X.shape)}): {type(exc).__name__}: {exc}"
        ) from exc
    finally:
        for h in handles:
            h.remove()
        module.train(was_training)
    if not isinstance(out, torch.Tensor) or out.ndim != 2 or out.shape[0] != len(X):
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ValueError(
            f"module must return raw scores of shape (batch, outputs), got {shape} for a "
            f"batch of {len(X)}"
        )
    expected = ds.n_outputs if loss.class_labels else loss.targets(ds.y_train).shape[1]
    if out.shape[1] != expected:
        raise ValueError(
            f"module output width {out.shape[1]} does not fit loss {loss.name!r} on "
            f"this data set: expected {expected}"
        )
    if calls and calls[-1][1] is out and is_activation(calls[-1][0]):
        raise ValueError(
            "module: the output layer must be linear (raw scores / logits), without a "
            f"final {type(calls[-1][0]).__name__}"
        )
    bn = torch.nn.modules.batchnorm._BatchNorm
    if any(isinstance(m, bn) for m in leaves) and 1 in (
        batch_size,
        len(ds.X_train) % batch_size,
    ):
        raise ValueError(
            f"batch_size {batch_size} leaves a batch of one sample, which BatchNorm cannot "
            "train on; choose another batch_size"
        )
    try:
        linears, activations = describe_module(module)
        _, ours = forward_with(chain_params(linears), activations, ds.X_train[:PROBE_ROWS])
        tol = 1e-9 if dtype == torch.float64 else 1e-4
        if not np.allclose(ours, out.numpy(), rtol=tol, atol=tol):
            raise ValueError("module: its forward is not the chain of its layers")
        return ModuleShape(linears, activations)
    except ValueError:
        pass
    hidden = [(mod, o) for mod, o in calls if is_activation(mod) and o is not out and o.ndim >= 1]
    hidden = [(mod, o) for mod, o in hidden if o.shape[0] == len(X)]
    return ModuleShape(
        linears=None,
        activations=[activation_name(mod) for mod, _ in hidden],
        hidden_names=[f"module {paths.get(id(mod), '?')}" for mod, _ in hidden],
        widths=[int(np.prod(o.shape[1:])) for _, o in hidden],
        n_out=int(out.shape[1]),
    )


class TorchTrainer(Stepping):
    """Train a PyTorch module step by step, speaking nnwidgets' trainer protocol.

    ``optimizer`` is a ``torch.optim`` instance over ``module.parameters()``
    (default SGD with lr 0.03). The Dashboard can watch it like ``nw.Trainer``.
    The module's raw output must fit the loss: one column for "bce", one per class
    for "cross_entropy", one per target for "mse". ``chain`` tells whether the module
    is a plain Linear/activation chain (see the module docstring); ``layer_sizes``,
    ``activations`` and ``hidden_names`` describe the network for the views.
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
        self.loss = get_loss(loss)
        if self.loss.class_labels and ds.task == "regression":
            raise ValueError(f"loss {loss!r} needs class labels; the data set is regression")
        if self.loss.logits and not self.loss.class_labels and ds.task == "multiclass":
            raise ValueError(f"loss {loss!r} needs two classes; use 'cross_entropy' for more")
        batch_size = check_int("batch_size", batch_size, 1)
        if not isinstance(shuffle, bool):
            raise TypeError(f"shuffle must be a bool, got {type(shuffle).__name__}")
        seed = check_seed(seed)
        params = list(module.parameters())
        if not params:
            raise ValueError("module has no parameters to train")
        if optimizer is None:
            optimizer = torch.optim.SGD(module.parameters(), lr=0.03)
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise TypeError(
                f"optimizer must be a torch.optim optimizer, got {type(optimizer).__name__}"
            )
        self.torch = torch
        self.dtype = params[0].dtype
        self.ds = ds
        self._y_train = self._targets(ds.y_train)
        # every check before any state is kept
        probe = probe_module(module, ds, batch_size, self.loss, self.dtype)
        self.module = module
        self.optimizer = optimizer
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.chain = probe.linears is not None
        self.activations: list[str] = list(probe.activations)
        if self.chain:
            self.linears = probe.linears
            self._weight_params = [lin.weight for lin in self.linears]
            sizes = [self.linears[0].in_features] + [lin.out_features for lin in self.linears]
            self.weight_layers = chain_weight_layers(sizes)
            self.hidden_names = [f"layer {i + 1}" for i in range(len(probe.activations))]
        else:
            self.linears = [m for m in module.modules() if isinstance(m, torch.nn.Linear)]
            named = [
                (name, p)
                for name, p in module.named_parameters()
                if name.rsplit(".", 1)[-1] != "bias"
            ]
            self._weight_params = [p for _, p in named]
            self.weight_layers = tuple(array_weight_layer(name, p.shape) for name, p in named)
            sizes = [ds.n_features, *probe.widths, probe.n_out]
            self.hidden_names = probe.hidden_names
        self.layer_sizes: list[int] = sizes
        self._loss_fn = getattr(torch.nn, TORCH_LOSSES[loss])()
        self._X_train = torch.as_tensor(ds.X_train, dtype=self.dtype)
        self._X_test = torch.as_tensor(ds.X_test, dtype=self.dtype)
        self._y_test = self._targets(ds.y_test)
        self._labels = {
            part: y.reshape(-1).long().numpy()
            for part, y in (("train", self._y_train), ("test", self._y_test))
        }
        self._initial = (copy.deepcopy(module.state_dict()), copy.deepcopy(optimizer.state_dict()))
        self._scratch: tuple[_Scratch, list] | None = None
        self._start()

    def _targets(self, y):
        y = self.loss.targets(y)  # int64 labels, or float64 values (2-D)
        return self.torch.as_tensor(y, dtype=None if self.loss.class_labels else self.dtype)

    def _start(self) -> None:
        rng = np.random.default_rng(self.seed)
        torch_seed = self.seed if self.seed is not None else int(np.random.SeedSequence().entropy)
        self._torch_rng = self.torch.Generator().manual_seed(torch_seed % 2**63).get_state()
        self._cursor = EpochCursor(len(self.ds.X_train), self.batch_size, self.shuffle, rng)
        n = len(self.weight_layers)
        self._cursor.diagnostics_zero(n)
        self.divergence = None
        self.history = History(n, self.ds.task != "regression")
        self._cursor.end_epoch(self.history, self.evaluate())

    @contextlib.contextmanager
    def _stepping(self):
        """Steps draw dropout masks from the trainer's own generator, in training mode."""
        torch = self.torch
        outside = torch.get_rng_state()
        torch.set_rng_state(self._torch_rng)
        if not self.module.training:
            self.module.train()
        try:
            yield
        finally:
            self._torch_rng = torch.get_rng_state()
            torch.set_rng_state(outside)

    # ------------------------------------------------------------- protocol
    @property
    def step_count(self) -> int:
        """Updates done since step 0."""
        return self._cursor.step

    @property
    def epoch(self) -> int:
        """Epochs finished since step 0."""
        return self._cursor.epoch

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
    def batches_per_epoch(self) -> int:
        """Minibatches in one epoch."""
        return self._cursor.batches_per_epoch

    def _weights(self) -> list[np.ndarray]:
        if self.chain:
            return [p.detach().cpu().numpy().T.copy() for p in self._weight_params]
        return [p.detach().cpu().numpy().copy() for p in self._weight_params]

    def _step(self) -> bool:
        if self.divergence is not None:
            return False
        cursor = self._cursor
        idx = cursor.next_batch()
        index = self.torch.as_tensor(idx)
        before = self._weights()
        self.optimizer.zero_grad(set_to_none=True)
        loss = self._loss_fn(self.module(self._X_train[index]), self._y_train[index])
        value = float(loss.detach())
        if not math.isfinite(value):
            self.divergence = (
                f"diverged at step {cursor.step + 1}: the loss is {value}; "
                "lower the learning rate or reset"
            )
            return False
        loss.backward()
        grads = [float(p.grad.norm()) if p.grad is not None else 0.0 for p in self._weight_params]
        self.optimizer.step()
        after = self._weights()
        weight_norms = [float(np.linalg.norm(w)) for w in after]
        ratios = [
            float(np.linalg.norm(a - b)) / wn if wn else 0.0
            for a, b, wn in zip(after, before, weight_norms, strict=True)
        ]
        if cursor.advance(self.history, idx, value, self.lr, grads, weight_norms, ratios):
            cursor.end_epoch(self.history, self.evaluate())
        return True

    @contextlib.contextmanager
    def _evaluating(self):
        """Evaluation mode (no dropout, BatchNorm's running statistics), then back."""
        was_training = self.module.training
        self.module.eval()
        try:
            with self.torch.no_grad():
                yield
        finally:
            self.module.train(was_training)

    def evaluate(self) -> dict[str, float]:
        """Data losses (and accuracies for classification) on both parts, in evaluation mode."""

        def run(X, y) -> tuple[float, np.ndarray]:
            raw = self.module(X)
            return float(self._loss_fn(raw, y)), raw.double().numpy()

        parts = [
            (name, len(X), X, y, self._labels[name])
            for name, X, y in (
                ("train", self._X_train, self._y_train),
                ("test", self._X_test, self._y_test),
            )
        ]
        with self._evaluating():
            return evaluate_parts(parts, run, self.loss, self.ds.task != "regression", 0.0)

    def params(self) -> dict[str, np.ndarray]:
        """The parameters as numpy arrays: ``W0, b0, ...`` in nnwidgets' layout (W_i is
        (n_in, n_out)) for a plain chain, else every parameter under its module path."""
        if not self.chain:
            return {n: p.detach().cpu().numpy() for n, p in self.module.named_parameters()}
        return chain_params(self.linears)

    def _grads(self, params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        def grad(p, like: np.ndarray) -> np.ndarray:
            g = None if p is None else p.grad
            return np.zeros_like(like) if g is None else g.detach().cpu().numpy()

        if not self.chain:
            return {n: grad(p, params[n]) for n, p in self.module.named_parameters()}
        grads = {}
        for i, lin in enumerate(self.linears):
            grads[f"W{i}"] = grad(lin.weight, params[f"W{i}"].T).T
            grads[f"b{i}"] = grad(lin.bias, params[f"b{i}"])
        return grads

    def view_context(self) -> ViewContext:
        """What the views may know of this trainer: data, network shape, loss, and the
        module's own forward pass and weight layers when it is not a plain chain."""
        return ViewContext(
            ds=self.ds,
            layer_sizes=tuple(self.layer_sizes),
            activations=tuple(self.activations),
            loss=self.loss,
            task=self.ds.task,
            weight_layers=tuple(self.weight_layers),
            forward=self.forward_for_views,
            chain=self.chain,
            hidden_names=tuple(self.hidden_names),
        )

    def snapshot(self) -> Snapshot:
        """A frozen Snapshot (see ``params`` for its layout; buffers in ``extra``)."""
        params = self.params()
        grads = self._grads(params)
        extra = MappingProxyType({})
        if not self.chain:
            buffers = {n: b.detach().cpu().numpy() for n, b in self.module.named_buffers()}
            extra = MappingProxyType({"buffers": frozen_dict(buffers)})
        c = self._cursor
        return Snapshot(
            step=c.step,
            epoch=c.epoch,
            lr=self.lr,
            batch_loss=c.last_loss,
            metrics=MappingProxyType(c.epoch_metrics),
            params=frozen_dict(params),
            grads=frozen_dict(grads),
            grad_norms=tuple(c.grad_norms),
            weight_norms=tuple(float(np.linalg.norm(params[w.name])) for w in self.weight_layers),
            update_ratios=tuple(c.update_ratios),
            layer_sizes=tuple(self.layer_sizes),
            activations=tuple(self.activations),
            task=self.ds.task,
            batch_in_epoch=c.batch_in_epoch,
            batches_per_epoch=c.batches_per_epoch,
            diverged=self.divergence is not None,
            divergence=self.divergence,
            batch=read_only(c.last_batch),
            extra=extra,
        )

    # ------------------------------------------------------------ for views
    def forward_for_views(self, snapshot: Snapshot, X: np.ndarray):
        """``(hidden outputs, raw output)`` of the network in ``snapshot`` on inputs ``X``.

        A plain chain uses nnwidgets' ``forward_with``; any other module is run for real:
        a scratch copy of it, loaded with the snapshot's parameters and buffers, in
        evaluation mode, with the output of each hidden activation caught by a hook.
        """
        if self.chain:
            return forward_with(snapshot.params, snapshot.activations, X)
        torch = self.torch
        scratch, caught = self._scratch_module()
        if scratch.loaded is not snapshot:
            buffers = snapshot.extra.get("buffers", {})
            with torch.no_grad():
                for name, p in scratch.module.named_parameters():
                    p.copy_(torch.tensor(np.asarray(snapshot.params[name])))
                for name, b in scratch.module.named_buffers():
                    if name in buffers:
                        b.copy_(torch.tensor(np.asarray(buffers[name])))
            scratch.loaded = snapshot
        caught.clear()
        X = np.asarray(X)
        with torch.no_grad():
            out = scratch.module(torch.as_tensor(X, dtype=self.dtype))
        n = len(X)
        hidden = [c.reshape(n, -1).numpy() for c in caught if c.ndim >= 1 and c.shape[0] == n]
        widths = self.layer_sizes[1:-1]
        hidden = hidden[: len(widths)]
        dtype = out.numpy().dtype
        hidden += [np.zeros((n, w), dtype=dtype) for w in widths[len(hidden) :]]
        return hidden, out.numpy()

    def _scratch_module(self) -> tuple[_Scratch, list]:
        if self._scratch is None:
            module = copy.deepcopy(self.module)
            module.eval()
            caught: list = []
            for m in module.modules():
                if not list(m.children()) and is_activation(m):
                    m.register_forward_hook(lambda _m, _i, out: caught.append(out.detach()))
            self._scratch = (_Scratch(module), caught)
        return self._scratch

    def reset(self, seed: int | None = None) -> Snapshot:
        """Back to the initial weights and optimizer state (and the same batch order)."""
        seed = check_seed(seed)
        if seed is not None:
            self.seed = seed
        module_state, opt_state = self._initial
        self.module.load_state_dict(copy.deepcopy(module_state))
        self.optimizer.load_state_dict(copy.deepcopy(opt_state))
        for p in self.module.parameters():
            p.grad = None
        self._start()
        return self.snapshot()

    def __repr__(self) -> str:
        return (
            f"TorchTrainer({type(self.module).__name__} {self.layer_sizes}, "
            f"{self.ds.name!r}, loss={self.loss.name!r}, "
            f"optimizer={type(self.optimizer).__name__}, step={self.step_count})"
        )
