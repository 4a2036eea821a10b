"""The network view's "show a neuron" by keyboard: the neurons in a list (and the
prediction first); choosing one does what a click on its node does."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ipywidgets import Dropdown, HBox, Layout

Neuron = tuple[int, int]  # (layer, unit): layer 1 is the first hidden layer


def neuron_label(neuron: Neuron, n_layers: int) -> str:
    """How the list names ``neuron`` in a network of ``n_layers`` weight layers."""
    layer, unit = neuron
    where = "output" if layer == n_layers else f"hidden layer {layer}"
    return f"{where}, neuron {unit}"


class NeuronPicker(HBox):
    """Pick the neuron whose output the boundary view shows, or the prediction.

    ``neurons`` are the (layer, unit) pairs drawn; the inputs (layer 0) are left out
    of the list. ``pick(neuron)`` (None for the prediction) is called when the list's
    choice changes in the page.
    ``show`` follows a click on a node without calling ``pick`` again. CSS class
    ``nnw-neuron-pick``.
    """

    def __init__(
        self,
        neurons: Sequence[Neuron],
        n_layers: int,
        pick: Callable[[Neuron | None], None],
        on_main: Callable[[Callable], Callable] = lambda f: f,
    ) -> None:
        #: what each entry of the list shows: None (the prediction) first, then neurons.
        #: The list's values are indices into it: ipywidgets reads a value None as "no
        #: choice" and leaves the list blank.
        self.neurons: list[Neuron | None] = [None, *(n for n in neurons if n[0] > 0)]
        labels = ["prediction", *(neuron_label(n, n_layers) for n in self.neurons[1:])]
        self.choice = Dropdown(
            options=[(label, i) for i, label in enumerate(labels)],
            value=0,
            description="show",
            style={"description_width": "40px"},
            layout=Layout(width="260px"),
        )
        self._pick = pick
        self._quiet = False
        self.choice.observe(on_main(self._on_choice), names="value")
        super().__init__([self.choice])
        self.add_class("nnw-neuron-pick")

    def show(self, neuron: Neuron | None) -> None:
        """Show ``neuron`` as chosen (a click picked it) without picking it again."""
        self._quiet = True
        try:
            self.choice.value = self.neurons.index(neuron) if neuron in self.neurons else 0
        finally:
            self._quiet = False

    def _on_choice(self, change) -> None:
        if not self._quiet:
            self._pick(self.neurons[change["new"]])
