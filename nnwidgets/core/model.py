"""A multi-layer perceptron in numpy: forward, backward, parameters and gradients."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .activations import Activation, get_activation
from .checks import check_int, check_seed
from .features import check_features, expand
from .kept import kept
from .layout import ParamLayout
from .losses import Loss, sigmoid, softmax

INITS = ("xavier", "he", "normal", "zeros")
DTYPES = ("float32", "float64")
TASKS = ("regression", "binary", "multiclass")


class MLP:
    """A fully connected network: ``sizes = [n_in, hidden..., n_out]``.

    Hidden layers use ``activation`` (one name, or a list with one per hidden
    layer); the output layer is linear, giving logits for classification.
    ``W_i`` has shape ``(n_in, n_out)`` and ``b_i`` shape ``(n_out,)``.

    ``init``: "xavier" (Glorot uniform, limit sqrt(6 / (n_in + n_out))), "he"
    (Kaiming uniform, limit sqrt(6 / n_in)), "normal" (N(0, 1 / n_in)), or "zeros"
    (every unit stays identical: a lesson in symmetry). Biases start at zero.
    ``features`` (2-D data only) computes inputs such as "x1^2" from the plane
    first, so ``sizes[0]`` is then the number of features.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str | Sequence[str] = "tanh",
        init: str = "xavier",
        seed: int | None = 0,
        dtype: str = "float64",
        task: str | None = None,
        features: Sequence[str] | None = None,
    ) -> None:
        if isinstance(sizes, str | bytes) or not isinstance(sizes, Sequence | np.ndarray):
            raise TypeError(f"sizes must be a list of layer widths, got {type(sizes).__name__}")
        sizes = [check_int(f"sizes[{i}]", s, 1) for i, s in enumerate(sizes)]
        if len(sizes) < 2:
            raise ValueError(f"sizes must list at least an input and an output width, got {sizes}")
        n_hidden = len(sizes) - 2
        if isinstance(activation, str):
            names = [activation] * n_hidden
        elif isinstance(activation, Sequence):
            names = list(activation)
            if len(names) != n_hidden:
                raise ValueError(
                    f"activation list must have one name per hidden layer ({n_hidden}), "
                    f"got {len(names)}"
                )
        else:
            raise TypeError(
                f"activation must be a name or a list of names, got {type(activation).__name__}"
            )
        activations = [get_activation(n) for n in names]
        if isinstance(activation, str):
            get_activation(activation)  # an unknown name is an error even without hidden layers
        if not isinstance(init, str):
            raise TypeError(f"init must be a name (str), got {type(init).__name__}")
        if init not in INITS:
            raise ValueError(f"init {init!r} is unknown; expected one of {list(INITS)}")
        try:
            dtype_name = dtype if isinstance(dtype, str) else str(np.dtype(dtype))
        except TypeError:
            raise TypeError(f"dtype must be 'float32' or 'float64', got {dtype!r}") from None
        if dtype_name not in DTYPES:
            raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
        if task is not None and task not in TASKS:
            raise ValueError(f"task must be one of {list(TASKS)} or None, got {task!r}")

        self.sizes: list[int] = sizes
        self.activation_names: list[str] = names
        self.activations: list[Activation] = activations
        self.init = init
        self.seed = check_seed(seed)
        self.dtype = np.dtype(str(np.dtype(dtype)))
        self.task = task
        self.features = check_features(features)
        if self.features is not None and len(self.features) != sizes[0]:
            raise ValueError(
                f"sizes[0] must equal the number of features ({len(self.features)}), got {sizes[0]}"
            )
        # Every parameter (and gradient) lives in one flat array; the dicts hold views.
        # One array lets the trainer update, copy, check and measure them in one call each.
        self.layout = ParamLayout(self.param_keys, self._shapes())
        self.flat_params = np.zeros(self.layout.size, dtype=self.dtype)
        self.flat_grads = np.zeros(self.layout.size, dtype=self.dtype)
        self.params: dict[str, np.ndarray] = self.layout.views(self.flat_params)
        self.grads: dict[str, np.ndarray] = self.layout.views(self.flat_grads)
        # Each layer's W (n_in, n_out) is followed by its b (n_out,) in the flat arrays,
        # so together they form one (n_in + 1, n_out) block: [W; b]. With a column of
        # ones after the inputs, one matrix product adds the bias, and one gives both
        # gradients.
        self._param_blocks = self._blocks(self.flat_params)
        self._grad_blocks = self._blocks(self.flat_grads)
        self._buffers: dict[int, _Buffers] = {}
        self.initialize(self.seed)

    # ----------------------------------------------------------------- setup
    @property
    def n_layers(self) -> int:
        """Number of weight layers."""
        return len(self.sizes) - 1

    @property
    def param_keys(self) -> list[str]:
        """Parameter names in layer order: W0, b0, W1, b1, ..."""
        return [f"{p}{i}" for i in range(self.n_layers) for p in ("W", "b")]

    def _shapes(self) -> list[tuple[int, ...]]:
        pairs = zip(self.sizes[:-1], self.sizes[1:], strict=True)
        return [shape for n_in, n_out in pairs for shape in ((n_in, n_out), (n_out,))]

    # Copies and pickles rebuild the views into the flat arrays (copied one by one, the
    # views would come out as separate arrays, and training would update neither).
    def __getstate__(self) -> dict:
        views = ("params", "grads", "_param_blocks", "_grad_blocks", "_buffers")
        return {k: v for k, v in self.__dict__.items() if k not in views}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.params = self.layout.views(self.flat_params)
        self.grads = self.layout.views(self.flat_grads)
        self._param_blocks = self._blocks(self.flat_params)
        self._grad_blocks = self._blocks(self.flat_grads)
        self._buffers = {}

    def _blocks(self, flat: np.ndarray) -> list[np.ndarray]:
        blocks = []
        for i, (n_in, n_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:], strict=True)):
            start = self.layout.slices[f"W{i}"].start
            blocks.append(flat[start : start + (n_in + 1) * n_out].reshape(n_in + 1, n_out))
        return blocks

    def initialize(self, seed: int | None = None) -> None:
        """Draw fresh weights (in place, so references to the arrays stay valid)."""
        seed = check_seed(seed)
        rng = np.random.default_rng(seed)
        for i, (n_in, n_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:], strict=True)):
            if self.init == "xavier":
                limit = np.sqrt(6.0 / (n_in + n_out))
                W = rng.uniform(-limit, limit, size=(n_in, n_out))
            elif self.init == "he":
                limit = np.sqrt(6.0 / n_in)
                W = rng.uniform(-limit, limit, size=(n_in, n_out))
            elif self.init == "normal":
                W = rng.normal(0.0, 1.0 / np.sqrt(n_in), size=(n_in, n_out))
            else:
                W = np.zeros((n_in, n_out))
            self.params[f"W{i}"][...] = W
            self.params[f"b{i}"][...] = 0
        self.seed = seed

    def config(self) -> dict:
        """The JSON-ready arguments that rebuild this model."""
        return {
            "sizes": list(self.sizes),
            "activation": list(self.activation_names),
            "init": self.init,
            "seed": self.seed,
            "dtype": self.dtype.name,
            "task": self.task,
            "features": None if self.features is None else list(self.features),
        }

    def __repr__(self) -> str:
        acts = ",".join(self.activation_names) or "-"
        return f"MLP({self.sizes}, activation={acts}, init={self.init!r}, dtype={self.dtype.name})"

    # ------------------------------------------------------------- inference
    @property
    def n_inputs(self) -> int:
        """Width of the data this model takes (2 when it computes its own features)."""
        return 2 if self.features is not None else self.sizes[0]

    def _as_input(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=self.dtype)
        if self.features is not None:
            return expand(X, self.features)
        if X.ndim == 1 and self.sizes[0] == 1:
            X = X[:, None]
        if X.ndim != 2 or X.shape[1] != self.sizes[0]:
            raise ValueError(f"X must have shape (n_samples, {self.sizes[0]}), got {np.shape(X)}")
        return X

    def forward(self, X) -> np.ndarray:
        """Raw outputs (logits for classification) for inputs ``X``."""
        return forward_with(self.params, self.activations, self._as_input(X))[1]

    def hidden_outputs(self, X) -> list[np.ndarray]:
        """The activations of every hidden layer for inputs ``X`` (for views)."""
        return forward_with(self.params, self.activations, self._as_input(X))[0]

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities: (n,) for binary, (n, k) for multiclass."""
        out = self.forward(X)
        if self._task == "binary":
            return sigmoid(out[:, 0])
        if self._task == "multiclass":
            return softmax(out)
        raise ValueError("predict_proba needs a classification task; this model does regression")

    def predict(self, X) -> np.ndarray:
        """Labels for classification, values for regression (1-D for one output)."""
        out = self.forward(X)
        if self._task == "binary":
            return (out[:, 0] > 0).astype(np.int64)
        if self._task == "multiclass":
            return out.argmax(axis=1)
        return out[:, 0] if out.shape[1] == 1 else out

    @property
    def _task(self) -> str:
        if self.task is not None:
            return self.task
        return "regression"

    # -------------------------------------------------------------- training
    def _batch_buffers(self, n: int) -> _Buffers:
        return kept(self._buffers, n, lambda: _Buffers(n, self.sizes, self.dtype), limit=4)

    def with_ones(self, X: np.ndarray) -> np.ndarray:
        """``X`` (already in the first layer's space) with a column of ones appended:
        the input ``loss_and_grad`` and ``forward_buffered`` take with ``with_ones=True``."""
        X1 = np.empty((len(X), self.sizes[0] + 1), dtype=self.dtype)
        X1[:, :-1] = X
        X1[:, -1] = 1
        return X1

    def _forward_into(self, X1: np.ndarray, bufs: _Buffers) -> np.ndarray:
        """Forward pass from inputs with ones, filling the buffers; the raw output."""
        last = self.n_layers - 1
        a = X1
        for i, (z, block) in enumerate(zip(bufs.Z, self._param_blocks, strict=True)):
            np.dot(a, block, out=z)  # a @ W + b
            if i < last:
                self.activations[i].forward(z, bufs.A[i])
                a = bufs.A1[i]
        return bufs.Z[last]

    def _inputs_with_ones(self, X: np.ndarray, bufs: _Buffers, with_ones: bool) -> np.ndarray:
        if with_ones:
            return X
        bufs.X1[:, :-1] = X
        return bufs.X1

    def forward_buffered(self, X: np.ndarray, with_ones: bool = False) -> np.ndarray:
        """Raw outputs for inputs already in the first layer's space, computed in the
        model's own buffers: the result is overwritten by the next call. Saves fresh
        allocations (and their page faults) when evaluating whole data sets."""
        bufs = self._batch_buffers(X.shape[0])
        return self._forward_into(self._inputs_with_ones(X, bufs, with_ones), bufs)

    def loss_and_grad(
        self,
        X: np.ndarray,
        y: np.ndarray,
        loss: Loss,
        l1: float = 0.0,
        l2: float = 0.0,
        with_ones: bool = False,
    ) -> tuple[float, float]:
        """Forward and backward on one batch; fills ``self.grads``.

        ``X`` must already be an array of the model's dtype in the first layer's
        space; with ``with_ones=True`` it carries a last column of ones (see
        ``with_ones``), which saves a copy. Returns ``(data_loss, penalty)``; the
        gradient is that of their sum.
        """
        bufs = self._batch_buffers(X.shape[0])
        X1 = self._inputs_with_ones(X, bufs, with_ones)
        L = self.n_layers
        p, g = self.params, self.grads
        data_loss, delta = loss.value_and_grad(self._forward_into(X1, bufs), y)
        for i in range(L - 1, -1, -1):
            a_prev = X1 if i == 0 else bufs.A1[i - 1]
            np.dot(a_prev.T, delta, out=self._grad_blocks[i])  # [dW; db]
            if i > 0:
                d_prev = bufs.D[i - 1]
                np.dot(delta, p[f"W{i}"].T, out=d_prev)
                self.activations[i - 1].backward(bufs.Z[i - 1], bufs.A[i - 1], d_prev)
                delta = d_prev
        penalty = 0.0
        if l1 or l2:
            for i in range(L):
                W, gW = p[f"W{i}"], g[f"W{i}"]
                if l1:
                    penalty += l1 * float(np.abs(W).sum())
                    gW += l1 * np.sign(W)
                if l2:
                    penalty += l2 * 0.5 * float(np.vdot(W, W))
                    gW += l2 * W
        return data_loss, penalty

    def penalty(self, l1: float = 0.0, l2: float = 0.0) -> float:
        """``l1 * sum|W| + l2 * 0.5 * sum W**2`` over the weight matrices."""
        total = 0.0
        for i in range(self.n_layers):
            W = self.params[f"W{i}"]
            if l1:
                total += l1 * float(np.abs(W).sum())
            if l2:
                total += l2 * 0.5 * float(np.vdot(W, W))
        return total


class _Buffers:
    """Preallocated arrays for one batch size: pre-activations ``Z``, activations
    ``A`` (views into ``A1``, which has a trailing column of ones), deltas ``D``,
    and ``X1`` for inputs that arrive without their ones."""

    def __init__(self, n: int, sizes: Sequence[int], dtype: np.dtype) -> None:
        self.Z = [np.empty((n, w), dtype=dtype) for w in sizes[1:]]
        self.A1 = [np.ones((n, w + 1), dtype=dtype) for w in sizes[1:-1]]
        self.A = [a1[:, :-1] for a1 in self.A1]
        self.D = [np.empty((n, w), dtype=dtype) for w in sizes[1:-1]]
        self.X1 = np.ones((n, sizes[0] + 1), dtype=dtype)


def forward_with(
    params: Mapping[str, np.ndarray],
    activations: Sequence[str | Activation],
    X: np.ndarray,
    features: Sequence[str] | None = None,
) -> tuple[list[np.ndarray], np.ndarray]:
    """The forward pass from a parameter dict: ``(hidden outputs, raw output)``.

    The one forward pass outside training: ``MLP.forward`` and ``hidden_outputs``, the
    views (from a Snapshot's params, without the model) and the loss landscape use it.
    ``activations`` holds one name (or :class:`Activation`) per hidden layer. The
    parameters may carry a leading axis of G parameter sets (``W_i`` of shape
    ``(G, n_in, n_out)``, ``b_i`` of shape ``(G, n_out)``): inputs ``X`` of shape
    ``(n, d)`` are then shared by all of them, and every output has shape
    ``(G, n, width)``. With ``features``, ``X`` holds 2-D points and the features are
    computed first. (Training runs its own pass in preallocated buffers:
    ``MLP.loss_and_grad`` and ``forward_buffered``.)
    """
    acts = [get_activation(a) if isinstance(a, str) else a for a in activations]
    a = expand(np.asarray(X, dtype=params["W0"].dtype), features)
    hidden = []
    for i, act in enumerate(acts):
        z = _dense(a, params, i)
        a = act.forward(z, np.empty_like(z))
        hidden.append(a)
    return hidden, _dense(a, params, len(acts))


def _dense(a: np.ndarray, params: Mapping[str, np.ndarray], i: int) -> np.ndarray:
    # b_i as a row (1, n_out), or (G, 1, n_out) for G parameter sets
    return np.matmul(a, params[f"W{i}"]) + np.expand_dims(params[f"b{i}"], -2)
