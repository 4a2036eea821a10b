"""ViewContext: what a view may know besides a Snapshot (the data, the network's shape,
the loss and how to run the network); built by a trainer's ``view_context()``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from .datasets import Dataset
from .losses import Loss, get_loss
from .model import forward_with
from .snapshot import Snapshot
from .weight_layers import WeightLayer, chain_weight_layers


def _identity(fn: Callable) -> Callable:
    return fn


@dataclass(frozen=True)
class ViewContext:
    """What a view may know besides a Snapshot: the data and the network's shape.

    Views never hold the trainer; a trainer builds this with ``view_context()``.
    ``loss`` is the :class:`~nnwidgets.core.losses.Loss` (a name is looked up): views
    ask it what raw outputs mean (``labels``, ``proba``). ``weight_layers`` lists the
    arrays the weight and gradient views draw (default: ``W0, W1, ...`` from
    ``layer_sizes``). ``forward(snapshot, X)`` returns ``(hidden outputs, raw output)``
    of the snapshot's network on inputs ``X`` (default: ``forward_with`` on the
    snapshot's params). ``chain`` is False when the network is not a plain chain of
    dense layers and activations: views that need ``W_i``/``b_i`` (the network diagram,
    the loss landscape) then say they are not available.
    """

    ds: Dataset
    layer_sizes: tuple[int, ...]
    activations: tuple[str, ...]
    loss: Loss
    task: str
    features: tuple[str, ...] | None = None
    #: makes a widget callback run where the dashboard runs (its main loop); identity here
    on_main: Callable[[Callable], Callable] = field(default=_identity, compare=False)
    weight_layers: tuple[WeightLayer, ...] = ()
    forward: Callable[[Snapshot, np.ndarray], tuple[list, np.ndarray]] | None = field(
        default=None, compare=False
    )
    chain: bool = True
    #: one name per hidden output of ``forward`` (default ``layer 1``, ``layer 2``, ...)
    hidden_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.loss, str):
            object.__setattr__(self, "loss", get_loss(self.loss))
        if not self.weight_layers:
            object.__setattr__(self, "weight_layers", chain_weight_layers(self.layer_sizes))
        if self.forward is None:
            features = self.features

            def forward(snapshot: Snapshot, X: np.ndarray):
                return forward_with(snapshot.params, snapshot.activations, X, features)

            object.__setattr__(self, "forward", forward)
        if not self.hidden_names:
            names = tuple(f"layer {i + 1}" for i in range(len(self.activations)))
            object.__setattr__(self, "hidden_names", names)

    @classmethod
    def from_trainer(cls, trainer, on_main: Callable | None = None) -> ViewContext:
        """The context of a trainer (its ``view_context()``), with ``on_main`` set."""
        ctx = trainer.view_context()
        if on_main is None:
            return ctx
        return ctx.with_main(on_main)

    def with_main(self, on_main: Callable[[Callable], Callable]) -> ViewContext:
        """This context, with widget callbacks run through ``on_main``."""
        return replace(self, on_main=on_main)

    @property
    def n_layers(self) -> int:
        """Number of weight layers."""
        return len(self.layer_sizes) - 1
