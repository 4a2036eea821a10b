"""The weights view's maps: one weight matrix drawn as cells coloured from red (negative)
through white (0) to blue (positive).

A small matrix is SVG cells (``GridMap``), a big one a picture made in the kernel
(``PictureMap``); ``weight_map`` picks. Both have the same parts, so the view never asks
which it holds: ``mark`` for the figure, ``axes``, ``show`` a matrix, ``frame`` the
followed cells and ``on_click`` to hear which cell was clicked.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from bqplot import Axis, ColorScale, GridHeatMap, LinearScale

from .axis_ticks import js_number
from .cell_image import CellImage
from .field_image import RDBU, ColorRamp
from .protocol import FIG_MARGIN, axis
from .theme import BACKGROUND

#: a weight matrix with more cells than this is drawn as one picture made in the kernel:
#: a picture costs the page about as much per draw as the 8x8 map's 64 SVG cells, and
#: less from about 144 cells on (bench/weight_maps.py, in bench/RESULTS-browser.md)
PICTURE_CELLS = 100
MAX_SIDE_LABELS = 8

Cell = tuple[int, int]


def side_ticks(n: int) -> list[int]:
    """The cells labelled on a map's side of ``n`` cells: every k-th from 0, at most 8."""
    return list(range(0, n, max(1, int(np.ceil(n / MAX_SIDE_LABELS)))))


def cell_ticks(n: int) -> dict:
    """Axis ticks of a map's side of ``n`` cells on a linear scale from 0 to ``n``, each
    labelled with its index at the cell's centre (``i + 0.5``); an ordinal scale would
    label every cell whatever ``tick_values`` says, and 40 labels overlap."""
    cells = side_ticks(n)
    values = [i + 0.5 for i in cells]
    return {
        "tick_values": values,
        "tick_labels": {js_number(v): str(i) for i, v in zip(cells, values, strict=True)},
    }


def padded(W: np.ndarray) -> np.ndarray:
    """``W`` with a blank (zero, drawn white) row or column where a side has length 1.

    bqplot squeezes arrays, which would turn an (n, 1) matrix into a vector.
    """
    if W.shape[0] == 1:
        W = np.vstack([W, np.zeros((1, W.shape[1]))])
    if W.shape[1] == 1:
        W = np.hstack([W, np.zeros((W.shape[0], 1))])
    return W


def cell_bounds(n: int) -> np.ndarray:
    """The boundaries of a side of ``n`` cells on a scale from 0 to ``n`` (cell ``i`` from
    ``i`` to ``i + 1``). A side of one cell has a blank second one (``padded``) with
    boundaries 1 and 1: no width, so the side shows its single cell."""
    return np.array([0.0, 1.0, 1.0]) if n == 1 else np.arange(n + 1.0)


def diverging_ramp(limit: float) -> ColorRamp:
    """RdBu from ``-limit`` to ``+limit``, as a ``GridHeatMap``'s colour scale draws it."""
    return ColorRamp(np.linspace(-limit, limit, len(RDBU)), RDBU)


class CellMap:
    """What both kinds of map share: a ``shape`` matrix over ``x_scale`` (columns, 0 to
    the column count) and ``y_scale`` (rows, row 0 at the bottom)."""

    shape: tuple[int, int]
    x_scale: LinearScale
    y_scale: LinearScale

    def inside(self, row: int, col: int) -> bool:
        """Whether ``(row, col)`` is a cell of the matrix."""
        return 0 <= row < self.shape[0] and 0 <= col < self.shape[1]

    def axes(self, columns: str, rows: str) -> list[Axis]:
        """The column axis labelled ``columns`` and the row axis labelled ``rows``."""
        n_rows, n_cols = self.shape
        return [
            axis(self.x_scale, columns, **cell_ticks(n_cols)),
            axis(self.y_scale, rows, orientation="vertical", **cell_ticks(n_rows)),
        ]

    def show(self, W: np.ndarray, limit: float) -> None:
        """Draw ``W`` coloured from ``-limit`` to ``+limit``."""
        raise NotImplementedError

    def frame(self, cells: list[Cell]) -> None:
        """Frame ``cells``, and only those."""
        raise NotImplementedError

    def on_click(self, callback: Callable[[int, int], None]) -> None:
        """Call ``callback(row, col)`` when a cell of the matrix is clicked."""
        raise NotImplementedError


