"""Gradients view: gradient flow per layer over steps, histograms, update/weight ratios."""

from __future__ import annotations

import math

import numpy as np
from bqplot import LinearScale, Lines, LogScale
from ipywidgets import HTML, HBox, Layout, VBox

from ..core.history import History
from ..core.snapshot import Snapshot
from .alt_text import number, spread
from .base import (
    FIG_MARGIN,
    MIN_STEPS,
    PALETTE,
    View,
    apply_ticks,
    axis,
    axis_length_px,
    draw_lines,
    figure,
    histogram,
    legend,
    linear_ticks,
    log_bounds,
    log_ticks,
    nice_ceiling,
    set_changed,
    update_symmetric_histogram,
)
from .theme import GUIDE

VANISHING = 1e-7
EXPLODING = 1e3
MAX_POINTS = 700  # two per pixel column of the 420-px figure's plot area
FLOOR = 1e-12  # where a log axis shows zero
RATIO_MIN = 1e-8
RATIO_HEALTHY = 1e-3
RATIO_WIDTH = (300, 560)  # the ratio figure's least and greatest width, px
CHAR_PX = 7  # about one character of a tick label, px


def ratio_layout(names) -> tuple[int, float, int, int]:
    """How to draw the update/weight ratios of layers ``names``: the figure's width (px),
    the width of a layer's stick (px), the rotation of the layer names (degrees) and
    the distance of the axis label below the axis (px).

    The figure widens until every name fits under its stick, up to 560 px; past that
    the names are slanted, and the axis label moves down below them.
    """
    margins = FIG_MARGIN["left"] + FIG_MARGIN["right"]
    label = CHAR_PX * max(len(name) for name in names) + 12
    width = int(np.clip(margins + len(names) * label, *RATIO_WIDTH))
    slot = (width - margins) / len(names)
    stick = float(np.clip(0.45 * slot, 3.0, 24.0))
    if slot >= label:
        return width, stick, 0, 34
    return width, stick, -30, 20 + label // 2  # sin 30° = 1/2


