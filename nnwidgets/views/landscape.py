"""Loss landscape view: a 2-D slice of the loss around the weights, with the path taken.

The slice is spanned by two directions: filter-normalised random directions
(Li et al., 2018, "Visualizing the Loss Landscape of Neural Nets") or the top
two principal directions of the trajectory so far. The grid is computed a few
rows per refresh, one batched evaluation per row, within a time budget, so
that it never holds up the play loop for more than a refresh interval.
"""

from __future__ import annotations

import time

import numpy as np
from bqplot import ColorScale, HeatMap, LinearScale, Lines, Scatter
from ipywidgets import HTML, Button, Dropdown, HBox, IntSlider, Layout, VBox

from ..core.activations import get_activation
from ..core.features import expand
from ..core.history import History
from ..core.snapshot import Snapshot
from .base import View, axis, figure, not_available, plot_array

MAX_TRAJECTORY = 400
TIME_BUDGET = 0.005  # seconds of grid work per refresh: a quarter of a 20 Hz interval


def filter_normalised_direction(params: dict, rng: np.random.Generator) -> dict:
    """A random direction with each neuron's incoming weights scaled to that neuron's norm;
    zero for biases (as Li et al. do for one-dimensional parameters)."""
    out = {}
    for key, W in params.items():
        if key.startswith("b"):
            out[key] = np.zeros_like(W)
            continue
        d = rng.normal(size=W.shape)
        d *= np.linalg.norm(W, axis=0, keepdims=True) / (
            np.linalg.norm(d, axis=0, keepdims=True) + 1e-12
        )
        out[key] = d
    return out


def flatten(params: dict, keys: list[str]) -> np.ndarray:
    """All parameters as one vector, in ``keys`` order."""
    return np.concatenate([np.asarray(params[k], dtype=float).ravel() for k in keys])


def unflatten(vector: np.ndarray, like: dict, keys: list[str]) -> dict:
    """The inverse of ``flatten``."""
    out, start = {}, 0
    for k in keys:
        n = like[k].size
        out[k] = vector[start : start + n].reshape(like[k].shape)
        start += n
    return out


def batched_loss(stacked: dict, activations, X, y, loss) -> np.ndarray:
    """The loss of G parameter sets at once (each entry of ``stacked`` has a leading G)."""
    n_layers = len(activations) + 1
    a = np.broadcast_to(X, (stacked["W0"].shape[0], *X.shape))
    for i in range(n_layers):
        z = np.matmul(a, stacked[f"W{i}"]) + stacked[f"b{i}"][:, None, :]
        a = get_activation(activations[i]).forward(z, np.empty_like(z)) if i < n_layers - 1 else z
    return np.array([loss.value(a[g], y) for g in range(a.shape[0])])


