"""Input features computed from a 2-D plane, as in TensorFlow Playground.

``MLP(features=("x1", "x2", "x1^2", ...))`` feeds these to the first layer instead of
the two raw coordinates, so a linear model can draw a circle.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

FEATURES: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "x1": lambda x1, x2: x1,
    "x2": lambda x1, x2: x2,
    "x1^2": lambda x1, x2: x1 * x1,
    "x2^2": lambda x1, x2: x2 * x2,
    "x1*x2": lambda x1, x2: x1 * x2,
    "sin(x1)": lambda x1, x2: np.sin(x1),
    "sin(x2)": lambda x1, x2: np.sin(x2),
}


def check_features(features) -> tuple[str, ...] | None:
    """Validate a feature list: None, or distinct names from ``FEATURES``."""
    if features is None:
        return None
    if isinstance(features, str) or not isinstance(features, Sequence):
        raise TypeError(f"features must be a list of names, got {type(features).__name__}")
    names = tuple(features)
    unknown = [f for f in names if f not in FEATURES]
    if unknown:
        raise ValueError(f"features {unknown} are unknown; expected some of {list(FEATURES)}")
    if not names or len(set(names)) != len(names):
        raise ValueError(f"features must be one or more distinct names, got {list(names)}")
    return names


def expand(X: np.ndarray, features: Sequence[str] | None) -> np.ndarray:
    """The features of 2-D points ``X`` (n, 2) as an (n, len(features)) array."""
    if features is None:
        return X
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n_samples, 2) to compute features, got {X.shape}")
    x1, x2 = X[:, 0], X[:, 1]
    return np.column_stack([FEATURES[f](x1, x2) for f in features]).astype(X.dtype, copy=False)
