"""The Dashboard: controls and views around one trainer, with the Runner playing it."""

from __future__ import annotations

import collections
import contextlib
import html
import time
from collections.abc import Iterable, Sequence

import numpy as np
import traitlets
from ipywidgets import HTML, Button, FloatText, HBox, IntText, Layout, VBox, jslink

from ..core import optim
from ..views import VIEWS, View, ViewContext
from ..views.base import figures
from .controls import LIVE, LR_MAX_EXP, LR_MIN_EXP, MAIN_ARGUMENT, Controls
from .mainloop import MainLoop
from .runner import Runner

DEFAULT_VIEWS = ("loss", "weights", "gradients", "boundary")
CONFIG_VERSION = 1
MAX_SCRUB_POINTS = 120  # positions on the look-back slider
RATE_WINDOW = 10  # acknowledgements over which the page's drawing rate is measured
#: status-line updates per second while playing: a number changing faster cannot be
#: read, and each update is one more message for the server and the page to handle
STATUS_PLAY_HZ = 5.0


def check_hide(hide) -> tuple[str, ...]:
    """Validate the names of controls to hide (see ``Controls.groups``)."""
    from .controls import HIDEABLE

    if isinstance(hide, str) or not isinstance(hide, Iterable):
        raise TypeError(f"hide must be a list of control names, got {type(hide).__name__}")
    hide = tuple(hide)
    unknown = [h for h in hide if h not in HIDEABLE]
    if unknown:
        raise ValueError(f"hide names unknown controls {unknown}; expected some of {HIDEABLE}")
    return hide


FIRST_ROW = ("loss", "boundary")  # views that sit side by side at the top


def _check_views(views) -> tuple[str, ...]:
    if isinstance(views, str) or not isinstance(views, Iterable):
        raise TypeError(f"views must be a list of view names, got {type(views).__name__}")
    views = tuple(views)
    for name in views:
        if name not in VIEWS:
            raise ValueError(f"view {name!r} is unknown; expected some of {sorted(VIEWS)}")
    if len(set(views)) != len(views):
        raise ValueError(f"views must not repeat a name, got {list(views)}")
    return views


