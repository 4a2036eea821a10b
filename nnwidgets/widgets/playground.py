"""The playground, laid out as TensorFlow Playground: the dashboard's play row on top,
and under it three columns, data | network | output.

- data: data set, noise, train part, Regenerate, input features;
- network: add / remove a hidden layer, the activation, − n + above each hidden layer,
  and the network view;
- output: the boundary view and the loss view.

Other views (weights, gradients, ...) sit under the columns; the dashboard's other
settings stay behind its "More settings" disclosure. ``nw.playground(hide=[...])``
hides controls a lesson does not need, and ``nw.playground(config=pg.config)`` rebuilds
one exact starting point (data set, per-layer widths, optimizer, seeds, pace), so a
teacher can hand it out as JSON, or as a URL: ``nw.playground(query="dataset=spiral&...")``
(see ``presets``), the query a served playground reads from its page's address, and
which its Share control shows for the current setup.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from ipywidgets import HTML, Box, Button, Dropdown, FloatSlider, HBox, Layout, VBox

from .. import core
from ..core.activations import ACTIVATIONS
from ..core.features import FEATURES, check_features
from ..views.protocol import figures
from .architecture import (
    MAX_HIDDEN_LAYERS,
    MAX_NEURONS,
    MIN_NEURONS,
    Architecture,
    check_hidden,
)
from .controls import HIDEABLE as DASHBOARD_HIDEABLE
from .dashboard import CONFIG_VERSION, Dashboard, _check_views
from .pace import LESSON_SPEED
from .presets import (  # the setup's tables live with the URL presets that check them
    HIDEABLE,
    PLANE_DATASETS,
    PLAYGROUND_VIEWS,
    SETUP_HIDEABLE,
    build_query,
    parse_query,
    served_query,
    share_url,
)
from .share import ShareControl

NETWORK_VIEWS = ("network",)
OUTPUT_VIEWS = ("boundary", "loss")
COLUMN_VIEWS = NETWORK_VIEWS + OUTPUT_VIEWS  # the first screen's views, in the columns
CONFIG_KEYS = {
    "version",
    "dataset",
    "model",
    "optimizer",
    "batch_size",
    "l1",
    "l2",
    "seed",
    "views",
    "hide",
    "speed",
}
# Column sizes (px): side by side in a 1280-px wide window; in Voila at 1366x768 the data
# set, the network, the boundary, Play, speed and learning rate fit the first viewport.
DATA_PX = 240
NETWORK_PX = 540
NETWORK_MAX_HEIGHT_PX = 440
OUTPUT_PX = 400
BOUNDARY_HEIGHT_PX = 360
LOSS_HEIGHT_PX = 200
ACCURACY_HEIGHT_PX = 200
COLUMN_GAP_PX = 14
FEATURE_LABELS = {
    "x1^2": "x1²",
    "x2^2": "x2²",
    "x1*x2": "x1·x2",
    "sin(x1)": "sin x1",
    "sin(x2)": "sin x2",
}
NETWORK_TITLE = "Network: edges blue > 0, red < 0, faint = small"
HINT = (
    "<div class='nnw-caption' style='font-size:12px;line-height:1.4'>"
    "Pick the data, shape the network with + and −, then press <b>Play</b> and watch "
    "the output: the boundary the network draws, and its loss.<br>"
    "Click a neuron to see what it computes; click an edge to set its weight.</div>"
)


def _px(value) -> float:
    return float(str(value).removesuffix("px"))


def fit_network_figure(fig, max_width: float, max_height: float) -> float:
    """Scale the network view's figure to fit ``max_width`` x ``max_height`` px (up or
    down) keeping its plot area's aspect, so that the neurons' thumbnails stay square;
    returns the new width."""
    margin = fig.fig_margin
    mx, my = margin["left"] + margin["right"], margin["top"] + margin["bottom"]
    w0, h0 = _px(fig.layout.width), _px(fig.layout.height)
    scale = min((max_width - mx) / (w0 - mx), (max_height - my) / (h0 - my))
    width = mx + scale * (w0 - mx)
    fig.layout.width = f"{width:.0f}px"
    fig.layout.height = f"{my + scale * (h0 - my):.0f}px"
    return round(width)


def _column(css: str, width: int) -> VBox:
    column = VBox(layout=Layout(width=f"{width}px", flex="0 0 auto", align_items="flex-start"))
    column.add_class("nnw-column")
    column.add_class(css)
    return column


def _heading(title: str, width: int) -> HTML:
    """A column's title, as TensorFlow Playground's: small capitals over a rule."""
    heading = HTML(
        f"<div class='nnw-heading' style='font-size:12px;font-weight:600;letter-spacing:0.08em;"
        f"width:{width - 8}px;margin-bottom:4px'>{title}</div>"
    )
    heading.add_class("nnw-column-title")
    return heading


def _wrap_figure_rows(widget) -> None:
    """Let any row of figures inside ``widget`` wrap (the loss view's loss and accuracy
    figures: one under the other in a narrow column)."""
    if not isinstance(widget, Box):
        return
    if isinstance(widget, HBox) and any(
        next(figures(c), None) is not None for c in widget.children
    ):
        widget.layout.flex_flow = "row wrap"
    for child in widget.children:
        _wrap_figure_rows(child)


def size_views(views: dict) -> float:
    """Size the network, boundary and loss views for their columns; returns the network
    figure's width (the neuron counts line up with it)."""
    width = NETWORK_PX - 8
    if "network" in views:
        fig = next(figures(views["network"].widget), None)
        if fig is not None:
            width = fit_network_figure(fig, NETWORK_PX - 8, NETWORK_MAX_HEIGHT_PX)
            # the view's long title is clipped in a narrow figure (the hint says the rest)
            fig.title = NETWORK_TITLE if width >= 360 else "Network"
    heights = {"boundary": [BOUNDARY_HEIGHT_PX], "loss": [LOSS_HEIGHT_PX, ACCURACY_HEIGHT_PX]}
    for name in OUTPUT_VIEWS:
        if name not in views:
            continue
        _wrap_figure_rows(views[name].widget)
        for fig, height in zip(figures(views[name].widget), heights[name], strict=False):
            fig.layout.width = f"{OUTPUT_PX - 4}px"
            fig.layout.height = f"{height}px"
    return width


