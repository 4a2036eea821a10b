"""The playground's architecture controls, as in TensorFlow Playground: add or remove a
hidden layer, and − n + above each hidden layer of the network diagram.

Limits: 0 to ``MAX_HIDDEN_LAYERS`` hidden layers, ``MIN_NEURONS`` to ``MAX_NEURONS``
neurons in a layer the buttons change (the network view draws up to 16 units a layer).
A click beyond a limit is refused with a message (a ``ValueError`` that the playground
shows in the dashboard's message line), never a traceback.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable, Sequence

from ipywidgets import HTML, Button, HBox, Layout, VBox

MIN_NEURONS = 1
MAX_NEURONS = 16
MAX_HIDDEN_LAYERS = 6
NEW_LAYER_WIDTH = 4  # the width of an added layer when there is no hidden layer to copy
SIDE_PX = 20  # the network figure's left and right margins: its layers' columns start there
NARROW_CELL_PX = 76  # "16 neurons" on one line needs about this much
TEXT = "text-align:center;font-size:12px;line-height:16px;white-space:nowrap"


def check_hidden(hidden: Sequence[int]) -> list[int]:
    """The hidden widths as a list of ints; refuses more than ``MAX_HIDDEN_LAYERS``
    layers or a width below ``MIN_NEURONS`` with a ``ValueError`` naming ``hidden``."""
    if isinstance(hidden, str | bytes) or not isinstance(hidden, Iterable):
        raise TypeError(f"hidden must be a list of widths, got {type(hidden).__name__}")
    hidden = list(hidden)
    if not all(_whole(h) for h in hidden):
        raise TypeError(f"hidden must list whole numbers of neurons, got {hidden}")
    widths = [int(h) for h in hidden]
    if any(h < MIN_NEURONS for h in widths) or len(widths) > MAX_HIDDEN_LAYERS:
        raise ValueError(
            f"hidden must list at most {MAX_HIDDEN_LAYERS} widths >= {MIN_NEURONS}, got {widths}"
        )
    return widths


def _whole(n) -> bool:
    if isinstance(n, bool):
        return False
    return isinstance(n, numbers.Integral) or (isinstance(n, float) and n.is_integer())


def _button(icon: str, css: str, tooltip: str) -> Button:
    b = Button(
        icon=icon,
        tooltip=tooltip,
        layout=Layout(width="26px", height="24px", padding="0", margin="1px"),
    )
    b.add_class(css)
    return b


def _text(n: int, word: str, narrow: bool = False) -> str:
    """``"8 neurons"``, centred in its cell, small (on two lines in a narrow cell)."""
    word = word if n == 1 else f"{word}s"
    gap = "<br>" if narrow else " "
    return f"<div class='nnw-arch-text nnw-caption' style='{TEXT}'>{n}{gap}{word}</div>"


class Architecture:
    """Hidden-layer widths with their controls: ``layers`` (add / remove a layer and how
    many there are, CSS ``nnw-layers``) and ``counts`` (one cell per layer of the
    network diagram, aligned with its columns; − n + on each hidden layer, CSS
    ``nnw-neurons``). ``on_change(widths)`` builds the new network (``hidden`` already
    holds the new widths then)."""

    def __init__(self, hidden: Sequence[int], on_change: Callable[[list[int]], None]) -> None:
        self.hidden = check_hidden(hidden)
        self._on_change = on_change
        self.add_layer_button = _button("plus", "nnw-add-layer", "add a hidden layer")
        self.remove_layer_button = _button("minus", "nnw-remove-layer", "remove the last layer")
        self.layers_label = HTML()
        self.layers_label.add_class("nnw-layer-count")
        self.layers = HBox(
            [self.add_layer_button, self.remove_layer_button, self.layers_label],
            layout=Layout(align_items="center"),
        )
        # one cell per possible layer, shown or hidden: no widgets are made per change
        self.plus = [
            _button("plus", "nnw-add-neuron", f"one neuron more in hidden layer {k + 1}")
            for k in range(MAX_HIDDEN_LAYERS)
        ]
        self.minus = [
            _button("minus", "nnw-remove-neuron", f"one neuron less in hidden layer {k + 1}")
            for k in range(MAX_HIDDEN_LAYERS)
        ]
        self.labels = [HTML(layout=Layout(margin="0")) for _ in range(MAX_HIDDEN_LAYERS + 2)]
        for label in self.labels:
            label.add_class("nnw-neuron-count")
        self.cells = [VBox([self.labels[0]])]
        for k in range(MAX_HIDDEN_LAYERS):
            self.cells.append(
                VBox(
                    [
                        HBox([self.minus[k], self.plus[k]], layout=Layout(margin="0")),
                        self.labels[k + 1],
                    ],
                    layout=Layout(align_items="center"),
                )
            )
        self.cells.append(VBox([self.labels[-1]]))
        margins = [HTML(layout=Layout(width=f"{SIDE_PX}px", margin="0")) for _ in "lr"]
        self.counts = HBox(
            [margins[0], *self.cells, margins[1]],
            layout=Layout(align_items="flex-end", margin="0"),
        )
        self.show(2, 1, 420)

    def wire(self, run: Callable[..., object]) -> None:
        """Connect the buttons: a click calls ``run(action, *args)``, which runs the
        action and shows what it refused (the dashboard's guard, on its main loop)."""
        for k in range(MAX_HIDDEN_LAYERS):
            self.plus[k].on_click(lambda _, k=k: run(self.add_neuron, k))
            self.minus[k].on_click(lambda _, k=k: run(self.remove_neuron, k))
        self.add_layer_button.on_click(lambda _: run(self.add_layer))
        self.remove_layer_button.on_click(lambda _: run(self.remove_layer))

    # --------------------------------------------------------------- changes
    def add_neuron(self, index: int) -> None:
        """One neuron more in hidden layer ``index`` (0 is the first)."""
        self._check_index(index)
        if self.hidden[index] >= MAX_NEURONS:
            raise ValueError(
                f"hidden layer {index + 1} already has {MAX_NEURONS} neurons, the most here"
            )
        self.set([*self.hidden[:index], self.hidden[index] + 1, *self.hidden[index + 1 :]])

    def remove_neuron(self, index: int) -> None:
        """One neuron less in hidden layer ``index`` (0 is the first)."""
        self._check_index(index)
        if self.hidden[index] <= MIN_NEURONS:
            raise ValueError(
                f"hidden layer {index + 1} has {MIN_NEURONS} neuron, the fewest a layer has; "
                "remove the layer instead"
            )
        self.set([*self.hidden[:index], self.hidden[index] - 1, *self.hidden[index + 1 :]])

    def add_layer(self) -> None:
        """A hidden layer more, after the last, as wide as the last."""
        if len(self.hidden) >= MAX_HIDDEN_LAYERS:
            raise ValueError(f"the network already has {MAX_HIDDEN_LAYERS} hidden layers, the most")
        self.set([*self.hidden, self.hidden[-1] if self.hidden else NEW_LAYER_WIDTH])

    def remove_layer(self) -> None:
        """The last hidden layer less."""
        if not self.hidden:
            raise ValueError("the network has no hidden layer left to remove")
        self.set(self.hidden[:-1])

    def _check_index(self, index: int) -> None:
        if not 0 <= index < len(self.hidden):
            raise ValueError(
                f"there is no hidden layer {index + 1}; the network has {len(self.hidden)}"
            )

    def set(self, widths: Sequence[int]) -> None:
        """New widths (checked as ``check_hidden``): ``on_change`` builds the network;
        the old widths come back if it fails."""
        widths = check_hidden(widths)
        old, self.hidden = self.hidden, widths
        try:
            self._on_change(widths)
        except BaseException:
            self.hidden = old
            raise

    # ---------------------------------------------------------------- layout
    def show(self, n_inputs: int, n_outputs: int, figure_px: float) -> None:
        """Label the layers of an ``n_inputs``-hidden-``n_outputs`` network and align one
        cell with each column of a network figure ``figure_px`` wide."""
        sizes = [n_inputs, *self.hidden, n_outputs]
        cell = max(40.0, (figure_px - 2 * SIDE_PX) / len(sizes))
        narrow = cell < NARROW_CELL_PX
        self.layers_label.value = _text(len(self.hidden), "hidden layer")
        self.labels[0].value = _text(n_inputs, "input", narrow)
        self.labels[-1].value = _text(n_outputs, "output", narrow)
        for k in range(MAX_HIDDEN_LAYERS):
            shown = k < len(self.hidden)
            self.cells[k + 1].layout.display = "flex" if shown else "none"
            if shown:
                self.labels[k + 1].value = _text(self.hidden[k], "neuron", narrow)
        for c in self.cells:
            c.layout.width = f"{cell:.2f}px"
            c.layout.align_items = "center"
            c.layout.flex = "0 0 auto"
            c.layout.margin = "0"  # the cells add up to the figure's width exactly
