"""What every view shares: the context it is built from, and small helpers."""

from __future__ import annotations

import numpy as np
from bqplot import Axis, Figure, LinearScale, Lines
from ipywidgets import HTML, VBox
from traitlets import Any, Float, Int

from ..core.history import History
from ..core.snapshot import Snapshot
from ..core.view_context import ViewContext

PLAY_HZ = 5.0  # default View.play_hz: still live to the eye, a fraction of the page's work
STEP_FORMAT = "~s"  # step axes: 250, 1.5k, 100k; plain integers run together past 10^5
MIN_STEPS = 10.0  # a step (or epoch) axis spans at least this many steps, so its ticks are integers
FIG_MARGIN = {"top": 36, "bottom": 42, "left": 58, "right": 16}
PALETTE = [
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
]


class View:
    """Base class: owns ``widget`` (carrying ``nnw-view-NAME``) and updates it in place."""

    name = "view"
    title = "View"
    #: refreshes per second this view gets while the dashboard plays; None: every one.
    #: A slow-changing picture need not be redrawn at the loss curve's rate, and a
    #: browser that draws fewer views per refresh keeps up with more refreshes.
    play_hz: float | None = PLAY_HZ

    def __init__(self, context: ViewContext) -> None:
        self.context = context
        self.widget = self.build()
        self.widget.add_class(f"nnw-view-{self.name}")
        self.widget.add_class("nnw-view")

    def build(self):
        """Create the widget, its marks and scales (once)."""
        raise NotImplementedError

    def update(self, snapshot: Snapshot, history: History) -> None:
        """Show ``snapshot`` and ``history``: assign new arrays to existing marks."""
        raise NotImplementedError


def not_available(title: str, text: str) -> VBox:
    """The widget of a view that cannot draw this trainer's network: its title, and why."""
    note = HTML(
        "<div style='max-width:420px;padding:8px 12px;border:1px dashed #bbb;color:#444'>"
        f"<b>{title}: not available</b><br><span style='font-size:13px'>{text}</span></div>"
    )
    note.add_class("nnw-view-unavailable")
    return VBox([note])


def figure(
    title: str,
    marks,
    axes,
    width: str = "420px",
    height: str = "290px",
    margin: dict | None = None,
    **kw,
) -> Figure:
    """A Figure with the dashboard's margins and size."""
    return Figure(
        marks=marks,
        axes=axes,
        title=title,
        fig_margin={**FIG_MARGIN, **(margin or {})},
        layout={"width": width, "height": height},
        title_style={"font-size": "14px"},
        animation_duration=0,
        **kw,
    )


def axis(scale, label: str = "", orientation: str = "horizontal", **kw) -> Axis:
    """An axis with a readable label."""
    kw.setdefault("label_offset", "34px" if orientation == "horizontal" else "44px")
    side = "bottom" if orientation == "horizontal" else "left"
    return Axis(scale=scale, label=label, side=side, **kw)


def plot_array(values) -> np.ndarray:
    """Values to draw, as float32: half the bytes of float64 on the wire, and far more
    precision than a screen shows."""
    return np.asarray(values, dtype=np.float32)


