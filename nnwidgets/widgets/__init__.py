"""ipywidgets layer: controls, the Dashboard, the Runner (play loop), the playground."""

from .dashboard import Dashboard, demo
from .export import Export, ExportError
from .runner import Runner

__all__ = ["Dashboard", "Export", "ExportError", "Runner", "demo"]
