"""Data sets: a small ``Dataset`` container, toy generators and ``from_arrays``.

Every data set is split into a training and a test part with a seeded generator
(``np.random.default_rng(seed)``): the same seed gives the same arrays, bit for bit.
Classification splits are stratified. Standardisation, when asked for, uses the mean
and standard deviation of the training part only; they are kept on the ``Dataset`` so
that anything predicted later goes through the same ``transform``.

Targets follow one convention: regression ``y`` is float64 with shape
``(n, n_outputs)``; binary and multiclass ``y`` are int64 labels ``0..k-1`` with
shape ``(n,)``. Features are float64 with shape ``(n, n_features)``.

The core needs numpy only; ``digits`` imports scikit-learn lazily.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from numbers import Real
from typing import Any

import numpy as np

from .checks import check_int, check_seed

TASKS = ("regression", "binary", "multiclass")
_REQUIRED_ARRAYS = ("X_train", "y_train", "X_test", "y_test")


# --------------------------------------------------------------------------- validation


def _check_real(name: str, value: Any) -> float:
    if isinstance(value, bool | np.bool_) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    try:
        return float(value)
    except OverflowError:  # an int beyond the float range
        raise ValueError(f"{name} must be finite, got an int too large for a float") from None


def _check_test_fraction(test_fraction: Any) -> float:
    value = _check_real("test_fraction", test_fraction)
    if not 0.0 <= value < 1.0:  # also refuses NaN
        raise ValueError(f"test_fraction must be in [0, 1), got {test_fraction}")
    return value


def _check_noise(noise: Any) -> float:
    value = _check_real("noise", noise)
    if not (math.isfinite(value) and value >= 0.0):
        raise ValueError(f"noise must be a finite number >= 0, got {noise}")
    return value


def _check_bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__}")
    return bool(value)


def _check_task(task: Any) -> str | None:
    if task is not None and (not isinstance(task, str) or task not in TASKS):
        raise ValueError(f"task must be None or one of {', '.join(map(repr, TASKS))}, got {task!r}")
    return task


def _check_name(name: Any) -> str:
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    return name


def _n_test(n: int, test_fraction: float) -> int:
    """The size of the test part; refuses a split that leaves no training sample."""
    n_test = round(test_fraction * n)
    if n - n_test < 1:
        raise ValueError(
            f"test_fraction={test_fraction} leaves no training sample out of {n}; "
            "test_fraction must be smaller"
        )
    return n_test


def _as_features(X: Any, name: str = "X", allow_empty_rows: bool = False) -> np.ndarray:
    """``X`` as a new float64 array of shape (n, n_features), checked for shape and finiteness."""
    try:
        arr = np.asarray(X)
    except ValueError as e:  # ragged nested lists
        raise ValueError(f"{name} must be a rectangular array of numbers ({e})") from None
    if arr.dtype.kind == "O":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"{name} must contain numbers only, got dtype object") from None
        except OverflowError:
            raise ValueError(f"{name} must not contain ints too large for a float") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must contain real numbers, got dtype {arr.dtype}")
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array (n_samples, n_features) or 1-D, got shape {arr.shape}"
        )
    if arr.shape[1] == 0 or (arr.shape[0] == 0 and not allow_empty_rows):
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    arr = np.array(arr, dtype=np.float64)  # always a copy
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must not contain NaN or inf")
    return arr


def _as_targets(y: Any, task: str | None, n: int) -> tuple[np.ndarray, str, np.ndarray | None]:
    """Check and convert targets; returns (y, task, classes)."""
    try:
        arr = np.asarray(y)
    except ValueError as e:
        raise ValueError(f"y must be a rectangular array ({e})") from None
    if arr.ndim == 0 or arr.ndim > 2:
        raise ValueError(f"y must be 1-D or 2-D (n_samples, n_outputs), got shape {arr.shape}")
    if len(arr) != n:
        raise ValueError(f"y must have one row per sample of X: X has {n}, y has {len(arr)}")
    if arr.ndim == 2 and arr.shape[1] == 0:
        raise ValueError(f"y must have at least one column, got shape {arr.shape}")
    kind = arr.dtype.kind
    if kind not in "biufUSO":
        raise TypeError(f"y must contain numbers or class labels, got dtype {arr.dtype}")
    numeric = kind in "biuf"
    if task is None:
        if kind == "f" or (arr.ndim == 2 and arr.shape[1] > 1 and numeric):
            task = "regression"
        else:
            return _infer_labels(arr)

    if task == "regression":
        if not numeric:
            raise TypeError(f"y must contain numbers for task='regression', got dtype {arr.dtype}")
        out = np.array(arr, dtype=np.float64).reshape(n, -1)
        if not np.isfinite(out).all():
            raise ValueError("y must not contain NaN or inf")
        return out, task, None

    if arr.ndim == 2 and arr.shape[1] != 1:
        raise ValueError(f"y must be 1-D labels for task={task!r}, got shape {arr.shape}")
    arr = arr.reshape(-1)
    if not numeric:
        raise ValueError(
            f"y must contain numeric labels for task={task!r}, got dtype {arr.dtype}; "
            "pass task=None to map other labels (such as strings) to 0..k-1"
        )
    if task == "binary":
        if not np.isin(arr, (0, 1)).all():
            raise ValueError(
                "y must contain only 0 and 1 (ints, floats or bools) for task='binary'"
            )
        return arr.astype(np.int64), task, np.array([0, 1]).astype(arr.dtype)
    # multiclass
    if kind == "f" and not (np.isfinite(arr).all() and (arr == np.round(arr)).all()):
        raise ValueError("y must contain integer labels 0..k-1 for task='multiclass'")
    if arr.min() < 0:
        raise ValueError(f"y must contain labels 0..k-1 for task='multiclass', got {arr.min()}")
    if arr.max() >= len(arr):  # also keeps np.arange(k) below from exhausting memory
        raise ValueError(
            "y must contain labels 0..k-1 for task='multiclass' with k at most the number "
            f"of samples ({len(arr)}), got a label {arr.max()}"
        )
    labels = arr.astype(np.int64)
    k = int(labels.max()) + 1
    if k < 2:
        raise ValueError("y must have labels of at least 2 classes for task='multiclass'")
    return labels, task, np.arange(k, dtype=np.int64)


def _infer_labels(arr: np.ndarray) -> tuple[np.ndarray, str, np.ndarray]:
    if arr.ndim == 2:
        if arr.shape[1] != 1:
            raise ValueError(f"y must be 1-D labels for classification, got shape {arr.shape}")
        arr = arr.reshape(-1)
    try:
        classes, labels = np.unique(arr, return_inverse=True)
    except TypeError:
        raise TypeError(
            "y labels must be comparable values of one type (no missing values)"
        ) from None
    if classes.dtype.kind == "O":  # e.g. strings from pandas: store as a plain array
        classes = np.asarray(classes.tolist())
    if classes.dtype.kind == "O":  # could not be saved and loaded without pickle
        raise ValueError(
            "y labels must be numbers (within int64 or float), strings or bools, "
            f"got {classes[:3].tolist()!r}..."
        )
    if len(classes) < 2:
        raise ValueError(
            f"y has only one class ({classes[0]!r}); a classification data set needs at "
            "least two (pass task='regression' for numeric targets)"
        )
    task = "binary" if len(classes) == 2 else "multiclass"
    return labels.reshape(-1).astype(np.int64), task, classes


# --------------------------------------------------------------------------- Dataset


@dataclass(eq=False, repr=False)
class Dataset:
    """A training and a test part, with the task and the standardisation that made them.

    ``X_*`` are float64 ``(n, n_features)`` (standardised when ``mean`` is set);
    ``y_*`` are float64 ``(n, n_outputs)`` for regression and int64 labels ``(n,)``
    for binary and multiclass tasks. ``classes`` holds the original class values in
    label order; ``params`` rebuilds a generated data set with ``load(**params)``.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    task: str
    name: str = "custom"
    mean: np.ndarray | None = None
    std: np.ndarray | None = None
    classes: np.ndarray | None = None
    feature_names: list[str] = field(default_factory=list)
    params: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_task(self.task)
        if self.task is None:
            raise ValueError("task must be one of 'regression', 'binary', 'multiclass'")
        if not self.feature_names:
            self.feature_names = _default_feature_names(self.X_train.shape[1])
        if not self.params:
            self.params = {"name": self.name}

    # -- sizes
    @property
    def n_features(self) -> int:
        """Number of input features (columns of X)."""
        return int(self.X_train.shape[1])

    @property
    def n_outputs(self) -> int:
        """Model outputs the task needs: target columns, 1 for binary, k for multiclass."""
        if self.task == "regression":
            return int(self.y_train.shape[1])
        if self.task == "binary":
            return 1
        return len(self.classes) if self.classes is not None else int(self._max_label() + 1)

    @property
    def n_classes(self) -> int | None:
        """Number of classes (None for regression)."""
        if self.task == "regression":
            return None
        if self.task == "binary":
            return 2
        return self.n_outputs

    @property
    def n_train(self) -> int:
        """Number of training samples."""
        return len(self.X_train)

    @property
    def n_test(self) -> int:
        """Number of test samples."""
        return len(self.X_test)

    def _max_label(self) -> int:
        ys = [y for y in (self.y_train, self.y_test) if len(y)]
        return max(int(y.max()) for y in ys)

    # -- standardisation
    def transform(self, X: Any) -> np.ndarray:
        """Apply the stored standardisation to raw features (a copy; identity if none)."""
        X = self._check_X(X)
        if self.mean is None:
            return X
        X -= self.mean
        X /= self.std
        return X

    def inverse_transform(self, X: Any) -> np.ndarray:
        """Undo ``transform``: standardised features back to the raw scale."""
        X = self._check_X(X)
        if self.mean is None:
            return X
        X *= self.std
        X += self.mean
        return X

    def _check_X(self, X: Any) -> np.ndarray:
        X = _as_features(X, "X", allow_empty_rows=True)
        if X.shape[1] != self.n_features:
            raise ValueError(f"X must have {self.n_features} feature columns, got shape {X.shape}")
        return X

    # -- construction
    @classmethod
    def from_arrays(
        cls,
        X: Any,
        y: Any,
        task: str | None = None,
        test_fraction: float = 0.2,
        seed: int | None = 0,
        standardize: bool = True,
        name: str = "custom",
    ) -> Dataset:
        """Build a data set from your own features and targets.

        ``X``: array-like (numpy, nested lists, pandas), 2-D; a 1-D ``X`` is one feature.
        ``y``: 1-D or 2-D. ``task=None`` infers it: float targets (or several numeric
        columns) give "regression"; bool, integer or other labels (strings, ...) give
        "binary" for two distinct values, "multiclass" for more, mapped in sorted order
        to ``0..k-1`` with the original values kept in ``classes``. An explicit "binary"
        needs values in {0, 1} (ints, floats or bools); "multiclass" needs integer labels
        ``0..k-1``. The split is seeded, stratified for classification, with
        ``round(test_fraction * n)`` test samples. ``standardize`` (default True) scales
        the features with the training part's mean and std (a zero std counts as 1).
        """
        task = _check_task(task)
        test_fraction = _check_test_fraction(test_fraction)
        seed = check_seed(seed)
        standardize = _check_bool("standardize", standardize)
        name = _check_name(name)
        columns = getattr(X, "columns", None)  # a pandas DataFrame, without importing pandas
        Xa = _as_features(X)
        ya, task, classes = _as_targets(y, task, len(Xa))
        _n_test(len(Xa), test_fraction)
        feature_names = (
            [str(c) for c in columns]
            if columns is not None and len(columns) == Xa.shape[1]
            else _default_feature_names(Xa.shape[1])
        )
        return _finish(
            Xa,
            ya,
            task,
            classes,
            test_fraction=test_fraction,
            rng=np.random.default_rng(seed),
            standardize=standardize,
            name=name,
            params={"name": name},
            feature_names=feature_names,
        )

    # -- saving
    def to_arrays(self) -> dict[str, np.ndarray]:
        """The arrays for a checkpoint file (``mean``, ``std``, ``classes`` only when set)."""
        out = {
            "X_train": self.X_train,
            "y_train": self.y_train,
            "X_test": self.X_test,
            "y_test": self.y_test,
        }
        for key in ("mean", "std", "classes"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out

    def to_config(self) -> dict:
        """A JSON-ready description that, with ``to_arrays()``, rebuilds this data set."""
        return {
            "task": self.task,
            "name": self.name,
            "params": dict(self.params),
            "feature_names": list(self.feature_names),
            "has_mean": self.mean is not None,
            "has_classes": self.classes is not None,
            "n_features": self.n_features,
            "n_outputs": self.n_outputs,
            "n_train": self.n_train,
            "n_test": self.n_test,
        }

    @classmethod
    def from_saved(cls, arrays: Any, config: dict) -> Dataset:
        """Rebuild a data set from ``to_arrays()`` (a dict or an npz file) and ``to_config()``."""
        task = config.get("task")
        if task not in TASKS:
            raise ValueError(f"config must have a task in {TASKS}, got {task!r}")
        has_mean = bool(config.get("has_mean", False))
        has_classes = bool(config.get("has_classes", False))
        needed = [*_REQUIRED_ARRAYS, *(("mean", "std") if has_mean else ())]
        needed += ["classes"] if has_classes else []
        missing = [k for k in needed if k not in arrays]
        if missing:
            raise ValueError(f"arrays must contain {', '.join(missing)}")
        X_train = np.array(arrays["X_train"], dtype=np.float64)
        X_test = np.array(arrays["X_test"], dtype=np.float64)
        if X_train.ndim != 2 or X_test.ndim != 2 or X_train.shape[1] != X_test.shape[1]:
            raise ValueError(
                f"arrays must hold 2-D X_train and X_test with the same columns, got "
                f"{X_train.shape} and {X_test.shape}"
            )
        if task == "regression":
            y_train = np.array(arrays["y_train"], dtype=np.float64)
            y_test = np.array(arrays["y_test"], dtype=np.float64)
            if y_train.ndim != 2 or y_test.ndim != 2 or y_train.shape[1] != y_test.shape[1]:
                raise ValueError(
                    f"arrays must hold 2-D y_train and y_test with the same columns for "
                    f"regression, got {y_train.shape} and {y_test.shape}"
                )
        else:
            for part in ("y_train", "y_test"):  # save writes integer labels
                if np.asarray(arrays[part]).dtype.kind not in "iu":
                    raise ValueError(
                        f"arrays {part} must hold integer class labels for {task}, "
                        f"got dtype {np.asarray(arrays[part]).dtype}"
                    )
            y_train = np.array(arrays["y_train"], dtype=np.int64).reshape(-1)
            y_test = np.array(arrays["y_test"], dtype=np.int64).reshape(-1)
        if len(y_train) != len(X_train) or len(y_test) != len(X_test):
            raise ValueError("arrays must hold as many y rows as X rows in each part")
        mean = std = None
        if has_mean:
            mean = np.array(arrays["mean"], dtype=np.float64)
            std = np.array(arrays["std"], dtype=np.float64)
            if mean.shape != (X_train.shape[1],) or std.shape != mean.shape:
                raise ValueError(f"arrays mean and std must have shape ({X_train.shape[1]},)")
        classes = np.array(arrays["classes"]) if has_classes else None
        if classes is not None and (classes.ndim != 1 or len(classes) < 2):
            raise ValueError(f"arrays classes must be 1-D with two or more values, got {classes!r}")
        name = str(config.get("name", "custom"))
        return cls(
            X_train=X_train,
            y_train=y_train,
            X_test=X_test,
            y_test=y_test,
            task=task,
            name=name,
            mean=mean,
            std=std,
            classes=classes,
            feature_names=[str(f) for f in config.get("feature_names", [])],
            params=dict(config.get("params") or {"name": name}),
        )

    def __repr__(self) -> str:
        features = "feature" if self.n_features == 1 else "features"
        return (
            f"Dataset({self.name!r}, {self.task}, {self.n_train} train / {self.n_test} test, "
            f"{self.n_features} {features})"
        )


def _default_feature_names(n: int) -> list[str]:
    return [f"x{i + 1}" for i in range(n)]


def _split(
    y: np.ndarray, task: str, n_test: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, test), both in one seeded random order; stratified for classification.

    Classification: each class gets ``floor(test_fraction * n_class)`` test samples, and
    the rest of ``n_test`` goes to the classes with the largest remainders (ties in class
    order), so the total is exact and each class is within one sample of its share.
    """
    n = len(y)
    perm = rng.permutation(n)
    is_test = np.zeros(n, dtype=bool)
    if task == "regression":
        is_test[perm[:n_test]] = True
    else:
        labels = y[perm]
        counts = np.bincount(labels)
        share = counts * (n_test / n)
        per_class = np.floor(share).astype(np.int64)
        extra = n_test - int(per_class.sum())
        if extra > 0:
            order = np.argsort(-(share - per_class), kind="stable")
            per_class[order[:extra]] += 1
        per_class = np.minimum(per_class, counts)
        for c in np.flatnonzero(per_class):
            is_test[perm[labels == c][: per_class[c]]] = True
    return perm[~is_test[perm]], perm[is_test[perm]]


def _finish(
    X: np.ndarray,
    y: np.ndarray,
    task: str,
    classes: np.ndarray | None,
    *,
    test_fraction: float,
    rng: np.random.Generator,
    standardize: bool,
    name: str,
    params: dict,
    feature_names: list[str],
) -> Dataset:
    """Split, standardise with the training statistics, and wrap in a Dataset."""
    train, test = _split(y, task, _n_test(len(X), test_fraction), rng)
    X_train, X_test = X[train], X[test]
    mean = std = None
    if standardize:
        with np.errstate(over="ignore", invalid="ignore"):
            mean = X_train.mean(axis=0)
            std = X_train.std(axis=0)
            std[std <= 1e-12 * np.maximum(1.0, np.abs(mean))] = 1.0  # constant columns
            X_train = (X_train - mean) / std
            X_test = (X_test - mean) / std
        if not all(np.isfinite(a).all() for a in (mean, std, X_train, X_test)):
            raise ValueError(
                "X has values too large to standardize (the mean or std overflows); "
                "scale X down or pass standardize=False"
            )
    return Dataset(
        X_train=X_train,
        y_train=y[train],
        X_test=X_test,
        y_test=y[test],
        task=task,
        name=name,
        mean=mean,
        std=std,
        classes=classes,
        feature_names=feature_names,
        params=params,
    )


# --------------------------------------------------------------------------- generators


def _generated(
    name: str,
    X: np.ndarray,
    y: np.ndarray,
    task: str,
    rng: np.random.Generator,
    params: dict,
    feature_names: list[str] | None = None,
) -> Dataset:
    classes = None if task == "regression" else np.arange(int(y.max()) + 1, dtype=np.int64)
    return _finish(
        X.astype(np.float64),
        y,
        task,
        classes,
        test_fraction=params["test_fraction"],
        rng=rng,
        standardize=params["standardize"],
        name=name,
        params={"name": name, **params},
        feature_names=feature_names or _default_feature_names(X.shape[1]),
    )


def _common(n_samples: Any, noise: Any, test_fraction: Any, seed: Any, standardize: Any) -> dict:
    """Validate the arguments every generator shares; returns them as JSON-ready params."""
    params = {
        "n_samples": check_int("n_samples", n_samples, 4),
        "noise": _check_noise(noise),
        "test_fraction": _check_test_fraction(test_fraction),
        "seed": check_seed(seed),
        "standardize": _check_bool("standardize", standardize),
    }
    _n_test(params["n_samples"], params["test_fraction"])
    return params


def _halves(n: int) -> tuple[int, int]:
    return n - n // 2, n // 2


def moons(
    n_samples: int = 200,
    noise: float = 0.1,
    test_fraction: float = 0.2,
    seed: int | None = 0,
    standardize: bool = False,
) -> Dataset:
    """Two interleaving half circles (as scikit-learn's ``make_moons``), binary.

    Class 0 is the upper arc (centre (0, 0), radius 1), class 1 the lower arc (centre
    (1, 0.5)); Gaussian noise of standard deviation ``noise`` is added to the points.
    ``standardize`` defaults to False to keep the familiar picture.
    """
    p = _common(n_samples, noise, test_fraction, seed, standardize)
    rng = np.random.default_rng(p["seed"])
    n0, n1 = _halves(p["n_samples"])
    t0, t1 = np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n1)
    X = np.concatenate(
        [
            np.column_stack([np.cos(t0), np.sin(t0)]),
            np.column_stack([1 - np.cos(t1), 0.5 - np.sin(t1)]),
        ]
    )
    X += p["noise"] * rng.standard_normal(X.shape)
    y = np.repeat(np.array([0, 1], dtype=np.int64), [n0, n1])
    return _generated("moons", X, y, "binary", rng, p)


def circles(
    n_samples: int = 200,
    noise: float = 0.1,
    factor: float = 0.5,
    test_fraction: float = 0.2,
    seed: int | None = 0,
    standardize: bool = False,
) -> Dataset:
    """Two concentric circles, binary: class 0 radius 1, class 1 radius ``factor`` in (0, 1).

    Gaussian noise of standard deviation ``noise`` is added to the points.
    ``standardize`` defaults to False to keep the familiar picture.
    """
    p = _common(n_samples, noise, test_fraction, seed, standardize)
    f = _check_real("factor", factor)
    if not 0.0 < f < 1.0:
        raise ValueError(f"factor must be in (0, 1), got {factor}")
    rng = np.random.default_rng(p["seed"])
    n0, n1 = _halves(p["n_samples"])
    t0 = np.linspace(0, 2 * np.pi, n0, endpoint=False)
    t1 = np.linspace(0, 2 * np.pi, n1, endpoint=False)
    X = np.concatenate(
        [
            np.column_stack([np.cos(t0), np.sin(t0)]),
            f * np.column_stack([np.cos(t1), np.sin(t1)]),
        ]
    )
    X += p["noise"] * rng.standard_normal(X.shape)
    y = np.repeat(np.array([0, 1], dtype=np.int64), [n0, n1])
    params = {**p, "factor": f}
    return _generated("circles", X, y, "binary", rng, params)


def xor(
    n_samples: int = 200,
    noise: float = 0.1,
    test_fraction: float = 0.2,
    seed: int | None = 0,
    standardize: bool = False,
) -> Dataset:
    """Four quadrant clusters, binary: label 1 where the two coordinates differ in sign.

    Points are uniform in [-1, 1]^2, pushed 0.1 away from the axes (as TensorFlow
    Playground does, so every quadrant is a clean cluster); labels come from these clean
    points, then Gaussian noise of standard deviation ``noise`` moves them.
    ``standardize`` defaults to False to keep the familiar picture.
    """
    p = _common(n_samples, noise, test_fraction, seed, standardize)
    rng = np.random.default_rng(p["seed"])
    u = rng.uniform(-1.0, 1.0, size=(p["n_samples"], 2))
    pad = 0.1
    X = np.where(u >= 0, 1.0, -1.0) * (pad + np.abs(u) * (1 - pad))
    y = ((X[:, 0] > 0) != (X[:, 1] > 0)).astype(np.int64)
    X += p["noise"] * rng.standard_normal(X.shape)
    return _generated("xor", X, y, "binary", rng, p)


SPIRAL_TURNS = 1.75


def spiral(
    n_samples: int = 200,
    noise: float = 0.1,
    test_fraction: float = 0.2,
    seed: int | None = 0,
    standardize: bool = False,
) -> Dataset:
    """Two interleaved spiral arms of 1.75 turns each, binary (the label is the arm).

    Along arm ``k`` the radius grows evenly from 0 to 1 while the angle grows from
    ``k * pi`` by 1.75 turns; Gaussian noise of standard deviation ``noise`` is then
    added. ``standardize`` defaults to False to keep the familiar picture.
    """
    p = _common(n_samples, noise, test_fraction, seed, standardize)
    rng = np.random.default_rng(p["seed"])
    parts = []
    for k, n_arm in enumerate(_halves(p["n_samples"])):
        r = np.linspace(0.0, 1.0, n_arm)
        angle = 2 * np.pi * SPIRAL_TURNS * r + k * np.pi
        parts.append(np.column_stack([r * np.cos(angle), r * np.sin(angle)]))
    X = np.concatenate(parts)
    X += p["noise"] * rng.standard_normal(X.shape)
    y = np.repeat(np.array([0, 1], dtype=np.int64), _halves(p["n_samples"]))
    return _generated("spiral", X, y, "binary", rng, p)


def gaussians(
    n_samples: int = 200,
    noise: float = 0.1,
    n_classes: int = 3,
    test_fraction: float = 0.2,
    seed: int | None = 0,
    standardize: bool = False,
) -> Dataset:
    """``n_classes`` Gaussian blobs, one per class, multiclass (binary for two classes).

    The centres lie evenly on the unit circle, the first at (1, 0); each blob has standard
    deviation ``0.3 + noise`` in both directions. Samples are shared out as evenly as
    possible. ``standardize`` defaults to False to keep the familiar picture.
    """
    p = _common(n_samples, noise, test_fraction, seed, standardize)
    k = check_int("n_classes", n_classes, 2)
    n = p["n_samples"]
    if n < k:
        raise ValueError(f"n_samples must be at least n_classes ({k}), got {n}")
    rng = np.random.default_rng(p["seed"])
    counts = n // k + (np.arange(k) < n % k)
    y = np.repeat(np.arange(k, dtype=np.int64), counts)
    angle = 2 * np.pi * np.arange(k) / k
    centres = np.column_stack([np.cos(angle), np.sin(angle)])
    X = centres[y] + (0.3 + p["noise"]) * rng.standard_normal((n, 2))
    task = "binary" if k == 2 else "multiclass"
    return _generated("gaussians", X, y, task, rng, {**p, "n_classes": k})


def sine(
    n_samples: int = 200,
    noise: float = 0.1,
    test_fraction: float = 0.2,
    seed: int | None = 0,
    standardize: bool = False,
) -> Dataset:
    """One-feature regression: x uniform in [-3, 3], y = sin(x) + noise * N(0, 1).

    ``y`` has shape (n, 1). ``standardize`` defaults to False (x is already about unit scale).
    """
    p = _common(n_samples, noise, test_fraction, seed, standardize)
    rng = np.random.default_rng(p["seed"])
    x = rng.uniform(-3.0, 3.0, size=(p["n_samples"], 1))
    y = np.sin(x) + p["noise"] * rng.standard_normal(x.shape)
    return _generated("sine", x, y, "regression", rng, p, feature_names=["x"])


def digits(test_fraction: float = 0.2, seed: int | None = 0, standardize: bool = True) -> Dataset:
    """The 8x8 handwritten digits of scikit-learn (1797 samples, 64 features, 10 classes).

    Bundled with scikit-learn (no download), which is an optional extra:
    ``pip install 'nnwidgets[datasets]'``. ``standardize`` defaults to True: the raw
    pixels range over 0..16.
    """
    params = {
        "test_fraction": _check_test_fraction(test_fraction),
        "seed": check_seed(seed),
        "standardize": _check_bool("standardize", standardize),
    }
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ImportError(
            "the digits data set needs scikit-learn: pip install 'nnwidgets[datasets]'"
        ) from None
    bunch = load_digits()
    X = np.asarray(bunch.data, dtype=np.float64)
    y = np.asarray(bunch.target, dtype=np.int64)
    names = getattr(bunch, "feature_names", None)
    names = [str(f) for f in names] if names is not None and len(names) == X.shape[1] else None
    return _generated(
        "digits", X, y, "multiclass", np.random.default_rng(params["seed"]), params, names
    )


DATASETS: dict[str, Callable[..., Dataset]] = {
    "moons": moons,
    "circles": circles,
    "xor": xor,
    "spiral": spiral,
    "gaussians": gaussians,
    "sine": sine,
    "digits": digits,
}


def names() -> list[str]:
    """The names ``load`` accepts, in the order of a dropdown."""
    return list(DATASETS)


def load(name: str, **kwargs: Any) -> Dataset:
    """A data set by name (see ``names()``), with the generator's keyword arguments."""
    if not isinstance(name, str) or name not in DATASETS:
        raise ValueError(f"name must be one of {', '.join(map(repr, DATASETS))}, got {name!r}")
    return DATASETS[name](**kwargs)


__all__ = [
    "DATASETS",
    "TASKS",
    "Dataset",
    "circles",
    "digits",
    "gaussians",
    "load",
    "moons",
    "names",
    "sine",
    "spiral",
    "xor",
]
