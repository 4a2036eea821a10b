"""Optimizers that match ``torch.optim`` update for update.

Each optimizer is one small class: hyper-parameters (its constructor's arguments,
kept as attributes of the same names), per-parameter state, and ``update(p, g,
state)`` applying one step to one array in place. The trainer calls ``step(params,
grads)`` once per minibatch. Defining a subclass with a ``name`` registers it in
``OPTIMIZERS``; its ``label`` and ``main_argument`` are what the dashboard shows.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .kept import kept
from .layout import ParamLayout


def _check_lr(lr) -> float:
    if isinstance(lr, bool) or not isinstance(lr, int | float | np.floating | np.integer):
        raise TypeError(f"lr must be a number, got {type(lr).__name__}")
    try:
        lr = float(lr)
    except OverflowError:  # an int beyond the float range
        raise ValueError("lr must be a finite number > 0, got an int beyond floats") from None
    if not math.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
    return lr


def _check_number(
    name: str, value, low: float = 0.0, high: float = math.inf, high_open: bool = False
) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    try:
        value = float(value)
    except OverflowError:  # an int beyond the float range
        raise ValueError(f"{name} must be finite, got an int too large for a float") from None
    too_high = value >= high if high_open else value > high
    if not math.isfinite(value) or value < low or too_high:
        bound = f"< {high}" if high_open else f"<= {high}"
        raise ValueError(f"{name} must be >= {low} and {bound}, got {value!r}")
    return value


@dataclass(frozen=True)
class Argument:
    """The one argument an optimizer shows beside the dashboard's optimizer list.

    ``path`` names a constructor argument, or one entry of a sequence argument as
    ``"betas[0]"``; ``label`` is the control's text; ``low`` and ``high`` its range.
    """

    path: str
    label: str = ""
    low: float = 0.0
    high: float = 0.99

    @property
    def name(self) -> str:
        """The constructor argument (``"betas"`` for ``"betas[0]"``)."""
        return self.path.split("[", 1)[0]

    @property
    def index(self) -> int | None:
        """The entry of a sequence argument, or None."""
        if "[" not in self.path:
            return None
        return int(self.path.split("[", 1)[1].rstrip("]"))

    @property
    def text(self) -> str:
        """The control's label (``label``, else ``path``)."""
        return self.label or self.path

    def read(self, settings: Mapping) -> float | None:
        """The value in ``settings`` (``hyperparameters()``, or torch's ``defaults``)."""
        value = settings.get(self.name)
        if value is None or self.index is None:
            return value
        return value[self.index]

    def kwargs(self, cls: type, value: float) -> dict:
        """Constructor arguments of ``cls`` that set this argument to ``value`` (the
        other entries of a sequence argument keep their defaults)."""
        if self.index is None:
            return {self.name: value}
        entries = list(inspect.signature(cls).parameters[self.name].default)
        entries[self.index] = value
        return {self.name: tuple(entries)}


#: every optimizer class by its ``name``, in the order they were defined
OPTIMIZERS: dict[str, type[Optimizer]] = {}