class Dashboard(VBox):
    """A live training dashboard: Step / Epoch / Play / Reset, a learning-rate slider,
    optimizer and regularisation controls, a status line, and bqplot views.

    ``dash.step()``, ``dash.step_epoch()``, ``dash.play()`` and ``dash.pause()`` do
    what the buttons do. A click refreshes every view before it returns. Play
    refreshes as often as the page draws, at most ``refresh_hz`` times a second
    (None, the default: up to ``runner.AUTO_HZ`` with a page that acknowledges what it
    drew, ``runner.FALLBACK_HZ`` without one); the loss view at every refresh, the
    status line ``STATUS_PLAY_HZ`` times a second, slower views (``View.play_hz``) one
    at a time, at their own rate.
    """

    def __init__(
        self,
        trainer,
        views: Sequence[str] = DEFAULT_VIEWS,
        refresh_hz: float | None = None,
        hide: Sequence[str] = (),
        **kwargs,
    ) -> None:
        view_names = _check_views(views)
        hide = check_hide(hide)
        for attr in ("step", "step_epoch", "snapshot", "history", "evaluate", "reset"):
            if not hasattr(trainer, attr):
                raise TypeError(
                    f"trainer must speak the trainer protocol (no .{attr}): "
                    f"got {type(trainer).__name__}"
                )
        super().__init__(**kwargs)
        self.add_class("nnw-dashboard")
        self._main = MainLoop()
        self.controls = Controls(n_train=len(trainer.ds.X_train))
        self._frames = FrameCounter()
        self.runner = Runner(
            trainer,
            self.refresh_playing,
            refresh_hz,
            on_stop=self._on_stop,
            ready=self.frontend_ready,
            paced=lambda: self._frames.answered,
        )
        self._view_drawn: dict[str, float] = {}
        self._status_drawn = -np.inf
        self.view_names = view_names
        self._syncing = False
        self.trainer = trainer
        self.views: dict[str, View] = {}
        self._build_views()
        self._wire()
        self._sync_controls()
        self.hidden_controls = hide
        for name in hide:
            for widget in self.controls.groups()[name]:
                widget.layout.display = "none"
        self.refresh()

    @property
    def config(self) -> dict:
        """The whole setup as a JSON-ready dict: data set, network, optimizer, seeds,
        views and hidden controls. ``nw.playground(config=dash.config)`` rebuilds it."""
        tr = self.trainer
        if not hasattr(tr, "config"):
            raise TypeError(f"config needs an nw.Trainer, got {type(tr).__name__}")
        cfg = tr.config()
        return {
            "version": CONFIG_VERSION,
            "dataset": dict(cfg["dataset"]),
            "model": cfg["model"],
            "optimizer": cfg["optimizer"],
            "batch_size": cfg["batch_size"],
            "l1": cfg["l1"],
            "l2": cfg["l2"],
            "seed": cfg["seed"],
            "views": list(self.view_names),
            "hide": list(self.hidden_controls),
        }

    # ---------------------------------------------------------------- layout
    def _build_views(self) -> None:
        ctx = ViewContext.from_trainer(self.trainer, on_main=self._main.wrap)
        self.views = {name: VIEWS[name](ctx) for name in self.view_names}
        top = [self.views[n].widget for n in self.view_names if n in FIRST_ROW]
        rest = [self.views[n].widget for n in self.view_names if n not in FIRST_ROW]
        rows = []
        if top:
            rows.append(HBox(top, layout=Layout(flex_flow="row wrap", align_items="flex-start")))
        rows.extend(rest)
        network = self.views.get("network")
        if network is not None:
            self._wire_network(network)
            rows.insert(
                rows.index(network.widget) + 1 if network.widget in rows else 1, self.weight_editor
            )
        self.children = [self.controls.widget(), *rows, self._frames.widget]

    def _wire_network(self, network) -> None:
        boundary = self.views.get("boundary")
        m = self._main.wrap
        if boundary is not None:
            network.on_select_neuron = m(boundary.show_neuron)
        self.weight_editor = WeightEditor(m(self._set_weight))
        network.on_select_edge = m(self._select_edge)

    def _select_edge(self, layer: int, i: int, j: int) -> None:
        value = float(self.trainer.snapshot().params[f"W{layer}"][i, j])
        self.weight_editor.show(layer, i, j, value, editable=hasattr(self.trainer, "set_param"))

    def _set_weight(self, layer: int, i: int, j: int, value: float) -> None:
        self._guard(self._apply_weight, layer, i, j, value)

    def _apply_weight(self, layer: int, i: int, j: int, value: float) -> None:
        self.trainer.set_param(f"W{layer}", (i, j), value)
        self._say(f"W{layer}[{i},{j}] set to {value:.4g}; step on from here.")
        self.refresh()

    def set_trainer(self, trainer) -> None:
        """Watch another trainer (views are rebuilt for its network and data)."""
        self.pause()
        self.trainer = trainer
        self.runner.trainer = trainer
        self.controls.batch_size.max = max(1, len(trainer.ds.X_train))
        self._build_views()
        self._sync_controls()
        self.refresh()

    # --------------------------------------------------------------- wiring
    def _wire(self) -> None:
        c = self.controls
        m = self._main.wrap  # callbacks may arrive on a comm thread: run them on the main loop
        c.step.on_click(m(lambda _: self._guard(self.step)))
        c.epoch.on_click(m(lambda _: self._guard(self.step_epoch)))
        c.reset.on_click(m(lambda _: self._guard(self.reset)))
        c.play.observe(m(self._on_play), names="value")
        c.lr.observe(m(lambda ch: self._from_control(self._set_lr, ch["new"])), names="value")
        c.batch_size.observe(
            m(lambda ch: self._from_control(self._configure, batch_size=ch["new"])), names="value"
        )
        c.l1.observe(m(lambda ch: self._from_control(self._configure, l1=ch["new"])), names="value")
        c.l2.observe(m(lambda ch: self._from_control(self._configure, l2=ch["new"])), names="value")
        c.optimizer.observe(m(lambda ch: self._from_control(self._on_optimizer)), names="value")
        c.opt_arg.observe(m(lambda ch: self._from_control(self._on_optimizer)), names="value")
        c.scrubber.observe(
            m(lambda ch: self._from_control(self._on_scrub, ch["new"])), names="value"
        )
        c.rewind.on_click(m(lambda _: self._guard(self.continue_from_here)))
        c.save.on_click(m(lambda _: self._guard(self.save, c.path.value)))
        c.load.on_click(m(lambda _: self._guard(self.load, c.path.value)))
        c.export_csv.on_click(m(lambda _: self._guard(self.export_csv, c.path.value)))
        c.export_png.on_click(m(lambda _: self._guard(self.export_png)))
        c.export_svg.on_click(m(lambda _: self._guard(self.export_png, fmt="svg")))
        c.stop_after.observe(
            m(lambda ch: self._from_control(self._set_stop_after, ch["new"])), names="value"
        )

    def _guard(self, action, *args, **kwargs) -> bool:
        """Run a control's action; show a refused input in the dashboard, not a traceback."""
        self.controls.message.value = ""
        try:
            action(*args, **kwargs)
        except (ValueError, TypeError, OSError) as exc:
            self._say(str(exc), error=True)
            return False
        return True

    def _from_control(self, action, *args, **kwargs) -> None:
        if self._syncing:
            return
        if not self._guard(action, *args, **kwargs):
            # the control snaps back to what the trainer really uses
            message = self.controls.message.value
            self._sync_controls()
            with self._syncing_controls():
                self.controls.stop_after.value = self.runner.stop_after_epochs
            self.controls.message.value = message

    def _say(self, text: str, error: bool = False) -> None:
        color = "#b00020" if error else "#333"
        self.controls.message.value = (
            f"<span style='color:{color}'>{html.escape(text)}</span>" if text else ""
        )

    def _set_lr(self, value: float) -> None:
        self.trainer.lr = value
        if not self.runner.playing:
            self.refresh()

    def _configure(self, **kwargs) -> None:
        self.trainer.configure(**kwargs)
        if not self.runner.playing:
            self.refresh()

    def _set_stop_after(self, value: int) -> None:
        if value < 0:
            raise ValueError(f"stop after must be >= 0 epochs, got {value}")
        self.runner.stop_after_epochs = int(value)

    def _on_optimizer(self) -> None:
        c = self.controls
        name = c.optimizer.value
        spec = MAIN_ARGUMENT.get(name)
        if spec is not None and c.opt_arg.description != spec[1]:
            with self._syncing_controls():
                c.set_optimizer_argument(name, None)
        kwargs = {"lr": self.trainer.base_lr}
        if spec is not None:
            arg = c.opt_arg.value
            if spec[0] == "beta1":
                kwargs["betas"] = (arg, 0.999)
            else:
                kwargs["momentum"] = arg
        self.trainer.configure(optimizer=optim.OPTIMIZERS[name](**kwargs))
        if not self.runner.playing:
            self.refresh()

    @contextlib.contextmanager
    def _syncing_controls(self):
        old, self._syncing = self._syncing, True
        try:
            yield
        finally:
            self._syncing = old

    def _sync_controls(self) -> None:
        """Show the trainer's settings in the controls without sending them back."""
        tr, c = self.trainer, self.controls
        # Trainers that only speak the basic protocol (e.g. the PyTorch adapter) keep
        # their own optimizer and settings: those controls are shown but disabled.
        configurable = hasattr(tr, "configure")
        for widget in (c.optimizer, c.opt_arg, c.batch_size, c.l1, c.l2):
            widget.disabled = not configurable
        c.scrubber.disabled = not hasattr(tr, "rewind")
        c.save.disabled = c.load.disabled = c.path.disabled = not hasattr(tr, "save")
        with self._syncing_controls():
            lr = min(max(tr.base_lr, 10.0**LR_MIN_EXP), 10.0**LR_MAX_EXP)
            c.lr.value = lr
            c.batch_size.value = min(tr.batch_size, c.batch_size.max)
            opt = tr.optimizer
            # ours have a name; torch.optim's classes are named as ours (Adam -> "adam")
            name = getattr(opt, "name", None) or type(opt).__name__.lower()
            if name in optim.OPTIMIZERS and name in dict((v, k) for k, v in c.optimizer.options):
                c.optimizer.value = name
                # torch.optim keeps its arguments in `defaults`
                settings = getattr(opt, "defaults", None) or vars(opt)
                arg = settings.get("momentum")
                if settings.get("betas") is not None:
                    arg = settings["betas"][0]
                c.set_optimizer_argument(name, arg)
            for attr in ("l1", "l2"):
                value = getattr(tr, attr, 0.0)
                widget = getattr(c, attr)
                if value not in widget.options:
                    widget.options = sorted({*widget.options, value})
                widget.value = value

    # ---------------------------------------------------------- time travel
    def _on_scrub(self, step: int) -> None:
        if step != LIVE and self.runner.playing:
            self.pause()
        self.refresh()

    @property
    def viewing_step(self) -> int | None:
        """The earlier step the scrubber shows, or None when it shows the trainer now."""
        value = self.controls.scrubber.value
        return None if value == LIVE else value

    def continue_from_here(self) -> None:
        """Rewind the trainer to the step the scrubber shows, and go on from there."""
        step = self.viewing_step
        if step is None:
            return
        self.pause()
        self.trainer.rewind(step=step)
        with self._syncing_controls():
            self.controls.scrubber.value = LIVE
        self._sync_controls()
        self._say(f"Rewound to step {step}; the later history is gone.")
        self.refresh()

    def save(self, path: str) -> None:
        """Save the whole run (as the Save button)."""
        written = self.trainer.save(path)
        self._say(f"Saved step {self.trainer.step_count} to {written}.")

    def load(self, path: str) -> None:
        """Load a saved run and watch it (as the Load button); the current one is kept if
        the file cannot be read."""
        from ..core.trainer import Trainer

        trainer = Trainer.load(path)
        self.set_trainer(trainer)
        self._say(f"Loaded {path}: step {trainer.step_count}, epoch {trainer.epoch}.")

    def export_csv(self, path: str) -> str:
        """Write the history as CSV (``path`` with a ``.csv`` suffix); returns the file name."""
        from pathlib import Path

        target = Path(path).with_suffix(".csv")
        self.trainer.history.to_csv(target)
        self._say(f"History written to {target}.")
        return str(target)

    def export_png(self, prefix: str = "nnwidgets", fmt: str = "png") -> list[str]:
        """Ask the browser to download every view's figure as PNG (or ``fmt="svg"``);
        returns the file names."""
        if fmt not in ("png", "svg"):
            raise ValueError(f"fmt must be 'png' or 'svg', got {fmt!r}")
        names = []
        for view_name, view in self.views.items():
            for i, fig in enumerate(figures(view.widget)):
                name = f"{prefix}-{view_name}-{i}.{fmt}"
                (fig.save_png if fmt == "png" else fig.save_svg)(name)
                names.append(name)
        self._say(f"Downloading {len(names)} figures as {fmt.upper()}.")
        return names

    def _sync_scrubber(self) -> None:
        store = getattr(self.trainer, "_checkpoints", None)
        if store is not None:  # nothing to redo while the kept checkpoints are the same
            items = store.items
            key = (
                id(self.trainer),
                len(items),
                items[-1].step if items else None,
                self.trainer.step_count == (items[-1].step if items else None),
            )
            if key == getattr(self, "_scrub_key", None):
                self.controls.rewind.disabled = self.controls.scrubber.value == LIVE
                return
            self._scrub_key = key
        points = [
            p for p in getattr(self.trainer, "checkpoints", []) if p[0] < self.trainer.step_count
        ]
        if len(points) > MAX_SCRUB_POINTS:  # evenly spread, always with the first and last
            picks = np.linspace(0, len(points) - 1, MAX_SCRUB_POINTS).round().astype(int)
            points = [points[i] for i in sorted(set(picks))]
        options = [(f"step {s} · epoch {e}", s) for s, e in points]
        options.append(("now", LIVE))
        scrub = self.controls.scrubber
        if tuple(options) != tuple(scrub.options):
            with self._syncing_controls():
                keep = scrub.value if scrub.value in {v for _, v in options} else LIVE
                scrub.options = options
                scrub.value = keep
        self.controls.rewind.disabled = scrub.value == LIVE

    # -------------------------------------------------------------- actions
    def step(self) -> None:
        """One minibatch, then refresh every view."""
        self._go_live()
        self.trainer.step()
        self.refresh()

    def step_epoch(self) -> None:
        """To the end of the current epoch, then refresh every view."""
        self._go_live()
        self.trainer.step_epoch()
        self.refresh()

    def play(self):
        """Start playing (as the Play button); returns the asyncio task."""
        if not self.controls.play.value:
            with self._syncing_controls():
                self.controls.play.value = True
        return self._start_runner()

    def pause(self) -> None:
        """Stop playing at the next step boundary (as the Pause button)."""
        self.runner.stop()
        if self.controls.play.value:
            with self._syncing_controls():
                self.controls.play.value = False
        self._show_play_state(False)

    def reset(self) -> None:
        """Back to step 0 with the same weights and batch order."""
        self.pause()
        self._go_live()
        self.trainer.reset()
        self._sync_controls()
        self.refresh()

    def _on_play(self, change) -> None:
        if self._syncing:
            return
        if change["new"]:
            self._start_runner()
        else:
            self.pause()

    def _go_live(self) -> None:
        if self.controls.scrubber.value != LIVE:
            with self._syncing_controls():
                self.controls.scrubber.value = LIVE

    def _start_runner(self):
        self._go_live()
        if self.trainer.diverged if hasattr(self.trainer, "diverged") else False:
            self._say(
                "Training diverged: lower the learning rate, reset or rewind first.", error=True
            )
            with self._syncing_controls():
                self.controls.play.value = False
            return None
        self._say("")
        self._show_play_state(True)
        return self.runner.start()

    def _show_play_state(self, playing: bool) -> None:
        p = self.controls.play
        p.description, p.icon = ("Pause", "pause") if playing else ("Play", "play")

    def _on_stop(self, reason: str) -> None:
        with self._syncing_controls():
            self.controls.play.value = False
        self._show_play_state(False)
        if reason.startswith("error"):
            self._say(f"Play stopped: {reason}", error=True)
            return  # a refresh could fail the same way again
        if reason == "finished":
            self._say(f"Played {self.runner.stop_after_epochs} epochs.")
        self.refresh()

    # -------------------------------------------------------------- refresh
    def refresh(self) -> None:
        """Draw the trainer's current state in the status line and every view."""
        self._refresh(self.views.values(), sync_scrubber=True)

    def refresh_playing(self) -> None:
        """One refresh while playing: the views that follow every step (``play_hz`` None),
        and of the slower ones at most one, the most overdue, when its time has come;
        the status line when its time has come. The look-back slider waits for the
        full refresh at the end of play."""
        now = time.perf_counter()
        status = now - self._status_drawn >= 1.0 / STATUS_PLAY_HZ
        if status:
            self._status_drawn = now
        views, due, overdue = [], None, 0.0
        for name, view in self.views.items():
            hz = getattr(view, "play_hz", None)
            if hz is None:
                views.append(view)
                continue
            late = now - self._view_drawn.get(name, -np.inf) - 1.0 / hz
            if late >= 0 and (due is None or late > overdue):
                due, overdue = name, late
        if due is not None:
            self._view_drawn[due] = now
            views.append(self.views[due])
        self._refresh(views, sync_scrubber=False, status=status)

    def _refresh(self, views, sync_scrubber: bool, status: bool = True) -> None:
        t0 = time.perf_counter()
        if sync_scrubber:
            self._sync_scrubber()
        step = self.viewing_step
        snap = self.trainer.snapshot() if step is None else self.trainer.checkpoint_snapshot(step)
        history = self.trainer.history
        for view in views:
            view.update(snap, history)
        if status:
            self._set_status(snap, step)
        self._frames.sent()
        self.last_refresh_seconds = time.perf_counter() - t0

    def _set_status(self, snap, step: int | None) -> None:
        rate = self.runner.steps_per_second if self.runner.playing else None
        line = html.escape(snap.status_line(rate))
        if snap.diverged:
            line = f"<span style='color:#b00020;font-weight:600'>{line}</span>"
        if step is not None:
            line = (
                f"<b>viewing step {step}</b> (training is at step {self.trainer.step_count}; "
                f"“Continue from here” rewinds to it) · {line}"
            )
        self.controls.status.value = line

    @property
    def frames_per_second(self) -> float:
        """Refreshes per second the page drew lately (0.0 without a page)."""
        return self._frames.drawn_hz()

    def frontend_ready(self) -> bool:
        """False while the page is still drawing earlier refreshes (play then skips one)."""
        return self._frames.ready()


