"""The files panel: save and load a run, the history as CSV, the figures as PNG or SVG."""

from __future__ import annotations

from pathlib import Path

from ..views.base import figures
from .host import DashboardHost


class FilesPanel:
    """What the Dashboard's file buttons do (the trainer must be ``Saveable`` to save
    or load; the buttons are disabled otherwise)."""

    def __init__(self, dash: DashboardHost) -> None:
        self.dash = dash

    def save(self, path: str) -> None:
        """Save the whole run to ``path``."""
        tr = self.dash.trainer
        written = tr.save(path)
        self.dash.controls.say(f"Saved step {tr.step_count} to {written}.")

    def load(self, path: str) -> None:
        """Load a saved run and watch it; the current one is kept if the file cannot be
        read."""
        trainer = type(self.dash.trainer).load(path)
        self.dash.set_trainer(trainer)
        self.dash.controls.say(f"Loaded {path}: step {trainer.step_count}, epoch {trainer.epoch}.")

    def export_csv(self, path: str) -> str:
        """Write the history as CSV (``path`` with a ``.csv`` suffix); returns the file name."""
        target = Path(path).with_suffix(".csv")
        self.dash.trainer.history.to_csv(target)
        self.dash.controls.say(f"History written to {target}.")
        return str(target)

    def export_png(self, prefix: str = "nnwidgets", fmt: str = "png") -> list[str]:
        """Ask the browser to download every view's figure as PNG (or ``fmt="svg"``);
        returns the file names."""
        if fmt not in ("png", "svg"):
            raise ValueError(f"fmt must be 'png' or 'svg', got {fmt!r}")
        names = []
        for view_name, view in self.dash.views.items():
            for i, fig in enumerate(figures(view.widget)):
                name = f"{prefix}-{view_name}-{i}.{fmt}"
                (fig.save_png if fmt == "png" else fig.save_svg)(name)
                names.append(name)
        self.dash.controls.say(f"Downloading {len(names)} figures as {fmt.upper()}.")
        return names
