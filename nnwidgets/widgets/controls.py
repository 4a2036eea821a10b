"""The dashboard's controls: ipywidgets with stable CSS classes, no behaviour of their own."""

from __future__ import annotations

from ipywidgets import (
    HTML,
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

PENALTY_RATES = [0.0, 1e-5, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0]
OPTIMIZER_LABELS = {
    "sgd": "SGD",
    "adam": "Adam",
    "adamw": "AdamW",
    "rmsprop": "RMSprop",
    "adagrad": "Adagrad",
}
# The one argument each optimizer shows beside the dropdown: (name, label, min, max).
MAIN_ARGUMENT = {
    "sgd": ("momentum", "momentum", 0.0, 0.99),
    "rmsprop": ("momentum", "momentum", 0.0, 0.99),
    "adam": ("beta1", "β1", 0.0, 0.999),
    "adamw": ("beta1", "β1", 0.0, 0.999),
    "adagrad": None,
}
LR_MIN_EXP, LR_MAX_EXP = -5, 1
HIDEABLE = (
    "step",
    "epoch",
    "play",
    "reset",
    "lr",
    "stop_after",
    "optimizer",
    "batch_size",
    "l1",
    "l2",
    "look_back",
    "files",
)
LIVE = -1  # the scrubber's value for "the trainer as it is now"


def _button(description: str, css: str, icon: str, tooltip: str) -> Button:
    b = Button(
        description=description,
        icon=icon,
        tooltip=tooltip,
        layout=Layout(width="auto", min_width="84px"),
    )
    b.add_class(css)
    return b


class Controls:
    """Every control of the dashboard; the Dashboard wires them to the trainer."""

    def __init__(self, n_train: int) -> None:
        self.step = _button("Step", "nnw-step", "step-forward", "one minibatch")
        self.epoch = _button("Epoch", "nnw-epoch", "fast-forward", "to the end of this epoch")
        self.play = ToggleButton(
            value=False,
            description="Play",
            icon="play",
            tooltip="play / pause",
            layout=Layout(width="auto", min_width="84px"),
        )
        self.play.add_class("nnw-play")
        self.reset = _button("Reset", "nnw-reset", "undo", "back to step 0, same weights")
        self.lr = FloatLogSlider(
            value=0.03,
            base=10,
            min=LR_MIN_EXP,
            max=LR_MAX_EXP,
            step=0.01,
            description="learning rate",
            readout_format=".3g",
            continuous_update=False,
            style={"description_width": "90px"},
            layout=Layout(width="360px"),
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
            options=[(v, k) for k, v in OPTIMIZER_LABELS.items()],
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
            "PNG", "nnw-export-png", "image", "download every figure as a PNG (in the browser)"
        )
        self.export_svg = _button(
            "SVG", "nnw-export-svg", "image", "download every figure as an SVG (in the browser)"
        )
        self.status = HTML(value="")
        self.status.add_class("nnw-status")
        self.message = HTML(value="")
        self.message.add_class("nnw-message")

    def set_optimizer_argument(self, name: str, value: float | None) -> None:
        """Show the main argument of optimizer ``name`` (hidden for Adagrad)."""
        spec = MAIN_ARGUMENT.get(name)
        if spec is None:
            self.opt_arg.layout.visibility = "hidden"
            return
        self.opt_arg.layout.visibility = "visible"
        _, label, lo, hi = spec
        with self.opt_arg.hold_trait_notifications():
            self.opt_arg.description = label
            self.opt_arg.min, self.opt_arg.max = lo, hi
            self.opt_arg.step = 0.001 if hi > 0.99 else 0.01
            self.opt_arg.value = value if value is not None else lo

    def groups(self) -> dict[str, list]:
        """The widgets behind each name that ``hide`` accepts."""
        return {
            "step": [self.step],
            "epoch": [self.epoch],
            "play": [self.play],
            "reset": [self.reset],
            "lr": [self.lr],
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
        """The controls laid out in two rows above the status line."""
        row1 = HBox(
            [self.step, self.epoch, self.play, self.reset, self.lr, self.stop_after],
            layout=Layout(flex_flow="row wrap", align_items="center"),
        )
        row2 = HBox(
            [self.optimizer, self.opt_arg, self.batch_size, self.l1, self.l2],
            layout=Layout(flex_flow="row wrap", align_items="center"),
        )
        groups = self.groups()
        row3 = HBox(
            [*groups["look_back"], *groups["files"]],
            layout=Layout(flex_flow="row wrap", align_items="center"),
        )
        box = VBox([row1, row2, row3, self.status, self.message])
        box.add_class("nnw-controls")
        return box
