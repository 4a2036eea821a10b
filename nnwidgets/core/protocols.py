"""The protocols that keep the parts apart, written down.

A Dashboard drives any object that speaks :class:`TrainerProtocol`; the optional
capabilities below switch on the controls that need them (look back and rewind,
save and load, settings, editing a weight). ``nw.Trainer`` speaks all of them;
``nnwidgets.adapters.torch.TorchTrainer`` speaks the trainer protocol. Views see a
trainer only through its :class:`~nnwidgets.core.view_context.ViewContext`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from .history import History
from .snapshot import Snapshot
from .view_context import ViewContext


@runtime_checkable
class TrainerProtocol(Protocol):
    """What the Dashboard, the Runner and ``nw.compare`` use of a trainer."""

    step_count: int
    epoch: int
    history: History
    divergence: str | None
    #: minibatch size (the Dashboard's batch-size control shows it)
    batch_size: int
    #: an ``nw.optim`` optimizer, or torch.optim's of the same class name: the
    #: Dashboard shows its name and its class's ``main_argument``
    optimizer: Any

    @property
    def lr(self) -> float:
        """The rate the next step uses; setting it sets the base rate."""
        ...

    @lr.setter
    def lr(self, value: float) -> None: ...

    @property
    def base_lr(self) -> float:
        """The rate a schedule scales (what the learning-rate slider shows)."""
        ...

    @property
    def diverged(self) -> bool:
        """True while steps are refused after a divergence."""
        ...

    @property
    def batches_per_epoch(self) -> int:
        """Minibatches in one epoch."""
        ...

    def step(self) -> Snapshot:
        """One minibatch update."""
        ...

    def step_epoch(self) -> Snapshot:
        """Run to the end of the current epoch."""
        ...

    def run(self, epochs: int = 1) -> Snapshot:
        """Several epochs."""
        ...

    def run_steps(self, n: int, stop_epoch: int | None = None) -> int:
        """Up to ``n`` updates without snapshots; returns how many were done."""
        ...

    def evaluate(self) -> dict[str, float]:
        """Data losses (and accuracies) on both parts, and the penalty."""
        ...

    def snapshot(self) -> Snapshot:
        """A frozen Snapshot of now."""
        ...

    def reset(self, seed: int | None = None) -> Snapshot:
        """Back to step 0."""
        ...

    def view_context(self) -> ViewContext:
        """What the views may know: data, network shape, loss, forward pass."""
        ...


@runtime_checkable
class Rewindable(Protocol):
    """Kept checkpoints: look back at them, and rewind to one."""

    @property
    def checkpoints(self) -> list[tuple[int, int]]:
        """``(step, epoch)`` of every kept checkpoint, oldest first."""
        ...

    def can_rewind(self, step: int) -> bool:
        """True when ``rewind(step=step)`` reaches that step exactly."""
        ...

    def rewind(self, step: int | None = None, epoch: int | None = None) -> Snapshot:
        """Back to an earlier step, exactly as it was."""
        ...

    def checkpoint_snapshot(self, step: int) -> Snapshot:
        """A Snapshot of a kept checkpoint, without changing the trainer."""
        ...


@runtime_checkable
class Saveable(Protocol):
    """One self-contained file that continues bit for bit."""

    def save(self, path: str | Path) -> Path:
        """Write the whole state to ``path``."""
        ...

    @classmethod
    def load(cls, path: str | Path) -> Any:
        """A trainer from a saved file."""
        ...


@runtime_checkable
class Configurable(Protocol):
    """Settings that change between steps, and a JSON-ready description."""

    def configure(self, **settings: Any) -> None:
        """Change batch size, penalties or optimizer between steps."""
        ...

    def config(self) -> dict:
        """JSON-ready description of the setup."""
        ...


@runtime_checkable
class WeightEditable(Protocol):
    """One weight set by hand (the network diagram's edge editor)."""

    def set_param(self, key: str, index: tuple[int, ...], value: float) -> None:
        """Set one weight or bias, then step on from there."""
        ...
