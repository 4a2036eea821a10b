"""Marks shared by several views: a step histogram, an axis end that holds steady, and
several series of unequal length in one Lines mark."""

from __future__ import annotations

from html import escape

import numpy as np
from bqplot import LinearScale, Lines
from ipywidgets import HTML
from traitlets import Any, Float, Int

from .axis_ticks import Ticks, apply_ticks, labelled
from .protocol import axis, figure, plot_array, set_changed
from .ticks import count_ticks, nice_ceiling

SHRINK_BELOW = 0.5  # an axis end may shrink once what it must show is under this share of it
SHRINK_AFTER = 5  # ... for this many updates in a row (a second at View.play_hz)


class SteadyLimit:
    """An axis end that follows its values up at once, and down only once they have
    stayed under ``SHRINK_BELOW`` of it for ``SHRINK_AFTER`` updates in a row (then to
    the largest of them).

    A minibatch's gradients can be ten times larger or smaller than the last one's, and a
    histogram's tallest bin wobbles: an axis that followed them would move, and the page
    redraw the figure's axes, at nearly every refresh while playing.
    """

    def __init__(self, shrink_after: int = SHRINK_AFTER) -> None:
        self.value: float | None = None
        self.shrink_after = shrink_after
        self._low: list[float] = []

    def __call__(self, needed: float) -> float:
        """The axis end to draw for values that need ``needed``."""
        if self.value is None or not np.isfinite(self.value) or needed > self.value:
            self.value, self._low = needed, []
        elif needed < SHRINK_BELOW * self.value:
            self._low.append(needed)
            if len(self._low) >= self.shrink_after:
                self.value, self._low = max(self._low), []
        else:
            self._low = []
        return self.value


class StepHistogram(Lines):
    """A histogram drawn as one filled step outline: one SVG path however many bins.

    It has the traits of bqplot's ``Bins`` that the views use (``sample``, ``bins``,
    ``min``, ``max``; the counts in ``counts``), binned here in Python. ``Bins`` draws a
    group and a rectangle per bin and, in bqplot 0.13, leaves one more empty group in
    the page at every redraw, so that a long play makes every later redraw slower.
    """

    sample = Any(np.zeros(0))
    bins = Int(30, min=1)
    min = Float(None, allow_none=True)
    max = Float(None, allow_none=True)

    def __init__(self, **kwargs) -> None:
        self.counts = np.zeros(0)
        self._deferred = False
        # The range follows the values down as soon as they fit in half of it: the shape
        # of this step's values is the point (a range held at a recent peak ten times
        # larger shows one bar). The tallest bin only wobbles: its axis holds its peak.
        self.x_limit = SteadyLimit(shrink_after=1)  # of a range symmetric about zero
        self.count_limit = SteadyLimit()
        super().__init__(**kwargs)
        self.observe(self._bin, names=["sample", "bins", "min", "max"])
        self._bin()

    def set_data(self, sample: np.ndarray, **traits) -> None:
        """Set ``sample`` and any of ``bins``, ``min``, ``max`` together, binning once
        (set one by one, each change re-bins)."""
        self._deferred = True
        try:
            for name, value in traits.items():
                set_changed(self, **{name: value})
            self.sample = sample
        finally:
            self._deferred = False
        self._bin()

    def _bin(self, _change=None) -> None:
        if self._deferred:
            return
        values = np.asarray(self.sample, dtype=float).ravel()
        lo = self.min if self.min is not None else (values.min() if values.size else 0.0)
        hi = self.max if self.max is not None else (values.max() if values.size else 1.0)
        if not hi > lo:
            hi = lo + 1.0
        counts, edges = np.histogram(np.clip(values, lo, hi), bins=self.bins, range=(lo, hi))
        self.counts = counts
        x = np.repeat(edges, 2)  # e0 e0 e1 e1 ... en en
        y = np.concatenate([[0.0], np.repeat(counts, 2).astype(float), [0.0]])
        with self.hold_sync():
            self.x, self.y = plot_array(x), plot_array(y)


