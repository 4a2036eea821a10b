"""Boundary view: predictions over the input plane (2-D), the fitted curve (1-D),
or a confusion matrix (anything else)."""

from __future__ import annotations

import numpy as np
from bqplot import ColorScale, GridHeatMap, LinearScale, Lines, OrdinalScale, Scatter

from ..core.history import History
from ..core.snapshot import Snapshot
from .alt_text import metric_pair, percent
from .base import (
    PALETTE,
    View,
    apply_ticks,
    axis,
    axis_length_px,
    figure,
    figures,
    linear_ticks,
    plot_array,
    plot_px,
    set_changed,
)
from .field_image import ColorRamp, FieldImage
from .theme import BACKGROUND, GUIDE

GRID = 60  # cells per side of the prediction grid
LIGHT = [
    "#93bfe3",
    "#f8c58e",
    "#a8dca8",
    "#eda3a3",
    "#cbb6e0",
    "#cfb0a8",
    "#f2bfe1",
    "#cccccc",
    "#e3e39a",
    "#a3e2ea",
]  # lighter PALETTE, behind the points
CONFUSION_COLORS = ["#f7fbff", "#6baed6"]  # the light half of "Blues"


LEGEND_ROW_PX = 16  # bqplot's legend: one row per entry, one more for its margins
LEGEND_WIDTH_PX = 100
CORNERS = ("top-right", "top-left", "bottom-right", "bottom-left")


def empty_corner(
    xs: np.ndarray,
    ys: np.ndarray,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    size_px: tuple[float, float],
    box_px: tuple[float, float],
) -> str:
    """The corner of the plot area (a bqplot ``legend_location``) where a legend box of
    ``box_px`` covers the fewest points ``(xs, ys)``; top-right on a tie."""
    fx = (np.asarray(xs, float) - x_range[0]) / (x_range[1] - x_range[0])
    fy = (np.asarray(ys, float) - y_range[0]) / (y_range[1] - y_range[0])
    bw, bh = box_px[0] / size_px[0], box_px[1] / size_px[1]
    counts = {}
    for corner in CORNERS:
        in_x = fx >= 1 - bw if corner.endswith("right") else fx <= bw
        in_y = fy >= 1 - bh if corner.startswith("top") else fy <= bh
        counts[corner] = int(np.sum(in_x & in_y))
    return min(CORNERS, key=lambda c: counts[c])


def legend_box_px(labels) -> tuple[float, float]:
    """The size of bqplot's legend for these entries, px (a little over)."""
    return (
        max(LEGEND_WIDTH_PX, 8 * max(len(text) for text in labels) + 60),
        LEGEND_ROW_PX * (len(labels) + 1) + 12,
    )


def set_axis_ticks(fig, axes, ranges) -> None:
    """Readable ticks on a figure's x and y axes over ``ranges``."""
    for axis_, (lo, hi), orientation in zip(axes, ranges, ("horizontal", "vertical"), strict=True):
        apply_ticks(axis_, linear_ticks(lo, hi, axis_length_px(fig, axis_), orientation))


def prediction_grid(ds, resolution: int = GRID, pad: float = 0.15):
    """Grid axes and the (resolution**2, 2) points covering the data with a margin."""
    X = np.vstack([ds.X_train, ds.X_test])
    lo, hi = X.min(axis=0), X.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    lo, hi = lo - pad * span, hi + pad * span
    gx = np.linspace(lo[0], hi[0], resolution)
    gy = np.linspace(lo[1], hi[1], resolution)
    xx, yy = np.meshgrid(gx, gy)
    return gx, gy, np.column_stack([xx.ravel(), yy.ravel()])


#: small enough to sit beside the loss view in a notebook beside Lab's file browser
SIZE = ("330px", "320px")
STEP_THROUGH_SPEED = 2.0  # steps/s at or below which the minibatch of each step is ringed


