"""Tick values and labels chosen from an axis's length in pixels: labels never collide,
and every label of an axis has one number format (``0.0 0.5 1.0``, never ``1.20 0.900``).

Each axis gets explicit ``tick_values`` and ``tick_labels`` (the label of every value,
computed here): d3's own ticks count a fixed number of ticks whatever the labels' width,
and its ``~s`` or ``g`` formats give neighbouring labels different precisions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from bqplot import Axis, Figure

CHAR_PX = 7.0  # width of a tick label's character (bqplot's axes: digits are about 6.2 px)
LINE_PX = 14.0  # height of a tick label
LABEL_GAP_PX = 10.0  # blank space at least between two neighbouring labels
MIN_SPACING_PX = {"horizontal": 50.0, "vertical": 30.0}  # ticks at least this far apart
STEP_MANTISSAS = (1, 2, 5)


@dataclass(frozen=True)
class Ticks:
    """Tick values and the label drawn at each."""

    values: tuple[float, ...]
    labels: tuple[str, ...]

    def label_map(self) -> dict[str, str]:
        """``Axis.tick_labels``: each label under the key the page looks it up by (the
        JavaScript string of the tick value)."""
        return {js_number(v): text for v, text in zip(self.values, self.labels, strict=True)}


def js_number(value: float) -> str:
    """``String(value)`` in JavaScript: the shortest digits that read back as ``value``,
    plain from 1e-6 up to 1e21, in exponent notation outside (``1e-8``, ``1.5e+21``)."""
    value = float(value)
    if value == 0:
        return "0"
    if not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if 1e-6 <= abs(value) < 1e21:
        return np.format_float_positional(value, unique=True, trim="-")
    text = np.format_float_scientific(value, unique=True, trim="-", exp_digits=1)
    return text if "e-" in text or "e+" in text else text.replace("e", "e+")


def label_px(text: str) -> float:
    """Estimated width of a tick label, px."""
    return CHAR_PX * len(text)


def min_gap_px(ticks: Ticks, lo: float, hi: float, length_px: float, orientation: str) -> float:
    """The smallest blank space between two neighbouring labels, px (inf for one label)."""
    if len(ticks.values) < 2 or not hi > lo:
        return math.inf
    scale = length_px / (hi - lo)
    gaps = []
    for (a, ta), (b, tb) in zip(
        zip(ticks.values, ticks.labels, strict=True),
        zip(ticks.values[1:], ticks.labels[1:], strict=True),
        strict=False,
    ):
        extent = (label_px(ta) + label_px(tb)) / 2 if orientation == "horizontal" else LINE_PX
        gaps.append(abs(b - a) * scale - extent)
    return min(gaps)


def _decimals(exponent: int) -> int:
    return max(0, -exponent)


def _fixed(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def _exponent(value: float, mantissa_decimals: int) -> str:
    if value == 0:
        return "0"
    mantissa, exp = f"{value:.{mantissa_decimals}e}".split("e")
    return f"{mantissa}e{int(exp)}"


def format_ticks(values: Sequence[float], exponent: int, style: str = "number") -> list[str]:
    """Labels for ticks ``values`` spaced by m x 10**``exponent``, all in one format.

    ``number``: fixed decimals (as many as the spacing needs); thousands as ``k`` and
    millions as ``M`` once the labels reach 10,000 on a spacing of whole thousands;
    exponent notation for values under 0.001 or from a billion up (``2e12``, not
    ``2000000M``). ``percent``: fixed decimals with ``%``.
    """
    values = [float(v) for v in values]
    if style == "percent":
        return [_fixed(100 * v, _decimals(exponent + 2)) + "%" for v in values]
    largest = max((abs(v) for v in values), default=0.0)
    if largest >= 1e9 and math.isfinite(largest):
        digits = max(0, math.floor(math.log10(largest)) - exponent)
        return [_exponent(v, digits) for v in values]
    for power, suffix, least in ((6, "M", 5), (3, "k", 3)):
        if exponent >= least and largest >= 10 ** (power + 1 if power == 3 else power):
            d = _decimals(exponent - power)
            return ["0" if v == 0 else _fixed(v / 10**power, d) + suffix for v in values]
    if 0 < largest < 1e-3:
        digits = max(0, math.floor(math.log10(largest)) - exponent)
        return [_exponent(v, digits) for v in values]
    return [_fixed(v, _decimals(exponent)) for v in values]


def _times_power(k: int, exponent: int) -> float:
    """``k * 10**exponent`` rounded once (``5 * 1e-6`` is not ``5e-6``)."""
    return float(k * 10**exponent) if exponent >= 0 else k / 10 ** (-exponent)


def _multiples(lo: float, hi: float, m: int, exponent: int) -> list[float]:
    step = m * 10.0**exponent
    tol = 1e-9 * max(abs(lo), abs(hi), step)
    first = math.ceil((lo - tol) / step)
    last = math.floor((hi + tol) / step)
    return [_times_power(k * m, exponent) for k in range(first, last + 1)]


def value_exponent(values: Sequence[float]) -> int:
    """The largest power of ten (down to 1e-12) of which every value is a whole multiple."""
    finite = [abs(float(v)) for v in values if math.isfinite(v) and v != 0]
    if not finite:
        return 0
    exponent = math.floor(math.log10(max(finite)))
    while exponent > -12:
        unit = 10.0**exponent
        if all(abs(v / unit - round(v / unit)) <= 1e-6 * max(1.0, v / unit) for v in finite):
            break
        exponent -= 1
    return exponent


def labelled(values: Sequence[float], style: str = "number") -> Ticks:
    """Given tick values with labels in one format: as many decimals as the most
    precise value needs (``-1.25 0.00 1.25``)."""
    values = [float(v) for v in values]
    return Ticks(tuple(values), tuple(format_ticks(values, value_exponent(values), style)))


@lru_cache(maxsize=512)  # an axis's ends move in steps: the same few calls at every refresh
def linear_ticks(
    lo: float,
    hi: float,
    length_px: float,
    orientation: str = "horizontal",
    whole: bool = False,
    style: str = "number",
) -> Ticks:
    """Ticks at the multiples of 1, 2 or 5 times a power of ten inside ``[lo, hi]``, on
    an axis ``length_px`` long: the finest such spacing whose labels keep
    ``LABEL_GAP_PX`` apart and whose ticks are ``MIN_SPACING_PX`` apart.

    ``whole``: whole-number steps only (a step or epoch axis).
    """
    lo, hi = float(lo), float(hi)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        lo, hi = 0.0, 1.0
    if not hi > lo:
        hi = lo + (abs(lo) or 1.0)
    span = hi - lo
    exponent = math.floor(math.log10(span)) - 2
    if whole:
        exponent = max(0, exponent)
    fallback = None  # the widest spacing with three ticks or more whose labels fit
    for _ in range(40):
        for m in STEP_MANTISSAS:
            step = m * 10.0**exponent
            values = _multiples(lo, hi, m, exponent)
            if len(values) > 200:
                continue
            ticks = Ticks(tuple(values), tuple(format_ticks(values, exponent, style)))
            fits = min_gap_px(ticks, lo, hi, length_px, orientation) >= LABEL_GAP_PX
            if len(values) >= 2 and fits and step / span * length_px >= MIN_SPACING_PX[orientation]:
                # rather closer ticks than two on a short axis
                return ticks if len(values) >= 3 or fallback is None else fallback
            if fits and len(values) >= 3:
                fallback = ticks
            if len(values) <= 1:
                return fallback or end_ticks(lo, hi, length_px, orientation, style) or ticks
        exponent += 1
    return fallback or ticks


def end_ticks(lo: float, hi: float, length_px: float, orientation: str, style: str) -> Ticks | None:
    """Two ticks near the ends of ``[lo, hi]`` (and zero between them when it fits), for
    an axis too short for two ticks at a step of 1, 2 or 5: ``-4e-6 0 4e-6``."""
    unit = 10.0 ** math.floor(math.log10(max(abs(lo), abs(hi))))
    ends = [math.ceil(lo / unit - 1e-9) * unit, math.floor(hi / unit + 1e-9) * unit]
    if not ends[1] > ends[0]:
        return None
    for values in ([ends[0], 0.0, ends[1]], ends):
        if not values[0] < values[1] < values[-1] and len(values) == 3:
            continue
        ticks = labelled(values, style)
        if min_gap_px(ticks, lo, hi, length_px, orientation) >= LABEL_GAP_PX:
            return ticks
    return None


def compact_label(value: float) -> str:
    """A short label for a round value (three significant digits at most): ``0``,
    ``0.75``, ``-1.5``, ``250``, ``1.5k``, ``400k``, ``2M``, ``1e12``, ``2.5e-5``.

    Thousands and millions take ``k`` and ``M``; from a billion up and under a
    thousandth, a mantissa and an exponent without ``+`` or leading zeros.
    """
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"value: expected a finite number, got {value!r}")
    value = float(f"{value:.3g}")  # 999.7 is 1k, not 1000k
    size = abs(value)
    if size == 0:
        return "0"
    if 1e-3 <= size < 1e3:
        return f"{value:.3g}"
    for power, suffix in ((3, "k"), (6, "M")):
        if 10.0**power <= size < 10.0 ** (power + 3):
            return f"{value / 10.0**power:.3g}{suffix}"
    mantissa, exponent = f"{value:.2e}".split("e")
    return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"


#: ends of a range symmetric about zero whose halves have two digits at most: 0.5, 0.75,
#: 1, 1.5, 2, 2.5, 3, 4 and 5 times a power of ten
SYMMETRIC_STEPS = (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def symmetric_ticks(limit: float) -> Ticks:
    """Ticks at ``-limit / 2``, ``0`` and ``limit / 2`` of an axis from ``-limit`` to
    ``limit``, labelled compactly (``compact_label``).

    The labels sit a quarter of the axis in from its ends: the left one stays clear of
    the corner where the other axis's zero is, and the right one of the figure's edge,
    whatever the magnitude. ``limit``: one of ``SYMMETRIC_STEPS`` times a power of ten
    (``nice_ceiling(value, SYMMETRIC_STEPS)``) gives halves of two digits at most.
    """
    limit = float(limit)
    if not (math.isfinite(limit) and limit > 0):
        raise ValueError(f"limit: expected a positive finite number, got {limit!r}")
    values = (-limit / 2, 0.0, limit / 2)
    return Ticks(values, tuple(compact_label(v) for v in values))


def decade_labels(values: Sequence[float]) -> list[str]:
    """``1e-3``-style labels for powers of ten."""
    return [f"1e{round(math.log10(v))}" for v in values]


@lru_cache(maxsize=256)
def log_ticks(lo: float, hi: float, length_px: float, orientation: str = "vertical") -> Ticks:
    """Powers of ten covering ``[lo, hi]`` (every decade, or every 2nd, 3rd ... when the
    axis is too short for all), labelled ``1e-3``; 1, 2 and 5 times each power of ten
    when the axis is long enough for them (``1e-1 2e-1 5e-1 1e0``)."""
    lo = max(float(lo), 1e-300)
    hi = max(float(hi), lo)
    a, b = math.floor(math.log10(lo) + 1e-9), math.ceil(math.log10(hi) - 1e-9)
    b = max(b, a + 1)
    decades = b - a
    per_decade = length_px / decades
    values = [m * 10.0**e for e in range(a, b) for m in (1, 2, 5)] + [10.0**b]
    labels = [f"{m}e{e}" for e in range(a, b) for m in (1, 2, 5)] + [f"1e{b}"]
    extent = LINE_PX if orientation == "vertical" else CHAR_PX * max(len(t) for t in labels)
    if math.log10(2) * per_decade - extent >= LABEL_GAP_PX:  # room for 1, 2 and 5 per decade
        return Ticks(tuple(values), tuple(labels))
    for every in range(1, decades + 1):
        start = math.ceil(a / every) * every
        values = [10.0**e for e in range(start, b + 1, every)]
        ticks = Ticks(tuple(values), tuple(decade_labels(values)))
        px = every / decades * length_px
        if len(values) <= 1 or (
            px >= MIN_SPACING_PX[orientation] * 0.6
            and _log_gap(ticks, px, orientation) >= LABEL_GAP_PX
        ):
            return ticks
    return ticks


def _log_gap(ticks: Ticks, spacing_px: float, orientation: str) -> float:
    if len(ticks.labels) < 2:
        return math.inf
    if orientation == "vertical":
        return spacing_px - LINE_PX
    return spacing_px - max(label_px(t) for t in ticks.labels)


def apply_ticks(axis_: Axis, ticks: Ticks) -> None:
    """Give an axis these tick values and labels, sending only what changed."""
    values, labels = list(ticks.values), ticks.label_map()
    # the labels first, in a message of their own: the page draws new tick values in a d3
    # transition that labels them with the formatter of that moment, so a new tick sent
    # with its label would keep bqplot's fallback format ('20000' among '5k 10k 15k')
    if axis_.tick_labels != labels:
        axis_.tick_labels = labels
    if axis_.tick_values is None or list(axis_.tick_values) != values:
        axis_.tick_values = values


def shown_labels(axis_: Axis) -> list[str]:
    """The labels the page draws on an axis with explicit tick values and labels."""
    labels = axis_.tick_labels or {}
    return [labels.get(js_number(v), js_number(v)) for v in axis_.tick_values]


def plot_px(fig: Figure) -> tuple[float, float]:
    """Width and height of a figure's plot area, px (its layout size less its margins)."""
    width = float(str(fig.layout.width).removesuffix("px"))
    height = float(str(fig.layout.height).removesuffix("px"))
    margin = fig.fig_margin
    return width - margin["left"] - margin["right"], height - margin["top"] - margin["bottom"]


def axis_length_px(fig: Figure, axis_: Axis) -> float:
    """The length of one of a figure's axes, px."""
    width, height = plot_px(fig)
    return height if axis_.side in ("left", "right") else width
