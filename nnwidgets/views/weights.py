"""Weights view: a heatmap and a histogram per layer, and followed weights over steps."""

from __future__ import annotations

import numpy as np
from bqplot import Label, LinearScale, Lines
from ipywidgets import HTML, Checkbox, HBox, Layout, VBox

from ..core.history import History
from ..core.snapshot import Snapshot
from .alt_text import number, spread
from .base import (
    MIN_STEPS,
    PALETTE,
    StepHistogram,
    View,
    apply_ticks,
    axis,
    axis_length_px,
    draw_lines,
    figure,
    histogram,
    legend,
    legend_html,
    linear_ticks,
    nice_ceiling,
    set_changed,
    update_symmetric_histogram,
)
from .follow_picker import FollowPicker
from .theme import CAPTION
from .weight_maps import GridMap, PictureMap, weight_map

MAX_FOLLOWED = 8
MAX_TRACE = 4000  # points kept per followed weight
TRACE_MARKER_MAX = 30  # traces up to this many points show a marker at each
FOLLOW_HINT = "click a heatmap cell, or pick one below"
# the colour scheme RdBu's colours for negative, zero and positive weights (the key's)
NEGATIVE, ZERO, POSITIVE = "#b2182b", "#f7f7f7", "#2166ac"


def swatch(color: str) -> str:
    """A small square of ``color`` for a colour key (its name is written beside it: a
    colour as text would not read on both light and dark backgrounds)."""
    return f"<span class='nnw-swatch' style='background:{color}'></span>"


def step_range(xs) -> tuple[float, float]:
    """Bounds of a step axis showing the step lists ``xs``: from the first step over a
    round span (``nice_ceiling``) of at least ``MIN_STEPS``, so that whole-number ticks do
    not repeat and the axis moves a few times per decade of steps, not at every step."""
    steps = [s for x in xs for s in (x[:1] + x[-1:])]
    lo = float(min(steps)) if steps else 0.0
    hi = float(max(steps)) if steps else 0.0
    return lo, lo + nice_ceiling(max(MIN_STEPS, hi - lo))


def symmetric_limit(values: np.ndarray) -> float:
    """Half-width of a colour range centred on zero that covers ``values``."""
    finite = np.abs(values[np.isfinite(values)])
    return float(finite.max()) if finite.size and finite.max() > 0 else 1.0


def value_range(ys) -> dict:
    """Bounds of the value axis for the value lists ``ys``: None (the values' own range)
    unless they are all one value, which gets a small range around it."""
    values = np.array([v for y in ys for v in y], dtype=float)
    values = values[np.isfinite(values)]
    if values.size and values.max() - values.min() <= 1e-12 * max(1.0, abs(values.max())):
        pad = max(0.05 * abs(float(values[0])), 1e-3)
        return {"min": float(values[0]) - pad, "max": float(values[0]) + pad}
    return {"min": None, "max": None}


def shown_range(ys, bounds: dict) -> tuple[float, float]:
    """The range a value axis shows: its bounds, or the values' range where a bound is
    None (the scale then follows the values)."""
    values = np.array([v for y in ys for v in y], dtype=float)
    values = values[np.isfinite(values)]
    if not values.size:
        values = np.array([-1.0, 1.0])
    lo = bounds["min"] if bounds["min"] is not None else float(values.min())
    hi = bounds["max"] if bounds["max"] is not None else float(values.max())
    return lo, hi


