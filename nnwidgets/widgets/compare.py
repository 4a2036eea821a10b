"""The optimizer race: several trainers stepped together by one set of controls."""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np
from bqplot import LinearScale, Lines, LogScale
from ipywidgets import HBox, Layout, VBox

from ..core import Trainer, optim
from ..core.protocols import TrainerProtocol
from ..views import BoundaryView, LandscapeView, ViewContext
from ..views.base import PALETTE, axis, draw_lines, figure, figures, plot_array
from ..views.landscape import MAX_TRAJECTORY, flatten
from ..views.loss import epoch_steps
from ..views.theme import stylesheet
from .a11y import Accessibility, Announcer
from .cells import replace_in_cell
from .controls import HIDEABLE, Controls
from .mainloop import MainLoop
from .pace import MAX, check_speed, server_max_speed
from .pacing import FrameCounter
from .runner import PAGE_SILENT, PAGE_TIMEOUT, Runner, page_silent_message
from .schedule import RefreshSchedule

MAX_POINTS = 800
#: the Dashboard's controls a race shows (the learning rate only while all share one)
RACE_CONTROLS = ("step", "epoch", "play", "reset", "speed", "lr")
RACE = "race"  # the loss curves' name in the refresh schedule: drawn at every refresh


class _Lockstep:
    """Steps several trainers together; enough of the trainer protocol for the Runner."""

    def __init__(self, trainers: Sequence[TrainerProtocol]) -> None:
        self.trainers = list(trainers)

    @property
    def epoch(self) -> int:
        return min(t.epoch for t in self.trainers)

    @property
    def step_count(self) -> int:
        return max(t.step_count for t in self.trainers)

    @property
    def diverged(self) -> bool:
        return all(t.diverged for t in self.trainers)

    def run_steps(self, n: int, stop_epoch: int | None = None) -> int:
        done = 0
        while done < n and (stop_epoch is None or self.epoch < stop_epoch):
            moved = [t.run_steps(1) for t in self.trainers]
            if not any(moved):
                break
            done += 1
        return done


