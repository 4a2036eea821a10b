"""The weights view's "follow a weight" by keyboard: a layer, a row and a column, and a
Follow button (clicking a heatmap cell does the same with the mouse)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ipywidgets import HTML, BoundedIntText, Button, Dropdown, HBox, Layout


class FollowPicker(HBox):
    """Pick weight ``[row, column]`` of one weight layer and follow it.

    ``shapes`` are the layers' (rows, columns), ``names`` their names; ``follow(layer,
    row, column)`` is called on Follow. The row and column are bounded by the chosen
    layer's shape. CSS class ``nnw-follow``.
    """

    def __init__(
        self,
        names: Sequence[str],
        shapes: Sequence[tuple[int, int]],
        follow: Callable[[int, int, int], None],
        on_main: Callable[[Callable], Callable] = lambda f: f,
    ) -> None:
        if len(names) != len(shapes) or not shapes:
            raise ValueError(
                f"names and shapes must be one per weight layer, got {len(names)} and {len(shapes)}"
            )
        self.shapes = [(int(r), int(c)) for r, c in shapes]
        self.layer = Dropdown(
            options=[(name, i) for i, name in enumerate(names)],
            value=0,
            description="layer",
            style={"description_width": "38px"},
            layout=Layout(width="130px"),
        )
        self.row = BoundedIntText(
            value=0,
            min=0,
            max=self.shapes[0][0] - 1,
            description="row",
            style={"description_width": "30px"},
            layout=Layout(width="100px"),
        )
        self.column = BoundedIntText(
            value=0,
            min=0,
            max=self.shapes[0][1] - 1,
            description="column",
            style={"description_width": "50px"},
            layout=Layout(width="120px"),
        )
        self.button = Button(
            description="Follow",
            tooltip="follow this weight over the steps",
            layout=Layout(width="auto"),
        )
        self.button.add_class("nnw-follow-button")
        # says what a Follow did (a screen reader hears it: class nnw-live)
        self.note = HTML(value="", layout=Layout(margin="0 0 0 8px"))
        self.note.add_class("nnw-live")
        self.names = list(names)
        self._follow = follow
        self.layer.observe(on_main(self._on_layer), names="value")
        self.button.on_click(on_main(lambda _: self.pick()))
        super().__init__(
            [self.layer, self.row, self.column, self.button, self.note],
            layout=Layout(flex_flow="row wrap", align_items="center"),
        )
        self.add_class("nnw-follow")

    def _on_layer(self, change) -> None:
        rows, columns = self.shapes[change["new"]]
        self.row.max, self.column.max = rows - 1, columns - 1

    def pick(self) -> None:
        """Follow the weight the fields show (as the Follow button)."""
        layer, row, column = self.layer.value, self.row.value, self.column.value
        self._follow(layer, row, column)
        self.note.value = f"following {self.names[layer]}[{row},{column}]"
