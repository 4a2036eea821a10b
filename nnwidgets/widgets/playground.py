"""The playground: a Dashboard plus data-set, feature and architecture controls.

``nw.playground(hide=[...])`` hides controls a lesson does not need, and
``nw.playground(config=dash.config)`` rebuilds one exact starting point (data set,
network, optimizer, seeds), so a teacher can hand it out as JSON.
"""

from __future__ import annotations

from collections.abc import Sequence

from ipywidgets import (
    Button,
    Dropdown,
    FloatSlider,
    HBox,
    IntSlider,
    Layout,
    VBox,
)

from .. import core
from ..core.activations import ACTIVATIONS
from ..core.features import FEATURES, check_features
from .controls import HIDEABLE as DASHBOARD_HIDEABLE
from .dashboard import CONFIG_VERSION, DEFAULT_VIEWS, Dashboard

PLANE_DATASETS = ["moons", "circles", "xor", "spiral", "gaussians", "sine"]
SETUP_HIDEABLE = (
    "dataset",
    "noise",
    "train_fraction",
    "regenerate",
    "layers",
    "neurons",
    "activation",
    "features",
)
HIDEABLE = DASHBOARD_HIDEABLE + SETUP_HIDEABLE
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
}


def _config_value(config: dict, *path, default=None):
    value = config
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return default
        value = value[key]
    return value