class Optimizer:
    """Base class: learning rate, per-parameter state and (de)serialisation.

    A subclass sets ``name`` (which registers it in ``OPTIMIZERS``), takes ``lr``
    and its hyper-parameters as constructor arguments kept as attributes of the same
    names, and defines ``update``; ``_new_state`` when it keeps state arrays.
    """

    name: ClassVar[str] = "optimizer"
    #: the name in the dashboard's optimizer list (default: the class name)
    label: ClassVar[str] = "Optimizer"
    #: the argument shown beside the optimizer list, or None
    main_argument: ClassVar[Argument | None] = None
    #: the constructor's arguments besides ``lr``, in order (from its signature)
    _hyperparameter_names: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        names = tuple(inspect.signature(cls.__init__).parameters)[1:]
        cls._hyperparameter_names = tuple(n for n in names if n not in ("lr", "args", "kwargs"))
        if "label" not in cls.__dict__:
            cls.label = cls.__name__
        if "name" in cls.__dict__:
            OPTIMIZERS[cls.name] = cls

    def __init__(self, lr: float) -> None:
        self._lr = _check_lr(lr)
        self.state: dict[str, dict[str, np.ndarray]] = {}
        self.steps = 0
        self._backup_store: dict[str, dict[str, np.ndarray]] = {}
        self._backup_names: dict[str, tuple[str, ...]] | None = None
        self._backup_steps = 0
        # Packed mode (step_flat): the layout and one flat array per state name; the
        # per-parameter ``state`` then holds views into those arrays.
        self._packed: tuple[ParamLayout, dict[str, np.ndarray]] | None = None
        self._backup_flat: dict[str, np.ndarray] = {}
        self._backup_packed: tuple[ParamLayout, tuple[str, ...]] | None = None
        self._scratch_arrays: dict[tuple, np.ndarray] = {}

    @property
    def lr(self) -> float:
        """The learning rate of the next step (settable between steps, must be > 0)."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = _check_lr(value)

    def hyperparameters(self) -> dict:
        """The constructor arguments besides ``lr``, JSON-ready (tuples as lists)."""
        out = {}
        for name in self._hyperparameter_names:
            value = getattr(self, name)
            out[name] = list(value) if isinstance(value, tuple) else value
        return out

    def _new_state(self, p: np.ndarray) -> dict[str, np.ndarray]:
        """The state arrays of a parameter before its first update (none by default)."""
        return {}

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Apply one update to every parameter, in place."""
        self._packed = None  # state arrays may be created here that are no views
        self.steps += 1
        for key, p in params.items():
            state = self.state.get(key)
            if state is None:
                state = self.state[key] = self._new_state(p)
            self.update(p, grads[key], state)

    def update(self, p: np.ndarray, g: np.ndarray, state: dict[str, np.ndarray]) -> None:
        """Update one parameter array in place from its gradient and state."""
        raise NotImplementedError

    def _scratch(self, p: np.ndarray) -> np.ndarray:
        """A reusable array shaped like ``p`` for intermediate results: fresh temporaries
        of a large network's size cost more in page faults than the arithmetic."""
        return kept(self._scratch_arrays, (p.shape, p.dtype), lambda: np.empty_like(p), 16)

    def step_flat(self, flat_params: np.ndarray, flat_grads: np.ndarray, layout) -> None:
        """The same update as ``step`` on ``layout.views(...)``, for parameters packed
        into one array (as ``MLP.flat_params``): one update for all of them.

        Every update is element-wise with scalars shared by all parameters, so the
        packed update equals the per-parameter one; ``state`` stays per parameter
        (views into the packed state).
        """
        packed = self._packed
        if packed is None or packed[0] is not layout:
            packed = self._pack(flat_params, layout)
            if packed is None:  # state that does not pack (partial): the general path
                self.step(layout.views(flat_params), layout.views(flat_grads))
                return
        flat_state = packed[1]
        n_names = len(flat_state)
        self.steps += 1
        self.update(flat_params, flat_grads, flat_state)
        if len(flat_state) != n_names:  # a state array was created lazily (SGD momentum)
            self._set_packed(layout, flat_state)

    def _pack(self, flat_params: np.ndarray, layout):
        state = self.state
        if not state:
            flat_state = self._new_state(flat_params)
        else:
            names = {tuple(s) for s in state.values()}
            if set(state) != set(layout.keys) or len(names) != 1:
                return None
            flat_state = {}
            for name in next(iter(names)):
                flat = np.empty_like(flat_params)
                for key in layout.keys:
                    flat[layout.slices[key]] = state[key][name].ravel()
                flat_state[name] = flat
        self._set_packed(layout, flat_state)
        return self._packed

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        if self._packed is not None:  # the per-parameter views are rebuilt on the copy
            state["state"] = None
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if self.state is None:
            self._set_packed(*self._packed)

    def _set_packed(self, layout, flat_state: dict[str, np.ndarray]) -> None:
        self.state = _per_parameter(layout, flat_state)
        self._packed = (layout, flat_state)

    def backup(self) -> None:
        """Copy the state into preallocated arrays so that ``restore`` can undo one step."""
        self._backup_steps = self.steps
        if self._packed is not None:
            layout, flat_state = self._packed
            for name, arr in flat_state.items():
                dst = self._backup_flat.get(name)
                if dst is None or dst.shape != arr.shape or dst.dtype != arr.dtype:
                    dst = self._backup_flat[name] = np.empty_like(arr)
                np.copyto(dst, arr)
            self._backup_packed = (layout, tuple(flat_state))
            self._backup_names = None
            return
        self._backup_packed = None
        store = self._backup_store
        names = {}
        for key, state in self.state.items():
            slot = store.get(key)
            if slot is None:
                slot = store[key] = {}
            for name, arr in state.items():
                dst = slot.get(name)
                if dst is None or dst.shape != arr.shape or dst.dtype != arr.dtype:
                    dst = slot[name] = np.empty_like(arr)
                np.copyto(dst, arr)
            names[key] = tuple(state)
        self._backup_names = names

    def restore(self) -> None:
        """Go back to the state of the last ``backup``."""
        if self._backup_packed is not None:
            layout, names = self._backup_packed
            packed = self._packed
            if packed is not None and packed[0] is layout and tuple(packed[1]) == names:
                for name in names:
                    np.copyto(packed[1][name], self._backup_flat[name])
            else:
                self._set_packed(layout, {n: self._backup_flat[n].copy() for n in names})
            self.steps = self._backup_steps
            return
        names = self._backup_names
        if names is None:
            raise RuntimeError("restore() needs an earlier backup()")
        self.state = {
            key: {n: self._backup_store[key][n].copy() for n in ns} for key, ns in names.items()
        }
        self._packed = None
        self.steps = self._backup_steps

    def reset_state(self) -> None:
        """Forget all accumulated state (as a freshly built optimizer)."""
        self.state = {}
        self._packed = None
        self.steps = 0

    def state_dict(self) -> dict:
        """Hyper-parameters, step count and copies of the state arrays."""
        return {
            "name": self.name,
            "hyperparameters": {**self.hyperparameters(), "lr": self._lr},
            "steps": self.steps,
            "state": self._copied_state(),
        }

    def _copied_state(self) -> dict[str, dict[str, np.ndarray]]:
        if self._packed is None:
            return {k: {n: a.copy() for n, a in s.items()} for k, s in self.state.items()}
        layout, flat_state = self._packed  # one copy per state array, viewed per parameter
        return _per_parameter(layout, {name: flat.copy() for name, flat in flat_state.items()})

    def load_state_dict(self, state: dict) -> None:
        """Restore what ``state_dict`` returned (hyper-parameters included)."""
        if state.get("name") != self.name:
            raise ValueError(
                f"state must come from a {self.name} optimizer, got {state.get('name')!r}"
            )
        fresh = type(self)(**state["hyperparameters"])  # validates every value first
        keep = (
            "state",
            "_scratch_arrays",
            "_backup_store",
            "_backup_names",
            "_backup_steps",
            "_backup_flat",
            "_backup_packed",
        )
        self.__dict__.update({k: v for k, v in fresh.__dict__.items() if k not in keep})
        self.steps = int(state["steps"])
        self.state = {k: {n: np.array(a) for n, a in s.items()} for k, s in state["state"].items()}
        self._packed = None

    def __repr__(self) -> str:
        args = ", ".join(
            f"{k}={v!r}" for k, v in {"lr": self._lr, **self.hyperparameters()}.items()
        )
        return f"{type(self).__name__}({args})"


