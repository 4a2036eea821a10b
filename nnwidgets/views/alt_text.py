"""Short texts that describe a figure to a screen reader (``View.describe``): numbers
in three significant digits, and a few words for a spread of values."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np


def number(x: float | None, digits: int = 3) -> str:
    """``x`` in ``digits`` significant digits; "none" when missing or not finite."""
    if x is None or not math.isfinite(x):
        return "none"
    return f"{x:.{digits}g}"


def percent(x: float | None) -> str:
    """``x`` (a fraction) as a whole percentage; "none" when missing or not finite."""
    if x is None or not math.isfinite(x):
        return "none"
    return f"{x:.0%}"


def spread(values) -> str:
    """``"from -0.61 to 0.77, mean 0.012"`` for an array of values (finite ones)."""
    a = np.asarray(values, dtype=float).ravel()
    a = a[np.isfinite(a)]
    if not a.size:
        return "no finite values"
    return f"from {number(a.min(), 2)} to {number(a.max(), 2)}, mean {number(a.mean(), 2)}"


def metric_pair(metrics: Mapping[str, float], kind: str, fmt=number) -> str | None:
    """``"train 0.23, test 0.17"`` for ``kind`` "loss" or "acc" (None when neither)."""
    parts = [
        f"{part} {fmt(metrics[f'{part}_{kind}'])}"
        for part in ("train", "test")
        if metrics.get(f"{part}_{kind}") is not None
    ]
    return ", ".join(parts) or None
