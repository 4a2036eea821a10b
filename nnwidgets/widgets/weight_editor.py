"""The weight editor: click an edge of the network view, set that weight by hand."""

from __future__ import annotations

from collections.abc import Callable

from ipywidgets import HTML, Button, FloatText, HBox, Layout

from ..core.protocols import WeightEditable
from .host import DashboardHost


class WeightEditor(HBox):
    """Set one weight by hand: shown when an edge of the network view is clicked."""

    def __init__(self, apply: Callable[[int, int, int, float], None]) -> None:
        self.label = HTML()
        self.value = FloatText(value=0.0, step=0.1, layout=Layout(width="120px"))
        self.value.add_class("nnw-weight-value")
        self.button = Button(description="Set weight", icon="pencil", layout=Layout(width="auto"))
        self.button.add_class("nnw-set-weight")
        self._target: tuple[int, int, int] | None = None
        self.button.on_click(lambda _: self._target and apply(*self._target, self.value.value))
        super().__init__(
            [self.label, self.value, self.button],
            layout=Layout(display="none", align_items="center"),
        )
        self.add_class("nnw-weight-editor")

    def show(self, layer: int, i: int, j: int, value: float, editable: bool = True) -> None:
        """Edit ``W{layer}[i, j]``, now ``value``."""
        self._target = (layer, i, j)
        self.label.value = f"W{layer}[{i},{j}] from unit {i} to unit {j}:&nbsp;"
        self.value.value = value
        self.button.disabled = not editable
        self.layout.display = "flex"


def weight_editor_for(dash: DashboardHost, network) -> WeightEditor:
    """A WeightEditor wired to the Dashboard's network view (and a click on a neuron,
    or its name in the network view's list, to the boundary view, when there is one);
    a ``WeightEditable`` trainer takes the new value."""
    m = dash.on_main
    boundary = dash.views.get("boundary")
    if boundary is not None:
        network.on_select_neuron = m(boundary.show_neuron)

    def apply(layer: int, i: int, j: int, value: float) -> None:
        dash.trainer.set_param(f"W{layer}", (i, j), value)
        dash.controls.say(f"W{layer}[{i},{j}] set to {value:.4g}; step on from here.")
        dash.refresh()

    editor = WeightEditor(m(lambda *args: dash.controls.guard(apply, *args)))

    def select(layer: int, i: int, j: int) -> None:
        value = float(dash.trainer.snapshot().params[f"W{layer}"][i, j])
        editor.show(layer, i, j, value, editable=isinstance(dash.trainer, WeightEditable))

    network.on_select_edge = m(select)
    network.show_pickers(neurons=boundary is not None and boundary.mode == "plane")
    return editor