def histogram(title: str, x_label: str, color: str, width: str, height: str):
    """A histogram in its own figure: ``(figure, StepHistogram mark, x axis)``."""
    hx, hy = LinearScale(), LinearScale(min=0.0, allow_padding=False)
    bins = StepHistogram(
        sample=np.zeros(2),
        bins=30,
        scales={"x": hx, "y": hy},
        colors=[color],
        fill="bottom",
        fill_colors=[color],
        fill_opacities=[0.75],
        stroke_width=1.5,
    )
    x_axis = axis(hx, x_label, tick_format=".2g")
    bins.count_axis = axis(hy, "count", orientation="vertical", tick_format="d")
    # a wider right margin: the last tick sits on the plot's edge, and half of a label such
    # as '2.5e-5' is wider than the usual 16 px
    fig = figure(
        title, [bins], [x_axis, bins.count_axis], width=width, height=height, margin={"right": 26}
    )
    return fig, bins, x_axis


def fit_count_axis(hist: StepHistogram) -> None:
    """Fit a histogram's count axis to its counts with whole-number ticks (a count axis
    with d3's own ticks shows '0 1 1 2' for small counts)."""
    counts = np.asarray(hist.counts, dtype=float)
    needed = count_ticks(float(counts.max()) if counts.size else 1.0)[-1]
    ticks = count_ticks(hist.count_limit(needed))
    set_changed(hist.scales["y"], max=ticks[-1])
    axis_ = getattr(hist, "count_axis", None)
    if axis_ is not None:
        # no label at zero: it would sit on the x axis's first label, in the corner
        labels = labelled(ticks)
        apply_ticks(axis_, Ticks(labels.values, ("", *labels.labels[1:])))


def histogram_bins(n: int) -> int:
    """Bins for ``n`` values: about two per square root, from 8 to 30 (a few values in
    30 bins are scattered slivers)."""
    return int(np.clip(round(2 * np.sqrt(max(n, 1))), 8, 30))


def update_symmetric_histogram(hist, x_axis, values: np.ndarray) -> None:
    """Show ``values`` in a histogram mark over a tidy range symmetric about zero.

    The range grows in steps (``nice_ceiling``) and shrinks once the values fit in half
    of it; the count axis shrinks only after a while well below its end (``SteadyLimit``):
    fewer refreshes redraw the axes as well as the bars.
    """
    values = np.nan_to_num(values.ravel())
    lim = hist.x_limit(nice_ceiling(float(np.abs(values).max()) if values.size else 1.0))
    # three ticks, readable in a small figure at any magnitude, in one format (-1.25 0.00 1.25)
    apply_ticks(x_axis, labelled([-lim, 0.0, lim]))
    hist.set_data(values, bins=histogram_bins(values.size), min=-lim, max=lim)
    fit_count_axis(hist)


def stacked_lines(xs: list[np.ndarray], ys: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Several series of unequal length as 2-D arrays for one Lines mark, NaN-padded.

    At least two columns, because bqplot squeezes arrays: a (k, 1) array would
    otherwise be read as a single line.
    """
    width = max([2, *(len(x) for x in xs)])
    X = np.full((len(xs), width), np.nan)
    Y = np.full((len(xs), width), np.nan)
    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
        X[i, : len(x)] = x
        Y[i, : len(y)] = y
    return X, Y


SYMBOLS = {
    "line": "<span style='display:inline-block;width:16px;height:0;border-top:{w}px solid {c};"
    "vertical-align:middle;opacity:{o}'></span>",
    "circle": "<span style='color:{c};font-size:13px'>●</span>",
    "triangle": "<span style='color:{c};font-size:12px'>▲</span>",
}


def legend_html(entries) -> str:
    """The HTML of a legend: one ``(label, colour, symbol)`` per entry, ``symbol`` one of
    ``line`` (or ``line:WIDTH:OPACITY``), ``circle`` and ``triangle``."""
    items = []
    for label, color, symbol in entries:
        kind, *rest = symbol.split(":")
        width, opacity = [*rest, "2.5", "1"][:2] if kind == "line" else ("", "")
        mark = SYMBOLS[kind].format(c=escape(color), w=width, o=opacity)
        items.append(
            f"<span style='margin-right:12px;white-space:nowrap'>{mark} {escape(label)}</span>"
        )
    return (
        "<div class='nnw-text' style='font-size:12px;line-height:18px;display:flex;flex-wrap:wrap'>"
        + "".join(items)
        + "</div>"
    )


def legend(entries, indent: int = 58) -> HTML:
    """A legend drawn under a figure, outside its plot area, so that it covers no data
    (bqplot draws its legends inside the plot area). ``indent``: the figure's left margin,
    so that the legend starts under the plot."""
    widget = HTML(legend_html(entries), layout={"margin": f"0 0 0 {indent}px"})
    widget.add_class("nnw-legend")
    return widget