class _Acknowledgement(IntText):
    """The page's side of the count: set in the page only, and not echoed back to the
    page by the kernel (each echo is one more message through server and page)."""

    value = traitlets.CInt(0, help="Int value").tag(sync=True, echo_update=False)


class FrameCounter:
    """Counts refreshes the page has drawn: a number sent with every ``ACK_EVERY``-th
    refresh comes back through a link in the page (``jslink``), after the page handled
    that refresh's updates. Without a page (tests, nbclient) nothing comes back and
    nothing waits."""

    MAX_WAIT = 1.0  # seconds: a page that stopped answering still gets a refresh this often
    #: refreshes sent but not yet acknowledged before play waits: enough that the page
    #: finds the next refresh waiting when it has drawn one (the acknowledgement's round
    #: trip through the server and the kernel is hidden), few enough that a Pause is
    #: only a few refreshes behind
    IN_FLIGHT = 3
    #: refreshes per acknowledgement. Each acknowledgement is a request to the kernel,
    #: which JupyterLab answers with busy and idle messages and a toolbar update: one
    #: per two refreshes drew 22 instead of 16 refreshes a second in the browser
    #: benchmark (bench/RESULTS-browser.md)
    ACK_EVERY = 2

    def __init__(self) -> None:
        self.out = IntText(value=0)
        self.back = _Acknowledgement(value=0)
        self.link = jslink((self.out, "value"), (self.back, "value"))
        self.widget = HBox([self.out, self.back], layout=Layout(display="none"))
        self.widget.add_class("nnw-frames")
        self.count = 0
        self.drawn = 0
        self.answered = False
        self.last_sent = 0.0
        self._drawn_at: collections.deque[float] = collections.deque(maxlen=RATE_WINDOW)
        self.back.observe(self._drawn, names="value")

    def _drawn(self, change) -> None:
        # May run on a comm thread: it only stores values.
        self.drawn = max(self.drawn, int(change["new"]))
        self.answered = True
        self._drawn_at.append((time.perf_counter(), self.drawn))

    def drawn_hz(self) -> float:
        """Refreshes per second the page drew, over the last few acknowledgements
        (0.0 when none came lately)."""
        marks = list(self._drawn_at)
        if len(marks) < 2 or time.perf_counter() - marks[-1][0] > self.MAX_WAIT:
            return 0.0
        (t0, n0), (t1, n1) = marks[0], marks[-1]
        return (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0

    def sent(self) -> None:
        """Call after each refresh."""
        self.count += 1
        self.last_sent = time.perf_counter()
        if self.count % self.ACK_EVERY == 0:
            self.out.value = self.count

    def ready(self) -> bool:
        """True when at most ``IN_FLIGHT`` refreshes are still on their way or being drawn."""
        if not self.answered:
            return True
        if self.count - self.drawn <= self.IN_FLIGHT:
            return True
        return time.perf_counter() - self.last_sent > self.MAX_WAIT


class WeightEditor(HBox):
    """Set one weight by hand: shown when an edge of the network view is clicked."""

    def __init__(self, apply) -> None:
        self.label = HTML()
        self.value = FloatText(value=0.0, step=0.1, layout=Layout(width="120px"))
        self.value.add_class("nnw-weight-value")
        self.button = Button(description="Set weight", icon="pencil", layout=Layout(width="auto"))
        self.button.add_class("nnw-set-weight")
        self._target: tuple[int, int, int] | None = None
        self.button.on_click(lambda _: self._target and apply(*self._target, self.value.value))
        super().__init__(
            [self.label, self.value, self.button],
            layout=Layout(display="none", align_items="center"),
        )
        self.add_class("nnw-weight-editor")

    def show(self, layer: int, i: int, j: int, value: float, editable: bool = True) -> None:
        """Edit ``W{layer}[i, j]``, now ``value``."""
        self._target = (layer, i, j)
        self.label.value = f"W{layer}[{i},{j}] from unit {i} to unit {j}:&nbsp;"
        self.value.value = value
        self.button.disabled = not editable
        self.layout.display = "flex"


def demo(refresh_hz: float | None = None) -> Dashboard:
    """A ready Dashboard: two moons, a 2-8-8-1 tanh network, SGD."""
    from .. import core

    ds = core.datasets.moons(n_samples=200, noise=0.15, seed=0)
    model = core.MLP([2, 8, 8, 1], activation="tanh", seed=0)
    tr = core.Trainer(model, ds, optimizer=optim.SGD(lr=0.1), batch_size=10, seed=0)
    return Dashboard(tr, refresh_hz=refresh_hz)
