"""The Dashboard: controls and views around one trainer, with the Runner playing it.

Its parts live beside it: ``controls`` (the widgets, and how they show a trainer's
settings), ``pacing`` (the page acknowledges what it drew), ``schedule`` (what a
refresh while playing draws), ``lookback`` (the scrubber and rewind), ``files``
(save, load and exports; ``export`` and ``composite`` make one image of the views) and
``weight_editor``.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Sequence
from os import PathLike

from ipywidgets import HBox, Layout, VBox

from ..core import MLP, Trainer, datasets, optim
from ..core.protocols import Configurable, TrainerProtocol
from ..views import VIEWS, BoundaryView, View, ViewContext
from ..views.theme import stylesheet
from .a11y import Accessibility, Announcer
from .cells import replace_in_cell
from .controls import HIDEABLE, Controls
from .export import EXPORT_TIMEOUT, Export
from .files import FilesPanel
from .lookback import MAX_SCRUB_POINTS, LookBack
from .mainloop import MainLoop
from .pace import LESSON_SPEED, MAX, check_speed, server_max_speed
from .pacing import RATE_WINDOW, FrameCounter, _Acknowledgement
from .runner import PAGE_SILENT, PAGE_TIMEOUT, Runner, page_silent_message
from .schedule import STATUS_PACED_HZ, STATUS_PLAY_HZ, RefreshSchedule
from .sight import Sight
from .weight_editor import WeightEditor, weight_editor_for

__all__ = [
    "CONFIG_VERSION",
    "DEFAULT_VIEWS",
    "MAX_SCRUB_POINTS",
    "RATE_WINDOW",
    "STATUS_PACED_HZ",
    "STATUS_PLAY_HZ",
    "Dashboard",
    "FrameCounter",
    "WeightEditor",
    "_Acknowledgement",
    "check_hide",
    "demo",
]

DEFAULT_VIEWS = ("loss", "weights", "gradients", "boundary")
CONFIG_VERSION = 1
FIRST_ROW = ("loss", "boundary")  # views that sit side by side at the top
#: views with parts of the dashboard's around them (the weight editor, the minibatch
#: rings): ``add_view`` rebuilds every view for them
NEEDS_REBUILD = ("network", "boundary")


def check_hide(hide) -> tuple[str, ...]:
    """Validate the names of controls to hide (see ``Controls.groups``)."""
    if isinstance(hide, str) or not isinstance(hide, Iterable):
        raise TypeError(f"hide must be a list of control names, got {type(hide).__name__}")
    hide = tuple(hide)
    unknown = [h for h in hide if h not in HIDEABLE]
    if unknown:
        raise ValueError(f"hide names unknown controls {unknown}; expected some of {HIDEABLE}")
    return hide


def setup_config(trainer, views: Sequence[str], hide: Sequence[str]) -> dict:
    """A dashboard's whole setup as a JSON-ready dict (see ``Dashboard.config``)."""
    if not isinstance(trainer, Configurable):
        raise TypeError(f"config needs an nw.Trainer, got {type(trainer).__name__}")
    cfg = trainer.config()
    keep = ("model", "optimizer", "batch_size", "l1", "l2", "seed")
    return {
        "version": CONFIG_VERSION,
        "dataset": dict(cfg["dataset"]),
        **{key: cfg[key] for key in keep},
        "views": list(views),
        "hide": list(hide),
    }


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
    status line ``STATUS_PLAY_HZ`` times a second (``STATUS_PACED_HZ`` at a set pace),
    slower views (``View.play_hz``, or ``View.paced_hz`` at a set pace) one at a time,
    at their own rate.

    ``speed`` is the pace of play (steps per second, or ``"max"``), capped at
    ``max_speed``. Play pauses by itself when the page that acknowledged its refreshes
    has been silent for ``page_timeout`` seconds (a closed tab, a re-run cell); a
    dashboard no page ever drew (tests, nbconvert) plays on. ``close()`` stops play.
    """

    runner: Runner | None = None  # set by __init__; close() may run before (ipywidgets' __del__)

    def __init__(
        self,
        trainer: TrainerProtocol,
        views: Sequence[str] = DEFAULT_VIEWS,
        refresh_hz: float | None = None,
        hide: Sequence[str] = (),
        speed: float | str = MAX,
        max_speed: float | None = None,
        page_timeout: float | None = PAGE_TIMEOUT,
        **kwargs,
    ) -> None:
        view_names = _check_views(views)
        hide = check_hide(hide)
        if max_speed is None:
            max_speed = server_max_speed()  # nnwidgets serve --max-speed
        else:
            max_speed = check_speed(max_speed, None)
        check_speed(speed)
        if not isinstance(trainer, TrainerProtocol):
            raise TypeError(
                f"trainer must speak the trainer protocol: got {type(trainer).__name__}"
            )
        super().__init__(**kwargs)
        self.add_class("nnw-dashboard")
        self._main = MainLoop()
        self.trainer = trainer
        self.controls = Controls(n_train=len(trainer.view_context().ds.X_train))
        self.controls_box = self.controls.widget()  # built once: rebuilt views keep it
        self.a11y = Accessibility()  # names, figure texts and the live status for the page
        self.announcer = Announcer(self.a11y)
        self.sight = Sight()  # which views the page shows: play redraws only those
        self._frames = FrameCounter()
        self._theme = stylesheet()  # the colours of our captions, warnings and errors
        self.schedule = RefreshSchedule()
        self.runner = Runner(
            trainer,
            self.refresh_playing,
            refresh_hz,
            on_stop=self._on_stop,
            ready=self.frontend_ready,
            paced=lambda: self._frames.answered,
            heard_at=self._frames.silent_since,
            page_timeout=page_timeout,
        )
        self.max_speed = max_speed
        self.views: dict[str, View] = {}
        self.speed = speed
        self.look_back = LookBack(self)
        self.files = FilesPanel(self)
        self.view_names = view_names
        self._build_views()
        self._wire()
        self.controls.show_settings(trainer)
        self.hidden_controls = hide
        self.controls.hide(hide)
        self.refresh()
        replace_in_cell(self, lambda old: old.runner.stop())

    @property
    def speed(self) -> float | str:
        """The pace of play in training steps per second, or ``"max"`` (flat out).
        Settable while playing: a new pace takes effect at once. Capped at
        ``max_speed`` when the dashboard has one (a class server's limit)."""
        return self.controls.speed.value

    @speed.setter
    def speed(self, value: float | str) -> None:
        pace = check_speed(value, self.max_speed)
        self.runner.speed = pace
        self._frames.pace(self.runner.paced_refresh_hz)
        with self.controls.quietly():
            self.controls.speed.value = MAX if pace is None else pace
        self._mark_batches()

    def _mark_batches(self) -> None:
        """At a step-through pace the boundary view rings the step's minibatch."""
        boundary = self.views.get("boundary")
        if isinstance(boundary, BoundaryView) and boundary.follow_pace(self.runner.speed):
            boundary.update(self.look_back.snapshot(), self.trainer.history)

    def _set_speed(self, value: float | str) -> None:
        self.speed = value

    @property
    def on_main(self) -> Callable[[Callable], Callable]:
        """Wraps a widget callback so that it runs on the dashboard's main loop."""
        return self._main.wrap

    @property
    def config(self) -> dict:
        """The whole setup as a JSON-ready dict: data set, network, optimizer, seeds,
        views and hidden controls. ``nw.playground(config=dash.config)`` rebuilds it."""
        return setup_config(self.trainer, self.view_names, self.hidden_controls)

    # ---------------------------------------------------------------- layout
    def _build_views(self) -> None:
        ctx = self._view_context()
        self.views = {name: VIEWS[name](ctx) for name in self.view_names}
        # loss and boundary first: the two a lesson watches, side by side when they fit
        order = [n for n in FIRST_ROW if n in self.views]
        order += [n for n in self.view_names if n not in FIRST_ROW]
        cells = [self.views[n].widget for n in order]
        network = self.views.get("network")
        if network is not None:
            self.weight_editor = weight_editor_for(self, network)
            cells.insert(cells.index(network.widget) + 1, self.weight_editor)
        grid = HBox(cells, layout=Layout(flex_flow="row wrap", align_items="flex-start"))
        boundary = self.views.get("boundary")
        if isinstance(boundary, BoundaryView):
            boundary.follow_pace(self.runner.speed)
        grid.add_class("nnw-views")
        self._grid = grid
        self.children = [
            self.controls_box,
            grid,
            self._frames.widget,
            self.files.exports.page,
            self.a11y,
            self.sight,
            self._theme,
        ]

    def _view_context(self) -> ViewContext:
        return ViewContext.from_trainer(self.trainer, on_main=self.on_main)

    def add_view(self, name: str) -> View:
        """Show one more view (a name of ``VIEWS``), after the others, drawn at once; it
        stays through a rebuild and is in ``config``. ``ValueError`` for an unknown name
        or one already shown."""
        if not isinstance(name, str):
            raise TypeError(f"name must be a view name, got {type(name).__name__}")
        self.view_names = _check_views((*self.view_names, name))
        if name in NEEDS_REBUILD:  # with parts of its own around it: rebuild them all
            self._build_views()
            self.refresh()
            return self.views[name]
        view = self.views[name] = VIEWS[name](self._view_context())
        self._grid.children = (*self._grid.children, view.widget)
        if self._grid not in self.children:  # a playground took the others to its columns
            at = self.children.index(self._frames.widget)
            self.children = (*self.children[:at], self._grid, *self.children[at:])
        self._draw([view], status=False, full=True)
        return view

    def on_shown(self, callback: Callable[[], object]) -> None:
        """``callback()`` on the main loop once a page has shown this dashboard (at once
        if one has); never without a page (tests, nbconvert)."""
        self.a11y.when_shown(self.on_main(callback))

    def set_trainer(self, trainer: TrainerProtocol) -> None:
        """Watch another trainer (views are rebuilt for its network and data)."""
        self.pause()
        self.trainer = trainer
        self.runner.trainer = trainer
        self.controls.batch_size.max = max(1, len(trainer.view_context().ds.X_train))
        self._build_views()
        self.controls.show_settings(trainer)
        self.refresh()

    # --------------------------------------------------------------- wiring
    def _wire(self) -> None:
        c, guard = self.controls, self.controls.guard
        m = self.on_main  # callbacks may arrive on a comm thread: run them on the main loop

        def on_value(widget, action, key: str | None = None) -> None:
            """A new value of ``widget`` goes to ``action`` (as ``key=value`` if given)."""

            def changed(change) -> None:
                if key is None:
                    self._from_control(action, change["new"])
                else:
                    self._from_control(action, **{key: change["new"]})

            widget.observe(m(changed), names="value")

        c.step.on_click(m(lambda _: guard(self.step)))
        c.epoch.on_click(m(lambda _: guard(self.step_epoch)))
        c.reset.on_click(m(lambda _: guard(self.reset)))
        c.play.observe(m(self._on_play), names="value")
        on_value(c.lr, self._set_lr)
        on_value(c.speed, self._set_speed)
        for key, widget in (("batch_size", c.batch_size), ("l1", c.l1), ("l2", c.l2)):
            on_value(widget, self._configure, key=key)
        c.optimizer.observe(m(lambda _: self._from_control(self._on_optimizer)), names="value")
        c.opt_arg.observe(m(lambda _: self._from_control(self._on_optimizer)), names="value")
        on_value(c.scrubber, self.look_back.on_scrub)
        c.rewind.on_click(m(lambda _: guard(self.continue_from_here)))
        c.save.on_click(m(lambda _: guard(self.save, c.path.value)))
        c.load.on_click(m(lambda _: guard(self.load, c.path.value)))
        c.export_csv.on_click(m(lambda _: guard(self.export_csv, c.path.value)))
        c.export_png.on_click(m(lambda _: guard(self.files.download, "png")))
        c.export_svg.on_click(m(lambda _: guard(self.files.download, "svg")))
        on_value(c.stop_after, self._set_stop_after)

    def _from_control(self, action, *args, **kwargs) -> None:
        c = self.controls
        if c.syncing:
            return
        if not c.guard(action, *args, **kwargs):
            # the control snaps back to what the trainer really uses
            message = c.message.value
            c.show_settings(self.trainer)
            with c.quietly():
                c.stop_after.value = self.runner.stop_after_epochs
            c.message.value = message

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
        self._configure(optimizer=self.controls.chosen_optimizer(self.trainer.base_lr))

    # ------------------------------------------------- look back and files
    @property
    def viewing_step(self) -> int | None:
        """The earlier step the scrubber shows, or None when it shows the trainer now."""
        return self.look_back.viewing_step

    def continue_from_here(self) -> None:
        """Rewind the trainer to the step the scrubber shows, and go on from there."""
        self.look_back.continue_from_here()

    def save(self, path: str) -> None:
        """Save the whole run (as the Save button)."""
        self.files.save(path)

    def load(self, path: str) -> None:
        """Load a saved run and watch it (as the Load button); the current one is kept if
        the file cannot be read."""
        self.files.load(path)

    def export_csv(self, path: str) -> str:
        """Write the history as CSV (``path`` with a ``.csv`` suffix); returns the file name."""
        return self.files.export_csv(path)

    def export_png(
        self,
        path: str | PathLike | None = None,
        *,
        download: bool | str | None = None,
        scale: float | None = None,
        timeout: float = EXPORT_TIMEOUT,
        prefix: str | None = None,
        fmt: str | None = None,
    ) -> Export:
        """The whole dashboard as one PNG image, every figure where it is on screen.

        The page draws it, so the image arrives after this cell has finished: the
        returned ``Export`` then holds it (``export.data``, the PNG's bytes), and it is
        written to ``path`` when given (``.png`` added) and saved by the browser as one
        download when ``download`` is True or a file name. ``scale`` multiplies the
        resolution (default: the screen's pixel ratio). Raises ``ExportError`` when no
        page shows the dashboard; the export fails (``export.error``, and the message
        line) when the page does not answer within ``timeout`` seconds.

        Deprecated: ``prefix=`` (now ``download=NAME``) and ``fmt=`` (now
        ``export_svg()``); both warn.
        """
        return self.files.export_png(
            path,
            download=download,
            scale=scale,
            timeout=timeout,
            prefix=prefix,
            fmt=fmt,
        )

    def export_svg(
        self,
        path: str | PathLike | None = None,
        *,
        download: bool | str | None = None,
        timeout: float = EXPORT_TIMEOUT,
        prefix: str | None = None,
    ) -> Export:
        """The whole dashboard as one SVG image, every figure where it is on screen (a
        ``<g class="nnw-export-figure bqplot" data-view=NAME>`` each); as ``export_png``."""
        return self.files.export_svg(path, download=download, timeout=timeout, prefix=prefix)

    # -------------------------------------------------------------- actions
    def step(self) -> None:
        """One minibatch, then refresh every view."""
        self.look_back.go_live()
        self.trainer.step()
        self.refresh()

    def step_epoch(self) -> None:
        """To the end of the current epoch, then refresh every view."""
        self.look_back.go_live()
        self.trainer.step_epoch()
        self.refresh()

    def play(self):
        """Start playing (as the Play button); returns the asyncio task."""
        return self._start_runner()

    def pause(self) -> None:
        """Stop playing at the next step boundary (as the Pause button)."""
        self.runner.stop()
        self.controls.show_play_state(False)

    def reset(self) -> None:
        """Back to step 0 with the same weights and batch order."""
        self.pause()
        self.look_back.go_live()
        self.trainer.reset()
        self.controls.show_settings(self.trainer)
        self.refresh()

    def _on_play(self, change) -> None:
        if self.controls.syncing:
            return
        if change["new"]:
            self._start_runner()
        else:
            self.pause()

    def _start_runner(self):
        self.look_back.go_live()
        if self.trainer.diverged:
            self.controls.say(
                "Training diverged: lower the learning rate, reset or rewind first.", error=True
            )
            self.controls.show_play_state(False)
            return None
        self.controls.say("")
        self.controls.show_play_state(True)
        return self.runner.start()

    def _on_stop(self, reason: str) -> None:
        self.controls.show_play_state(False)
        if reason.startswith("error"):
            self.controls.say(f"Play stopped: {reason}", error=True)
            return  # a refresh could fail the same way again
        if reason == "finished":
            self.controls.say(f"Played {self.runner.stop_after_epochs} epochs.")
        elif reason == PAGE_SILENT:
            self.controls.say(page_silent_message(self.runner.page_timeout))
        self.refresh()

    def close(self) -> None:
        """Stop playing at once, then close the dashboard's widget."""
        if self.runner is not None:  # None while a refused constructor is collected
            self.runner.stop()
        super().close()

    # -------------------------------------------------------------- refresh
    def refresh(self) -> None:
        """Draw the trainer's current state in the status line and every view; the
        status is announced at once and the figures' text alternatives follow."""
        self.look_back.sync()
        self._draw(self.views.values(), status=True, full=True)

    def refresh_playing(self) -> None:
        """One refresh while playing: the views that follow every step (``play_hz`` None),
        and of the slower ones at most one, the most overdue, when its time has come;
        the status line when its time has come (see ``RefreshSchedule``). Views no page
        shows (``sight``: scrolled away, a hidden tab) wait until one does. The look-back
        slider waits for the full refresh at the end of play."""
        paced = self.runner.speed is not None
        shows = self.sight.shows
        rates = {n: v.paced_hz if paced else v.play_hz for n, v in self.views.items() if shows(n)}
        names, status = self.schedule.due(rates, paced)
        self._draw([self.views[n] for n in names], status=status)

    def _draw(self, views: Iterable[View], status: bool, full: bool = False) -> None:
        snap = self.look_back.snapshot()
        history = self.trainer.history
        for view in views:
            if full:
                view.update(snap, history)
            else:
                view.update_playing(snap, history)
        if status:
            self._set_status(snap, self.viewing_step, announce_now=full)
        if full:  # not while playing: a screen reader reads them when asked, not live
            self.a11y.describe({n: v.describe(snap, history) for n, v in self.views.items()})
        self._frames.sent(self.runner.page_timeout)

    def _set_status(self, snap, step: int | None, announce_now: bool = False) -> None:
        rate = self.runner.steps_per_second if self.runner.playing else None
        line = html.escape(snap.status_line(rate))
        if snap.diverged:
            line = f"<span class='nnw-error' style='font-weight:600'>{line}</span>"
        if step is not None:
            line = (
                f"<b>viewing step {step}</b> (training is at step {self.trainer.step_count}; "
                f"“Continue from here” rewinds to it) · {line}"
            )
        self.controls.status.value = line
        self.announcer.say(line, now=announce_now)

    @property
    def frames_per_second(self) -> float:
        """Refreshes per second the page drew lately (0.0 without a page)."""
        return self._frames.drawn_hz()

    def frontend_ready(self) -> bool:
        """False while the page is still drawing earlier refreshes (play then skips one)."""
        return self._frames.ready()


def demo(refresh_hz: float | None = None, speed: float | str = LESSON_SPEED) -> Dashboard:
    """A ready Dashboard: two moons, a 2-8-8-1 tanh network, SGD, played at a lesson
    pace (``LESSON_SPEED`` steps per second: it learns in about ten seconds)."""
    ds = datasets.moons(n_samples=200, noise=0.15, seed=0)
    model = MLP([2, 8, 8, 1], activation="tanh", seed=0)
    tr = Trainer(model, ds, optimizer=optim.SGD(lr=0.1), batch_size=10, seed=0)
    return Dashboard(tr, refresh_hz=refresh_hz, speed=speed)
