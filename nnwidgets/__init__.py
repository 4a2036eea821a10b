"""nnwidgets: a stepwise numpy neural-network trainer as a live Jupyter widget.

The core (data sets, model, trainer) imports numpy only; the widget layer
(``Dashboard``, ``demo``, ``playground``, ``compare``) is loaded on first use.
"""

from __future__ import annotations

from .core import (
    ACTIVATIONS,
    LOSSES,
    MLP,
    Dataset,
    History,
    Snapshot,
    Trainer,
    datasets,
    optim,
    schedules,
)

__version__ = "0.1.0"

_LAZY = {
    "Dashboard": ("nnwidgets.widgets.dashboard", "Dashboard"),
    "demo": ("nnwidgets.widgets.dashboard", "demo"),
    "playground": ("nnwidgets.widgets.playground", "playground"),
    "compare": ("nnwidgets.widgets.compare", "compare"),
}

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "MLP",
    "Dashboard",
    "Dataset",
    "History",
    "Snapshot",
    "Trainer",
    "compare",
    "datasets",
    "demo",
    "optim",
    "playground",
    "schedules",
]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'nnwidgets' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