class GridMap(CellMap):
    """A small matrix as a bqplot ``GridHeatMap``: one SVG rectangle per weight, with
    gaps between them, recoloured in the page at each draw."""

    def __init__(self, shape: tuple[int, int]) -> None:
        self.shape = shape
        n_rows, n_cols = shape
        self.color_scale = ColorScale(scheme="RdBu", mid=0.0, min=-1.0, max=1.0)
        self.x_scale = LinearScale(min=0.0, max=float(n_cols), allow_padding=False)
        self.y_scale = LinearScale(min=0.0, max=float(n_rows), allow_padding=False)
        self.mark = GridHeatMap(
            color=padded(np.zeros(shape)),
            scales={"row": self.y_scale, "column": self.x_scale, "color": self.color_scale},
            row=cell_bounds(n_rows),
            column=cell_bounds(n_cols),
            # the kernel sets ``selected`` to frame the followed cells: bqplot's own
            # click selection reaches the kernel as lists it cannot send back
            # (ValueError before any observer runs, bqplot issue #1632)
            selected_style={"stroke": "black", "stroke-width": "3"},
            stroke=BACKGROUND,  # gaps between cells
            null_color=BACKGROUND,
        )

    def show(self, W: np.ndarray, limit: float) -> None:
        """Draw ``W`` coloured from ``-limit`` to ``+limit``."""
        with self.color_scale.hold_sync():
            self.color_scale.min, self.color_scale.max = -limit, limit
        self.mark.color = padded(W)

    def frame(self, cells: list[Cell]) -> None:
        """Frame ``cells`` (``selected_style``), and only those."""
        selected = np.array(cells, dtype=np.int32) if cells else None
        if not np.array_equal(self.mark.selected, selected):
            self.mark.selected = selected

    def on_click(self, callback: Callable[[int, int], None]) -> None:
        """Call ``callback(row, col)`` when a cell is clicked (bqplot's ``element_click``
        sends the cell's row and column numbers), not for the blank padding."""

        def clicked(_mark, content: dict) -> None:
            data = content.get("data") or {}
            row, col = data.get("rowNum"), data.get("columnNum")
            if isinstance(row, int) and isinstance(col, int) and self.inside(row, col):
                callback(row, col)

        self.mark.on_element_click(clicked)


class PictureMap(CellMap):
    """A big matrix as one kernel-made picture (``CellImage``) at the plot area's pixel
    size: the cells of a ``GridMap`` (with gaps between them up to
    ``cell_image.MAX_GAPPED_CELLS``), at a cost per draw that hardly grows with the
    matrix's size."""

    def __init__(self, shape: tuple[int, int], plot_px: tuple[int, int]) -> None:
        self.shape = shape
        self.image = CellImage(shape, plot_px)
        self.mark = self.image.mark
        self.x_scale, self.y_scale = self.image.x_scale, self.image.y_scale

    def show(self, W: np.ndarray, limit: float) -> None:
        """Draw ``W`` coloured from ``-limit`` to ``+limit``, keeping the frames."""
        self.image.show(W, diverging_ramp(limit), self.image.marked)

    def frame(self, cells: list[Cell]) -> None:
        """Frame ``cells`` (drawn into the picture), and only those."""
        self.image.frame(cells)

    def on_click(self, callback: Callable[[int, int], None]) -> None:
        """Call ``callback(row, col)`` when the picture is clicked on a cell (bqplot's
        ``Image`` sends the click's data coordinates)."""

        def clicked(_mark, content: dict) -> None:
            data = content.get("data") or {}
            cell = self.image.cell_at(data.get("click_x"), data.get("click_y"))
            if cell is not None:
                callback(*cell)

        self.mark.on_element_click(clicked)


def weight_map(shape: tuple[int, int], figure_px: tuple[int, int]) -> GridMap | PictureMap:
    """The map of a ``shape`` matrix in a figure of ``figure_px`` (width, height): SVG
    cells up to ``PICTURE_CELLS`` cells, a picture of the plot area above."""
    if shape[0] * shape[1] <= PICTURE_CELLS:
        return GridMap(shape)
    width, height = figure_px
    plot_px = (
        width - FIG_MARGIN["left"] - FIG_MARGIN["right"],
        height - FIG_MARGIN["top"] - FIG_MARGIN["bottom"],
    )
    return PictureMap(shape, plot_px)