class WeightsView(View):
    """One diverging heatmap (centred on zero) and one histogram per weight matrix.

    Click a heatmap cell to follow that weight: its value is drawn over the
    steps at which the dashboard refreshed (every step when stepping by hand).
    """

    name = "weights"
    title = "Weights"

    def build(self):
        self.fixed = Checkbox(
            value=False, description="fixed colour range", indent=False, layout=Layout(width="auto")
        )
        self.fixed.add_class("nnw-weights-fixed")
        self.fixed.observe(self.context.on_main(lambda _: self._on_fixed()), names="value")
        self._fixed_limit: float | None = None
        #: each weight layer's map: SVG cells for a small matrix, a picture for a big one
        self.heatmaps: list[GridMap | PictureMap] = []
        self.limits: list[float] = []  # each map's colour range, -limit to +limit
        self.hists: list[StepHistogram] = []
        self.hist_axes = []
        self._last_params: dict[str, np.ndarray] = {}
        heat_figs, hist_figs = [], []
        self.heat_figs = []
        for i, layer in enumerate(self.context.weight_layers):
            n_in, n_out = layer.shape
            width, height = self._heatmap_size(n_in, n_out)
            width = max(width, 8 * len(self._heat_title(i, 0.55)) + 30)  # the title fits
            hm = weight_map(layer.shape, (width, height))
            hm.on_click(self.context.on_main(lambda row, col, i=i: self.follow(i, row, col)))
            hm_fig = figure(
                self._heat_title(i, 1.0),
                [hm.mark],
                hm.axes(layer.columns, layer.rows),
                width=f"{width}px",
                height=f"{height}px",
            )
            hist_fig, hist, hist_x_axis = histogram(
                f"{layer.name} values",
                "weight",
                PALETTE[i % len(PALETTE)],
                width="260px",
                height="200px",
                symmetric=True,
            )
            self.hist_axes.append(hist_x_axis)
            self.heatmaps.append(hm)
            self.limits.append(1.0)
            self.hists.append(hist)
            self.heat_figs.append(hm_fig)
            heat_figs.append(hm_fig)
            hist_figs.append(hist_fig)
        colour_key = HTML(
            "<span class='nnw-caption' style='font-size:12px'>colour: "
            f"{swatch(NEGATIVE)}<b class='nnw-text'>negative</b> · {swatch(ZERO)}white 0 · "
            f"{swatch(POSITIVE)}<b class='nnw-text'>positive</b>; each map scaled to its largest "
            "|w| (rounded up) unless the range is fixed; click a cell to follow it</span>"
        )
        # no padding: the ends are steps, and the ticks whole steps between them
        self.trace_x = LinearScale(allow_padding=False)
        self.trace_y = LinearScale()
        self.trace_lines = Lines(
            x=[],
            y=[],
            marker_size=16,
            scales={"x": self.trace_x, "y": self.trace_y},
            colors=PALETTE,
            stroke_width=2,
            labels=[],
        )
        unit = LinearScale(min=0.0, max=1.0)
        self.trace_hint = Label(
            x=[0.5],
            y=[0.5],
            text=[FOLLOW_HINT],
            scales={"x": unit, "y": unit},
            align="middle",
            default_size=13,
            colors=[CAPTION],
        )
        self.trace_x_axis = axis(self.trace_x, "step", tick_format="d")
        self.trace_y_axis = axis(self.trace_y, "value", orientation="vertical", tick_format=".3~g")
        self.trace_fig = figure(
            "Followed weights (click a heatmap cell)",
            [self.trace_lines, self.trace_hint],
            [self.trace_x_axis, self.trace_y_axis],
            width="420px",
            height="240px",
        )
        self.trace_legend = legend([])  # under the figure: the traces fill their plot
        # the keyboard's way to follow a weight (the heatmaps' cells take clicks only)
        layers = self.context.weight_layers
        self.picker = FollowPicker(
            [layer.name for layer in layers],
            [layer.shape for layer in layers],
            self.follow,
            on_main=self.context.on_main,
        )
        self.followed: list[tuple[int, int, int]] = []
        self._traces: dict[tuple[int, int, int], tuple[list[int], list[float]]] = {}
        self._draw_traces()  # the empty state: the hint over a plain range
        wrap = Layout(flex_flow="row wrap", align_items="flex-start")
        return VBox(
            [
                HBox(heat_figs, layout=wrap),
                HBox([colour_key, self.fixed]),
                HBox(
                    [*hist_figs, VBox([self.trace_fig, self.trace_legend, self.picker])],
                    layout=wrap,
                ),
            ]
        )

    def _heat_title(self, i: int, limit: float) -> str:
        layer = self.context.weight_layers[i]
        if layer.rows.startswith("from unit"):  # a dense layer in nnwidgets' (in, out) layout
            shape = "{}→{}".format(*layer.shape)
        else:
            shape = layer.size_text
        return f"{layer.name} ({shape}), |w| ≤ {limit:.2g}"

    @staticmethod
    def _heatmap_size(n_in: int, n_out: int) -> tuple[int, int]:
        cell = max(3, min(26, 260 // max(n_in, n_out, 1)))
        return (max(170, cell * max(n_out, 2) + 90), max(150, cell * max(n_in, 2) + 90))

    # ------------------------------------------------------------- following
    def follow(self, layer: int, row: int, col: int) -> None:
        """Start following weight ``[row, col]`` of weight layer number ``layer`` (its heatmap;
        the oldest is dropped past 8)."""
        key = (layer, row, col)
        if key in self.followed:
            return
        self.followed.append(key)
        if len(self.followed) > MAX_FOLLOWED:
            self._traces.pop(self.followed.pop(0), None)
        self._traces.setdefault(key, ([], []))
        if self._last_params and self._last_step is not None:
            self._record(key, self._last_step, self._matrix(layer, self._last_params))
        self._draw_traces()
        self._frame_followed()

    def unfollow_all(self) -> None:
        """Stop following every weight."""
        self.followed.clear()
        self._traces.clear()
        self._frame_followed()
        self._draw_traces()

    def _frame_followed(self) -> None:
        """Frame the followed cells in their maps."""
        for i, hm in enumerate(self.heatmaps):
            hm.frame([(row, col) for layer, row, col in self.followed if layer == i])

    def _record(self, key, step: int, W: np.ndarray) -> None:
        xs, ys = self._traces[key]
        if xs and xs[-1] >= step:  # a reset or rewind went back in time
            while xs and xs[-1] >= step:
                xs.pop()
                ys.pop()
        xs.append(step)
        ys.append(float(W[key[1], key[2]]))
        if len(xs) > MAX_TRACE:
            del xs[: len(xs) - MAX_TRACE]
            del ys[: len(ys) - MAX_TRACE]

    def _draw_traces(self) -> None:
        set_changed(self.trace_hint, visible=not self.followed)
        if not self.followed:  # the empty state: the hint over a plain range
            with self.trace_lines.hold_sync():
                self.trace_lines.x, self.trace_lines.y, self.trace_lines.labels = [], [], []
            set_changed(self.trace_x, min=0.0, max=MIN_STEPS)
            set_changed(self.trace_y, min=-1.0, max=1.0)
            self._set_trace_ticks((-1.0, 1.0))
            set_changed(self.trace_legend, value=legend_html([]))
            return
        steps, values = zip(*(self._traces[k] for k in self.followed), strict=True)
        lo, hi = step_range(steps)
        set_changed(self.trace_x, min=lo, max=hi)
        bounds = value_range(values)
        set_changed(self.trace_y, **bounds)
        self._set_trace_ticks(shown_range(values, bounds))
        with self.trace_lines.hold_sync():
            # markers while traces are short: a weight followed for one step is one point,
            # which a line alone does not draw
            marker = "circle" if max(len(s) for s in steps) <= TRACE_MARKER_MAX else None
            set_changed(self.trace_lines, marker=marker)
            names = [layer.name for layer in self.context.weight_layers]
            labels = [f"{names[k[0]]}[{k[1]},{k[2]}]" for k in self.followed]
            colors = [PALETTE[i % len(PALETTE)] for i in range(len(labels))]
            draw_lines(self.trace_lines, steps, values, colors=colors, labels=labels)
        entries = zip(labels, colors, strict=True)
        set_changed(self.trace_legend, value=legend_html([(n, c, "line") for n, c in entries]))

    def _set_trace_ticks(self, value_lo_hi: tuple[float, float]) -> None:
        fig = self.trace_fig
        length = axis_length_px(fig, self.trace_x_axis)
        ticks = linear_ticks(self.trace_x.min, self.trace_x.max, length, whole=True)
        apply_ticks(self.trace_x_axis, ticks)
        length = axis_length_px(fig, self.trace_y_axis)
        apply_ticks(
            self.trace_y_axis,
            linear_ticks(*value_lo_hi, length, "vertical"),
        )

    # ---------------------------------------------------------------- update
    _last_step: int | None = None

    def _on_fixed(self) -> None:
        self._fixed_limit = None
        if self._last_params:
            self._update_heatmaps(self._last_params)

    def _matrix(self, i: int, params) -> np.ndarray:
        return self.context.weight_layers[i].matrix(params)

    def _update_heatmaps(self, params) -> None:
        mats = [self._matrix(i, params) for i in range(len(self.heatmaps))]
        # a round colour range, changed in steps: fewer redraws of the map and its title
        limits = [nice_ceiling(symmetric_limit(W)) for W in mats]
        if self.fixed.value:
            if self._fixed_limit is None:
                self._fixed_limit = max(limits)
            limits = [self._fixed_limit] * len(limits)
        for i, hm in enumerate(self.heatmaps):
            W = np.nan_to_num(mats[i], nan=0.0, posinf=limits[i], neginf=-limits[i])
            self.limits[i] = limits[i]
            hm.show(W, limits[i])
            self.heat_figs[i].title = self._heat_title(i, limits[i])

    def update(self, snapshot: Snapshot, history: History) -> None:
        self._last_params = dict(snapshot.params)
        self._last_step = snapshot.step
        self._update_heatmaps(snapshot.params)
        for i, hist in enumerate(self.hists):
            update_symmetric_histogram(hist, self.hist_axes[i], self._matrix(i, snapshot.params))
        for key in self.followed:
            self._record(key, snapshot.step, self._matrix(key[0], snapshot.params))
        if self.followed:
            self._draw_traces()

    def describe(self, snapshot: Snapshot, history: History) -> list[str]:
        """Each heatmap's and histogram's range of weights, and the followed weights'
        values (or how to follow one)."""
        layers = self.context.weight_layers
        mats = [self._matrix(i, snapshot.params) for i in range(len(layers))]
        heat = [
            f"{fig.title}: heatmap of the weights, {spread(W)}"
            for fig, W in zip(self.heat_figs, mats, strict=True)
        ]
        hist = [
            f"{layer.name} values: histogram, {spread(W)}"
            for layer, W in zip(layers, mats, strict=True)
        ]
        if self.followed:
            values = ", ".join(
                f"{layers[k[0]].name}[{k[1]},{k[2]}] {number(float(mats[k[0]][k[1], k[2]]))}"
                for k in self.followed
            )
            trace = f"Followed weights at step {snapshot.step}: {values}"
        else:
            trace = "Followed weights: none; click a heatmap cell or use the layer, row and "
            trace += "column fields below to follow one"
        return [*heat, *hist, trace]
