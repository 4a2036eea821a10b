"""ipywidgets layer: controls, the Dashboard, the Runner (play loop), the playground."""

from .dashboard import Dashboard, demo
from .runner import Runner

__all__ = ["Dashboard", "Runner", "demo"]