class LandscapeView(View):
    """A slice of the loss surface around the weights, and the optimizer's path on it."""

    name = "landscape"
    title = "Loss landscape"

    def build(self):
        ctx = self.context
        if not ctx.chain:
            return not_available(
                "Loss landscape",
                "It re-evaluates the loss of a chain of dense layers and activations at "
                "many weight settings; this network has other layers (or its own forward).",
            )
        self.loss = ctx.loss
        rng = np.random.default_rng(0)
        X, y = ctx.ds.X_train, ctx.ds.y_train
        self.samples = IntSlider(
            value=min(256, len(X)),
            min=min(16, len(X)),
            max=len(X),
            description="samples",
            continuous_update=False,
            style={"description_width": "60px"},
        )
        self._all_X, self._all_y = X, y
        self._rng = rng
        self.directions = Dropdown(
            options=[("random (filter-normalised)", "random"), ("PCA of the path", "pca")],
            value="random",
            description="directions",
            style={"description_width": "70px"},
            layout=Layout(width="300px"),
        )
        self.resolution = IntSlider(
            value=21,
            min=5,
            max=61,
            step=2,
            description="grid",
            continuous_update=False,
            style={"description_width": "40px"},
        )
        self.recompute = Button(
            description="Recompute here",
            icon="refresh",
            tooltip="centre the slice on the current weights",
        )
        self.recompute.add_class("nnw-landscape-recompute")
        self.recompute.on_click(ctx.on_main(lambda _: self.request()))
        self.info = HTML()
        self.x = LinearScale(min=-1.1, max=1.1)
        self.y = LinearScale(min=-1.1, max=1.1)
        self.cs = ColorScale(scheme="viridis")
        self.heat = HeatMap(
            x=np.linspace(-1, 1, 3),
            y=np.linspace(-1, 1, 3),
            color=np.zeros((3, 3)),
            scales={"x": self.x, "y": self.y, "color": self.cs},
        )
        self.path = Lines(
            x=[], y=[], scales={"x": self.x, "y": self.y}, colors=["white"], stroke_width=2
        )
        self.here = Scatter(
            x=[0.0],
            y=[0.0],
            scales={"x": self.x, "y": self.y},
            colors=["#ff3b30"],
            stroke="white",
            default_size=80,
        )
        fig = figure(
            "Loss landscape: log10(loss) around the weights",
            [self.heat, self.path, self.here],
            [
                axis(self.x, "direction 1", tick_format=".2g"),
                axis(self.y, "direction 2", orientation="vertical", tick_format=".2g"),
            ],
            width="420px",
            height="400px",
        )
        self.follow = True  # recentre automatically when the weights leave the slice
        self._keys: list[str] = []
        self._trajectory: list[np.ndarray] = []
        self._pending = True
        self._grid = None
        self._row = 0
        return VBox(
            [
                fig,
                HBox([self.directions, self.recompute]),
                HBox([self.resolution, self.samples]),
                self.info,
            ]
        )

    # -------------------------------------------------------------- compute
    def request(self) -> None:
        """Recompute the slice around the weights of the next update."""
        self._pending = True

    def _start(self, snapshot: Snapshot) -> None:
        params = {k: np.asarray(v, dtype=float) for k, v in snapshot.params.items()}
        self._keys = sorted(params)
        self._centre = flatten(params, self._keys)
        self._like = params
        d1 = d2 = None
        if self.directions.value == "pca" and len(self._trajectory) >= 3:
            T = np.array(self._trajectory) - self._centre
            _, s, vt = np.linalg.svd(T, full_matrices=False)
            if len(s) >= 2 and s[1] > 1e-12:
                d1, d2 = vt[0], vt[1]
                coords = T @ np.stack([d1, d2]).T
                span = np.abs(coords).max(axis=0) * 1.3 + 1e-9
                d1, d2 = d1 * span[0], d2 * span[1]
        if d1 is None:
            rng = np.random.default_rng(len(self._trajectory))
            d1 = flatten(filter_normalised_direction(params, rng), self._keys)
            d2 = flatten(filter_normalised_direction(params, rng), self._keys)
        self._d = np.stack([d1, d2])
        n = self.resolution.value
        self._alphas = np.linspace(-1, 1, n)
        self._grid = np.full((n, n), np.nan)
        self._row = 0
        count = self.samples.value
        pick = np.random.default_rng(1).choice(len(self._all_X), count, replace=False)
        self._X = expand(self._all_X[pick], self.context.features)
        self._y = self._targets(self._all_y[pick])
        self._pending = False
        self._started = snapshot.step

    def _targets(self, y):
        return self.loss.targets(y)

    def _compute_rows(self, budget: float) -> None:
        t0 = time.perf_counter()
        n = len(self._alphas)
        while self._row < n and time.perf_counter() - t0 < budget:
            b = self._alphas[self._row]
            thetas = (
                self._centre[None, :]
                + self._alphas[:, None] * self._d[0][None, :]
                + b * self._d[1][None, :]
            )
            stacked = {
                k: np.stack([unflatten(t, self._like, self._keys)[k] for t in thetas])
                for k in self._keys
            }
            with np.errstate(all="ignore"):
                self._grid[self._row] = batched_loss(
                    stacked, self.context.activations, self._X, self._y, self.loss
                )
            self._row += 1

    def _project(self, points: np.ndarray) -> np.ndarray:
        D = self._d
        gram = D @ D.T
        return np.linalg.solve(gram, D @ (points - self._centre).T).T

    def project(self, points: np.ndarray) -> np.ndarray:
        """Coordinates of flattened weight vectors (rows) in the slice's two directions."""
        return self._project(points)

    def clear_path(self) -> None:
        """Forget the path drawn so far (a reset starts a new one)."""
        self._trajectory.clear()

    # ---------------------------------------------------------------- update
    def update(self, snapshot: Snapshot, history: History) -> None:
        if not self.context.chain:
            return
        keys = sorted(snapshot.params)
        point = flatten(snapshot.params, keys)
        if self._trajectory and len(self._trajectory[-1]) != len(point):
            self._trajectory.clear()
        if not self._trajectory or not np.array_equal(self._trajectory[-1], point):
            self._trajectory.append(point)
            if len(self._trajectory) > MAX_TRAJECTORY:
                self._trajectory = self._trajectory[::2]
        if self._pending or self._grid is None:
            self._start(snapshot)
        if self._row < len(self._alphas):
            self._compute_rows(TIME_BUDGET)
            finite = self._grid[np.isfinite(self._grid) & (self._grid > 0)]
            shown = np.log10(np.where(self._grid > 0, self._grid, np.nan))
            with self.heat.hold_sync():
                self.heat.x = plot_array(self._alphas)
                self.heat.y = plot_array(self._alphas)
                self.heat.color = plot_array(shown)
            if finite.size:
                lo, hi = np.log10(finite.min()), np.log10(finite.max())
                self.cs.min, self.cs.max = float(lo), float(max(hi, lo + 1e-6))
            done = self._row == len(self._alphas)
            state = "complete" if done else f"computing rows {self._row}/{len(self._alphas)}…"
            span = f"; loss from {finite.min():.3g} to {finite.max():.3g}" if finite.size else ""
            self.info.value = f"slice centred on step {self._started}; {state}{span}"
        coords = self._project(np.array(self._trajectory))
        with self.path.hold_sync():
            self.path.x, self.path.y = plot_array(coords[:, 0]), plot_array(coords[:, 1])
        with self.here.hold_sync():
            self.here.x, self.here.y = plot_array(coords[-1:, 0]), plot_array(coords[-1:, 1])
        if self.follow and self._row == len(self._alphas) and np.abs(coords[-1]).max() > 1.0:
            self.request()  # the weights left the slice: centre a new one on them
