"""The optimizer race: several trainers stepped together by one set of controls."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence

import numpy as np
from bqplot import LinearScale, Lines, LogScale
from ipywidgets import HTML, HBox, Layout, ToggleButton, VBox

from ..core import Trainer, optim
from ..views import BoundaryView, LandscapeView, ViewContext
from ..views.base import PALETTE, axis, figure, figures, plot_array, stacked_lines
from ..views.landscape import MAX_TRAJECTORY, flatten
from ..views.loss import epoch_steps
from .controls import _button
from .mainloop import MainLoop
from .runner import Runner

MAX_POINTS = 800


class _Lockstep:
    """Steps several trainers together; enough of the trainer protocol for the Runner."""

    def __init__(self, trainers: Sequence) -> None:
        self.trainers = list(trainers)

    @property
    def epoch(self) -> int:
        return min(t.epoch for t in self.trainers)

    @property
    def step_count(self) -> int:
        return max(t.step_count for t in self.trainers)

    @property
    def diverged(self) -> bool:
        return all(getattr(t, "diverged", False) for t in self.trainers)

    def run_steps(self, n: int, stop_epoch: int | None = None) -> int:
        done = 0
        while done < n and (stop_epoch is None or self.epoch < stop_epoch):
            moved = [t.run_steps(1) for t in self.trainers]
            if not any(moved):
                break
            done += 1
        return done


class Compare(VBox):
    """Trainers raced side by side: one Step/Epoch/Play/Reset for all, their loss curves
    overlaid (one colour each), and each one's decision boundary."""

    def __init__(
        self,
        trainers: Sequence,
        names: Sequence[str] | None = None,
        refresh_hz: float = 20.0,
        boundaries: bool = True,
        landscape: bool = True,
    ) -> None:
        trainers = list(trainers)
        if len(trainers) < 1:
            raise ValueError("trainers must hold at least one trainer")
        for t in trainers:
            if not hasattr(t, "run_steps") or not hasattr(t, "history"):
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
        self.runner = Runner(self.lockstep, self.refresh, refresh_hz, on_stop=self._on_stop)
        self.step_button = _button("Step", "nnw-step", "step-forward", "one minibatch each")
        self.epoch_button = _button("Epoch", "nnw-epoch", "fast-forward", "one epoch each")
        self.play_button = ToggleButton(
            value=False,
            description="Play",
            icon="play",
            layout=Layout(width="auto", min_width="84px"),
        )
        self.play_button.add_class("nnw-play")
        self.reset_button = _button("Reset", "nnw-reset", "undo", "all back to step 0")
        self.status = HTML()
        self.status.add_class("nnw-status")
        m = MainLoop().wrap  # comm-thread callbacks run on the main loop
        self.step_button.on_click(m(lambda _: self.step()))
        self.epoch_button.on_click(m(lambda _: self.step_epoch()))
        self.reset_button.on_click(m(lambda _: self.reset()))
        self.play_button.observe(m(self._on_play), names="value")
        colors = [PALETTE[i % len(PALETTE)] for i in range(len(trainers))]
        self.x, self.y = LinearScale(), LogScale()
        self.batch_lines = Lines(
            x=[],
            y=[],
            scales={"x": self.x, "y": self.y},
            colors=colors,
            opacities=[0.35] * len(trainers),
            stroke_width=1,
        )
        self.test_lines = Lines(
            x=[],
            y=[],
            scales={"x": self.x, "y": self.y},
            colors=colors,
            stroke_width=3,
            labels=names,
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
        self.boundaries = []
        if boundaries:
            for t, name in zip(trainers, names, strict=True):
                view = BoundaryView(ViewContext.from_trainer(t))
                view.widget.title = name
                self.boundaries.append(view)
        controls = HBox(
            [self.step_button, self.epoch_button, self.play_button, self.reset_button],
            layout=Layout(align_items="center"),
        )
        children = [controls, self.status, self.loss_fig]
        self.landscape = None
        if landscape and all(hasattr(t, "model") and hasattr(t.model, "params") for t in trainers):
            self._build_landscape(trainers, colors)
            children.append(self.landscape.widget)
        if self.boundaries:
            children.append(
                HBox([v.widget for v in self.boundaries], layout=Layout(flex_flow="row wrap"))
            )
        super().__init__(children)
        self.add_class("nnw-compare")
        self.refresh()

    def _build_landscape(self, trainers, colors) -> None:
        # One slice around the first trainer's weights; every trainer's path drawn on it
        # (they all start from the same weights, so the paths share their origin).
        self.landscape = LandscapeView(ViewContext.from_trainer(trainers[0]))
        view = self.landscape
        fig = next(iter(figures(view.widget)))
        fig.title = f"Loss landscape around {self.names[0]}'s weights, every path on it"
        view.path.colors = [colors[0]]
        self.paths = [view.path] + [
            Lines(x=[], y=[], scales=view.path.scales, colors=[c], stroke_width=2)
            for c in colors[1:]
        ]
        fig.marks = [*fig.marks, *self.paths[1:]]
        self._trajectories = [[] for _ in trainers]
        self._keys = sorted(trainers[0].model.params)

    def _update_landscape(self) -> None:
        view = self.landscape
        view.update(self.trainers[0].snapshot(), self.trainers[0].history)
        for i, t in enumerate(self.trainers):
            trail = self._trajectories[i]
            point = flatten(t.model.params, self._keys)
            if not trail or not np.array_equal(trail[-1], point):
                trail.append(point)
                if len(trail) > MAX_TRAJECTORY:
                    self._trajectories[i] = trail = trail[::2]
            if i == 0:
                continue  # the view draws the first trainer's own path
            coords = view._project(np.array(trail))
            with self.paths[i].hold_sync():
                self.paths[i].x = plot_array(coords[:, 0])
                self.paths[i].y = plot_array(coords[:, 1])

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
        """Play all trainers together."""
        self.play_button.value = True
        return self.runner._task

    def pause(self) -> None:
        """Pause."""
        self.runner.stop()
        self.play_button.value = False

    def reset(self) -> None:
        """Every trainer back to step 0."""
        self.pause()
        for t in self.trainers:
            t.reset()
        if self.landscape is not None:
            for trail in self._trajectories:
                trail.clear()
            self.landscape._trajectory.clear()
            self.landscape.request()
        self.refresh()

    def _on_play(self, change) -> None:
        if change["new"]:
            self.play_button.description, self.play_button.icon = "Pause", "pause"
            self.runner.start()
        else:
            self.runner.stop()
            self.play_button.description, self.play_button.icon = "Play", "play"

    def _on_stop(self, reason: str) -> None:
        self.play_button.value = False
        self.refresh()

    # -------------------------------------------------------------- drawing
    def refresh(self) -> None:
        """Redraw the loss curves, boundaries and status."""
        bx, by, tx, ty = [], [], [], []
        for t in self.trainers:
            x, y = t.history.series("batch_loss", MAX_POINTS)
            bx.append(x)
            by.append(np.where(y > 0, y, np.nan))
            ex, test = t.history.series("test_loss", MAX_POINTS)
            tx.extend(epoch_steps(t.history, ex))
            ty.append(np.where(test > 0, test, np.nan))
        X, Y = stacked_lines(bx, by)
        with self.batch_lines.hold_sync():
            self.batch_lines.x, self.batch_lines.y = plot_array(X), plot_array(Y)
        X, Y = stacked_lines(tx, ty)
        with self.test_lines.hold_sync():
            self.test_lines.x, self.test_lines.y = plot_array(X), plot_array(Y)
        rows = []
        for t, name, view in zip(
            self.trainers, self.names, self.boundaries or [None] * len(self.trainers), strict=True
        ):
            snap = t.snapshot()
            if view is not None:
                view.update(snap, t.history)
            rows.append(f"<b>{html.escape(name)}</b>: {html.escape(snap.status_line())}")
        self.status.value = "<br>".join(rows)
        if self.landscape is not None:
            self._update_landscape()


def _default_name(trainer) -> str:
    opt = getattr(trainer, "optimizer", None)
    if opt is None:
        return type(trainer).__name__
    if hasattr(opt, "hyperparameters"):  # ours: SGD(lr=0.1, momentum=0.9, ...)
        return repr(opt)
    # torch.optim's repr spans many lines: its class name and rate say enough
    groups = getattr(opt, "param_groups", None)
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
