"""Learning-rate schedules stepped once per epoch, as ``torch.optim.lr_scheduler``.

A schedule is a pure function of the base rate and the number of finished
epochs, so moving the learning-rate slider (the base rate) rescales it at once.
"""

from __future__ import annotations

import math

from .checks import check_int
from .optim import _check_number


class Schedule:
    """Base class: ``lr(base_lr, epoch)`` is the rate used during ``epoch``."""

    name = "schedule"

    def lr(self, base_lr: float, epoch: int) -> float:
        """The learning rate after ``epoch`` finished epochs."""
        raise NotImplementedError

    def config(self) -> dict:
        """JSON-ready name and arguments."""
        return {"name": self.name, **self.__dict__}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items())
        return f"{type(self).__name__}({args})"


class StepLR(Schedule):
    """Multiply the rate by ``gamma`` every ``step_size`` epochs."""

    name = "step"

    def __init__(self, step_size: int, gamma: float = 0.1) -> None:
        self.step_size = check_int("step_size", step_size, 1)
        self.gamma = _check_number("gamma", gamma)

    def lr(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(Schedule):
    """Multiply the rate by ``gamma`` after every epoch."""

    name = "exponential"

    def __init__(self, gamma: float) -> None:
        self.gamma = _check_number("gamma", gamma)

    def lr(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.gamma**epoch


class CosineAnnealingLR(Schedule):
    """Anneal the rate from the base to ``eta_min`` along a cosine over ``T_max`` epochs."""

    name = "cosine"

    def __init__(self, T_max: int, eta_min: float = 0.0) -> None:
        self.T_max = check_int("T_max", T_max, 1)
        self.eta_min = _check_number("eta_min", eta_min)

    def lr(self, base_lr: float, epoch: int) -> float:
        cos = 1 + math.cos(math.pi * epoch / self.T_max)
        return self.eta_min + (base_lr - self.eta_min) * cos / 2


SCHEDULES: dict[str, type[Schedule]] = {
    cls.name: cls for cls in (StepLR, ExponentialLR, CosineAnnealingLR)
}


def from_config(config: dict | None) -> Schedule | None:
    """Rebuild a schedule from ``Schedule.config()``."""
    if config is None:
        return None
    config = dict(config)
    cls = SCHEDULES.get(config.pop("name", None))
    if cls is None:
        raise ValueError(f"schedule config names an unknown schedule: {config!r}")
    return cls(**config)
