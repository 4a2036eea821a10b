"""The weights view's "follow a weight" by keyboard: a layer, a row and a column, and a
Follow button (clicking a heatmap cell does the same with the mouse)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ipywidgets import HTML, BoundedIntText, Button, Dropdown, HBox, Layout


class FollowPicker(HBox):
    """Pick weight ``[row, column]`` of one weight layer and follow it.

    ``shapes`` are the layers' (rows, columns), ``names`` their names; ``follow(layer,
    row, column)`` is called on Follow when the row and column are inside the chosen
    layer's shape; otherwise the note says which rows and columns it has. The fields'
    own bounds are the largest layer's, the same for every layer: bounds that changed
    with the layer would arrive from the kernel after a row typed at once, and the page
    would clamp that row to the previous layer's. CSS class ``nnw-follow``.
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
            max=max(r for r, _ in self.shapes) - 1,
            description="row",
            style={"description_width": "30px"},
            layout=Layout(width="100px"),
        )
        self.column = BoundedIntText(
            value=0,
            min=0,
            max=max(c for _, c in self.shapes) - 1,
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
        self.button.on_click(on_main(lambda _: self.pick()))
        super().__init__(
            [self.layer, self.row, self.column, self.button, self.note],
            layout=Layout(flex_flow="row wrap", align_items="center"),
        )
        self.add_class("nnw-follow")

    def pick(self) -> None:
        """Follow the weight the fields show (as the Follow button), or say why not."""
        layer, row, column = self.layer.value, self.row.value, self.column.value
        rows, columns = self.shapes[layer]
        if not (0 <= row < rows and 0 <= column < columns):
            self.note.value = (
                f"{self.names[layer]} has rows 0 to {rows - 1} and columns 0 to "
                f"{columns - 1}: [{row},{column}] is not in it"
            )
            return
        self._follow(layer, row, column)
        self.note.value = f"following {self.names[layer]}[{row},{column}]"
