"""Named weight layers: which arrays of a Snapshot the weight and gradient views draw.

A trainer describes its network's weights as an ordered tuple of ``WeightLayer``:
the key of the array in ``Snapshot.params`` and ``Snapshot.grads``, and how to show
it as a 2-D matrix. ``nw.Trainer`` has ``W0, W1, ...`` of shape (n_in, n_out); the
PyTorch adapter names each layer after the module path (``net.0.weight``) and shows
N-D weights flattened to (out, in * kernel) and 1-D ones (a BatchNorm gain) as a row.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class WeightLayer:
    """One weight array: ``name`` is its key in ``Snapshot.params`` (and ``grads``).

    ``shape`` is the (rows, columns) it is drawn as, with ``rows`` and ``columns``
    naming what the axes count.
    """

    name: str
    shape: tuple[int, int]
    rows: str = "from unit"
    columns: str = "to unit"

    def matrix(self, arrays: Mapping[str, np.ndarray]) -> np.ndarray:
        """The array ``arrays[name]`` as the 2-D matrix that is drawn."""
        return np.asarray(arrays[self.name]).reshape(self.shape)

    @property
    def size_text(self) -> str:
        """The drawn shape, e.g. ``2×8``."""
        return f"{self.shape[0]}×{self.shape[1]}"


def chain_weight_layers(sizes: Sequence[int]) -> tuple[WeightLayer, ...]:
    """The weight layers of an MLP with layer widths ``sizes``: ``W0 (n_in, n_out)``, ..."""
    return tuple(
        WeightLayer(
            f"W{i}",
            (int(sizes[i]), int(sizes[i + 1])),
            rows=f"from unit (layer {i})",
            columns=f"to unit (layer {i + 1})",
        )
        for i in range(len(sizes) - 1)
    )


def array_weight_layer(name: str, shape: Sequence[int]) -> WeightLayer:
    """A weight array of any shape in PyTorch's layout (output first), drawn in 2-D:
    a scalar as 1×1, a vector as one row, (out, in, *kernel) as (out, in * kernel)."""
    shape = tuple(int(s) for s in shape)
    if len(shape) == 0:
        return WeightLayer(name, (1, 1), rows="", columns="")
    if len(shape) == 1:
        return WeightLayer(name, (1, shape[0]), rows="", columns="feature")
    columns = "input" if len(shape) == 2 else "input × kernel"
    return WeightLayer(name, (shape[0], math.prod(shape[1:])), rows="output", columns=columns)
