"""A matrix drawn as a grid of cells in one kernel-made PNG, sized to its plot's pixels.

The weights view draws a small matrix as a bqplot ``GridHeatMap``: one SVG rectangle per
weight, recoloured in the page at each draw, which is cheap for the demo's 88 cells. A
bigger one is a picture instead (``weight_maps.PICTURE_CELLS``): the page's cost of SVG
cells grows with their number (a 64-64-10 network's 4,736 weights cost it about 300 ms
a draw), a picture's hardly at all (``bench/RESULTS-browser.md``). The kernel paints the
cells into exactly as many pixels as the plot area, which the browser shows 1:1
(``pixelated``: crisp cell edges when a screen scales it), with a frame round each
marked cell. Up to 400 cells of 4 pixels or more have a transparent gap between them,
as SVG cells do; bigger matrices are one texture, and an RGB picture. A click on the
picture comes back as the data coordinates bqplot's ``Image`` sends; ``cell_at`` turns
them into a cell.
"""

from __future__ import annotations

import numpy as np
from bqplot import LinearScale

from .field_image import ColorRamp, PictureMark, png_bytes

FRAME_RGB = (0, 0, 0)  # the frame round a marked cell
GAP_MIN_PX = 4  # cells narrower than this get no gap (the gap would eat them)
MAX_GAPPED_CELLS = 400  # bigger matrices are drawn without gaps, as one texture


def cell_edges(n: int, pixels: int) -> np.ndarray:
    """The pixel boundaries of ``n`` cells over ``pixels`` pixels (``n + 1`` integers
    from 0 to ``pixels``): the cells differ in size by one pixel at most."""
    return np.rint(np.linspace(0, pixels, n + 1)).astype(int)


def cell_of_pixel(edges: np.ndarray, gap: bool = False) -> np.ndarray:
    """For each pixel along one side, the index of its cell, or -1 in a gap (the last
    pixel of every cell but the last, when ``gap``)."""
    index = np.searchsorted(edges, np.arange(int(edges[-1])), side="right") - 1
    if gap:
        index[edges[1:-1] - 1] = -1
    return index


class CellImage:
    """A ``(rows, cols)`` matrix shown as cells: row 0 at the bottom (as a
    ``GridHeatMap`` draws it), column 0 at the left.

    ``x_scale`` runs from 0 to ``cols`` and ``y_scale`` from 0 to ``rows``, so that cell
    ``(r, c)`` covers ``[c, c + 1] x [r, r + 1]``. ``size_px`` is the
    plot area's ``(width, height)``: the picture has exactly that many pixels.
    ``show(values, ramp, marked)`` draws the matrix and frames the ``marked`` cells;
    ``values``, ``ramp`` and ``marked`` keep what was drawn last, and ``frame`` changes
    only the frames.
    """

    def __init__(self, shape: tuple[int, int], size_px: tuple[int, int]) -> None:
        rows, cols = (int(v) for v in shape)
        width, height = (int(v) for v in size_px)
        if rows < 1 or cols < 1:
            raise ValueError(f"shape must have at least one row and column, not {shape}")
        if width < cols or height < rows:
            raise ValueError(f"size_px {size_px} has fewer pixels than the {shape} cells")
        self.shape = (rows, cols)
        self.size_px = (width, height)
        self.x_scale = LinearScale(min=0.0, max=float(cols), allow_padding=False)
        self.y_scale = LinearScale(min=0.0, max=float(rows), allow_padding=False)
        self.col_edges, self.row_edges = cell_edges(cols, width), cell_edges(rows, height)
        smallest = min(np.diff(self.col_edges).min(), np.diff(self.row_edges).min())
        #: whether the cells have gaps between them (then the picture is RGBA)
        self.gapped = rows * cols <= MAX_GAPPED_CELLS and smallest >= GAP_MIN_PX
        self._row_of = cell_of_pixel(self.row_edges, self.gapped)
        self._col_of = cell_of_pixel(self.col_edges, self.gapped)
        self._frame_px = 2 if smallest >= 8 else 1
        self.values = np.zeros(self.shape)
        self.ramp = ColorRamp([-1.0, 1.0], ["#ffffff", "#ffffff"])
        self.marked: tuple[tuple[int, int], ...] = ()
        self.picture = PictureMark(
            self._png(self.values, self.ramp, ()),
            x=np.array([0.0, cols]),
            y=np.array([0.0, float(rows)]),  # the picture's top row is the last row
            scales={"x": self.x_scale, "y": self.y_scale},
            pixelated=True,
        )
        self.mark = self.picture.mark

    def show(self, values: np.ndarray, ramp: ColorRamp, marked=()) -> None:
        """Draw ``values`` (shape ``shape``) coloured by ``ramp``, each ``(row, col)`` in
        ``marked`` framed."""
        values = np.asarray(values, dtype=float)
        if values.shape != self.shape:
            raise ValueError(f"values must have shape {self.shape}, not {values.shape}")
        marked = tuple((int(r), int(c)) for r, c in marked)
        self.values, self.ramp, self.marked = values, ramp, marked
        self.picture.put(self._png(values, ramp, marked))

    def frame(self, marked) -> None:
        """Frame the ``marked`` cells, and only those, in the matrix drawn last (nothing
        is drawn when they are framed already)."""
        if tuple((int(r), int(c)) for r, c in marked) != self.marked:
            self.show(self.values, self.ramp, marked)

    def _png(self, values: np.ndarray, ramp: ColorRamp, marked) -> bytes:
        # painted in the picture's row order, top down: the matrix's last row first
        last = self.shape[0] - 1
        values, marked = values[::-1], [(last - r, c) for r, c in marked]
        colours = ramp(values)
        rows, cols = self._row_of[:, None], self._col_of[None, :]
        if self.gapped:  # RGBA: the gaps transparent, the plot shows through
            opaque = np.full((*self.shape, 1), 255, np.uint8)
            pixels = np.concatenate([colours, opaque], -1)[rows.clip(0), cols.clip(0)]
            pixels[(rows < 0) | (cols < 0)] = 0
            frame = (*FRAME_RGB, 255)
        else:
            pixels, frame = colours[rows, cols], FRAME_RGB
        f = self._frame_px
        for r, c in marked:
            top, bottom = self.row_edges[r], self.row_edges[r + 1]
            left, right = self.col_edges[c], self.col_edges[c + 1]
            for part in (
                pixels[top : top + f, left:right],
                pixels[bottom - f : bottom, left:right],
                pixels[top:bottom, left : left + f],
                pixels[top:bottom, right - f : right],
            ):
                part[...] = frame
        return png_bytes(pixels)

    def cell_at(self, x: float, y: float) -> tuple[int, int] | None:
        """The ``(row, col)`` under data coordinates ``(x, y)`` (a click's), or None
        outside the matrix."""
        try:
            col, row = int(np.floor(float(x))), int(np.floor(float(y)))
        except (TypeError, ValueError, OverflowError):
            return None
        rows, cols = self.shape
        return (row, col) if 0 <= row < rows and 0 <= col < cols else None
