"""The view protocol: the base class every view derives from, and what builds a figure."""

from __future__ import annotations

import numpy as np
from bqplot import Axis, Figure
from ipywidgets import HTML, VBox

from ..core.history import History
from ..core.snapshot import Snapshot
from ..core.view_context import ViewContext

PLAY_HZ = 5.0  # default View.play_hz: still live to the eye, a fraction of the page's work
#: default View.paced_hz: at a lesson pace the slow views change slowly too (once a
#: second: each refresh of the weights or gradients costs the kernel ten of the loss's)
PACED_HZ = 1.0
STEP_FORMAT = "~s"  # step axes: 250, 1.5k, 100k; plain integers run together past 10^5
MIN_STEPS = 10.0  # a step (or epoch) axis spans at least this many steps, so its ticks are integers
FIG_MARGIN = {"top": 36, "bottom": 42, "left": 58, "right": 16}
#: matplotlib's tab10, its orange darkened (#ff7f0e to #d96a0b): tab10's is 2.5:1 on a
#: white plot, under the 3:1 a line or mark needs to be told from the background (WCAG
#: 1.4.11); this one is 3.5:1 on white and 5.4:1 on JupyterLab Dark's plots
PALETTE = [
    "#1f77b4",
    "#d96a0b",
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
    #: the same while play is paced (a speed is set), where a refresh is a larger share
    #: of a student's kernel: the view a lesson watches may ask for more than the rest
    paced_hz: float | None = PACED_HZ

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

    def update_playing(self, snapshot: Snapshot, history: History) -> None:
        """One refresh while the dashboard plays (``update`` by default). A view may leave
        out here a part that changes too fast to follow; the refresh that ends play is a
        plain ``update``, so nothing stays behind."""
        self.update(snapshot, history)

    def describe(self, snapshot: Snapshot, history: History) -> list[str]:
        """A short text alternative for each of the view's figures, in page order (a
        screen reader's "image" description); by default each figure's title."""
        return [fig.title or self.title for fig in figures(self.widget)]


def not_available(title: str, text: str) -> VBox:
    """The widget of a view that cannot draw this trainer's network: its title, and why."""
    note = HTML(
        "<div class='nnw-placeholder' style='max-width:420px;padding:8px 12px'>"
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


def set_changed(widget, **values) -> None:
    """Assign only the traits whose value differs (each assignment is a message, and a
    scale's new bounds redraw every mark and axis on it)."""
    for name, value in values.items():
        if getattr(widget, name) != value:
            setattr(widget, name, value)


def figures(widget):
    """Every bqplot Figure in a widget tree."""
    if isinstance(widget, Figure):
        yield widget
    for child in getattr(widget, "children", ()):
        yield from figures(child)
