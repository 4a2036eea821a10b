"""Loss landscape view: a 2-D slice of the loss around the weights, with the path taken.

The slice is spanned by two directions: filter-normalised random directions
(Li et al., 2018, "Visualizing the Loss Landscape of Neural Nets") or the top
two principal directions of the trajectory so far. The grid is computed a few
rows per refresh, one batched evaluation per row, within ``TIME_BUDGET`` (5 ms),
so that it never holds up the play loop for more than a refresh interval. The
numbers come from ``nnwidgets.core.landscape``; this module draws them.
"""

from __future__ import annotations

import numpy as np
from bqplot import LinearScale, Lines, Scatter
from ipywidgets import HTML, Button, Dropdown, HBox, IntSlider, Layout, VBox

from ..core.features import expand
from ..core.history import History
from ..core.landscape import LandscapeSlice, filter_normalised_direction, flatten, unflatten
from ..core.snapshot import Snapshot
from .base import View, axis, figure, not_available, plot_array
from .boundary import set_axis_ticks
from .field_image import VIRIDIS, ColorRamp, FieldImage

MAX_TRAJECTORY = 400
NOT_COMPUTED = "#d9d9d9"  # the slice's cells not computed yet
TIME_BUDGET = 0.005  # seconds of grid work per refresh: a quarter of a 20 Hz interval

__all__ = [
    "MAX_TRAJECTORY",
    "TIME_BUDGET",
    "LandscapeView",
    "filter_normalised_direction",
    "flatten",
    "unflatten",
]


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
        self.x = LinearScale(min=-1.1, max=1.1, allow_padding=False)
        self.y = LinearScale(min=-1.1, max=1.1, allow_padding=False)
        # log10(loss) in viridis over the range computed so far; rows not yet computed grey
        self.color_range = (0.0, 1.0)
        start = np.linspace(-1, 1, 3)
        self.field = FieldImage(start, start, {"x": self.x, "y": self.y}, self._ramp())
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
        axes = [
            axis(self.x, "direction 1", tick_format=".2g"),
            axis(self.y, "direction 2", orientation="vertical", tick_format=".2g"),
        ]
        fig = figure(
            "Loss landscape: log10(loss) around the weights",
            [self.field.mark, self.path, self.here],
            axes,
            width="420px",
            height="400px",
        )
        set_axis_ticks(fig, axes, [(self.x.min, self.x.max), (self.y.min, self.y.max)])
        self.follow = True  # recentre automatically when the weights leave the slice
        self._trajectory: list[np.ndarray] = []  # the path: flat params, sorted keys
        self._pending = True
        self.slice: LandscapeSlice | None = None
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

    def clear_path(self) -> None:
        """Forget the path drawn so far (after a reset, say); the next update starts a
        new one."""
        self._trajectory.clear()

    def _start(self, snapshot: Snapshot) -> None:
        pick = np.random.default_rng(1).choice(len(self._all_X), self.samples.value, replace=False)
        self.slice = LandscapeSlice(
            snapshot.params,
            self.context.activations,
            expand(self._all_X[pick], self.context.features),
            self.loss.targets(self._all_y[pick]),
            self.loss,
            resolution=self.resolution.value,
            method=self.directions.value,
            path=self._trajectory,
            seed=len(self._trajectory),
        )
        self._pending = False
        self._started = snapshot.step

    def project(self, points: np.ndarray) -> np.ndarray:
        """Coordinates (m, 2) in the slice drawn now of flat parameter vectors (m, P),
        each the parameters in sorted key order (``flatten(params, sorted(params))``)."""
        return self.slice.project(points)

    # ---------------------------------------------------------------- update
    def update(self, snapshot: Snapshot, history: History) -> None:
        if not self.context.chain:
            return
        point = flatten(snapshot.params, sorted(snapshot.params))
        if self._trajectory and len(self._trajectory[-1]) != len(point):
            self._trajectory.clear()
        if not self._trajectory or not np.array_equal(self._trajectory[-1], point):
            self._trajectory.append(point)
            if len(self._trajectory) > MAX_TRAJECTORY:
                self._trajectory[:] = self._trajectory[::2]
        if self._pending or self.slice is None:
            self._start(snapshot)
        sl = self.slice
        if not sl.done:
            sl.compute_rows(TIME_BUDGET)
            self._draw_grid()
        coords = self.project(np.array(self._trajectory))
        with self.path.hold_sync():
            self.path.x, self.path.y = plot_array(coords[:, 0]), plot_array(coords[:, 1])
        with self.here.hold_sync():
            self.here.x, self.here.y = plot_array(coords[-1:, 0]), plot_array(coords[-1:, 1])
        if self.follow and sl.done and np.abs(coords[-1]).max() > 1.0:
            self.request()  # the weights left the slice: centre a new one on them

    def _ramp(self) -> ColorRamp:
        """Viridis over ``color_range``; a cell not yet computed (NaN) grey."""
        lo, hi = self.color_range
        return ColorRamp(np.linspace(lo, hi, len(VIRIDIS)), VIRIDIS, nan_color=NOT_COMPUTED)

    def _draw_grid(self) -> None:
        sl = self.slice
        grid = sl.grid
        finite = grid[np.isfinite(grid) & (grid > 0)]
        shown = np.log10(np.where(grid > 0, grid, np.nan))
        if not np.array_equal(self.field.x, sl.alphas):
            self.field.place(sl.alphas, sl.alphas)
        if finite.size:
            lo, hi = np.log10(finite.min()), np.log10(finite.max())
            self.color_range = (float(lo), float(max(hi, lo + 1e-6)))
        self.field.show(shown, self._ramp())
        n = len(sl.alphas)
        state = "complete" if sl.done else f"computing rows {sl.row}/{n}…"
        span = f"; loss from {finite.min():.3g} to {finite.max():.3g}" if finite.size else ""
        self.info.value = f"slice centred on step {self._started}; {state}{span}"