class Playground(VBox):
    """Pick a data set (noise, train fraction, a new sample), input features, hidden
    layers, neurons and activation; any of those rebuilds the trainer, while the
    learning rate, optimizer, batch size and penalties carry over."""

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
        views: Sequence[str] = DEFAULT_VIEWS,
        refresh_hz: float | None = None,
        hide: Sequence[str] = (),
        config: dict | None = None,
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
            ) = self._from_config(config)
            lr = optimizer.lr
        if dataset not in PLANE_DATASETS:
            raise ValueError(f"dataset must be one of {PLANE_DATASETS}, got {dataset!r}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
        hidden = [int(h) for h in hidden]
        if any(h < 1 for h in hidden) or len(hidden) > 6:
            raise ValueError(f"hidden must list at most 6 widths >= 1, got {hidden}")
        features = check_features(features) or ("x1", "x2")
        if isinstance(hide, str):
            raise TypeError("hide must be a list of control names, got str")
        hide = tuple(hide)
        unknown = [h for h in hide if h not in HIDEABLE]
        if unknown:
            raise ValueError(f"hide names unknown controls {unknown}; expected some of {HIDEABLE}")
        style = {"description_width": "90px"}
        self.dataset = Dropdown(
            options=PLANE_DATASETS,
            value=dataset,
            description="data set",
            style=style,
            layout=Layout(width="220px"),
        )
        self.noise = FloatSlider(
            value=noise,
            min=0.0,
            max=0.5,
            step=0.01,
            description="noise",
            continuous_update=False,
            style=style,
            layout=Layout(width="280px"),
        )
        self.train_fraction = FloatSlider(
            value=train_fraction,
            min=0.1,
            max=0.9,
            step=0.05,
            description="train part",
            continuous_update=False,
            style=style,
            layout=Layout(width="280px"),
        )
        self.regenerate = Button(
            description="Regenerate", icon="refresh", tooltip="a new sample of the data set"
        )
        self.layers = IntSlider(
            value=len(hidden),
            min=0,
            max=6,
            description="hidden layers",
            continuous_update=False,
            style=style,
            layout=Layout(width="280px"),
        )
        self.neurons = IntSlider(
            value=hidden[0] if hidden else 8,
            min=1,
            max=32,
            description="neurons",
            continuous_update=False,
            style=style,
            layout=Layout(width="280px"),
        )
        self.activation = Dropdown(
            options=sorted(ACTIVATIONS),
            value=activation,
            description="activation",
            style=style,
            layout=Layout(width="220px"),
        )
        self.features = _FeaturePicker(features)
        for name, widget in self._setup_widgets().items():
            widget.add_class(f"nnw-{name.replace('_', '-')}")
        self._hidden = hidden
        self._seed = seed
        self._data_seed = data_seed
        trainer = self._build_trainer(lr=lr, optimizer=optimizer, settings=settings)
        dashboard_hide = [h for h in hide if h in DASHBOARD_HIDEABLE]
        self.dashboard = Dashboard(trainer, views=views, refresh_hz=refresh_hz, hide=dashboard_hide)
        self.hidden_controls = hide
        m = self.dashboard.on_main  # comm-thread callbacks run on the main loop
        for w in (self.dataset, self.noise, self.train_fraction, self.activation):
            w.observe(m(lambda _: self.rebuild()), names="value")
        self.layers.observe(m(lambda ch: self._on_layers(ch["new"])), names="value")
        self.neurons.observe(m(lambda ch: self._on_neurons(ch["new"])), names="value")
        self.features.on_change(m(self.rebuild))
        self.regenerate.on_click(m(lambda _: self._regenerate()))
        for name in hide:
            if name in SETUP_HIDEABLE:
                self._setup_widgets()[name].layout.display = "none"
        setup = VBox(
            [
                HBox(
                    [self.dataset, self.noise, self.train_fraction, self.regenerate],
                    layout=Layout(flex_flow="row wrap", align_items="center"),
                ),
                HBox(
                    [self.layers, self.neurons, self.activation],
                    layout=Layout(flex_flow="row wrap", align_items="center"),
                ),
                self.features,
            ]
        )
        setup.add_class("nnw-setup")
        super().__init__([setup, self.dashboard])
        self.add_class("nnw-playground")

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
        }

    # --------------------------------------------------------------- config
    @staticmethod
    def _from_config(config: dict):
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
            acts[0]
            if isinstance(acts, list) and acts
            else (acts if isinstance(acts, str) else "tanh")
        )
        test_fraction = data.get("test_fraction", 0.2)
        opt_cfg = dict(config.get("optimizer") or {"name": "sgd", "lr": 0.1})
        name = opt_cfg.pop("name", "sgd")
        if name not in core.optim.OPTIMIZERS:
            raise ValueError(
                f"config optimizer.name must be one of {sorted(core.optim.OPTIMIZERS)}"
            )
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
            config.get("views", DEFAULT_VIEWS),
            config.get("hide", ()),
            optimizer,
            settings,
        )

    @property
    def config(self) -> dict:
        """The whole setup as a JSON-ready dict (see ``nw.playground(config=...)``)."""
        cfg = self.dashboard.config
        cfg["hide"] = list(self.hidden_controls)
        return cfg

    # -------------------------------------------------------------- rebuild
    @property
    def trainer(self) -> core.Trainer:
        """The trainer the dashboard currently watches."""
        return self.dashboard.trainer

    def _build_trainer(
        self,
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
        sizes = [n_in, *self._hidden, ds.n_outputs]
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
        old = self.dashboard.trainer
        self.dashboard.set_trainer(self._build_trainer(lr=old.base_lr, previous=old))

    def _on_layers(self, n: int) -> None:
        width = self._hidden[-1] if self._hidden else self.neurons.value
        self._hidden = (self._hidden + [width] * n)[:n]
        self.rebuild()

    def _on_neurons(self, n: int) -> None:
        self._hidden = [n] * len(self._hidden)
        self.rebuild()

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


class _FeaturePicker(HBox):
    """Toggle buttons for the input features of 2-D data."""

    def __init__(self, selected: Sequence[str]) -> None:
        from ipywidgets import ToggleButton

        self.buttons = {
            name: ToggleButton(
                value=name in selected, description=name, layout=Layout(width="auto")
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


def playground(**kwargs) -> Playground:
    """A Dashboard with data-set, feature, architecture and activation controls;
    see ``Playground`` (``hide=[...]``, ``config=...``)."""
    return Playground(**kwargs)


__all__ = ["HIDEABLE", "Playground", "playground"]
