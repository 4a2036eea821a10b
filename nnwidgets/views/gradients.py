"""Gradients view: gradient flow per layer over steps, histograms, update/weight ratios."""

from __future__ import annotations

import math

import numpy as np
from bqplot import Bars, LinearScale, Lines, LogScale, OrdinalScale
from ipywidgets import HTML, HBox, Layout, VBox

from ..core.history import History
from ..core.snapshot import Snapshot
from .base import (
    PALETTE,
    View,
    axis,
    decade_ticks,
    figure,
    histogram,
    log_bounds,
    nice_ceiling,
    plot_array,
    set_changed,
    stacked_lines,
    update_symmetric_histogram,
)

VANISHING = 1e-7
EXPLODING = 1e3
MAX_POINTS = 700  # two per pixel column of the 420-px figure's plot area
FLOOR = 1e-12  # where a log axis shows zero
RATIO_MIN = 1e-8


def gradient_warnings(grad_norms, layer_names) -> list[str]:
    """Human-readable warnings for vanishing or exploding layer gradients."""
    out = []
    for norm, name in zip(grad_norms, layer_names, strict=True):
        if not math.isfinite(norm):
            out.append(f"{name}: gradient is not finite")
        elif norm > EXPLODING:
            out.append(f"{name}: exploding gradient (norm {norm:.2g} > {EXPLODING:.0e})")
        elif norm < VANISHING:
            out.append(f"{name}: vanishing gradient (norm {norm:.2g} < {VANISHING:.0e})")
    return out


class GradientsView(View):
    """Per-layer gradient norm over steps (log axis), gradient histograms, update ratios."""

    name = "gradients"
    title = "Gradients"

    def build(self):
        n = len(self.context.weight_layers)
        self.layer_names = [layer.name for layer in self.context.weight_layers]
        colors = [PALETTE[i % len(PALETTE)] for i in range(n)]
        # bounds set in steps from Python: a moving domain redraws the whole figure
        self.flow_x, self.flow_y = LinearScale(min=0.0, max=1.0), LogScale(min=FLOOR, max=1.0)
        self.flow_axis = axis(
            self.flow_y, "gradient norm", orientation="vertical", tick_format=".0e"
        )
        self.flow = Lines(
            x=[],
            y=[],
            scales={"x": self.flow_x, "y": self.flow_y},
            colors=colors,
            labels=self.layer_names,
            display_legend=True,
            stroke_width=1.5,
        )
        self.flow_fig = figure(
            "Gradient flow: |∇W| per layer",
            [self.flow],
            [
                axis(self.flow_x, "step", tick_format="d"),
                self.flow_axis,
            ],
            legend_location="top-right",
        )
        self.ratio_x, self.ratio_y = OrdinalScale(), LogScale(min=RATIO_MIN, max=1.0)
        self.ratio_bars = Bars(
            x=self.layer_names,
            y=np.ones(n) * FLOOR,
            scales={"x": self.ratio_x, "y": self.ratio_y},
            colors=colors,
            color_mode="element",
            base=RATIO_MIN,
        )
        self.ratio_fig = figure(
            "Update / weight ratio (≈1e-3 is healthy)",
            [self.ratio_bars],
            [
                axis(self.ratio_x, "layer"),
                axis(
                    self.ratio_y,
                    "|ΔW| / |W|",
                    orientation="vertical",
                    tick_format=".0e",
                    tick_values=decade_ticks(RATIO_MIN, 1.0),
                ),
            ],
            width="300px",
        )
        self.hists = []
        self.hist_axes = []
        hist_figs = []
        for i in range(n):
            fig, h, x_axis = histogram(
                f"∇{self.layer_names[i]} at this step",
                "gradient",
                colors[i],
                width="240px",
                height="200px",
            )
            self.hists.append(h)
            self.hist_axes.append(x_axis)
            hist_figs.append(fig)
        self.warning = HTML(value="")
        self.warning.add_class("nnw-gradient-warning")
        return VBox(
            [
                HBox([self.flow_fig, self.ratio_fig]),
                HBox(hist_figs, layout=Layout(flex_flow="row wrap")),
                self.warning,
            ]
        )

    def update(self, snapshot: Snapshot, history: History) -> None:
        n = len(self.context.weight_layers)
        xs, ys = [], []
        for i in range(n):
            x, y = history.series(f"grad_norm_{i}", MAX_POINTS)
            xs.append(x)
            ys.append(np.clip(y, FLOOR, None))
        X, Y = stacked_lines(xs, ys)
        with self.flow.hold_sync():
            self.flow.x, self.flow.y = plot_array(X), plot_array(Y)
        ratios = np.clip(
            np.nan_to_num(np.array(snapshot.update_ratios, dtype=float)), RATIO_MIN, 1.0
        )
        self.ratio_bars.y = ratios
        for i, h in enumerate(self.hists):
            grad = snapshot.grads[self.layer_names[i]]
            update_symmetric_histogram(h, self.hist_axes[i], np.asarray(grad))
        set_changed(
            self.flow_x, max=nice_ceiling(max([1.0, *(float(x[-1]) for x in xs if len(x))]))
        )
        finite = Y[np.isfinite(Y)]
        if finite.size:
            lo, hi = log_bounds(float(finite.min()), float(finite.max()))
            set_changed(self.flow_y, min=lo, max=hi)
            ticks = decade_ticks(float(finite.min()), float(finite.max()))
            if ticks != list(
                self.flow_axis.tick_values if self.flow_axis.tick_values is not None else []
            ):
                self.flow_axis.tick_values = ticks
        warnings = gradient_warnings(snapshot.grad_norms, self.layer_names) if snapshot.step else []
        self.warning.value = (
            "<div style='color:#b00020;font-weight:600'>⚠ " + "<br>⚠ ".join(warnings) + "</div>"
            if warnings
            else ""
        )
