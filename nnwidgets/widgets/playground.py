"""The playground: a Dashboard plus data-set and architecture controls."""

from __future__ import annotations

from ipywidgets import Button, Dropdown, FloatSlider, HBox, IntSlider, Layout, VBox

from .. import core
from ..core.activations import ACTIVATIONS
from .dashboard import Dashboard

PLANE_DATASETS = ["moons", "circles", "xor", "spiral", "gaussians", "sine"]


class Playground(VBox):
    """Pick a data set, its noise and train fraction, the hidden layers and activation;
    any of those rebuilds the trainer (the learning rate and optimizer carry over)."""

    def __init__(
        self,
        dataset: str = "moons",
        hidden: tuple[int, ...] = (8, 8),
        activation: str = "tanh",
        noise: float = 0.15,
        train_fraction: float = 0.8,
        lr: float = 0.1,
        seed: int = 0,
        views=("loss", "weights", "gradients", "boundary"),
        refresh_hz: float = 20.0,
    ) -> None:
        if dataset not in PLANE_DATASETS:
            raise ValueError(f"dataset must be one of {PLANE_DATASETS}, got {dataset!r}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
        style = {"description_width": "90px"}
        self.dataset = Dropdown(
            options=PLANE_DATASETS,
            value=dataset,
            description="data set",
            style=style,
            layout=Layout(width="220px"),
        )
        self.dataset.add_class("nnw-dataset")
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
        self.noise.add_class("nnw-noise")
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
        self.train_fraction.add_class("nnw-train-fraction")
        self.regenerate = Button(
            description="Regenerate",
            icon="refresh",
            tooltip="new sample of the data set (new seed)",
        )
        self.regenerate.add_class("nnw-regenerate")
        self.layers = IntSlider(
            value=len(hidden),
            min=0,
            max=6,
            description="hidden layers",
            continuous_update=False,
            style=style,
            layout=Layout(width="280px"),
        )
        self.layers.add_class("nnw-layers")
        self.neurons = IntSlider(
            value=hidden[0] if hidden else 8,
            min=1,
            max=32,
            description="neurons",
            continuous_update=False,
            style=style,
            layout=Layout(width="280px"),
        )
        self.neurons.add_class("nnw-neurons")
        self.activation = Dropdown(
            options=sorted(ACTIVATIONS),
            value=activation,
            description="activation",
            style=style,
            layout=Layout(width="220px"),
        )
        self.activation.add_class("nnw-activation")
        self._seed = seed
        self._data_seed = seed
        self.dashboard = Dashboard(self._build_trainer(lr=lr), views=views, refresh_hz=refresh_hz)
        for w in (
            self.dataset,
            self.noise,
            self.train_fraction,
            self.layers,
            self.neurons,
            self.activation,
        ):
            w.observe(lambda _: self.rebuild(), names="value")
        self.regenerate.on_click(lambda _: self._regenerate())
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
            ]
        )
        setup.add_class("nnw-setup")
        super().__init__([setup, self.dashboard])
        self.add_class("nnw-playground")

    @property
    def trainer(self) -> core.Trainer:
        """The trainer the dashboard currently watches."""
        return self.dashboard.trainer

    def _build_trainer(self, lr: float, previous: core.Trainer | None = None) -> core.Trainer:
        ds = core.datasets.load(
            self.dataset.value,
            n_samples=200,
            noise=self.noise.value,
            test_fraction=round(1 - self.train_fraction.value, 4),
            seed=self._data_seed,
        )
        hidden = [self.neurons.value] * self.layers.value
        sizes = [ds.n_features, *hidden, ds.n_outputs]
        init = "he" if self.activation.value in ("relu", "leaky_relu", "elu", "gelu") else "xavier"
        model = core.MLP(sizes, activation=self.activation.value, init=init, seed=self._seed)
        if previous is None:
            return core.Trainer(
                model, ds, optimizer=core.optim.SGD(lr=lr), batch_size=10, seed=self._seed
            )
        opt = previous.optimizer
        fresh = type(opt)(**{**opt.hyperparameters(), "lr": previous.base_lr})
        return core.Trainer(
            model,
            ds,
            optimizer=fresh,
            batch_size=min(previous.batch_size, len(ds.X_train)),
            seed=self._seed,
            l1=previous.l1,
            l2=previous.l2,
        )

    def rebuild(self) -> None:
        """Build a new trainer from the setup controls and show it."""
        old = self.dashboard.trainer
        self.dashboard.set_trainer(self._build_trainer(lr=old.base_lr, previous=old))

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


def playground(**kwargs) -> Playground:
    """A Dashboard with data-set, architecture and activation controls (see ``Playground``)."""
    return Playground(**kwargs)
