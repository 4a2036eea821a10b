"""numpy-only core: data sets, model, losses, optimizers, schedules, trainer, history."""

from . import datasets, optim, schedules
from .activations import ACTIVATIONS
from .datasets import Dataset
from .history import History
from .losses import LOSSES
from .model import MLP
from .snapshot import Snapshot
from .trainer import Trainer

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "MLP",
    "Dataset",
    "History",
    "Snapshot",
    "Trainer",
    "datasets",
    "optim",
    "schedules",
]
