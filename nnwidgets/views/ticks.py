"""Axis ends and tick values that move in steps, so that an axis is rarely redrawn."""

from __future__ import annotations

import numpy as np
from bqplot import Axis

NICE_STEPS = (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def nice_ceiling(value: float, steps: tuple[float, ...] = NICE_STEPS) -> float:
    """The smallest of 1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8 (or ``steps``, ending at 10)
    times a power of ten that is at least ``value`` (1.0 for zero, negative or
    non-finite values).

    An axis end that grows by these steps changes a few times per decade of growth,
    not at every refresh: the browser then redraws the marks whose data changed,
    not every mark and axis on the scale.
    """
    if not np.isfinite(value) or value <= 0:
        return 1.0
    power = 10.0 ** np.floor(np.log10(value))
    for step in steps:
        if step * power >= value * (1 - 1e-12):
            return float(step * power)
    return float(10 * power)


def log_bounds(lo: float, hi: float) -> tuple[float, float]:
    """Whole decades covering [lo, hi] (lo > 0), for a log axis that rarely moves."""
    lo = max(lo, 1e-300)
    a, b = np.floor(np.log10(lo)), np.ceil(np.log10(max(hi, lo)))
    return float(10.0**a), float(10.0 ** max(b, a + 1))


def set_ticks(axis_: Axis, ticks: list[float]) -> None:
    """Give an axis these tick values unless it has them already (each change redraws it)."""
    if axis_.tick_values is None or list(axis_.tick_values) != ticks:
        axis_.tick_values = ticks


def decade_ticks(lo: float, hi: float) -> list[float]:
    """Powers of ten covering [lo, hi] (at most about eight of them)."""
    lo = max(lo, 1e-300)
    a, b = int(np.floor(np.log10(lo))), int(np.ceil(np.log10(max(hi, lo * 10))))
    step = max(1, (b - a) // 7)
    return [10.0**e for e in range(a, b + 1, step)]


def _whole_step(span: float, most: int, fits) -> float:
    """The first of 1, 2, 5 and 10 times a power of ten (and at least 1) near
    ``span / most`` for which ``fits(step)``; the last one otherwise."""
    power = 10.0 ** np.floor(np.log10(max(1.0, span) / most))
    for step in (1, 2, 5, 10):
        size = max(1.0, step * power)
        if fits(size):
            break
    return size


def whole_ticks(lo: float, hi: float, most: int = 4) -> list[float]:
    """Whole-number ticks inside ``[lo, hi]`` at steps of 1, 2 or 5 times a power of ten,
    at most ``most`` steps apart in all (a step axis: d3's own ticks or ``num_ticks``
    land between steps)."""
    size = _whole_step(hi - lo, most, lambda s: np.floor(hi / s) - np.ceil(lo / s) <= most)
    first = np.ceil(lo / size) * size
    return [float(first + i * size) for i in range(int((hi - first) // size) + 1)]


def count_ticks(largest: float) -> list[float]:
    """Whole-number ticks from 0 for a count axis: steps of 1, 2 or 5 times a power of
    ten, at most four steps, the last tick at or above ``largest``."""
    largest = max(1.0, float(largest))
    size = _whole_step(largest, 4, lambda s: np.ceil(largest / s) <= 4)
    return [float(i * size) for i in range(int(np.ceil(largest / size)) + 1)]


def tick_format_for(limit: float) -> str:
    """A d3 format that keeps tick labels short at the scale of ``limit``."""
    return ".2g" if 1e-2 <= limit < 1e4 else ".1e"
