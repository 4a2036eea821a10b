"""One SVG document of several figures, each placed where it sits on screen.

Pure string work on the SVG documents bqplot's figures give (``get_svg`` in the page):
each figure's document becomes a nested ``<svg x= y=>`` inside one outer ``<svg>``,
wrapped in a ``<g class="nnw-export-figure bqplot" data-view=NAME>``. The figures' own
``<style>`` elements (bqplot inlines the page's CSS rules into each) stay in place; in
one document they apply to every figure, which is what the page did too. A nested
``<svg>`` clips to its own width and height, as the figure does on screen. The
background bqplot writes on each figure's root (``style="background: ..."``) is not
painted for a nested ``<svg>``, so it becomes a ``<rect>`` behind the figure, and the
first figure's background fills the whole image.

No widget and no browser here: the composition is tested headless with made-up figures.
"""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

__all__ = ["PNG_SIGNATURE", "PlacedFigure", "Size", "compose_svg", "png_size", "svg_size"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
#: each figure's group: ``bqplot`` too, since bqplot's inlined rules are written for a
#: figure inside its ``.bqplot`` element (``.bqplot .g_legend {fill: none}``, without
#: which a legend's box is painted black)
FIGURE_CLASS = "nnw-export-figure bqplot"

# The first <svg ...> start tag; attribute values may hold '>'.
_ROOT_TAG = re.compile(r"<svg\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
_ATTRIBUTE = re.compile(r"([^\s=/>]+)\s*=\s*(\"[^\"]*\"|'[^']*')")
_PROLOG = re.compile(r"\A\s*(?:<\?xml[^>]*\?>\s*)?(?:<!DOCTYPE[^>]*>\s*)?")
_LENGTH = re.compile(r"\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*(?:px)?\s*")
_BACKGROUND = re.compile(r"background(?:-color)?\s*:\s*([^;]+)")
# a colour as a page's computed style writes it: rgb()/rgba(), #hex or a name
_COLOUR = re.compile(r"(?:rgba?\([0-9.,%\s]+\)|#[0-9a-fA-F]{3,8}|[a-zA-Z]+)")


@dataclass(frozen=True)
class Size:
    """A width and a height, in CSS pixels (SVG) or image pixels (PNG)."""

    width: float
    height: float


@dataclass(frozen=True)
class PlacedFigure:
    """One figure's SVG document and where its top-left corner sits on screen (any
    origin: ``compose_svg`` moves the figures so that the first column and row start at
    0)."""

    view: str
    svg: str
    x: float
    y: float


def _root_attributes(svg: str, name: str) -> tuple[re.Match, dict[str, str]]:
    match = _ROOT_TAG.search(svg)
    if match is None:
        raise ValueError(f"figure {name!r}: no <svg> element in its SVG")
    attrs = {k: v[1:-1] for k, v in _ATTRIBUTE.findall(match.group(1))}
    return match, attrs


def _length(value: str | None, what: str, name: str) -> float:
    m = _LENGTH.fullmatch(value or "")
    if m is None:
        raise ValueError(f"figure {name!r}: its <svg> needs a {what} in pixels, got {value!r}")
    return float(m.group(1))


def svg_size(svg: str, name: str = "svg") -> Size:
    """The width and height written on an SVG document's root element."""
    _, attrs = _root_attributes(svg, name)
    return Size(
        _length(attrs.get("width"), "width", name), _length(attrs.get("height"), "height", name)
    )


def _background(attrs: dict[str, str]) -> str | None:
    m = _BACKGROUND.search(attrs.get("style", ""))
    if m is None:
        return None
    colour = m.group(1).strip()
    return colour if _COLOUR.fullmatch(colour) else None


def _num(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".")


def _check_well_formed(svg: str, name: str) -> None:
    try:
        root = ET.fromstring(svg)
    except ET.ParseError as exc:
        raise ValueError(f"figure {name!r}: its SVG is not well-formed XML ({exc})") from None
    if root.tag not in ("svg", f"{{{SVG_NS}}}svg"):
        raise ValueError(f"figure {name!r}: its SVG's root is <{root.tag}>, not <svg>")


def _placed(fig: PlacedFigure, x: float, y: float) -> tuple[str, Size, str | None]:
    """The figure's document as a nested <svg> at (x, y); its size and background."""
    body = _PROLOG.sub("", fig.svg, count=1)
    _check_well_formed(body, fig.view)
    match, attrs = _root_attributes(body, fig.view)
    size = svg_size(body, fig.view)
    kept = [f"{k}={quoteattr(v)}" for k, v in attrs.items() if k not in ("x", "y")]
    tag = f'<svg x="{_num(x)}" y="{_num(y)}" {" ".join(kept)}>'
    return body[: match.start()] + tag + body[match.end() :], size, _background(attrs)


def compose_svg(figures: Sequence[PlacedFigure], title: str = "nnwidgets dashboard") -> str:
    """One SVG document holding every figure at its place on screen.

    ``figures`` are placed relative to each other: the image starts at the leftmost and
    topmost figure and ends at the right- and bottommost edge. Raises ValueError when
    there is no figure, or when a figure's SVG is not a well-formed ``<svg>`` document
    with a width and a height in pixels.
    """
    if not figures:
        raise ValueError("figures must hold at least one figure, got none")
    x0 = min(f.x for f in figures)
    y0 = min(f.y for f in figures)
    parts, right, bottom, page_background = [], 0.0, 0.0, None
    for fig in figures:
        x, y = fig.x - x0, fig.y - y0
        nested, size, background = _placed(fig, x, y)
        right, bottom = max(right, x + size.width), max(bottom, y + size.height)
        page_background = page_background or background
        behind = (
            f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(size.width)}" '
            f'height="{_num(size.height)}" fill={quoteattr(background)}/>'
            if background
            else ""
        )
        parts.append(
            f'<g class="{FIGURE_CLASS}" data-view={quoteattr(fig.view)}>{behind}{nested}</g>'
        )
    width, height = _num(right), _num(bottom)
    fill = (
        f'<rect width="{width}" height="{height}" fill={quoteattr(page_background)}/>'
        if page_background
        else ""
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="{SVG_NS}" xmlns:xlink="{XLINK_NS}" version="1.1" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f"<title>{escape(title)}</title>{fill}{''.join(parts)}</svg>\n"
    )


def png_size(data: bytes) -> Size:
    """The pixel size in a PNG file's header; ValueError when ``data`` is no PNG."""
    if len(data) < 24 or data[:8] != PNG_SIGNATURE or data[12:16] != b"IHDR":
        raise ValueError("data must be a PNG file (its signature and IHDR header are missing)")
    width, height = struct.unpack(">II", data[16:24])
    return Size(width, height)
