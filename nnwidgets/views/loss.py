"""Loss view: batch loss per step (faint), train/test loss per epoch, accuracy beside it."""

from __future__ import annotations

import math
import time

import numpy as np
from bqplot import LinearScale, Lines, LogScale
from ipywidgets import HBox, Layout, ToggleButtons, VBox

from ..core.history import History
from ..core.snapshot import Snapshot
from .alt_text import metric_pair, number, percent
from .axis_ticks import plot_px
from .base import (
    MIN_STEPS,
    PALETTE,
    PLAY_HZ,
    View,
    apply_ticks,
    axis,
    axis_length_px,
    draw_line,
    draw_lines,
    figure,
    legend,
    linear_ticks,
    log_bounds,
    log_ticks,
    nice_ceiling,
    set_changed,
)

TRAIN, TEST = PALETTE[0], PALETTE[1]
# the batch loss: the train colour, faint through opacity rather than a pale colour (a pale
# colour would be the brightest line on a dark background)
BATCH, BATCH_OPACITY = TRAIN, 0.4

# Points per line and refresh: the decimation keeps each bucket's minimum and maximum,
# so two points per pixel column of the plot area (a 420-px figure less its margins:
# about 346 px; the 300-px accuracy figure: about 226 px) lose nothing on screen,
# while every point more is path the browser rebuilds at each refresh.
MAX_POINTS = 700
ACC_POINTS = 460
MARKER_MAX = 50  # epochs shown with a dot each; more would be thousands of SVG dots a refresh
clock = time.perf_counter  # when the per-epoch lines were sent (a seam for tests)


def epoch_steps(history: History, *epochs: np.ndarray) -> list[np.ndarray]:
    """Map arrays of epoch numbers to the step counts at which those epochs ended (one
    array per argument, from one read of the epoch table)."""
    ex, steps = history.series("step", max_points=10**9)
    return [e.astype(float) if len(ex) == 0 else np.interp(e, ex, steps) for e in epochs]


#: loss and accuracy side by side, with the boundary view beside them in a notebook
#: beside Lab's file browser (about 850 px wide at 1280)
LOSS_SIZE = ("290px", "250px")
ACC_SIZE = ("190px", "250px")


