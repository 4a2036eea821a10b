"""A grid of numbers over a plane, coloured and encoded as a PNG in the kernel and shown
by bqplot's ``Image`` mark.

bqplot's ``HeatMap`` paints every cell into a canvas in the page and re-encodes the
canvas as a PNG data URL at each draw: for the boundary's 60 x 60 cells, about 40 ms of
the page's CPU per draw (``bench/browser.py``'s breakdown), five times a second while
playing. Here the kernel maps the values to colours and encodes a 60 x 60 PNG (under a
millisecond); the page only decodes it (about 6 ms a draw, all told), and the browser
scales it to the plot, smoothly.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np
from bqplot import Image
from ipywidgets import Image as ImageWidget

#: ColorBrewer's RdBu in 11 steps, from red (negative) through white to blue (positive):
#: the colours of bqplot's ``ColorScale(scheme="RdBu")``
RDBU = [
    "#67001f",
    "#b2182b",
    "#d6604d",
    "#f4a582",
    "#fddbc7",
    "#f7f7f7",
    "#d1e5f0",
    "#92c5de",
    "#4393c3",
    "#2166ac",
    "#053061",
]

#: matplotlib's viridis at nine even steps, from low (dark violet) to high (yellow)
VIRIDIS = [
    "#440154",
    "#472d7b",
    "#3b528b",
    "#2c728e",
    "#21918c",
    "#28ae80",
    "#5ec962",
    "#addc30",
    "#fde725",
]


def hex_rgb(color: str) -> tuple[int, int, int]:
    """``"#rrggbb"`` as three 0-255 integers."""
    text = color.lstrip("#")
    if len(text) != 6:
        raise ValueError(f"color must be '#rrggbb', not {color!r}")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


class ColorRamp:
    """Colours at increasing ``positions``, linearly interpolated in RGB between them
    (as bqplot's ``ColorScale`` does); values outside are clamped to the ends, NaN takes
    ``nan_color``."""

    def __init__(self, positions, colors, nan_color: str = "#f4f4f4") -> None:
        self.positions = np.asarray(positions, dtype=float)
        if self.positions.ndim != 1 or len(self.positions) != len(colors) or len(colors) < 2:
            raise ValueError("positions and colors must be two lists of the same length, >= 2")
        if np.any(np.diff(self.positions) <= 0):
            raise ValueError(f"positions must increase, not {list(self.positions)}")
        self.rgb = np.array([hex_rgb(c) for c in colors], dtype=float)
        self.nan_rgb = np.array(hex_rgb(nan_color), dtype=np.uint8)

    def __call__(self, values: np.ndarray) -> np.ndarray:
        """``values`` (any shape) as uint8 RGB, shape ``values.shape + (3,)``."""
        v = np.asarray(values, dtype=float)
        out = np.stack([np.interp(v, self.positions, self.rgb[:, c]) for c in range(3)], axis=-1)
        out = np.rint(np.nan_to_num(out, nan=0.0)).astype(np.uint8)
        out[np.isnan(v)] = self.nan_rgb
        return out


def png_bytes(pixels: np.ndarray) -> bytes:
    """An RGB or RGBA image (rows from the top, shape ``(height, width, 3 or 4)``, uint8)
    as PNG bytes."""
    pixels = np.asarray(pixels)
    if pixels.ndim != 3 or pixels.shape[2] not in (3, 4) or pixels.dtype != np.uint8:
        raise ValueError(
            "pixels must be a (height, width, 3) RGB or (height, width, 4) RGBA uint8 "
            f"array, not {pixels.shape} {pixels.dtype}"
        )
    height, width, channels = pixels.shape
    # each row starts with its filter type: 0, the bytes as they are
    rows = np.concatenate([np.zeros((height, 1), np.uint8), pixels.reshape(height, -1)], axis=1)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    color_type = 2 if channels == 3 else 6  # 8-bit RGB or RGBA
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows.tobytes(), 6))
        + chunk(b"IEND", b"")
    )


class PictureMark:
    """bqplot's ``Image`` mark (``mark``) showing one PNG picture at a time, each new one
    sent whole by ``put``.

    bqplot redraws an ``Image`` when its image widget is replaced, not when that widget's
    bytes change. So two image widgets take turns: the next picture goes into the one not
    shown, which then replaces it (the page handles the two messages in order).
    """

    def __init__(self, png: bytes, x, y, scales: dict, pixelated: bool) -> None:
        self._buffers = [ImageWidget(value=png, format="png") for _ in range(2)]
        self.mark = Image(image=self._buffers[0], x=x, y=y, scales=scales, pixelated=pixelated)

    def put(self, png: bytes) -> bool:
        """Show ``png``; False (and no message) when it is the picture shown already."""
        if png == self.mark.image.value:
            return False
        back = self._buffers[1] if self.mark.image is self._buffers[0] else self._buffers[0]
        back.value = png
        self.mark.image = back
        return True


class FieldImage:
    """Values on a grid over a plane, drawn as one smooth image by ``mark``.

    ``x`` and ``y`` are the cell centres (increasing); the image reaches half a cell
    beyond them, as a heatmap's cells would. ``show(values)`` draws a
    ``(len(y), len(x))`` array whose first row is at the lowest ``y``; ``values`` keeps
    the array drawn last.
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, scales: dict, ramp: ColorRamp) -> None:
        self.ramp = ramp
        self._set_grid(x, y)
        blank = png_bytes(ramp(self.values)[::-1])
        self.picture = PictureMark(
            blank, self._edges(self.x), self._edges(self.y), scales, pixelated=False
        )
        self.mark = self.picture.mark

    def _set_grid(self, x: np.ndarray, y: np.ndarray) -> None:
        self.x, self.y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        self.values = np.full((len(self.y), len(self.x)), np.nan)

    def place(self, x: np.ndarray, y: np.ndarray) -> None:
        """Cover a new grid of cell centres ``x`` and ``y``; blank until ``show``."""
        self._set_grid(x, y)
        with self.mark.hold_sync():
            self.mark.x, self.mark.y = self._edges(self.x), self._edges(self.y)

    @staticmethod
    def _edges(centres: np.ndarray) -> np.ndarray:
        half = (centres[1] - centres[0]) / 2 if len(centres) > 1 else 0.5
        return np.array([centres[0] - half, centres[-1] + half])

    def show(self, values: np.ndarray, ramp: ColorRamp | None = None) -> None:
        """Draw ``values`` (first row at the lowest y) with ``ramp`` (default: this
        image's own)."""
        values = np.asarray(values, dtype=float)
        if values.shape != self.values.shape:
            raise ValueError(f"values must have shape {self.values.shape}, not {values.shape}")
        self.values = values
        self.picture.put(png_bytes((ramp or self.ramp)(values)[::-1]))  # PNG rows from the top
