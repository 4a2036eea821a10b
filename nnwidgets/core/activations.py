"""Hidden-layer activations as a small table of functions.

Each entry has ``forward(z, out)`` writing ``f(z)`` into ``out`` and
``backward(z, a, delta)`` multiplying ``delta`` in place by ``f'(z)``, using the
forward output ``a`` where the derivative is cheapest from it (as scikit-learn's
``neural_network._base`` does).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .kept import kept

LEAKY_SLOPE = 0.01
ELU_ALPHA = 1.0
_GELU_C = np.sqrt(2.0 / np.pi)


@dataclass(frozen=True)
class Activation:
    """One activation: its name, forward and in-place derivative."""

    name: str
    forward: Callable[[np.ndarray, np.ndarray], np.ndarray]
    backward: Callable[[np.ndarray, np.ndarray, np.ndarray], None]


_KEPT: dict = {}


def _zeros_like(z: np.ndarray) -> np.ndarray:
    # numpy's maximum against a whole array of zeros runs its vector loop; against the
    # scalar 0 it takes a loop about twice as slow
    return kept(_KEPT, ("zeros", z.shape, z.dtype.str), lambda: np.zeros(z.shape, z.dtype), 16)


def _mask_like(z: np.ndarray) -> np.ndarray:
    return kept(_KEPT, ("mask", z.shape), lambda: np.empty(z.shape, bool), 16)


def _relu(z, out):
    return np.maximum(z, _zeros_like(z), out=out)


def _relu_back(z, a, delta):
    # from z, which is contiguous (a is a view with a stride past the ones column)
    positive = np.greater(z, _zeros_like(z), out=_mask_like(z))
    np.multiply(delta, positive, out=delta)


def _leaky(z, out):
    np.multiply(z, LEAKY_SLOPE, out=out)
    return np.maximum(z, out, out=out)


def _leaky_back(z, a, delta):
    delta[a <= 0] *= LEAKY_SLOPE


def _tanh(z, out):
    return np.tanh(z, out=out)


def _tanh_back(z, a, delta):
    delta *= 1 - a * a


def _sigmoid(z, out):
    # 0.5 * (1 + tanh(z / 2)) is the logistic function without overflow for large |z|.
    np.multiply(z, 0.5, out=out)
    np.tanh(out, out=out)
    out += 1
    out *= 0.5
    return out


def _sigmoid_back(z, a, delta):
    delta *= a * (1 - a)


def _linear(z, out):
    np.copyto(out, z)
    return out


def _linear_back(z, a, delta):
    return None


def _elu(z, out):
    np.minimum(z, 0, out=out)
    np.expm1(out, out=out)
    out *= ELU_ALPHA
    np.copyto(out, z, where=z > 0)
    return out


def _elu_back(z, a, delta):
    # f'(z) = 1 for z > 0, else alpha * exp(z) = a + alpha
    negative = z <= 0
    delta[negative] *= a[negative] + ELU_ALPHA


def _gelu(z, out):
    # tanh approximation, as torch.nn.GELU(approximate="tanh")
    inner = _GELU_C * (z + 0.044715 * z**3)
    np.tanh(inner, out=out)
    out += 1
    out *= 0.5 * z
    return out


def _gelu_back(z, a, delta):
    t = np.tanh(_GELU_C * (z + 0.044715 * z**3))
    d = 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * _GELU_C * (1 + 3 * 0.044715 * z * z)
    delta *= d


ACTIVATIONS: dict[str, Activation] = {
    "relu": Activation("relu", _relu, _relu_back),
    "leaky_relu": Activation("leaky_relu", _leaky, _leaky_back),
    "tanh": Activation("tanh", _tanh, _tanh_back),
    "sigmoid": Activation("sigmoid", _sigmoid, _sigmoid_back),
    "linear": Activation("linear", _linear, _linear_back),
    "elu": Activation("elu", _elu, _elu_back),
    "gelu": Activation("gelu", _gelu, _gelu_back),
}


def get_activation(name: str) -> Activation:
    """Look up an activation by name, with a clear error for unknown names."""
    if not isinstance(name, str):
        raise TypeError(f"activation must be a name (str), got {type(name).__name__}")
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(
            f"activation {name!r} is unknown; expected one of {sorted(ACTIVATIONS)}"
        ) from None
