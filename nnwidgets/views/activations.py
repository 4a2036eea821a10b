"""Activations view: per hidden layer, the distribution of outputs and dead/saturated units."""

from __future__ import annotations

import numpy as np
from ipywidgets import HTML, HBox, Layout, VBox

from ..core.history import History
from ..core.snapshot import Snapshot
from .base import (
    PALETTE,
    StepHistogram,
    View,
    apply_ticks,
    axis_length_px,
    fit_count_axis,
    histogram,
    linear_ticks,
)

MAX_SAMPLES = 1000  # training rows used for the picture; enough for a histogram
RANGES = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}


def unit_health(activation: str, a: np.ndarray) -> tuple[str, float]:
    """A short description of problem units in one layer's outputs ``a`` (samples x units).

    relu-like layers report dead units (zero output on every sample); sigmoid and
    tanh report saturated units (output within 1% of a bound on 95% of samples).
    """
    n_units = a.shape[1]
    if activation in ("relu",):
        dead = int(np.sum(np.all(a <= 0, axis=0)))
        return f"{dead}/{n_units} dead units", dead / n_units
    if activation in RANGES:
        lo, hi = RANGES[activation]
        margin = 0.01 * (hi - lo)
        near = (a <= lo + margin) | (a >= hi - margin)
        sat = int(np.sum(np.mean(near, axis=0) >= 0.95))
        return f"{sat}/{n_units} saturated units", sat / n_units
    if activation == "leaky_relu":
        dead = int(np.sum(np.all(a <= 0, axis=0)))
        return f"{dead}/{n_units} units negative on every sample", dead / n_units
    return "", 0.0


class ActivationsView(View):
    """Histograms of each hidden layer's outputs on the training data, with unit health."""

    name = "activations"
    title = "Activations"

    def build(self):
        X = self.context.ds.X_train
        if len(X) > MAX_SAMPLES:
            X = X[np.random.default_rng(0).choice(len(X), MAX_SAMPLES, replace=False)]
        self._X = X
        self.hists: list[StepHistogram] = []
        self.x_axes = []
        self.figs = []
        self.labels: list[HTML] = []
        boxes = []
        acts = self.context.activations
        for i, act in enumerate(acts):
            fig, h, x_axis = histogram(
                f"{self.context.hidden_names[i]} ({act}, {self.context.layer_sizes[i + 1]} units)",
                "output",
                PALETTE[i % len(PALETTE)],
                width="280px",
                height="220px",
            )
            self.hists.append(h)
            self.x_axes.append(x_axis)
            self.figs.append(fig)
            label = HTML(value="")
            label.add_class("nnw-activation-health")
            self.labels.append(label)
            boxes.append(VBox([fig, label]))
        if not acts:
            text = (
                "This network has no hidden layer."
                if self.context.chain
                else "This network has no activation module to show (activations called as "
                "functions inside a forward are not seen)."
            )
            boxes.append(HTML(f"<i class='nnw-caption'>{text}</i>"))
        return HBox(boxes, layout=Layout(flex_flow="row wrap"))

    def update(self, snapshot: Snapshot, history: History) -> None:
        if not self.hists:
            return
        hidden, _ = self.context.forward(snapshot, self._X)
        for i, (a, h) in enumerate(zip(hidden, self.hists, strict=True)):
            act = self.context.activations[i]
            values = np.nan_to_num(a.ravel())
            lo, hi = RANGES.get(act, (float(values.min()), float(values.max())))
            if hi <= lo:
                hi = lo + 1.0
            length = axis_length_px(self.figs[i], self.x_axes[i])
            apply_ticks(self.x_axes[i], linear_ticks(lo, hi, length))
            h.set_data(values, min=lo, max=hi)
            fit_count_axis(h)
            text, fraction = unit_health(act, a)
            css = "nnw-warning" if fraction >= 0.25 else "nnw-caption"
            self.labels[i].value = f"<span class='{css}'>{text}</span>" if text else ""