class Compare(VBox):
    """Trainers raced side by side: one Step/Epoch/Play/Reset for all (and one learning
    rate while they share one), their loss curves overlaid (one colour each), each
    one's decision boundary, and every path on one loss landscape. Play is paced by
    the page as the Dashboard's, and the slower views take turns (``View.play_hz``).
    As the Dashboard's, its controls have accessible names, its figures short texts
    and its status line a polite live region (``a11y``)."""

    runner: Runner | None = None  # set by __init__; close() may run before (ipywidgets' __del__)

    def __init__(
        self,
        trainers: Sequence[TrainerProtocol],
        names: Sequence[str] | None = None,
        refresh_hz: float | None = None,
        boundaries: bool = True,
        landscape: bool = True,
        speed: float | str = MAX,
        page_timeout: float | None = PAGE_TIMEOUT,
    ) -> None:
        check_speed(speed)
        trainers = list(trainers)
        if len(trainers) < 1:
            raise ValueError("trainers must hold at least one trainer")
        for t in trainers:
            if not isinstance(t, TrainerProtocol):
                raise TypeError(f"trainers must speak the trainer protocol, got {type(t).__name__}")
        if names is None:
            names = [_default_name(t) for t in trainers]
        names = list(names)
        if len(names) != len(trainers):
            raise ValueError(
                f"names must have one entry per trainer ({len(trainers)}), got {len(names)}"
            )
        self.trainers, self.names = trainers, names
        self.lockstep = _Lockstep(trainers)
        self._main = MainLoop()
        m = self._main.wrap  # comm-thread callbacks run on the main loop
        contexts = [ViewContext.from_trainer(t, on_main=m) for t in trainers]
        self._frames = FrameCounter()
        self.schedule = RefreshSchedule()
        self.runner = Runner(
            self.lockstep,
            self.refresh_playing,
            refresh_hz,
            on_stop=self._on_stop,
            ready=self._frames.ready,
            paced=lambda: self._frames.answered,
            heard_at=self._frames.silent_since,
            page_timeout=page_timeout,
        )
        self.controls = self._build_controls(contexts[0])
        self.speed = speed
        colors = [PALETTE[i % len(PALETTE)] for i in range(len(trainers))]
        self._build_race(colors)
        self.boundaries = []
        if boundaries:
            for i, (ctx, name) in enumerate(zip(contexts, names, strict=True)):
                view = BoundaryView(ctx)
                view.widget.title = name
                view.widget.add_class(f"nnw-view-boundary-{i}")  # its own figure text
                self.boundaries.append(view)
        self.a11y = Accessibility()  # names, figure texts and the live status for the page
        self.announcer = Announcer(self.a11y)
        children = [self.controls.widget(), self.loss_fig]
        self.landscape = None
        if landscape and _one_chain(contexts):
            self._build_landscape(contexts[0], colors)
            children.append(self.landscape.widget)
        if self.boundaries:
            children.append(
                HBox([v.widget for v in self.boundaries], layout=Layout(flex_flow="row wrap"))
            )
        super().__init__([*children, self._frames.widget, self.a11y, stylesheet()])
        self.add_class("nnw-compare")
        self.refresh()
        replace_in_cell(self, Compare.pause)

    @property
    def speed(self) -> float | str:
        """The pace of the race in steps per second (each trainer's), or ``"max"``."""
        return self.controls.speed.value

    @speed.setter
    def speed(self, value: float | str) -> None:
        pace = check_speed(value, server_max_speed())
        self.runner.speed = pace
        # as the Dashboard: a paced race asks the page by the clock, not by the count
        self._frames.pace(self.runner.paced_refresh_hz)
        with self.controls.quietly():
            self.controls.speed.value = MAX if pace is None else pace

    def close(self) -> None:
        """Stop the race at once, then close its widget."""
        if self.runner is not None:  # None while a refused constructor is collected
            self.runner.stop()
        super().close()

    def _build_controls(self, ctx: ViewContext) -> Controls:
        c = Controls(n_train=len(ctx.ds.X_train))
        c.step.tooltip, c.epoch.tooltip = "one minibatch each", "one epoch each"
        c.reset.tooltip = "all back to step 0"
        shared = len({t.base_lr for t in self.trainers}) == 1
        hidden = [h for h in HIDEABLE if h not in RACE_CONTROLS or (h == "lr" and not shared)]
        c.hide(hidden)
        with c.quietly():
            c.lr.value = self.trainers[0].base_lr
        # the names these controls had before the race reused the Dashboard's
        self.step_button, self.epoch_button = c.step, c.epoch
        self.play_button, self.reset_button, self.status = c.play, c.reset, c.status
        guard, m = c.guard, self._main.wrap
        c.step.on_click(m(lambda _: guard(self.step)))
        c.epoch.on_click(m(lambda _: guard(self.step_epoch)))
        c.reset.on_click(m(lambda _: guard(self.reset)))
        c.play.observe(m(self._on_play), names="value")
        c.lr.observe(m(lambda ch: c.syncing or guard(self._set_lr, ch["new"])), names="value")
        c.speed.observe(m(lambda ch: c.syncing or guard(self._set_speed, ch["new"])), names="value")
        c.speed.batches_per_epoch = self.trainers[0].batches_per_epoch
        return c

    def _set_speed(self, value: float | str) -> None:
        self.speed = value

    def _build_race(self, colors: list[str]) -> None:
        self.x, self.y = LinearScale(), LogScale()
        self._race_colors = colors
        self.batch_lines = Lines(
            x=[],
            y=[],
            scales={"x": self.x, "y": self.y},
            colors=colors,
            opacities=[0.35] * len(colors),
            stroke_width=1,
        )
        self.test_lines = Lines(
            x=[],
            y=[],
            scales={"x": self.x, "y": self.y},
            colors=colors,
            stroke_width=3,
            labels=self.names,
            display_legend=True,
        )
        self.loss_fig = figure(
            "Loss: batch (faint) and test (bold), log axis",
            [self.batch_lines, self.test_lines],
            [
                axis(self.x, "step", tick_format="d"),
                axis(self.y, "loss", orientation="vertical", tick_format=".2g"),
            ],
            width="560px",
            height="320px",
            legend_location="top-right",
        )
        self.loss_fig.add_class("nnw-view-race")

    def _build_landscape(self, ctx: ViewContext, colors: list[str]) -> None:
        # One slice around the first trainer's weights; every trainer's path drawn on it
        # (they all start from the same weights, so the paths share their origin).
        self.landscape = view = LandscapeView(ctx)
        fig = next(iter(figures(view.widget)))
        fig.title = f"Loss landscape around {self.names[0]}'s weights, every path on it"
        view.path.colors = [colors[0]]
        self.paths = [view.path] + [
            Lines(x=[], y=[], scales=view.path.scales, colors=[c], stroke_width=2)
            for c in colors[1:]
        ]
        fig.marks = [*fig.marks, *self.paths[1:]]
        self._trajectories = [[] for _ in self.trainers]
        self._keys = sorted(self.trainers[0].snapshot().params)

    # -------------------------------------------------------------- actions
    def step(self) -> None:
        """One minibatch for every trainer, then redraw."""
        self.lockstep.run_steps(1)
        self.refresh()

    def step_epoch(self) -> None:
        """Every trainer to the end of its current epoch, then redraw."""
        for t in self.trainers:
            t.step_epoch()
        self.refresh()

    def play(self):
        """Play all trainers together; returns the asyncio task."""
        self.controls.say("")
        self.controls.show_play_state(True)
        return self.runner.start()

    def pause(self) -> None:
        """Pause."""
        self.runner.stop()
        self.controls.show_play_state(False)

    def reset(self) -> None:
        """Every trainer back to step 0."""
        self.pause()
        for t in self.trainers:
            t.reset()
        if self.landscape is not None:
            for trail in self._trajectories:
                trail.clear()
            self.landscape.clear_path()
            self.landscape.request()
        self.refresh()

    def _set_lr(self, value: float) -> None:
        for t in self.trainers:
            t.lr = value
        if not self.runner.playing:
            self.refresh()

    def _on_play(self, change) -> None:
        if self.controls.syncing:
            return
        if change["new"]:
            self.play()
        else:
            self.pause()

    def _on_stop(self, reason: str) -> None:
        self.controls.show_play_state(False)
        if reason.startswith("error"):
            self.controls.say(f"Play stopped: {reason}", error=True)
            return
        if reason == PAGE_SILENT:
            self.controls.say(page_silent_message(self.runner.page_timeout))
        self.refresh()

    # -------------------------------------------------------------- drawing
    def refresh(self) -> None:
        """Redraw the loss curves, boundaries, landscape and status (announced at
        once), and the figures' texts."""
        self._draw(range(len(self.boundaries)), landscape=True, status=True, full=True)

    def refresh_playing(self) -> None:
        """One refresh while playing: the loss curves every time, of the boundaries and
        the landscape at most one, in turn (see ``RefreshSchedule``), and the status
        line when its time has come."""
        rates = {RACE: None}
        rates.update({i: v.play_hz for i, v in enumerate(self.boundaries)})
        if self.landscape is not None:
            rates["landscape"] = self.landscape.play_hz
        names, status = self.schedule.due(rates)
        boundaries = [n for n in names if isinstance(n, int)]
        self._draw(boundaries, landscape="landscape" in names, status=status)

    def _draw(self, boundaries, landscape: bool, status: bool, full: bool = False) -> None:
        self._draw_race()
        snaps = [t.snapshot() for t in self.trainers]
        for i in boundaries:
            self.boundaries[i].update(snaps[i], self.trainers[i].history)
        if landscape and self.landscape is not None:
            self._draw_landscape(snaps)
        if status:
            self.status.value = "<br>".join(
                f"<b>{html.escape(name)}</b>: {html.escape(snap.status_line())}"
                for name, snap in zip(self.names, snaps, strict=True)
            )
            # one sentence per trainer when spoken: "; " where the page breaks lines
            self.announcer.say(self.status.value.replace("<br>", "; "), now=full)
        if full:  # not while playing: a screen reader reads them when asked, not live
            self.a11y.describe(self._describe(snaps))
        self._frames.sent(self.runner.page_timeout)

    def _describe(self, snaps) -> dict[str, list[str]]:
        """A short text for each figure: the race's losses, each boundary's accuracy,
        the landscape's slice."""
        losses = []
        for name, snap in zip(self.names, snaps, strict=True):
            test = snap.metrics.get("test_loss")
            kind, loss = ("test", test) if test is not None else ("batch", snap.batch_loss)
            losses.append(
                f"{name} {kind} loss {loss:.3g}" if math.isfinite(loss) else f"{name}: no loss yet"
            )
        step = self.lockstep.step_count
        texts = {RACE: [f"{self.loss_fig.title}. At step {step}: {'; '.join(losses)}"]}
        for i, view in enumerate(self.boundaries):
            texts[f"boundary-{i}"] = view.describe(snaps[i], self.trainers[i].history)
        if self.landscape is not None:
            texts["landscape"] = self.landscape.describe(snaps[0], self.trainers[0].history)
        return texts

    def _draw_race(self) -> None:
        bx, by, tx, ty = [], [], [], []
        for t in self.trainers:  # a log axis: losses of zero are left out
            x, y = t.history.series("batch_loss", MAX_POINTS)
            bx.append(x)
            by.append(np.where(y > 0, y, np.nan))
            ex, test = t.history.series("test_loss", MAX_POINTS)
            tx.extend(epoch_steps(t.history, ex))
            ty.append(np.where(test > 0, test, np.nan))
        n = len(self.trainers)
        draw_lines(self.batch_lines, bx, by, colors=self._race_colors, opacities=[0.35] * n)
        draw_lines(self.test_lines, tx, ty, colors=self._race_colors, labels=self.names)

    def _draw_landscape(self, snaps) -> None:
        view = self.landscape
        view.update(snaps[0], self.trainers[0].history)
        for i, snap in enumerate(snaps):
            trail = self._trajectories[i]
            point = flatten(snap.params, self._keys)
            if not trail or not np.array_equal(trail[-1], point):
                trail.append(point)
                if len(trail) > MAX_TRAJECTORY:
                    self._trajectories[i] = trail = trail[::2]
            if i == 0:
                continue  # the view draws the first trainer's own path
            coords = view.project(np.array(trail))
            with self.paths[i].hold_sync():
                self.paths[i].x = plot_array(coords[:, 0])
                self.paths[i].y = plot_array(coords[:, 1])


