"""One weight by keyboard: a layer, a row and a column, and a button. The weights view
follows it (``FollowPicker``: clicking a heatmap cell does the same with the mouse); the
network view edits it (clicking an edge's midpoint does the same)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ipywidgets import HTML, BoundedIntText, Button, Dropdown, HBox, Layout


class WeightPicker(HBox):
    """Pick weight ``[row, column]`` of one weight layer and act on it.

    ``shapes`` are the layers' (rows, columns), ``names`` their names; ``act(layer, row,
    column)`` is called on the button (``action``, with ``tooltip``) when the row and
    column are inside the chosen layer's shape, and the note then says ``done`` and the
    weight; otherwise the note says which rows and columns the layer has. ``axes`` name
    the two fields. The fields' own bounds are the largest layer's, the same for every
    layer: bounds that changed with the layer would arrive from the kernel after a row
    typed at once, and the page would clamp that row to the previous layer's. CSS class
    ``css``, its button ``css``-button.
    """

    def __init__(
        self,
        names: Sequence[str],
        shapes: Sequence[tuple[int, int]],
        act: Callable[[int, int, int], None],
        on_main: Callable[[Callable], Callable] = lambda f: f,
        *,
        action: str,
        tooltip: str,
        done: str,
        css: str,
        axes: tuple[str, str] = ("row", "column"),
    ) -> None:
        if len(names) != len(shapes) or not shapes:
            raise ValueError(
                f"names and shapes must be one per weight layer, got {len(names)} and {len(shapes)}"
            )
        self.shapes = [(int(r), int(c)) for r, c in shapes]
        label_px = [8 * len(axes[0]) + 6, 8 * len(axes[1]) + 2]  # "row" 30, "column" 50
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
            description=axes[0],
            style={"description_width": f"{label_px[0]}px"},
            layout=Layout(width=f"{label_px[0] + 70}px"),
        )
        self.column = BoundedIntText(
            value=0,
            min=0,
            max=max(c for _, c in self.shapes) - 1,
            description=axes[1],
            style={"description_width": f"{label_px[1]}px"},
            layout=Layout(width=f"{label_px[1] + 70}px"),
        )
        self.button = Button(description=action, tooltip=tooltip, layout=Layout(width="auto"))
        self.button.add_class(f"{css}-button")
        # says what the button did (a screen reader hears it: class nnw-live)
        self.note = HTML(value="", layout=Layout(margin="0 0 0 8px"))
        self.note.add_class("nnw-live")
        self.names = list(names)
        self._act, self._done = act, done
        self.button.on_click(on_main(lambda _: self.pick()))
        super().__init__(
            [self.layer, self.row, self.column, self.button, self.note],
            layout=Layout(flex_flow="row wrap", align_items="center"),
        )
        self.add_class(css)

    def pick(self) -> None:
        """Act on the weight the fields show (as the button does), or say why not."""
        layer, row, column = self.layer.value, self.row.value, self.column.value
        rows, columns = self.shapes[layer]
        if not (0 <= row < rows and 0 <= column < columns):
            self.note.value = (
                f"{self.names[layer]} has rows 0 to {rows - 1} and columns 0 to "
                f"{columns - 1}: [{row},{column}] is not in it"
            )
            return
        self._act(layer, row, column)
        self.note.value = f"{self._done} {self.names[layer]}[{row},{column}]"


class FollowPicker(WeightPicker):
    """The weights view's picker: ``follow(layer, row, column)`` on Follow. CSS class
    ``nnw-follow``."""

    def __init__(
        self,
        names: Sequence[str],
        shapes: Sequence[tuple[int, int]],
        follow: Callable[[int, int, int], None],
        on_main: Callable[[Callable], Callable] = lambda f: f,
    ) -> None:
        super().__init__(
            names,
            shapes,
            follow,
            on_main,
            action="Follow",
            tooltip="follow this weight over the steps",
            done="following",
            css="nnw-follow",
        )
