"""What the Dashboard's parts (look back, files, weight editor) use of the Dashboard.

Written down as a Protocol, so that the parts need not import the Dashboard (which
imports them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from ..core.protocols import TrainerProtocol
from ..views.protocol import View
from .controls import Controls
from .runner import Runner


class DashboardHost(Protocol):
    """The Dashboard as its parts see it."""

    trainer: TrainerProtocol
    controls: Controls
    runner: Runner
    views: dict[str, View]

    @property
    def on_main(self) -> Callable[[Callable], Callable]:
        """Wraps a widget callback so that it runs on the dashboard's main loop."""
        ...

    def refresh(self) -> None:
        """Draw the trainer's current state in every view."""
        ...

    def pause(self) -> None:
        """Stop playing at the next step boundary."""
        ...

    def set_trainer(self, trainer: TrainerProtocol) -> None:
        """Watch another trainer."""
        ...