class BoundaryView(View):
    """What the network predicts where: the shape of the decision boundary."""

    name = "boundary"
    title = "Decision boundary"
    paced_hz = 5.0  # the picture a lesson watches: the boundary moving as it learns

    def build(self):
        ctx = self.context
        ds = ctx.ds
        self.mode = (
            "plane"
            if ds.n_features == 2 and ctx.task != "regression"
            else "curve"
            if ds.n_features == 1 and ctx.task == "regression"
            else "confusion"
            if ctx.task != "regression"
            else "fit"
        )
        return getattr(self, f"_build_{self.mode}")()

    # ---------------------------------------------------------- 2-D classes
    def _build_plane(self):
        ds = self.context.ds
        self.gx, self.gy, self.grid = prediction_grid(ds)
        x_range = (float(self.gx[0]), float(self.gx[-1]))
        y_range = (float(self.gy[0]), float(self.gy[-1]))
        # the ends set here (the grid's), so that the ticks chosen for them are the drawn ones
        self.x = LinearScale(min=x_range[0], max=x_range[1], allow_padding=False)
        self.y = LinearScale(min=y_range[0], max=y_range[1], allow_padding=False)
        k = ds.n_classes or 2
        #: P(class 1) from orange through white to blue; a neuron's scaled output too
        self.two_sided = ColorRamp([0.0, 0.5, 1.0], ["#f8c58e", "#f4f4f4", "#93bfe3"])
        self.ramp = (
            self.two_sided
            if k == 2
            else ColorRamp(np.arange(k), [LIGHT[c % len(LIGHT)] for c in range(k)])
        )
        self.field = FieldImage(self.gx, self.gy, {"x": self.x, "y": self.y}, self.ramp)
        pcs = ColorScale(
            min=0.0,
            max=float(max(k - 1, 1)),
            colors=["#f59322", "#0877bd"]
            if k == 2
            else [PALETTE[c] for c in range(min(k, len(PALETTE)))],
        )
        self.train_pts = Scatter(
            x=ds.X_train[:, 0],
            y=ds.X_train[:, 1],
            color=ds.y_train.astype(float),
            scales={"x": self.x, "y": self.y, "color": pcs},
            stroke="white",
            stroke_width=0.8,
            default_size=44,
            labels=["train"],
            display_legend=True,
        )
        self.test_pts = Scatter(
            x=ds.X_test[:, 0],
            y=ds.X_test[:, 1],
            color=ds.y_test.astype(float),
            scales={"x": self.x, "y": self.y, "color": pcs},
            stroke="black",
            stroke_width=1.2,
            marker="triangle-up",
            default_size=52,
            labels=["test"],
            display_legend=True,
        )
        # rings around the points of the step's minibatch (step-through pace, see mark_batch)
        self.batch_ring = Scatter(
            x=np.zeros(0),
            y=np.zeros(0),
            scales={"x": self.x, "y": self.y},
            colors=["#111111"],
            fill=False,
            stroke_width=2.0,
            default_size=170,
            labels=["this step's minibatch"],
        )
        names = ds.feature_names if len(ds.feature_names) == 2 else ["x1", "x2"]
        title = "P(class 1)" if k == 2 else "predicted class"
        self._title = f"Decision boundary: {title}"
        self._last = None
        axes = [
            axis(self.x, names[0], tick_format=".2g"),
            axis(self.y, names[1], orientation="vertical", tick_format=".2g"),
        ]
        fig = figure(
            self._title,
            [self.field.mark, self.train_pts, self.test_pts, self.batch_ring],
            axes,
            width=SIZE[0],
            height=SIZE[1],
        )
        set_axis_ticks(fig, axes, [x_range, y_range])
        # the legend where it covers the fewest points: bqplot draws it inside the plot
        X = np.vstack([ds.X_train, ds.X_test])
        fig.legend_location = empty_corner(
            X[:, 0], X[:, 1], x_range, y_range, plot_px(fig), legend_box_px(["train", "test"])
        )
        self.n_classes = k
        return fig

    neuron: tuple[int, int] | None = None
    #: ring the points of the step's minibatch (the Dashboard sets it at a step-through
    #: pace, 2 steps/s or slower, so that a teacher can say "this batch pulls it here")
    mark_batch: bool = False

    def show_neuron(self, neuron: tuple[int, int] | None) -> None:
        """Show one neuron's output over the plane instead of the prediction (None: back).

        ``neuron`` is ``(layer, unit)`` with layer 1 the first hidden layer.
        """
        if self.mode != "plane":
            return
        self.neuron = neuron
        if neuron is None:
            self.widget.title = self._title
        else:
            self.widget.title = f"Output of neuron {neuron[1]} in layer {neuron[0]} (scaled)"
        if self._last is not None:
            self._update_plane(self._last)

    def follow_pace(self, steps_per_second: float | None) -> bool:
        """Ring each step's minibatch at ``STEP_THROUGH_SPEED`` steps/s or slower (None
        is flat out); True when that changed (the caller redraws)."""
        mark = steps_per_second is not None and steps_per_second <= STEP_THROUGH_SPEED
        changed, self.mark_batch = mark != self.mark_batch, mark
        return changed

    def _update_batch(self, snapshot: Snapshot) -> None:
        idx = snapshot.batch if self.mark_batch else np.zeros(0, dtype=np.intp)
        X = self.context.ds.X_train[np.asarray(idx, dtype=np.intp)]
        ring = self.batch_ring
        if len(X) == len(ring.x) and np.array_equal(X[:, 0], ring.x):
            return  # nothing new: no message
        with ring.hold_sync():
            ring.x, ring.y = X[:, 0], X[:, 1]

    def _update_plane(self, snapshot: Snapshot) -> None:
        self._last = snapshot
        self._update_batch(snapshot)
        hidden, out = self.context.forward(snapshot, self.grid)
        if self.neuron is not None:
            layer, unit = self.neuron
            values = [*hidden, out][layer - 1][:, unit]
            peak = float(np.nanmax(np.abs(values))) or 1.0
            z = 0.5 + 0.5 * values / (peak if np.isfinite(peak) else 1.0)
            self.field.show(np.nan_to_num(z, nan=0.5).reshape(GRID, GRID), self.two_sided)
            return
        if self.n_classes == 2:
            p = self.context.loss.proba(out)
            z = p if p.ndim == 1 else p[:, 1]  # the probability of class 1
        else:
            z = self.context.loss.labels(out).astype(float)
        self.field.show(np.nan_to_num(z, nan=0.5).reshape(GRID, GRID))

    # --------------------------------------------------- 1-D regression fit
    def _build_curve(self):
        ds = self.context.ds
        X = np.vstack([ds.X_train, ds.X_test])[:, 0]
        lo, hi = X.min(), X.max()
        pad = 0.1 * (hi - lo or 1.0)
        self.curve_x = np.linspace(lo - pad, hi + pad, 300)
        Y = np.vstack([ds.y_train, ds.y_test])[:, 0]
        y_pad = 0.1 * (Y.max() - Y.min() or 1.0)
        self.y_data_range = (float(Y.min() - y_pad), float(Y.max() + y_pad))
        x_range = (float(self.curve_x[0]), float(self.curve_x[-1]))
        self.x = LinearScale(min=x_range[0], max=x_range[1], allow_padding=False)
        self.y = LinearScale(
            min=self.y_data_range[0], max=self.y_data_range[1], allow_padding=False
        )
        self.train_pts = Scatter(
            x=ds.X_train[:, 0],
            y=ds.y_train[:, 0],
            scales={"x": self.x, "y": self.y},
            colors=[PALETTE[0]],
            default_size=20,
            labels=["train"],
            display_legend=True,
        )
        self.test_pts = Scatter(
            x=ds.X_test[:, 0],
            y=ds.y_test[:, 0],
            scales={"x": self.x, "y": self.y},
            colors=[PALETTE[1]],
            marker="triangle-up",
            default_size=32,
            labels=["test"],
            display_legend=True,
        )
        self.curve = Lines(
            x=self.curve_x,
            y=np.zeros_like(self.curve_x),
            scales={"x": self.x, "y": self.y},
            colors=["#d62728"],
            stroke_width=3,
            labels=["network"],
            display_legend=True,
        )
        name = ds.feature_names[0] if ds.feature_names else "x"
        self.axes = [
            axis(self.x, name, tick_format=".2g"),
            axis(self.y, "y", orientation="vertical", tick_format=".2g"),
        ]
        fig = figure(
            "Fitted curve",
            [self.train_pts, self.test_pts, self.curve],
            self.axes,
            width=SIZE[0],
            height=SIZE[1],
        )
        self.fig = fig
        set_axis_ticks(fig, self.axes, [x_range, self.y_data_range])
        X = np.vstack([ds.X_train, ds.X_test])[:, 0]
        fig.legend_location = empty_corner(
            X,
            Y,
            x_range,
            self.y_data_range,
            plot_px(fig),
            legend_box_px(["train", "test", "network"]),
        )
        return fig

    def _update_curve(self, snapshot: Snapshot) -> None:
        _, out = self.context.forward(snapshot, self.curve_x[:, None])
        y = np.nan_to_num(out[:, 0])
        self.curve.y = plot_array(y)
        # the y range: the data's, widened while the curve runs outside it
        lo = min(self.y_data_range[0], float(y.min()))
        hi = max(self.y_data_range[1], float(y.max()))
        set_changed(self.y, min=lo, max=hi)
        set_axis_ticks(self.fig, self.axes, [(self.x.min, self.x.max), (lo, hi)])

    # -------------------------------------------- regression, many features
    def _build_fit(self):
        ds = self.context.ds
        self.x, self.y = LinearScale(allow_padding=False), LinearScale(allow_padding=False)
        self.fit_fig = None
        self.pred_pts = Scatter(
            x=[], y=[], scales={"x": self.x, "y": self.y}, colors=[PALETTE[1]], default_size=24
        )
        t = ds.y_test[:, 0] if len(ds.y_test) else ds.y_train[:, 0]
        self.diag = Lines(
            x=[t.min(), t.max()],
            y=[t.min(), t.max()],
            scales={"x": self.x, "y": self.y},
            colors=[GUIDE],
            line_style="dashed",
        )
        self.axes = [
            axis(self.x, "true", tick_format=".2g"),
            axis(self.y, "predicted", orientation="vertical", tick_format=".2g"),
        ]
        self.fit_fig = figure(
            "Predicted vs true (test)",
            [self.diag, self.pred_pts],
            self.axes,
            width=SIZE[0],
            height=SIZE[1],
        )
        self._fit_bounds(t, t)
        return self.fit_fig

    def _fit_bounds(self, true: np.ndarray, pred: np.ndarray) -> None:
        """Both axes over the true and predicted values (5% to spare), with their ticks."""
        values = np.concatenate([np.ravel(true), np.ravel(pred)])
        values = values[np.isfinite(values)]
        lo, hi = (float(values.min()), float(values.max())) if values.size else (0.0, 1.0)
        pad = 0.05 * (hi - lo or 1.0)
        # ends rounded out to a tenth of the span's power of ten: they move in steps, and
        # each move redraws the figure
        unit = 10.0 ** (np.floor(np.log10(hi - lo + 2 * pad)) - 1)
        lo, hi = float(np.floor((lo - pad) / unit) * unit), float(np.ceil((hi + pad) / unit) * unit)
        set_changed(self.x, min=lo, max=hi)
        set_changed(self.y, min=lo, max=hi)
        set_axis_ticks(self.fit_fig, self.axes, [(lo, hi), (lo, hi)])

    def _update_fit(self, snapshot: Snapshot) -> None:
        ds = self.context.ds
        X, y = (ds.X_test, ds.y_test) if len(ds.y_test) else (ds.X_train, ds.y_train)
        _, out = self.context.forward(snapshot, X)
        pred = np.nan_to_num(out[:, 0])
        with self.pred_pts.hold_sync():
            self.pred_pts.x, self.pred_pts.y = y[:, 0], pred
        self._fit_bounds(y[:, 0], pred)

    # ------------------------------------------------ many-feature classes
    def _build_confusion(self):
        k = self.context.ds.n_classes or 2
        self.k = k
        # the light half of "Blues": the counts, in black, read on every cell (on the
        # scheme's darkest blues they did not, in either theme)
        self.cm_cs = ColorScale(colors=CONFUSION_COLORS, min=0.0, max=1.0)
        rows, cols = OrdinalScale(), OrdinalScale()
        self.cm = GridHeatMap(
            color=np.zeros((k, k)),
            scales={"row": rows, "column": cols, "color": self.cm_cs},
            display_format=".0f",
            font_style={"font-size": "11px", "fill": "#000"},
            stroke=BACKGROUND,  # gaps between cells
        )
        return figure(
            "Confusion matrix (test)",
            [self.cm],
            [axis(cols, "predicted"), axis(rows, "true", orientation="vertical")],
            width=SIZE[0],
            height=SIZE[1],
        )

    def _update_confusion(self, snapshot: Snapshot) -> None:
        ds = self.context.ds
        X, y = (ds.X_test, ds.y_test) if len(ds.y_test) else (ds.X_train, ds.y_train)
        _, out = self.context.forward(snapshot, X)
        pred = self.context.loss.labels(out)
        cm = np.zeros((self.k, self.k))
        np.add.at(cm, (np.asarray(y).astype(int).ravel(), pred), 1)
        with self.cm.hold_sync():
            self.cm_cs.max = float(max(cm.max(), 1))
            self.cm.color = cm

    def update(self, snapshot: Snapshot, history: History) -> None:
        getattr(self, f"_update_{self.mode}")(snapshot)

    def describe(self, snapshot: Snapshot, history: History) -> list[str]:
        """The figure's title with the accuracy (or, for regression, the loss) that the
        prediction drawn reaches, at the step drawn."""
        m = snapshot.metrics
        score = metric_pair(m, "acc", percent) if "test_acc" in m or "train_acc" in m else None
        score = f"accuracy {score}" if score else f"loss {metric_pair(m, 'loss') or 'none yet'}"
        return [f"{fig.title}: {score} at epoch {snapshot.epoch}" for fig in figures(self.widget)]
