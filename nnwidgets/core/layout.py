"""Where each named parameter array sits inside one flat array."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .kept import kept

DOT_FROM = 512  # values per array from which dot products beat square-and-reduceat


class ParamLayout:
    """Names, shapes and offsets of arrays packed back to back in one 1-D array.

    ``views(flat)`` gives a dict of reshaped views into ``flat``; ``sums_of_squares``
    gives every array's sum of squares with one ``reduceat``.
    """

    def __init__(self, keys: Sequence[str], shapes: Sequence[tuple[int, ...]]) -> None:
        if len(keys) != len(shapes):
            raise ValueError(f"keys and shapes must have the same length: {keys}, {shapes}")
        self.keys: tuple[str, ...] = tuple(keys)
        self.shapes: tuple[tuple[int, ...], ...] = tuple(tuple(s) for s in shapes)
        sizes = [math.prod(s) for s in self.shapes]
        if min(sizes, default=1) < 1:
            raise ValueError(f"every array must hold at least one value, got shapes {shapes}")
        self.starts = np.cumsum([0, *sizes[:-1]]).astype(np.intp)
        self.size = int(sum(sizes))
        self.slices = {
            k: slice(int(a), int(a) + n)
            for k, a, n in zip(self.keys, self.starts, sizes, strict=True)
        }
        self._parts_of: dict[int, tuple[np.ndarray, list[np.ndarray]]] = {}

    def views(self, flat: np.ndarray) -> dict[str, np.ndarray]:
        """Named views into ``flat`` (writing to a view writes to ``flat``)."""
        if flat.shape != (self.size,):
            raise ValueError(f"flat must have shape ({self.size},), got {flat.shape}")
        return {
            k: flat[self.slices[k]].reshape(shape)
            for k, shape in zip(self.keys, self.shapes, strict=True)
        }

    def sums_of_squares(
        self, flat: np.ndarray, scratch: np.ndarray, which: slice = slice(None)
    ) -> list[float]:
        """Each array's sum of squares, in key order (``scratch``: same shape as ``flat``);
        ``which`` picks some of them, e.g. ``slice(0, None, 2)`` every other key.

        Small arrays: one square and one ``reduceat`` (two calls for all of them). Large
        ones: one BLAS dot product each, which reads each array once and writes nothing.
        """
        if self.size >= DOT_FROM * len(self.keys):
            return [float(np.dot(part, part)) for part in self._parts(flat)[which]]
        np.multiply(flat, flat, out=scratch)
        return np.add.reduceat(scratch, self.starts).tolist()[which]

    def _parts(self, flat: np.ndarray) -> list[np.ndarray]:
        # The 1-D view of each array, kept per flat array: slicing anew costs more than
        # a small dot product. Each entry holds its flat array, so its id stays its own.
        entry = kept(
            self._parts_of,
            id(flat),
            lambda: (flat, [flat[s] for s in self.slices.values()]),
            limit=8,
        )
        return entry[1]

    def __getstate__(self) -> dict:
        # a copy starts without the cache, which holds the arrays of the original
        return {**self.__dict__, "_parts_of": {}}

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, ParamLayout)
            and self.keys == other.keys
            and self.shapes == other.shapes
        )

    def __hash__(self) -> int:
        return hash((self.keys, self.shapes))

    def __repr__(self) -> str:
        return f"ParamLayout({dict(zip(self.keys, self.shapes, strict=True))})"
