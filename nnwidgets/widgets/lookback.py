"""Look back and rewind: the scrubber over kept checkpoints, and "Continue from here"."""

from __future__ import annotations

import numpy as np

from ..core.protocols import Rewindable
from .controls import LIVE
from .host import DashboardHost

MAX_SCRUB_POINTS = 120  # positions on the look-back slider


class LookBack:
    """The Dashboard's look back: the scrubber lists the trainer's kept checkpoints
    (a ``Rewindable`` trainer's ``checkpoints``), the views show the one chosen, and
    "Continue from here" rewinds the trainer to it."""

    def __init__(self, dash: DashboardHost) -> None:
        self.dash = dash
        self._shown: tuple | None = None  # what the scrubber lists, to skip a redo

    @property
    def viewing_step(self) -> int | None:
        """The earlier step the scrubber shows, or None when it shows the trainer now."""
        value = self.dash.controls.scrubber.value
        return None if value == LIVE else value

    def snapshot(self):
        """The Snapshot to draw: the trainer now, or the checkpoint the scrubber shows."""
        tr, step = self.dash.trainer, self.viewing_step
        return tr.snapshot() if step is None else tr.checkpoint_snapshot(step)

    def go_live(self) -> None:
        """Show the trainer as it is now."""
        c = self.dash.controls
        if c.scrubber.value != LIVE:
            with c.quietly():
                c.scrubber.value = LIVE

    def on_scrub(self, step: int) -> None:
        """The scrubber moved: pause to look back, and draw what it shows."""
        if step != LIVE and self.dash.runner.playing:
            self.dash.pause()
        self.dash.refresh()

    def continue_from_here(self) -> None:
        """Rewind the trainer to the step the scrubber shows, and go on from there."""
        step = self.viewing_step
        if step is None:
            return
        dash = self.dash
        dash.pause()
        dash.trainer.rewind(step=step)
        self.go_live()
        dash.controls.show_settings(dash.trainer)
        dash.controls.say(f"Rewound to step {step}; the later history is gone.")
        dash.refresh()

    def sync(self) -> None:
        """List the kept checkpoints before the trainer's step on the scrubber."""
        tr, c = self.dash.trainer, self.dash.controls
        kept = tr.checkpoints if isinstance(tr, Rewindable) else []
        last = kept[-1] if kept else None
        # nothing to redo while the kept checkpoints are the same
        key = (id(tr), len(kept), last, last is not None and tr.step_count == last[0])
        if key != self._shown:
            self._shown = key
            self._list([p for p in kept if p[0] < tr.step_count])
        c.rewind.disabled = c.scrubber.value == LIVE

    def _list(self, points: list[tuple[int, int]]) -> None:
        if len(points) > MAX_SCRUB_POINTS:  # evenly spread, always with the first and last
            picks = np.linspace(0, len(points) - 1, MAX_SCRUB_POINTS).round().astype(int)
            points = [points[i] for i in sorted(set(picks))]
        options = [(f"step {s} · epoch {e}", s) for s, e in points]
        options.append(("now", LIVE))
        c = self.dash.controls
        scrub = c.scrubber
        if tuple(options) != tuple(scrub.options):
            with c.quietly():
                keep = scrub.value if scrub.value in {v for _, v in options} else LIVE
                scrub.options = options
                scrub.value = keep