class LossView(View):
    """Loss over steps on a linear or log axis, and accuracy per epoch."""

    name = "loss"
    title = "Loss"
    play_hz = paced_hz = None  # every refresh: the curve is what moves while playing
    #: while playing, the per-epoch lines and the accuracy figure are sent at most this
    #: often. Flat out, hundreds of epochs end between two refreshes: those lines then
    #: change at every refresh by a pixel or two, and each is a path the page rebuilds
    #: (17.0 against 15.3 renders/s at "max" with this, bench/RESULTS-browser.md). The
    #: batch line follows every refresh, and the refresh that ends play draws everything.
    epoch_play_hz: float = PLAY_HZ

    def build(self):
        # bounds set from Python in steps (see nice_ceiling), not from the data: a
        # scale whose domain moves redraws every mark and axis on it at each refresh
        self._keys: dict[int, tuple] = {}  # what each per-epoch mark shows (see _drawn)
        self._tick_ends: tuple | None = None  # the axes' ends the ticks were laid out for
        self._epochs_at = -math.inf  # clock() when the per-epoch series were last read
        self._epoch_losses: list[np.ndarray] = []  # the train and test losses drawn
        self._epochs_wait = False  # set by update_playing while they are not due
        self.x = LinearScale(min=0.0, max=1.0)
        self.y_linear = LinearScale(min=0.0, max=1.0)
        self.y_log = LogScale(min=0.1, max=1.0)
        y = self.y_linear
        self.batch_line = Lines(
            x=[],
            y=[],
            scales={"x": self.x, "y": y},
            colors=[BATCH],
            stroke_width=1,
            opacities=[BATCH_OPACITY],
            labels=["batch"],
        )
        self.epoch_lines = Lines(
            x=[],
            y=[],
            scales={"x": self.x, "y": y},
            colors=[TRAIN, TEST],
            stroke_width=2.5,
            labels=["train", "test"],
            marker="circle",
            marker_size=16,
        )
        # explicit ticks and labels (axis_ticks): labels apart at any length of play, and
        # one format per axis
        self.y_axis = axis(y, "loss", orientation="vertical", tick_format=".3g")
        self.x_axis = axis(self.x, "step", tick_format="d")
        self.loss_fig = figure(
            "Loss",
            [self.batch_line, self.epoch_lines],
            [self.x_axis, self.y_axis],
            width=LOSS_SIZE[0],
            height=LOSS_SIZE[1],
        )
        # the legend under the figures (train and test share colours in both): bqplot
        # draws legends inside the plot area, over the curves
        self.legend = legend(
            [
                ("batch", BATCH, f"line:1.5:{BATCH_OPACITY}"),
                ("train", TRAIN, "line"),
                ("test", TEST, "line"),
            ],
            indent=12,
        )
        self.scale_toggle = ToggleButtons(
            options=["linear", "log"],
            value="linear",
            tooltips=["linear axis", "log axis"],
            style={"button_width": "60px"},
            layout=Layout(width="auto"),
        )
        self.scale_toggle.add_class("nnw-loss-scale")
        self.scale_toggle.observe(self.context.on_main(self._on_scale), names="value")
        children = [self.loss_fig]
        self.acc_fig = None
        if self.context.task != "regression":
            self.acc_x = LinearScale(min=0.0, max=1.0)
            self.acc_y = LinearScale(min=0.0, max=1.0)
            self.acc_lines = Lines(
                x=[],
                y=[],
                scales={"x": self.acc_x, "y": self.acc_y},
                colors=[TRAIN, TEST],
                stroke_width=2.5,
                labels=["train", "test"],
                marker="circle",
                marker_size=16,
            )
            self.acc_x_axis = axis(self.acc_x, "epoch", tick_format="d")
            self.acc_y_axis = axis(
                self.acc_y, "accuracy", orientation="vertical", tick_format=".0%"
            )
            self.acc_fig = figure(
                "Accuracy",
                [self.acc_lines],
                [self.acc_x_axis, self.acc_y_axis],
                width=ACC_SIZE[0],
                height=ACC_SIZE[1],
            )
            apply_ticks(
                self.acc_y_axis,
                linear_ticks(
                    0.0,
                    1.0,
                    axis_length_px(self.acc_fig, self.acc_y_axis),
                    "vertical",
                    style="percent",
                ),
            )
            children.append(self.acc_fig)
        self._set_ticks()
        return VBox([HBox(children), HBox([self.scale_toggle, self.legend])])

    def _set_ticks(self) -> None:
        """Ticks for the axes' current ends (they move in steps: so do the ticks; laying
        them out is skipped while the ends stay)."""
        ends = (
            self.x.max,
            self.y_axis.scale is self.y_log,
            self.y_log.min,
            self.y_log.max,
            self.y_linear.max,
            plot_px(self.loss_fig),
            None if self.acc_fig is None else (self.acc_x.max, plot_px(self.acc_fig)),
        )
        if ends == self._tick_ends:
            return
        self._tick_ends = ends
        fig = self.loss_fig
        apply_ticks(
            self.x_axis, linear_ticks(0.0, self.x.max, axis_length_px(fig, self.x_axis), whole=True)
        )
        height = axis_length_px(fig, self.y_axis)
        if self.y_axis.scale is self.y_log:
            apply_ticks(self.y_axis, log_ticks(self.y_log.min, self.y_log.max, height))
        else:
            ticks = linear_ticks(0.0, self.y_linear.max, height, "vertical")
            apply_ticks(self.y_axis, ticks)
        if self.acc_fig is not None:
            length = axis_length_px(self.acc_fig, self.acc_x_axis)
            apply_ticks(self.acc_x_axis, linear_ticks(0.0, self.acc_x.max, length, whole=True))

    def _on_scale(self, change) -> None:
        y = self.y_log if change["new"] == "log" else self.y_linear
        with self.loss_fig.hold_sync():
            self.batch_line.scales = {"x": self.x, "y": y}
            self.epoch_lines.scales = {"x": self.x, "y": y}
            self.y_axis.scale = y
            self._set_ticks()

    def _set_bounds(self, steps: np.ndarray, losses: list[np.ndarray]) -> None:
        set_changed(
            self.x, max=nice_ceiling(max(MIN_STEPS, float(steps[-1]) if len(steps) else 0.0))
        )
        values = np.concatenate([np.asarray(v, dtype=float).ravel() for v in losses])
        values = values[np.isfinite(values)]
        set_changed(self.y_linear, max=nice_ceiling(float(values.max()) if values.size else 1.0))
        positive = values[values > 0]
        if positive.size:
            lo, hi = log_bounds(float(positive.min()), float(positive.max()))
            set_changed(self.y_log, min=lo, max=hi)

    def _drawn(self, mark: Lines, *series) -> bool:
        """True when ``series`` (arrays, then the marker or another key) differ from
        what ``mark`` shows: their lengths and last values tell, as the epoch series only grow, or
        start again after a reset."""
        *arrays, marker = series
        key = (marker, *(len(a) for a in arrays), *(float(v) for a in arrays for v in a[-1:]))
        if self._keys.get(id(mark)) == key:
            return False
        self._keys[id(mark)] = key
        return True

    def update_playing(self, snapshot: Snapshot, history: History) -> None:
        """The batch line at every refresh; the per-epoch lines and the accuracy figure
        at most ``epoch_play_hz`` times a second."""
        # a flag, not an argument: ``update`` keeps the signature every view has, for
        # subclasses and wrappers of it
        self._epochs_wait = clock() - self._epochs_at < 1.0 / self.epoch_play_hz
        try:
            self.update(snapshot, history)
        finally:
            self._epochs_wait = False

    def update(self, snapshot: Snapshot, history: History) -> None:
        """Draw the batch loss, and the per-epoch losses and accuracies unless
        ``update_playing`` holds them back (the axes' bounds still cover them then)."""
        epochs = not self._epochs_wait
        log = self.scale_toggle.value == "log"  # a log axis cannot show zeros: left out
        sx, sy = history.series("batch_loss", MAX_POINTS)
        if log:
            sy = np.where(sy > 0, sy, np.nan)
        if epochs:
            self._epochs_at = clock()
            # each series keeps its own x: min/max decimation keeps different points per series
            ex, train = history.series("train_loss", MAX_POINTS)
            tx, test = history.series("test_loss", MAX_POINTS)
            if log:
                train, test = (np.where(v > 0, v, np.nan) for v in (train, test))
            self._epoch_losses = [train, test]
        self._set_bounds(sx, [sy, *self._epoch_losses])
        draw_line(self.batch_line, sx, sy)
        if epochs:
            self._draw_epochs(history, ex, tx, train, test)
        self._set_ticks()

    def _draw_epochs(
        self, history: History, ex: np.ndarray, tx: np.ndarray, train: np.ndarray, test: np.ndarray
    ) -> None:
        """The per-epoch loss lines (at the steps their epochs ended) and the accuracy
        figure, each sent only when it differs from what the page shows: a message for
        the kernel to serialise and a path for the page to redo."""
        ex_steps, tx_steps = epoch_steps(history, ex, tx)
        marker = "circle" if len(ex) <= MARKER_MAX else None
        # on a log axis the zeros are left out, so the axis is part of what is shown
        shown = (marker, self.scale_toggle.value)
        if self._drawn(self.epoch_lines, ex_steps, tx_steps, train, test, shown):
            with self.epoch_lines.hold_sync():
                if self.epoch_lines.marker != marker:
                    self.epoch_lines.marker = marker
                draw_lines(
                    self.epoch_lines,
                    [ex_steps, tx_steps],
                    [train, test],
                    colors=[TRAIN, TEST],
                    labels=["train", "test"],
                )
        if self.acc_fig is not None:
            ax, tr_acc = history.series("train_acc", ACC_POINTS)
            tax, te_acc = history.series("test_acc", ACC_POINTS)
            set_changed(self.acc_x, max=nice_ceiling(max([MIN_STEPS, *ax[-1:], *tax[-1:]])))
            if self._drawn(self.acc_lines, ax, tax, tr_acc, te_acc, marker):
                with self.acc_lines.hold_sync():
                    if self.acc_lines.marker != marker:
                        self.acc_lines.marker = marker
                    draw_lines(
                        self.acc_lines,
                        [ax, tax],
                        [tr_acc, te_acc],
                        colors=[TRAIN, TEST],
                        labels=["train", "test"],
                    )

    def describe(self, snapshot: Snapshot, history: History) -> list[str]:
        """``loss: train 0.23, test 0.17 at epoch 31 (step 500, batch loss 0.25)``, and
        the accuracy the same way."""
        epoch = f"at epoch {snapshot.epoch}"
        batch = f"step {snapshot.step}"
        if not math.isnan(snapshot.batch_loss):
            batch += f", batch loss {number(snapshot.batch_loss)}"
        losses = metric_pair(snapshot.metrics, "loss") or "not evaluated yet"
        texts = [f"loss: {losses} {epoch} ({batch})"]
        if self.acc_fig is not None:
            accuracy = metric_pair(snapshot.metrics, "acc", percent) or "not evaluated yet"
            texts.append(f"accuracy: {accuracy} {epoch}")
        return texts
