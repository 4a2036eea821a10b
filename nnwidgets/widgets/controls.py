"""The dashboard's controls: ipywidgets with stable CSS classes, and how they show a
trainer's settings (without sending them back) and messages."""

from __future__ import annotations

import contextlib
import html
from collections.abc import Callable, Iterable

from ipywidgets import (
    HTML,
    Accordion,
    BoundedIntText,
    Button,
    Dropdown,
    FloatLogSlider,
    FloatSlider,
    HBox,
    IntText,
    Layout,
    SelectionSlider,
    Text,
    ToggleButton,
    VBox,
)

from ..core.optim import OPTIMIZERS, Optimizer
from ..core.protocols import Configurable, Rewindable, Saveable
from .pace import MAX, SpeedControl

PENALTY_RATES = [0.0, 1e-5, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0]
LR_MIN_EXP, LR_MAX_EXP = -5, 1
HIDEABLE = (
    "step",
    "epoch",
    "play",
    "reset",
    "lr",
    "speed",
    "stop_after",
    "optimizer",
    "batch_size",
    "l1",
    "l2",
    "look_back",
    "files",
)
#: what sits behind the "More settings" disclosure
MORE = ("optimizer", "batch_size", "l1", "l2", "stop_after", "look_back", "files")
LIVE = -1  # the scrubber's value for "the trainer as it is now"


def _button(description: str, css: str, icon: str, tooltip: str) -> Button:
    b = Button(
        description=description,
        icon=icon,
        tooltip=tooltip,
        layout=Layout(width="auto", min_width="72px"),
    )
    b.add_class(css)
    return b


def optimizer_setting(opt) -> tuple[str | None, float | None]:
    """The registered name of optimizer ``opt`` (ours, or torch.optim's of the same
    class name) and the value of its main argument; ``(None, None)`` when unknown."""
    # ours have a name; torch.optim's classes are named as ours (Adam -> "adam")
    name = opt.name if isinstance(opt, Optimizer) else type(opt).__name__.lower()
    cls = OPTIMIZERS.get(name)
    if cls is None:
        return None, None
    if cls.main_argument is None:
        return name, None
    # torch.optim keeps its arguments in `defaults`
    settings = opt.hyperparameters() if isinstance(opt, Optimizer) else opt.defaults
    return name, cls.main_argument.read(settings)