def place_columns(dash: Dashboard, columns: HBox, rest: list) -> None:
    """Put ``columns`` where the dashboard's grid of views was; the grid keeps ``rest``
    (the views the columns do not hold) under them."""
    shown = {id(v.widget) for v in dash.views.values()}
    children = []
    for child in dash.children:
        if child is columns:
            continue
        if isinstance(child, Box) and any(id(c) in shown for c in child.children):
            child.children = rest
            children.append(columns)
            if rest:
                children.append(child)
        else:
            children.append(child)
    if columns not in children:  # no views at all: under the controls
        children.insert(1, columns)
    dash.children = children


def setup_from_config(config: dict, speed: float | str = LESSON_SPEED) -> tuple:
    """The playground's constructor arguments from a ``config`` dict, checked."""
    if not isinstance(config, dict):
        raise TypeError(f"config must be a dict (JSON object), got {type(config).__name__}")
    unknown = set(config) - CONFIG_KEYS
    if unknown:
        raise ValueError(f"config has unknown keys {sorted(unknown)}")
    if config.get("version", CONFIG_VERSION) != CONFIG_VERSION:
        raise ValueError(f"config version must be {CONFIG_VERSION}, got {config['version']!r}")
    data = config.get("dataset") or {}
    model = config.get("model") or {}
    sizes = model.get("sizes", [2, 8, 8, 1])
    if not isinstance(sizes, list) or len(sizes) < 2:
        raise ValueError(f"config model.sizes must be a list of widths, got {sizes!r}")
    acts = model.get("activation", "tanh")
    activation = (
        acts[0] if isinstance(acts, list) and acts else (acts if isinstance(acts, str) else "tanh")
    )
    test_fraction = data.get("test_fraction", 0.2)
    opt_cfg = dict(config.get("optimizer") or {"name": "sgd", "lr": 0.1})
    name = opt_cfg.pop("name", "sgd")
    if name not in core.optim.OPTIMIZERS:
        raise ValueError(f"config optimizer.name must be one of {sorted(core.optim.OPTIMIZERS)}")
    optimizer = core.optim.OPTIMIZERS[name](**opt_cfg)
    settings = {k: config[k] for k in ("batch_size", "l1", "l2") if k in config}
    return (
        data.get("name", "moons"),
        list(sizes[1:-1]),
        activation,
        data.get("noise", 0.15),
        round(1 - test_fraction, 4),
        config.get("seed", model.get("seed", 0)),
        data.get("seed", 0),
        model.get("features"),
        config.get("views", PLAYGROUND_VIEWS),
        config.get("hide", ()),
        optimizer,
        settings,
        config.get("speed", speed),
    )


