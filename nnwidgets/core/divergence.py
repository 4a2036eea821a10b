"""Why a training step diverged, in words a student can act on."""

from __future__ import annotations

import math
from collections.abc import Sequence


def divergence_limit(factor: float, first_loss: float | None) -> float:
    """The batch loss above which a step diverged: ``factor`` times max(1, first loss)."""
    return factor * max(1.0, first_loss or 1.0)


def reason_before_update(
    objective: float,
    grad_sq: Sequence[float],
    keys: Sequence[str],
    factor: float,
    first_loss: float | None,
    step: int,
) -> str | None:
    """Why the step after ``step`` diverged before its update (None: it did not): a loss
    that is not finite, a gradient (sums of squares ``grad_sq`` per array ``keys``) that
    is not, or a loss over ``factor`` times the first one."""
    limit = divergence_limit(factor, first_loss)
    if objective <= limit and math.isfinite(sum(grad_sq)):
        return None
    where = f"diverged at step {step}" if step else "diverged at the first step"
    if not math.isfinite(objective):
        return f"{where}: the loss became {objective}"
    for key, g in zip(keys, grad_sq, strict=True):
        if not math.isfinite(g):
            kind = "bias gradient" if key.startswith("b") else "gradient"
            return f"{where}: the {kind} of {key} became infinite"
    if objective > limit:
        return f"{where}: the loss rose to {objective:.3g}, over {factor:.0e} × the first loss"
    return None
