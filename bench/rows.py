"""The rows the trainer benchmark measures, kept apart from torch so that the report's
tables and verdicts can be built (and tested) without it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .cases import Case

NOISY = 0.15  # a row whose repeats disagree by more than this is measured again


@dataclass
class Row:
    """One case, dtype and optimizer: ``run_steps`` against torch, and the floors."""

    case: Case
    dtype: str
    opt: str
    steps_per_epoch: int
    ours: float  # seconds per step
    torch: float
    torch_noeval: float
    floor: float
    floor_eval: float
    spread: float  # largest spread_of() over the three timed sides
    threads: int = 1
    attempts: int = 1
    best_ratio: float = math.nan  # fastest torch repeat over fastest ours repeat

    @property
    def ratio(self) -> float:
        """Ours over torch in steps per second (like for like)."""
        return self.torch / self.ours


@dataclass
class StepRow:
    """One public-step row: ``tr.step()`` (a Snapshot each) against torch's plain loop."""

    case: Case
    dtype: str
    step: float  # seconds per tr.step() call
    run_steps: float  # seconds per step inside tr.run_steps(n), timed alongside
    torch: float  # the plain loop with the epoch-end evaluation (like for like)
    torch_noeval: float
    spread: float
    attempts: int = 1
    best_ratio: float = math.nan
    opt: str = "sgd"

    @property
    def ours(self) -> float:
        """Seconds per ``tr.step()`` call (as ``Row.ours``)."""
        return self.step

    @property
    def ratio(self) -> float:
        """``tr.step()`` over torch in steps per second (like for like)."""
        return self.torch / self.step
