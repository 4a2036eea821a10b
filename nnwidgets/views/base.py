"""What every view shares: the context it is built from, and small helpers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from bqplot import Axis, Figure

from ..core.datasets import Dataset
from ..core.history import History
from ..core.snapshot import Snapshot

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


@dataclass(frozen=True)
class ViewContext:
    """What a view may know besides a Snapshot: the data and the network's shape.

    Views never hold the trainer; a Dashboard builds this once from it.
    """

    ds: Dataset
    layer_sizes: tuple[int, ...]
    activations: tuple[str, ...]
    loss: str
    task: str

    @classmethod
    def from_trainer(cls, trainer) -> ViewContext:
        """The context of a trainer that speaks the trainer protocol."""
        model = trainer.model
        return cls(
            ds=trainer.ds,
            layer_sizes=tuple(model.sizes),
            activations=tuple(model.activation_names),
            loss=trainer.loss.name,
            task=trainer.ds.task,
        )

    @property
    def n_layers(self) -> int:
        """Number of weight layers."""
        return len(self.layer_sizes) - 1


class View:
    """Base class: owns ``widget`` (carrying ``nnw-view-NAME``) and updates it in place."""

    name = "view"
    title = "View"

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
    kw.setdefault("label_offset", "34px" if orientation == "horizontal" else "-44px")
    return Axis(scale=scale, label=label, orientation=orientation, **kw)


def finite_or(value: float, default: float) -> float:
    """``value`` if it is finite, else ``default``."""
    return value if np.isfinite(value) else default