def _one_chain(contexts: Sequence[ViewContext]) -> bool:
    """True when every network is a plain chain of one shape: paths on one landscape."""
    return all(c.chain for c in contexts) and len({c.layer_sizes for c in contexts}) == 1


def _default_name(trainer: TrainerProtocol) -> str:
    opt = trainer.optimizer
    if isinstance(opt, optim.Optimizer):  # ours: SGD(lr=0.1, momentum=0.9, ...)
        return repr(opt)
    # torch.optim's repr spans many lines: its class name and rate say enough
    groups = opt.param_groups
    lr = groups[0].get("lr") if groups else None
    return type(opt).__name__ + (f"(lr={lr:g})" if isinstance(lr, int | float) else "")


def compare(
    trainers_or_factory: Sequence | Callable,
    ds=None,
    optimizers: Mapping[str, object] | None = None,
    **trainer_kwargs,
) -> Compare:
    """A race of several trainers stepped together.

    ``compare([tr_a, tr_b])`` races existing trainers; ``compare(model_factory, ds,
    optimizers={"SGD": nw.optim.SGD(lr=0.1), "Adam": nw.optim.Adam(lr=0.01)})`` builds
    one trainer per optimizer from identical initial weights (``model_factory()`` is
    called once per trainer and must return the same weights each time, e.g. a fixed
    seed) and identical batches (the same trainer seed).
    """
    if callable(trainers_or_factory) and not isinstance(trainers_or_factory, Sequence):
        if ds is None or not optimizers:
            raise ValueError(
                "compare(model_factory, ds, optimizers={...}) needs ds and at least one optimizer"
            )
        trainers, names = [], []
        first = None
        for name, opt in optimizers.items():
            model = trainers_or_factory()
            if first is None:
                first = {k: v.copy() for k, v in model.params.items()}
            elif any(not np.array_equal(first[k], v) for k, v in model.params.items()):
                raise ValueError(
                    "model_factory must return identical initial weights each "
                    "call (give the MLP a fixed seed)"
                )
            trainers.append(
                Trainer(model, ds, optimizer=optim.get_optimizer(opt), **trainer_kwargs)
            )
            names.append(str(name))
        return Compare(trainers, names)
    return Compare(list(trainers_or_factory))