class Controls:
    """Every control of the dashboard; the Dashboard wires them to the trainer.

    Besides the widgets: ``show_settings`` shows a trainer's settings without the
    changes being taken for the user's (``syncing`` is True meanwhile), ``say``
    writes the message line, and ``guard`` runs an action and shows what it refused.
    """

    def __init__(self, n_train: int) -> None:
        self.syncing = False
        self.step = _button("Step", "nnw-step", "step-forward", "one minibatch")
        self.epoch = _button("Epoch", "nnw-epoch", "fast-forward", "to the end of this epoch")
        self.play = ToggleButton(
            value=False,
            description="Play",
            icon="play",
            tooltip="play / pause",
            layout=Layout(width="auto", min_width="72px"),
        )
        self.play.add_class("nnw-play")
        self.reset = _button("Reset", "nnw-reset", "undo", "back to step 0, same weights")
        self.speed = SpeedControl(MAX)
        self.lr = FloatLogSlider(
            value=0.03,
            base=10,
            min=LR_MIN_EXP,
            max=LR_MAX_EXP,
            step=0.01,
            description="learning rate",
            readout_format=".3g",
            continuous_update=False,
            style={"description_width": "84px"},
            layout=Layout(width="270px"),
        )
        self.lr.add_class("nnw-lr")
        self.batch_size = BoundedIntText(
            value=10,
            min=1,
            max=max(1, n_train),
            description="batch size",
            style={"description_width": "70px"},
            layout=Layout(width="150px"),
        )
        self.batch_size.add_class("nnw-batch-size")
        self.optimizer = Dropdown(
            options=[(cls.label, name) for name, cls in OPTIMIZERS.items()],
            value="sgd",
            description="optimizer",
            style={"description_width": "70px"},
            layout=Layout(width="180px"),
        )
        self.optimizer.add_class("nnw-optimizer")
        self.opt_arg = FloatSlider(
            value=0.0,
            min=0.0,
            max=0.99,
            step=0.01,
            description="momentum",
            readout_format=".3g",
            continuous_update=False,
            style={"description_width": "initial"},
            layout=Layout(width="260px"),
        )
        self.opt_arg.add_class("nnw-optimizer-arg")
        self.l1 = Dropdown(
            options=PENALTY_RATES,
            value=0.0,
            description="L1",
            style={"description_width": "24px"},
            layout=Layout(width="120px"),
        )
        self.l1.add_class("nnw-l1")
        self.l2 = Dropdown(
            options=PENALTY_RATES,
            value=0.0,
            description="L2",
            style={"description_width": "24px"},
            layout=Layout(width="120px"),
        )
        self.l2.add_class("nnw-l2")
        self.stop_after = IntText(
            value=0,
            description="stop after",
            tooltip="epochs per play; 0 plays until paused",
            style={"description_width": "70px"},
            layout=Layout(width="150px"),
        )
        self.stop_after.add_class("nnw-stop-after")
        self.scrubber = SelectionSlider(
            options=[("now", LIVE)],
            value=LIVE,
            description="look back",
            continuous_update=True,
            style={"description_width": "70px"},
            layout=Layout(width="420px"),
        )
        self.scrubber.add_class("nnw-scrubber")
        self.rewind = _button(
            "Continue from here",
            "nnw-rewind",
            "history",
            "rewind training to the step shown and go on from there",
        )
        self.rewind.disabled = True
        self.path = Text(
            value="nnwidgets-run.npz",
            description="file",
            style={"description_width": "30px"},
            layout=Layout(width="240px"),
        )
        self.path.add_class("nnw-path")
        self.save = _button("Save", "nnw-save", "save", "save the whole run to the file")
        self.load = _button("Load", "nnw-load", "folder-open", "load a saved run from the file")
        self.export_csv = _button(
            "CSV", "nnw-export-csv", "table", "write the history as CSV beside the file name"
        )
        self.export_png = _button(
            "PNG", "nnw-export-png", "image", "download the dashboard as one PNG image"
        )
        self.export_svg = _button(
            "SVG", "nnw-export-svg", "image", "download the dashboard as one SVG image"
        )
        self.status = HTML(value="")
        self.status.add_class("nnw-status")
        self.message = HTML(value="")
        self.message.add_class("nnw-message")
        self.more = self._build_more()

    # ------------------------------------------------------------ behaviour
    @contextlib.contextmanager
    def quietly(self):
        """Changes made inside are the program's, not the user's (``syncing`` is True)."""
        old, self.syncing = self.syncing, True
        try:
            yield
        finally:
            self.syncing = old

    def say(self, text: str, error: bool = False) -> None:
        """Show ``text`` in the message line (in the error colour for an error; empty
        clears it)."""
        css = "nnw-error" if error else "nnw-text"
        self.message.value = f"<span class='{css}'>{html.escape(text)}</span>" if text else ""

    def guard(self, action: Callable, *args, **kwargs) -> bool:
        """Run a control's action; show a refused input in the message line, not a
        traceback. Returns whether the action went through."""
        self.message.value = ""
        try:
            action(*args, **kwargs)
        except (ValueError, TypeError, OSError) as exc:
            self.say(str(exc), error=True)
            return False
        return True

    def show_play_state(self, playing: bool) -> None:
        """The play button as Pause while playing, as Play otherwise (its value unsent)."""
        p = self.play
        if p.value != playing:
            with self.quietly():
                p.value = playing
        p.description, p.icon = ("Pause", "pause") if playing else ("Play", "play")

    def set_optimizer_argument(self, name: str, value: float | None) -> None:
        """Show the main argument of optimizer ``name`` (hidden when it has none)."""
        arg = OPTIMIZERS[name].main_argument
        if arg is None:
            self.opt_arg.layout.visibility = "hidden"
            return
        self.opt_arg.layout.visibility = "visible"
        lo, hi = arg.low, arg.high
        with self.opt_arg.hold_trait_notifications():
            self.opt_arg.description = arg.text
            self.opt_arg.min, self.opt_arg.max = lo, hi
            self.opt_arg.step = 0.001 if hi > 0.99 else 0.01
            self.opt_arg.value = value if value is not None else lo

    def chosen_optimizer(self, lr: float) -> Optimizer:
        """A new optimizer as the optimizer list and its argument show it, at rate ``lr``;
        the argument control first follows a change of optimizer."""
        name = self.optimizer.value
        cls = OPTIMIZERS[name]
        arg = cls.main_argument
        shown = self.opt_arg.layout.visibility != "hidden" and self.opt_arg.description
        if arg is None or shown != arg.text:  # a change of argument starts at its low end
            with self.quietly():
                self.set_optimizer_argument(name, None)
        kwargs = {} if arg is None else arg.kwargs(cls, self.opt_arg.value)
        return cls(lr=lr, **kwargs)

    def show_settings(self, trainer) -> None:
        """Show the trainer's settings without sending them back. A trainer that is not
        ``Configurable`` (e.g. the PyTorch adapter) keeps its own optimizer and
        settings: those controls are shown but disabled; so are look back and the
        files for a trainer that cannot rewind or save."""
        configurable = isinstance(trainer, Configurable)
        for widget in (self.optimizer, self.opt_arg, self.batch_size, self.l1, self.l2):
            widget.disabled = not configurable
        self.scrubber.disabled = not isinstance(trainer, Rewindable)
        self.save.disabled = self.load.disabled = self.path.disabled = not isinstance(
            trainer, Saveable
        )
        config = trainer.config() if configurable else {}
        with self.quietly():
            self.speed.batches_per_epoch = trainer.batches_per_epoch
            self.lr.value = min(max(trainer.base_lr, 10.0**LR_MIN_EXP), 10.0**LR_MAX_EXP)
            self.batch_size.value = min(trainer.batch_size, self.batch_size.max)
            name, value = optimizer_setting(trainer.optimizer)
            if name is not None and name in {v for _, v in self.optimizer.options}:
                self.optimizer.value = name
                self.set_optimizer_argument(name, value)
            for key, widget in (("l1", self.l1), ("l2", self.l2)):
                value = config.get(key, 0.0)
                if value not in widget.options:
                    widget.options = sorted({*widget.options, value})
                widget.value = value

    def hide(self, names: Iterable[str]) -> None:
        """Hide the controls behind each name (see ``groups``)."""
        groups = self.groups()
        for name in names:
            for widget in groups[name]:
                widget.layout.display = "none"
        inside = [w for name in MORE for w in groups[name]]
        if all(w.layout.display == "none" for w in inside):
            self.more.layout.display = "none"  # nothing left to disclose

    def groups(self) -> dict[str, list]:
        """The widgets behind each name that ``hide`` accepts."""
        return {
            "step": [self.step],
            "epoch": [self.epoch],
            "play": [self.play],
            "reset": [self.reset],
            "lr": [self.lr],
            "speed": [self.speed],
            "stop_after": [self.stop_after],
            "optimizer": [self.optimizer, self.opt_arg],
            "batch_size": [self.batch_size],
            "l1": [self.l1],
            "l2": [self.l2],
            "look_back": [self.scrubber, self.rewind],
            "files": [
                self.path,
                self.save,
                self.load,
                self.export_csv,
                self.export_png,
                self.export_svg,
            ],
        }

    def widget(self) -> VBox:
        """The primary row (Reset, Play, Step, Epoch, speed, learning rate) over the
        status line, and every other setting behind one closed disclosure
        (``nnw-more``), so that the first screen holds what a lesson uses."""
        primary = HBox(
            [self.reset, self.play, self.step, self.epoch, self.speed, self.lr],
            layout=Layout(flex_flow="row wrap", align_items="center"),
        )
        primary.add_class("nnw-primary")
        box = VBox([primary, self.status, self.message, self.more])
        box.add_class("nnw-controls")
        return box

    def _build_more(self) -> Accordion:
        groups = self.groups()
        settings = HBox(
            [self.optimizer, self.opt_arg, self.batch_size, self.l1, self.l2, self.stop_after],
            layout=Layout(flex_flow="row wrap", align_items="center"),
        )
        files = HBox(
            [*groups["look_back"], *groups["files"]],
            layout=Layout(flex_flow="row wrap", align_items="center"),
        )
        more = Accordion(children=[VBox([settings, files])], titles=("More settings",))
        more.selected_index = None  # closed
        more.add_class("nnw-more")
        return more