def ratio_sticks(ratios) -> np.ndarray:
    """The y values of one vertical stick per layer, from the axis floor up to its
    update/weight ratio (non-finite ratios drawn at the ends), as an (n, 2) array."""
    r = np.clip(np.nan_to_num(np.asarray(ratios, dtype=float)), RATIO_MIN, 1.0)
    return np.stack([np.full(r.shape, RATIO_MIN), r], axis=1)


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
        self.layer_colors = colors = [PALETTE[i % len(PALETTE)] for i in range(n)]
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
            stroke_width=1.5,
        )
        self.flow_x_axis = axis(self.flow_x, "step", tick_format="d")
        self.flow_fig = figure(
            "Gradient flow: |∇W| per layer", [self.flow], [self.flow_x_axis, self.flow_axis]
        )
        # under the figure, not over the curves; the sticks and histograms share its colours
        self.legend = legend(
            [(name, c, "line") for name, c in zip(self.layer_names, colors, strict=True)]
        )
        self._set_flow_ticks()
        # one thick vertical stick per layer, drawn by one Lines mark: bqplot 0.13's Bars
        # leaves an empty SVG group in the page at every redraw
        width, stick, rotate, label_offset = ratio_layout(self.layer_names)
        self.ratio_x = LinearScale(min=-0.5, max=n - 0.5, allow_padding=False)
        self.ratio_y = LogScale(min=RATIO_MIN, max=1.0)
        ratio_scales = {"x": self.ratio_x, "y": self.ratio_y}
        self.ratio_sticks = Lines(
            x=np.repeat(np.arange(n, dtype=float), 2).reshape(n, 2),
            y=ratio_sticks(np.zeros(n)),
            scales=ratio_scales,
            colors=colors,
            stroke_width=stick,
        )
        self.ratio_healthy = Lines(
            x=[-0.5, n - 0.5],
            y=[RATIO_HEALTHY, RATIO_HEALTHY],
            scales=ratio_scales,
            colors=[GUIDE],
            line_style="dashed",
            stroke_width=1.5,
        )
        ratio_y_axis = axis(self.ratio_y, "|ΔW| / |W|", orientation="vertical", tick_format=".0e")
        self.ratio_fig = figure(
            "Update / weight ratio (≈1e-3 is healthy)",
            [self.ratio_healthy, self.ratio_sticks],
            [
                axis(
                    self.ratio_x,
                    "layer",
                    tick_values=list(range(n)),
                    tick_labels={str(i): name for i, name in enumerate(self.layer_names)},
                    tick_rotate=rotate,
                    tick_style={"text-anchor": "end"} if rotate else {},
                    label_offset=f"{label_offset}px",
                ),
                ratio_y_axis,
            ],
            width=f"{width}px",
            height=f"{256 + label_offset}px",  # the plot area as high as the others
            margin={"bottom": label_offset + 8},
        )
        length = axis_length_px(self.ratio_fig, ratio_y_axis)
        apply_ticks(ratio_y_axis, log_ticks(RATIO_MIN, 1.0, length))
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
                symmetric=True,
            )
            self.hists.append(h)
            self.hist_axes.append(x_axis)
            hist_figs.append(fig)
        self.warning = HTML(value="")
        self.warning.add_class("nnw-gradient-warning")
        return VBox(
            [
                HBox([VBox([self.flow_fig, self.legend]), self.ratio_fig]),
                HBox(hist_figs, layout=Layout(flex_flow="row wrap")),
                self.warning,
            ]
        )

    def _set_flow_ticks(self) -> None:
        fig = self.flow_fig
        length = axis_length_px(fig, self.flow_x_axis)
        apply_ticks(self.flow_x_axis, linear_ticks(0.0, self.flow_x.max, length, whole=True))
        length = axis_length_px(fig, self.flow_axis)
        apply_ticks(self.flow_axis, log_ticks(self.flow_y.min, self.flow_y.max, length))

    def update(self, snapshot: Snapshot, history: History) -> None:
        n = len(self.context.weight_layers)
        xs, ys = [], []
        for i in range(n):
            x, y = history.series(f"grad_norm_{i}", MAX_POINTS)
            xs.append(x)
            ys.append(np.clip(y, FLOOR, None))
        draw_lines(self.flow, xs, ys, colors=self.layer_colors, labels=self.layer_names)
        self.ratio_sticks.y = ratio_sticks(snapshot.update_ratios)
        for i, h in enumerate(self.hists):
            grad = snapshot.grads[self.layer_names[i]]
            update_symmetric_histogram(h, self.hist_axes[i], np.asarray(grad))
        set_changed(
            self.flow_x, max=nice_ceiling(max([MIN_STEPS, *(float(x[-1]) for x in xs if len(x))]))
        )
        finite = np.concatenate([np.zeros(0), *ys])
        finite = finite[np.isfinite(finite)]
        if finite.size:
            lo, hi = log_bounds(float(finite.min()), float(finite.max()))
            set_changed(self.flow_y, min=lo, max=hi)
        self._set_flow_ticks()
        warnings = gradient_warnings(snapshot.grad_norms, self.layer_names) if snapshot.step else []
        self.warning.value = (
            "<div class='nnw-warning' style='font-weight:600'>⚠ "
            + "<br>⚠ ".join(warnings)
            + "</div>"
            if warnings
            else ""
        )

    def describe(self, snapshot: Snapshot, history: History) -> list[str]:
        """The gradient norm and update ratio of each layer now, and each layer's
        spread of gradients."""
        names = self.layer_names
        norms = ", ".join(
            f"{n} {number(g)}" for n, g in zip(names, snapshot.grad_norms, strict=False)
        )
        ratios = ", ".join(
            f"{n} {number(r)}" for n, r in zip(names, snapshot.update_ratios, strict=False)
        )
        at = f"at step {snapshot.step}"
        texts = [
            f"Gradient flow, gradient norm per layer {at}: {norms or 'none yet'}",
            f"Update / weight ratio per layer {at} (about 1e-3 is healthy): {ratios or 'none'}",
        ]
        texts += [
            f"∇{n} at this step: histogram, {spread(snapshot.grads[n])}"
            if n in snapshot.grads
            else f"∇{n} at this step"
            for n in names
        ]
        return texts
