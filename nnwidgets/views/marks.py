"""Marks shared by several views: a step histogram, an axis end that holds steady, and
several series of unequal length in one Lines mark."""

from __future__ import annotations

from html import escape

import numpy as np
from bqplot import LinearScale, Lines
from ipywidgets import HTML
from traitlets import Any, Float, Int

from .axis_ticks import SYMMETRIC_STEPS, Ticks, apply_ticks, labelled, symmetric_ticks
from .protocol import axis, figure, plot_array, set_changed
from .ticks import count_ticks, nice_ceiling

SHRINK_BELOW = 0.5  # an axis end may shrink once what it must show is under this share of it
SHRINK_AFTER = 5  # ... for this many updates in a row (a second at View.play_hz)
#: a histogram's range shrinks sooner: the shape of this step's values is the point (a
#: range held at a recent peak ten times larger shows one bar); after two updates, not
#: one, because a minibatch's gradients are often ten times smaller than the last's,
#: and every new range is two more messages for the kernel (40% fewer in the demo)
RANGE_SHRINK_AFTER = 2


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
        # The range follows the values down soon (RANGE_SHRINK_AFTER); the tallest bin
        # only wobbles: its axis holds its peak longer.
        self.x_limit = SteadyLimit(shrink_after=RANGE_SHRINK_AFTER)  # symmetric about 0
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


def histogram(
    title: str, x_label: str, color: str, width: str, height: str, symmetric: bool = False
):
    """A histogram in its own figure: ``(figure, StepHistogram mark, x axis)``.

    ``symmetric``: drawn by ``update_symmetric_histogram``, whose labels keep a quarter
    of the axis in from its ends; otherwise the last tick may sit on the plot's edge.
    """
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
    # a label on the plot's right edge needs a wider right margin: half of a label such
    # as '2.5e-5' is wider than the usual 16 px
    margin = None if symmetric else {"right": 26}
    fig = figure(
        title, [bins], [x_axis, bins.count_axis], width=width, height=height, margin=margin
    )
    return fig, bins, x_axis


def fit_count_axis(hist: StepHistogram, zero_label: bool = False) -> None:
    """Fit a histogram's count axis to its counts with whole-number ticks (a count axis
    with d3's own ticks shows '0 1 1 2' for small counts).

    ``zero_label``: label the count of zero, for an x axis whose labels keep clear of
    the corner (``symmetric_ticks``); otherwise the x axis's first label may sit there.
    """
    counts = np.asarray(hist.counts, dtype=float)
    needed = count_ticks(float(counts.max()) if counts.size else 1.0)[-1]
    ticks = count_ticks(hist.count_limit(needed))
    set_changed(hist.scales["y"], max=ticks[-1])
    axis_ = getattr(hist, "count_axis", None)
    if axis_ is not None:
        labels = labelled(ticks)
        if not zero_label:
            labels = Ticks(labels.values, ("", *labels.labels[1:]))
        apply_ticks(axis_, labels)


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
    largest = float(np.abs(values).max()) if values.size else 1.0
    lim = hist.x_limit(nice_ceiling(largest, SYMMETRIC_STEPS))
    # three short labels (-1.5k 0 1.5k, -1e12 0 1e12) a quarter in from the ends: none
    # reaches the figure's edge or the count axis's zero at the corner
    apply_ticks(x_axis, symmetric_ticks(lim))
    hist.set_data(values, bins=histogram_bins(values.size), min=-lim, max=lim)
    fit_count_axis(hist, zero_label=True)


def finite_points(x, y) -> tuple[np.ndarray, np.ndarray]:
    """The points of one series whose x and y are both finite, as float arrays.

    bqplot draws a NaN or None coordinate as ``translate(NaN,NaN)`` or ``d="null"``,
    which the browser reports as an error at every redraw.
    """
    x, y = np.asarray(x, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
    if x.shape != y.shape:
        raise ValueError(f"x and y: {x.size} and {y.size} values, expected as many of each")
    keep = np.isfinite(x) & np.isfinite(y)
    return (x, y) if keep.all() else (x[keep], y[keep])


def stacked_lines(xs: list[np.ndarray], ys: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Several series of unequal length as 2-D arrays for one Lines mark, each shorter
    one padded with copies of its last point (drawn where that point is, never NaN).

    Every series needs a point (``draw_lines`` leaves empty ones out); no series gives
    empty arrays. At least two columns, because bqplot squeezes arrays: a (k, 1) array
    would otherwise be read as a single line.
    """
    if not xs:
        return np.zeros(0), np.zeros(0)
    if any(len(x) == 0 for x in xs):
        raise ValueError("xs: every series needs at least one point")
    width = max([2, *(len(x) for x in xs)])
    X = np.empty((len(xs), width))
    Y = np.empty((len(xs), width))
    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
        X[i, : len(x)], X[i, len(x) :] = x, x[-1]
        Y[i, : len(y)], Y[i, len(y) :] = y, y[-1]
    return X, Y


def draw_line(mark: Lines, x, y) -> None:
    """Draw one series on a Lines mark: its finite points, as float32 (no points: empty
    arrays, which bqplot draws as nothing)."""
    x, y = finite_points(x, y)
    with mark.hold_sync():
        mark.x, mark.y = plot_array(x), plot_array(y)


def draw_lines(mark: Lines, xs, ys, **per_series) -> list[int]:
    """Draw several series on one Lines mark (``stacked_lines``), each with its finite
    points only; a series left with none is left out, and with it its entry of each
    list in ``per_series`` (``colors=``, ``labels=``, ``opacities=``: one per series),
    so that the others keep their colours. Returns the indices of the series drawn.
    """
    points = [finite_points(x, y) for x, y in zip(xs, ys, strict=True)]
    kept = [i for i, (x, _) in enumerate(points) if len(x)]
    X, Y = stacked_lines([points[i][0] for i in kept], [points[i][1] for i in kept])
    with mark.hold_sync():
        for name, values in per_series.items() if kept else ():  # nothing drawn: kept as is
            set_changed(mark, **{name: [values[i] for i in kept]})
        mark.x, mark.y = plot_array(X), plot_array(Y)
    return kept


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