def _per_parameter(layout, flat_state: dict[str, np.ndarray]) -> dict[str, dict[str, np.ndarray]]:
    """``{key: {name: view}}``: packed state arrays seen per parameter, as ``state``."""
    views = {name: layout.views(flat) for name, flat in flat_state.items()}
    return {key: {name: views[name][key] for name in flat_state} for key in layout.keys}


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, Nesterov and weight decay."""

    name = "sgd"
    label = "SGD"
    main_argument = Argument("momentum")

    def __init__(
        self,
        lr: float = 0.03,
        momentum: float = 0.0,
        dampening: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(lr)
        self.momentum = _check_number("momentum", momentum)
        self.dampening = _check_number("dampening", dampening)
        self.weight_decay = _check_number("weight_decay", weight_decay)
        if not isinstance(nesterov, bool):
            raise TypeError(f"nesterov must be a bool, got {type(nesterov).__name__}")
        if nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError("nesterov=True requires momentum > 0 and dampening = 0")
        self.nesterov = nesterov

    def update(self, p, g, state):
        d = g + self.weight_decay * p if self.weight_decay else g
        tmp = self._scratch(p)
        if self.momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = d.copy()
            else:
                buf *= self.momentum
                np.multiply(1 - self.dampening, d, out=tmp)
                buf += tmp
            d = d + self.momentum * buf if self.nesterov else buf
        np.multiply(self._lr, d, out=tmp)
        p -= tmp


class Adam(Optimizer):
    """Adam (optionally AMSGrad) with L2 weight decay added to the gradient."""

    name = "adam"
    label = "Adam"
    main_argument = Argument("betas[0]", "β1", 0.0, 0.999)
    decoupled = False

    def __init__(
        self,
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(lr)
        if not isinstance(betas, tuple | list) or len(betas) != 2:
            raise TypeError(f"betas must be a pair of numbers, got {betas!r}")
        self.betas = (
            _check_number("betas[0]", betas[0], 0.0, 1.0, high_open=True),
            _check_number("betas[1]", betas[1], 0.0, 1.0, high_open=True),
        )
        self.eps = _check_number("eps", eps)
        self.weight_decay = _check_number("weight_decay", weight_decay)
        if not isinstance(amsgrad, bool):
            raise TypeError(f"amsgrad must be a bool, got {type(amsgrad).__name__}")
        self.amsgrad = amsgrad

    def _new_state(self, p):
        state = {"exp_avg": np.zeros_like(p), "exp_avg_sq": np.zeros_like(p)}
        if self.amsgrad:
            state["max_exp_avg_sq"] = np.zeros_like(p)
        return state

    def update(self, p, g, state):
        beta1, beta2 = self.betas
        if self.weight_decay:
            if self.decoupled:
                p *= 1 - self._lr * self.weight_decay
            else:
                g = g + self.weight_decay * p
        m, v = state["exp_avg"], state["exp_avg_sq"]
        tmp = self._scratch(p)  # every intermediate goes here, in the order torch computes
        np.subtract(g, m, out=tmp)
        tmp *= 1 - beta1
        m += tmp
        v *= beta2
        np.multiply(1 - beta2, g, out=tmp)
        tmp *= g
        v += tmp
        step_size = self._lr / (1 - beta1**self.steps)
        bias2_sqrt = math.sqrt(1 - beta2**self.steps)
        if self.amsgrad:
            np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            v = state["max_exp_avg_sq"]
        denom = np.sqrt(v, out=tmp)
        denom /= bias2_sqrt
        denom += self.eps
        np.divide(m, denom, out=tmp)
        tmp *= step_size
        p -= tmp


class AdamW(Adam):
    """Adam with decoupled weight decay (the weights shrink by lr * weight_decay)."""

    name = "adamw"
    label = "AdamW"
    decoupled = True

    def __init__(
        self,
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.01,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(lr, betas, eps, weight_decay, amsgrad)


class RMSprop(Optimizer):
    """RMSprop, optionally centred and with momentum."""

    name = "rmsprop"
    label = "RMSprop"
    main_argument = Argument("momentum")

    def __init__(
        self,
        lr: float = 0.01,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        super().__init__(lr)
        self.alpha = _check_number("alpha", alpha)
        self.eps = _check_number("eps", eps)
        self.weight_decay = _check_number("weight_decay", weight_decay)
        self.momentum = _check_number("momentum", momentum)
        if not isinstance(centered, bool):
            raise TypeError(f"centered must be a bool, got {type(centered).__name__}")
        self.centered = centered

    def _new_state(self, p):
        state = {"square_avg": np.zeros_like(p)}
        if self.momentum:
            state["momentum_buffer"] = np.zeros_like(p)
        if self.centered:
            state["grad_avg"] = np.zeros_like(p)
        return state

    def update(self, p, g, state):
        if self.weight_decay:
            g = g + self.weight_decay * p
        sq = state["square_avg"]
        sq *= self.alpha
        sq += (1 - self.alpha) * g * g
        if self.centered:
            ga = state["grad_avg"]
            ga += (1 - self.alpha) * (g - ga)
            avg = np.sqrt(sq - ga * ga)
        else:
            avg = np.sqrt(sq)
        avg += self.eps
        if self.momentum:
            buf = state["momentum_buffer"]
            buf *= self.momentum
            buf += g / avg
            p -= self._lr * buf
        else:
            p -= self._lr * (g / avg)


class Adagrad(Optimizer):
    """Adagrad: per-coordinate rates shrinking with the sum of squared gradients."""

    name = "adagrad"
    label = "Adagrad"

    def __init__(
        self,
        lr: float = 0.01,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
    ) -> None:
        super().__init__(lr)
        self.lr_decay = _check_number("lr_decay", lr_decay)
        self.weight_decay = _check_number("weight_decay", weight_decay)
        self.initial_accumulator_value = _check_number(
            "initial_accumulator_value", initial_accumulator_value
        )
        self.eps = _check_number("eps", eps)

    def _new_state(self, p):
        return {"sum": np.full_like(p, self.initial_accumulator_value)}

    def update(self, p, g, state):
        if self.weight_decay:
            g = g + self.weight_decay * p
        clr = self._lr / (1 + (self.steps - 1) * self.lr_decay)
        state["sum"] += g * g
        std = np.sqrt(state["sum"])
        std += self.eps
        p -= clr * (g / std)


def get_optimizer(optimizer) -> Optimizer:
    """An optimizer instance from an instance or a name (default arguments)."""
    if isinstance(optimizer, Optimizer):
        return optimizer
    if isinstance(optimizer, str):
        cls = OPTIMIZERS.get(optimizer.lower())
        if cls is None:
            raise ValueError(
                f"optimizer {optimizer!r} is unknown; expected one of {sorted(OPTIMIZERS)}"
            )
        return cls()
    raise TypeError(
        f"optimizer must be an nw.optim instance or a name, got {type(optimizer).__name__}"
    )


def from_state_dict(state: dict) -> Optimizer:
    """Rebuild an optimizer of the right class from its ``state_dict``."""
    cls = OPTIMIZERS.get(state.get("name"))
    if cls is None:
        raise ValueError(f"optimizer state names an unknown optimizer: {state.get('name')!r}")
    opt = cls(**state["hyperparameters"])
    opt.load_state_dict(state)
    return opt