def preset_note(problems: Sequence[str]) -> HTML:
    """A note above the dashboard that lists what a URL preset could not use (the
    message line is cleared by the next action; this note stays)."""
    lines = "<br>".join(html.escape(p) for p in problems)
    note = HTML(
        "<div class='nnw-error' style='font-size:12px;line-height:1.4'>"
        f"<b>URL preset</b> (the defaults are used for these):<br>{lines}</div>"
    )
    note.add_class("nnw-preset-message")
    return note


class Playground(VBox):
    """TensorFlow Playground in a notebook: pick a data set (noise, train part, a new
    sample) and input features on the left; hidden layers (+/−), neurons per layer (−
    n + on each) and activation around the network view in the middle; the boundary
    and the loss on the right. A setup change rebuilds the trainer (step 0, new
    weights); the learning rate, optimizer, batch size, penalties and pace carry over.
    Play starts at ``speed`` steps per second (``LESSON_SPEED``, or ``"max"``).
    ``first_screen_first=True`` builds the views outside the columns (weights,
    gradients) only once a page has shown the rest: the page fetches every widget before
    it draws any, so a served page appears sooner (``nnwidgets serve`` does this)."""

    def __init__(
        self,
        dataset: str = "moons",
        hidden: Sequence[int] = (8, 8),
        activation: str = "tanh",
        noise: float = 0.15,
        train_fraction: float = 0.8,
        lr: float = 0.1,
        seed: int = 0,
        features: Sequence[str] | None = None,
        views: Sequence[str] = PLAYGROUND_VIEWS,
        refresh_hz: float | None = None,
        hide: Sequence[str] = (),
        config: dict | None = None,
        speed: float | str = LESSON_SPEED,
        max_speed: float | None = None,
        first_screen_first: bool = False,
    ) -> None:
        optimizer = None
        settings = {"batch_size": 10, "l1": 0.0, "l2": 0.0}
        data_seed = seed
        if config is not None:
            (
                dataset,
                hidden,
                activation,
                noise,
                train_fraction,
                seed,
                data_seed,
                features,
                views,
                hide,
                optimizer,
                settings,
                speed,
            ) = setup_from_config(config, speed)
            lr = optimizer.lr
        if dataset not in PLANE_DATASETS:
            raise ValueError(f"dataset must be one of {PLANE_DATASETS}, got {dataset!r}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
        hidden = check_hidden(hidden)
        features = check_features(features) or ("x1", "x2")
        if isinstance(hide, str):
            raise TypeError("hide must be a list of control names, got str")
        hide = tuple(hide)
        unknown = [h for h in hide if h not in HIDEABLE]
        if unknown:
            raise ValueError(f"hide names unknown controls {unknown}; expected some of {HIDEABLE}")
        style = {"description_width": "72px"}

        def wide() -> Layout:  # one Layout each: hiding one control hides only that one
            return Layout(width=f"{DATA_PX - 6}px")

        self.dataset = Dropdown(
            options=PLANE_DATASETS,
            value=dataset,
            description="data set",
            style=style,
            layout=wide(),
        )
        self.noise = FloatSlider(
            value=noise,
            min=0.0,
            max=0.5,
            step=0.01,
            description="noise",
            continuous_update=False,
            style=style,
            layout=wide(),
        )
        self.train_fraction = FloatSlider(
            value=train_fraction,
            min=0.1,
            max=0.9,
            step=0.05,
            description="train part",
            continuous_update=False,
            style=style,
            layout=wide(),
        )
        self.regenerate = Button(
            description="Regenerate",
            icon="refresh",
            tooltip="a new sample of the data set",
            layout=Layout(width="auto", margin="2px 0 6px 76px"),
        )
        self.architecture = Architecture(hidden, self._set_hidden)
        self.layers = self.architecture.layers
        self.neurons = self.architecture.counts
        self.activation = Dropdown(
            options=sorted(ACTIVATIONS),
            value=activation,
            description="activation",
            style={"description_width": "72px"},
            layout=Layout(width="210px", margin="0 0 0 auto"),
        )
        self.features = _FeaturePicker(features)
        self.hint = HTML(HINT, layout=Layout(width=f"{DATA_PX - 8}px", margin="10px 0 0 0"))
        self.hint.add_class("nnw-hint")
        self.share = ShareControl(lambda: share_url(self.config), DATA_PX)
        # the names the share's parts had before they were a control of their own
        self.share_button, self.share_url, self.share_note = (
            self.share.button,
            self.share.url,
            self.share.note,
        )
        for name, widget in self._setup_widgets().items():
            widget.add_class(f"nnw-{name.replace('_', '-')}")
        self._seed = seed
        self._data_seed = data_seed
        trainer = self._build_trainer(hidden, lr=lr, optimizer=optimizer, settings=settings)
        dashboard_hide = [h for h in hide if h in DASHBOARD_HIDEABLE]
        views = _check_views(views)
        later = [n for n in views if n not in COLUMN_VIEWS] if first_screen_first else []
        self._views, self._later = views, later
        self.dashboard = Dashboard(
            trainer,
            views=[n for n in views if n not in later],
            refresh_hz=refresh_hz,
            hide=dashboard_hide,
            speed=speed,
            max_speed=max_speed,
        )
        self.hidden_controls = hide
        m = self.dashboard.on_main  # comm-thread callbacks run on the main loop
        for w in (self.dataset, self.noise, self.train_fraction, self.activation):
            w.observe(m(lambda _: self.rebuild()), names="value")
        self.features.on_change(m(self.rebuild))
        self.regenerate.on_click(m(lambda _: self._regenerate()))
        self.share_button.on_click(m(lambda _: self.show_share()))
        self._wire_architecture()
        for name in hide:
            if name in SETUP_HIDEABLE:
                self._setup_widgets()[name].layout.display = "none"
        self._build_columns()
        self.dashboard.observe(self._on_dashboard_children, names="children")
        self._arrange()
        super().__init__([self.dashboard])
        self.add_class("nnw-playground")
        if later:
            self.dashboard.on_shown(lambda: self._show_later(later))

    def _show_later(self, names: Sequence[str]) -> None:
        """Add the views the first screen left out (built now: a page fetches every
        widget there is before it shows any, so these cost it nothing at first)."""
        with self.dashboard.hold_sync():
            for name in names:
                if name not in self.dashboard.views:  # a rebuild may have brought it
                    self.dashboard.add_view(name)

    def _setup_widgets(self) -> dict:
        return {
            "dataset": self.dataset,
            "noise": self.noise,
            "train_fraction": self.train_fraction,
            "regenerate": self.regenerate,
            "layers": self.layers,
            "neurons": self.neurons,
            "activation": self.activation,
            "features": self.features,
            "share": self.share,
        }

    # --------------------------------------------------------------- layout
    def _build_columns(self) -> None:
        self.data_column = _column("nnw-column-data", DATA_PX)
        self.data_column.children = [
            _heading("DATA", DATA_PX),
            self.dataset,
            self.noise,
            self.train_fraction,
            self.regenerate,
            self.features,
            self.hint,
            self.share,
        ]
        self.network_column = _column("nnw-column-network", NETWORK_PX)
        self.network_column.layout.align_items = "center"  # a narrow network in the middle
        self._network_heading = _heading("NETWORK", NETWORK_PX)
        self.network_header = HBox(
            [self.layers, self.activation],
            layout=Layout(width=f"{NETWORK_PX - 8}px", align_items="center"),
        )
        self.output_column = _column("nnw-column-output", OUTPUT_PX)
        self._output_heading = _heading("OUTPUT", OUTPUT_PX)
        self.columns = HBox(
            [self.data_column, self.network_column, self.output_column],
            layout=Layout(
                flex_flow="row wrap", align_items="flex-start", grid_gap=f"{COLUMN_GAP_PX}px"
            ),
        )
        self.columns.add_class("nnw-columns")

    def _on_dashboard_children(self, change) -> None:
        if self.columns not in change["new"]:  # the dashboard rebuilt its views
            self._arrange()

    def _arrange(self) -> None:
        """Move the dashboard's views into the columns (after each rebuild of the views):
        network in the middle, boundary and loss on the right, the others below."""
        dash = self.dashboard
        views = dash.views
        editor = dash.weight_editor if "network" in views else None
        network = [views[n].widget for n in NETWORK_VIEWS if n in views]
        self.network_column.children = [
            self._network_heading,
            self.network_header,
            self.neurons,
            *network,
            *([editor] if editor is not None else []),
        ]
        self.output_column.children = [
            self._output_heading,
            *(views[n].widget for n in OUTPUT_VIEWS if n in views),
        ]
        sizes = self.trainer.model.sizes
        try:  # a loaded run brings its own widths: the counts show those
            self.architecture.hidden = check_hidden(sizes[1:-1])
        except (TypeError, ValueError):
            pass
        n_outputs = self.trainer.view_context().ds.n_outputs
        self.architecture.show(sizes[0], n_outputs, size_views(views))
        placed = set(COLUMN_VIEWS)
        rest = [views[n].widget for n in dash.view_names if n not in placed]
        place_columns(dash, self.columns, rest)

    # --------------------------------------------------------------- config
    @property
    def config(self) -> dict:
        """The whole setup as a JSON-ready dict (see ``nw.playground(config=...)``): the
        dashboard's (data set, per-layer widths in ``model.sizes``, optimizer, seeds,
        views), the hidden controls and the pace (``speed``)."""
        cfg = self.dashboard.config
        # the views asked for, in their order, with those still waiting for a page
        asked = {name: i for i, name in enumerate(self._views)}
        waiting = [n for n in self._later if n not in self.dashboard.views]
        cfg["views"] = sorted(
            [*self.dashboard.view_names, *waiting], key=lambda n: asked.get(n, len(asked))
        )
        cfg["hide"] = list(self.hidden_controls)
        cfg["speed"] = self.dashboard.speed
        return cfg

    # -------------------------------------------------------------- presets
    @classmethod
    def from_query(cls, query: str | None, **kwargs) -> Playground:
        """The playground a URL query asks for (``"dataset=spiral&layers=8,8&lr=0.03"``,
        see ``nnwidgets.widgets.presets`` for the keys). A bad value, an unknown or a
        repeated key is shown in the message line and left out (its default applies);
        the query is parsed, never evaluated. ``kwargs``: ``refresh_hz``, ``max_speed``,
        ``first_screen_first``."""
        extra = set(kwargs) - {"refresh_hz", "max_speed", "first_screen_first"}
        if extra:
            raise TypeError(f"from_query takes the setup from the query, not {sorted(extra)}")
        preset = parse_query(query)
        try:
            pg = cls(config=preset.config, **kwargs)
        except (TypeError, ValueError) as err:  # a combination the checks let through
            preset.problems.append(f"ignored the whole preset: {err}")
            preset.values = {}
            pg = cls(**kwargs)
        pg.preset = preset
        if preset.problems:
            # in the message line (which the next action clears) and in a note of its own
            # above the dashboard, which stays
            pg.dashboard.controls.say(preset.message, error=True)
            pg.preset_note = preset_note(preset.problems)
            pg.children = (pg.preset_note, *pg.children)
        return pg

    @property
    def query(self) -> str:
        """The URL query (without ``?``) of the current setup: ``Playground.from_query``
        of it rebuilds the same setup."""
        return build_query(self.config)

    def show_share(self) -> str:
        """Fill the Share box with the URL of the current setup (as its button) and
        return it: in Voila the page's address plus the query; in a notebook the query
        alone, with a note that it works with ``nnwidgets serve``."""
        return self.share.show()

    # -------------------------------------------------------------- rebuild
    @property
    def trainer(self) -> core.Trainer:
        """The trainer the dashboard currently watches."""
        return self.dashboard.trainer

    @property
    def hidden(self) -> list[int]:
        """The hidden layers' widths, e.g. ``[6, 3]`` for a 2-6-3-1 network. Setting it
        rebuilds the trainer (``ValueError`` beyond ``MAX_HIDDEN_LAYERS`` layers)."""
        return list(self.architecture.hidden)

    @hidden.setter
    def hidden(self, widths: Sequence[int]) -> None:
        self.architecture.set(widths)

    def _build_trainer(
        self,
        hidden: Sequence[int],
        lr: float,
        previous: core.Trainer | None = None,
        optimizer=None,
        settings: dict | None = None,
    ) -> core.Trainer:
        ds = core.datasets.load(
            self.dataset.value,
            n_samples=200,
            noise=self.noise.value,
            test_fraction=round(1 - self.train_fraction.value, 4),
            seed=self._data_seed,
        )
        features = self.features.value if ds.n_features == 2 else None
        n_in = len(features) if features else ds.n_features
        sizes = [n_in, *hidden, ds.n_outputs]
        init = "he" if self.activation.value in ("relu", "leaky_relu", "elu", "gelu") else "xavier"
        model = core.MLP(
            sizes, activation=self.activation.value, init=init, seed=self._seed, features=features
        )
        if previous is not None:
            opt = previous.optimizer
            optimizer = type(opt)(**{**opt.hyperparameters(), "lr": previous.base_lr})
            settings = {"batch_size": previous.batch_size, "l1": previous.l1, "l2": previous.l2}
        optimizer = optimizer or core.optim.SGD(lr=lr)
        settings = settings or {}
        return core.Trainer(
            model,
            ds,
            optimizer=optimizer,
            batch_size=min(settings.get("batch_size", 10), len(ds.X_train)),
            seed=self._seed,
            l1=settings.get("l1", 0.0),
            l2=settings.get("l2", 0.0),
        )

    def rebuild(self) -> None:
        """Build a new trainer from the setup controls and show it."""
        self._set_hidden(self.architecture.hidden)

    def _set_hidden(self, widths: list[int]) -> None:
        old = self.dashboard.trainer
        trainer = self._build_trainer(widths, lr=old.base_lr, previous=old)
        # the views are rebuilt, then arranged: the page gets the arranged children only
        with self.dashboard.hold_sync():
            self.dashboard.set_trainer(trainer)

    def _wire_architecture(self) -> None:
        c = self.dashboard.controls

        def run(action, *args) -> bool:
            return c.guard(action, *args)

        self._run = run
        self.architecture.wire(self.dashboard.on_main(run))

    # the architecture's buttons, for scripts and tests
    def add_neuron(self, index: int) -> bool:
        """One neuron more in hidden layer ``index`` (0 is the first), at most
        ``MAX_NEURONS``; as its + button. Returns whether it was done (a refusal is
        shown in the message line)."""
        return self._run(self.architecture.add_neuron, index)

    def remove_neuron(self, index: int) -> bool:
        """One neuron less in hidden layer ``index``, at least ``MIN_NEURONS``; as its −
        button. Returns whether it was done."""
        return self._run(self.architecture.remove_neuron, index)

    def add_layer(self) -> bool:
        """A hidden layer more (as wide as the last), at most ``MAX_HIDDEN_LAYERS``.
        Returns whether it was done."""
        return self._run(self.architecture.add_layer)

    def remove_layer(self) -> bool:
        """The last hidden layer less (down to none: a linear model). Returns whether it
        was done."""
        return self._run(self.architecture.remove_layer)

    def _regenerate(self) -> None:
        self._data_seed += 1
        self.rebuild()

    # the Dashboard's actions, for scripts and tests
    def step(self) -> None:
        """One minibatch (as the Step button)."""
        self.dashboard.step()

    def step_epoch(self) -> None:
        """To the end of the epoch (as the Epoch button)."""
        self.dashboard.step_epoch()

    def play(self):
        """Start playing."""
        return self.dashboard.play()

    def pause(self) -> None:
        """Pause."""
        self.dashboard.pause()

    @property
    def speed(self) -> float | str:
        """The pace of play in steps per second, or ``"max"`` (the dashboard's)."""
        return self.dashboard.speed

    @speed.setter
    def speed(self, value: float | str) -> None:
        self.dashboard.speed = value


class _FeaturePicker(HBox):
    """Toggle buttons for the input features of 2-D data."""

    def __init__(self, selected: Sequence[str]) -> None:
        from ipywidgets import ToggleButton

        self.buttons = {
            name: ToggleButton(
                value=name in selected,
                description=FEATURE_LABELS.get(name, name),
                tooltip=f"input feature {name}",
                layout=Layout(width="auto"),
            )
            for name in FEATURES
        }
        self._callbacks = []
        for b in self.buttons.values():
            b.observe(self._changed, names="value")
        super().__init__(
            [_label("inputs"), *self.buttons.values()],
            layout=Layout(align_items="center", flex_flow="row wrap"),
        )

    @property
    def value(self) -> tuple[str, ...]:
        """The selected features, in table order."""
        return tuple(n for n, b in self.buttons.items() if b.value)

    def on_change(self, callback) -> None:
        """Call ``callback()`` after each change."""
        self._callbacks.append(callback)

    def _changed(self, change) -> None:
        if not self.value:  # at least one input
            change["owner"].value = True
            return
        for cb in self._callbacks:
            cb()


def _label(text: str):
    from ipywidgets import HTML

    return HTML(f"<span style='margin-right:6px'>{text}</span>")


def served_playground() -> Playground:
    """The playground of a page served by Voila (``nnwidgets serve``), in the setup of the
    page's URL query. The default playground is built first: in a kernel started ahead
    (preheated) that happens before the student's request, which the query then waits
    for, so a page without a query appears at once."""
    from ipywidgets.widgets.widget import _instances

    before = set(_instances)
    default = Playground(first_screen_first=True)
    query = served_query()
    if not query.strip().removeprefix("?"):
        return default
    default.dashboard.close()  # stops its runner
    for model_id in set(_instances) - before:  # the unused playground's widgets go
        widget = _instances.get(model_id)
        if widget is not None:
            widget.close()
    return Playground.from_query(query, first_screen_first=True)


def playground(query: str | None = None, **kwargs) -> Playground:
    """A Dashboard with data-set, feature, architecture and activation controls;
    see ``Playground`` (``hide=[...]``, ``config=...``). ``query="dataset=spiral&..."``
    builds it from a URL preset instead (``Playground.from_query``)."""
    if query is not None:
        return Playground.from_query(query, **kwargs)
    return Playground(**kwargs)


__all__ = [
    "HIDEABLE",
    "MAX_HIDDEN_LAYERS",
    "MAX_NEURONS",
    "MIN_NEURONS",
    "PLAYGROUND_VIEWS",
    "Playground",
    "fit_network_figure",
    "playground",
    "served_playground",
]