NICE_STEPS = (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten that is
    at least ``value`` (1.0 for zero, negative or non-finite values).

    An axis end that grows by these steps changes a few times per decade of growth,
    not at every refresh: the browser then redraws the marks whose data changed,
    not every mark and axis on the scale.
    """
    if not np.isfinite(value) or value <= 0:
        return 1.0
    power = 10.0 ** np.floor(np.log10(value))
    for step in NICE_STEPS:
        if step * power >= value * (1 - 1e-12):
            return float(step * power)
    return float(10 * power)


def log_bounds(lo: float, hi: float) -> tuple[float, float]:
    """Whole decades covering [lo, hi] (lo > 0), for a log axis that rarely moves."""
    lo = max(lo, 1e-300)
    a, b = np.floor(np.log10(lo)), np.ceil(np.log10(max(hi, lo)))
    return float(10.0**a), float(10.0 ** max(b, a + 1))


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


def set_changed(widget, **values) -> None:
    """Assign only the traits whose value differs (each assignment is a message, and a
    scale's new bounds redraw every mark and axis on it)."""
    for name, value in values.items():
        if getattr(widget, name) != value:
            setattr(widget, name, value)


def set_ticks(axis_: Axis, ticks: list[float]) -> None:
    """Give an axis these tick values unless it has them already (each change redraws it)."""
    if axis_.tick_values is None or list(axis_.tick_values) != ticks:
        axis_.tick_values = ticks


def decade_ticks(lo: float, hi: float) -> list[float]:
    """Powers of ten covering [lo, hi] (at most about eight of them)."""
    lo = max(lo, 1e-300)
    a, b = int(np.floor(np.log10(lo))), int(np.ceil(np.log10(max(hi, lo * 10))))
    step = max(1, (b - a) // 7)
    return [10.0**e for e in range(a, b + 1, step)]


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
    bins.count_axis = axis(hy, "count", orientation="vertical", tick_format="d", num_ticks=4)
    fig = figure(title, [bins], [x_axis, bins.count_axis], width=width, height=height)
    return fig, bins, x_axis


def _whole_step(span: float, most: int, fits) -> float:
    """The first of 1, 2, 5 and 10 times a power of ten (and at least 1) near
    ``span / most`` for which ``fits(step)``; the last one otherwise."""
    power = 10.0 ** np.floor(np.log10(max(1.0, span) / most))
    for step in (1, 2, 5, 10):
        size = max(1.0, step * power)
        if fits(size):
            break
    return size


def whole_ticks(lo: float, hi: float, most: int = 4) -> list[float]:
    """Whole-number ticks inside ``[lo, hi]`` at steps of 1, 2 or 5 times a power of ten,
    at most ``most`` steps apart in all (a step axis: d3's own ticks or ``num_ticks``
    land between steps)."""
    size = _whole_step(hi - lo, most, lambda s: np.floor(hi / s) - np.ceil(lo / s) <= most)
    first = np.ceil(lo / size) * size
    return [float(first + i * size) for i in range(int((hi - first) // size) + 1)]


def count_ticks(largest: float) -> list[float]:
    """Whole-number ticks from 0 for a count axis: steps of 1, 2 or 5 times a power of
    ten, at most four steps, the last tick at or above ``largest``."""
    largest = max(1.0, float(largest))
    size = _whole_step(largest, 4, lambda s: np.ceil(largest / s) <= 4)
    return [float(i * size) for i in range(int(np.ceil(largest / size)) + 1)]


def fit_count_axis(hist: StepHistogram) -> None:
    """Fit a histogram's count axis to its counts with whole-number ticks (a count axis
    with d3's own ticks shows '0 1 1 2' for small counts)."""
    counts = np.asarray(hist.counts, dtype=float)
    needed = count_ticks(float(counts.max()) if counts.size else 1.0)[-1]
    ticks = count_ticks(hist.count_limit(needed))
    set_changed(hist.scales["y"], max=ticks[-1])
    axis_ = getattr(hist, "count_axis", None)
    if axis_ is not None:
        set_ticks(axis_, ticks)


def figures(widget):
    """Every bqplot Figure in a widget tree."""
    if isinstance(widget, Figure):
        yield widget
    for child in getattr(widget, "children", ()):
        yield from figures(child)


def histogram_bins(n: int) -> int:
    """Bins for ``n`` values: about two per square root, from 8 to 30 (a few values in
    30 bins are scattered slivers)."""
    return int(np.clip(round(2 * np.sqrt(max(n, 1))), 8, 30))


def tick_format_for(limit: float) -> str:
    """A d3 format that keeps tick labels short at the scale of ``limit``."""
    return ".2g" if 1e-2 <= limit < 1e4 else ".1e"


def update_symmetric_histogram(hist, x_axis, values: np.ndarray) -> None:
    """Show ``values`` in a histogram mark over a tidy range symmetric about zero.

    The range grows in steps (``nice_ceiling``) and shrinks once the values fit in half
    of it; the count axis shrinks only after a while well below its end (``SteadyLimit``):
    fewer refreshes redraw the axes as well as the bars.
    """
    values = np.nan_to_num(values.ravel())
    lim = hist.x_limit(nice_ceiling(float(np.abs(values).max()) if values.size else 1.0))
    ticks = [-lim, 0.0, lim]  # three: readable in a small figure at any magnitude
    with x_axis.hold_sync():
        set_ticks(x_axis, ticks)
        set_changed(x_axis, tick_format=tick_format_for(lim))
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
