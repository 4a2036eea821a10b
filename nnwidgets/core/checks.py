"""Argument checks shared by the core: each error names the argument and what it expects."""

from __future__ import annotations

from typing import Any

import numpy as np


def check_int(name: str, value: Any, minimum: int) -> int:
    """``value`` as an int >= ``minimum`` (bools refused): TypeError or ValueError."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def check_seed(seed: Any, name: str = "seed") -> int | None:
    """A random seed: None or a non-negative int."""
    if seed is None:
        return None
    return check_int(name, seed, 0)
