"""The numerics of a loss landscape: a 2-D slice of the loss around a set of weights.

The slice is spanned by two directions: filter-normalised random directions (Li et al.,
2018, "Visualizing the Loss Landscape of Neural Nets") or the top two principal
directions of the path taken so far. Its grid of losses is computed one row at a time,
each row one batched forward pass over all of its weight settings, so that a caller can
spread the work over several refreshes. numpy only: the view draws what this computes.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

import numpy as np

from .activations import Activation
from .losses import Loss
from .model import forward_with

Params = Mapping[str, np.ndarray]


def flatten(params: Params, keys: Sequence[str]) -> np.ndarray:
    """All parameters as one float vector, in ``keys`` order."""
    return np.concatenate([np.asarray(params[k], dtype=float).ravel() for k in keys])


def unflatten(vector: np.ndarray, like: Params, keys: Sequence[str]) -> dict[str, np.ndarray]:
    """The inverse of ``flatten``: arrays shaped as those of ``like``."""
    return stacked_params(np.asarray(vector)[None, :], like, keys, batched=False)


def stacked_params(
    thetas: np.ndarray, like: Params, keys: Sequence[str], batched: bool = True
) -> dict[str, np.ndarray]:
    """G flat parameter vectors ``thetas`` (G, P) as one dict of arrays with a leading
    axis of G (what ``forward_with`` takes for G parameter sets at once)."""
    out, start = {}, 0
    for k in keys:
        shape = np.shape(like[k])
        n = int(np.prod(shape))
        block = thetas[:, start : start + n]
        out[k] = block.reshape(len(thetas), *shape) if batched else block.reshape(shape)
        start += n
    return out


def filter_normalised_direction(params: Params, rng: np.random.Generator) -> dict:
    """A random direction with each neuron's incoming weights scaled to that neuron's norm;
    zero for biases (as Li et al. do for one-dimensional parameters)."""
    out = {}
    for key, W in params.items():
        if key.startswith("b"):
            out[key] = np.zeros_like(W)
            continue
        d = rng.normal(size=W.shape)
        norms = np.linalg.norm(W, axis=0, keepdims=True)
        # a neuron whose weights are all zero (init="zeros") has no scale of its own: its
        # direction keeps unit norm, so that the two directions still span a plane
        norms = np.where(norms > 0, norms, 1.0)
        d *= norms / (np.linalg.norm(d, axis=0, keepdims=True) + 1e-12)
        out[key] = d
    return out


def random_directions(params: Params, keys: Sequence[str], seed: int) -> np.ndarray:
    """Two filter-normalised random directions, flat, as a (2, P) array."""
    rng = np.random.default_rng(seed)
    return np.stack([flatten(filter_normalised_direction(params, rng), keys) for _ in range(2)])


def pca_directions(path: np.ndarray, centre: np.ndarray) -> np.ndarray | None:
    """The top two principal directions of the points ``path`` (m, P) about ``centre``,
    each scaled so that the path fits in [-1, 1] along it with a margin; None when the
    path spans fewer than two directions (or has fewer than three points)."""
    if len(path) < 3:
        return None
    T = np.asarray(path) - centre
    _, s, vt = np.linalg.svd(T, full_matrices=False)
    if len(s) < 2 or s[1] <= 1e-12:
        return None
    d = vt[:2]
    span = np.abs(T @ d.T).max(axis=0) * 1.3 + 1e-9
    return d * span[:, None]


def project(points: np.ndarray, centre: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """Coordinates (m, 2) of the points (m, P) in the plane through ``centre`` spanned by
    ``directions`` (2, P): the least-squares solution, exact for points in the plane
    (and the smallest one should the directions be parallel)."""
    offsets = (np.asarray(points, dtype=float) - centre).T
    return np.linalg.lstsq(np.asarray(directions, dtype=float).T, offsets, rcond=None)[0].T


def losses_at(
    thetas: np.ndarray,
    like: Params,
    keys: Sequence[str],
    activations: Sequence[str | Activation],
    X: np.ndarray,
    y: np.ndarray,
    loss: Loss,
) -> np.ndarray:
    """The data loss on ``(X, y)`` at each of the G flat parameter vectors ``thetas`` (G, P),
    from one batched forward pass."""
    _, raw = forward_with(stacked_params(thetas, like, keys), activations, X)
    return np.array([loss.value(r, y) for r in raw])


class LandscapeSlice:
    """A square grid of losses on the plane ``centre + a * d1 + b * d2``, ``a, b`` in
    [-1, 1], filled one row (one ``b``) at a time.

    ``params`` is the centre; ``X`` (already in the first layer's space) and ``y``
    (encoded as ``loss`` takes it) the data. ``method`` "pca" spans the slice with the
    principal directions of ``path`` (the points so far, flat in sorted key order) where
    it has two; otherwise, and for "random", two filter-normalised random directions
    drawn with ``seed``.
    """

    def __init__(
        self,
        params: Params,
        activations: Sequence[str | Activation],
        X: np.ndarray,
        y: np.ndarray,
        loss: Loss,
        resolution: int = 21,
        method: str = "random",
        path: Sequence[np.ndarray] = (),
        seed: int = 0,
    ) -> None:
        self.like = {k: np.asarray(v, dtype=float) for k, v in params.items()}
        self.keys = sorted(self.like)
        self.centre = flatten(self.like, self.keys)
        directions = None
        if method == "pca" and len(path) >= 3:
            directions = pca_directions(np.array(path), self.centre)
        if directions is None:
            directions = random_directions(self.like, self.keys, seed)
        self.directions = directions
        self.alphas = np.linspace(-1, 1, resolution)
        self.grid = np.full((resolution, resolution), np.nan)
        self.row = 0
        self.activations = tuple(activations)
        self.X, self.y, self.loss = X, y, loss

    @property
    def done(self) -> bool:
        """True once every row of the grid is computed."""
        return self.row == len(self.alphas)

    def compute_row(self) -> None:
        """Compute the next row of the grid (one batched forward pass)."""
        b = self.alphas[self.row]
        d1, d2 = self.directions
        thetas = self.centre[None, :] + self.alphas[:, None] * d1[None, :] + b * d2[None, :]
        with np.errstate(all="ignore"):
            self.grid[self.row] = losses_at(
                thetas, self.like, self.keys, self.activations, self.X, self.y, self.loss
            )
        self.row += 1

    def compute_rows(self, budget: float) -> None:
        """Compute rows until the grid is done or ``budget`` seconds have passed (at least
        one row, when any is left)."""
        t0 = time.perf_counter()
        while not self.done and time.perf_counter() - t0 < budget:
            self.compute_row()

    def project(self, points: np.ndarray) -> np.ndarray:
        """Coordinates (m, 2) of flat parameter vectors (m, P) in this slice."""
        return project(points, self.centre, self.directions)
