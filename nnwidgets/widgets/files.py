"""The files panel: save and load a run, the history as CSV, the dashboard as one PNG or
SVG image (``export``)."""

from __future__ import annotations

import warnings
from os import PathLike
from pathlib import Path

from ..views.base import figures
from .export import DEFAULT_NAME, EXPORT_TIMEOUT, Export, ExportError, ImageExports
from .host import DashboardHost


class FilesPanel:
    """What the Dashboard's file buttons do (the trainer must be ``Saveable`` to save
    or load; the buttons are disabled otherwise)."""

    def __init__(self, dash: DashboardHost) -> None:
        self.dash = dash
        self.exports = ImageExports(self._figures, dash.controls.say, dash.on_main)
        self.last_export: Export | None = None  # the latest export of a button

    def _figures(self) -> list[tuple[str, object]]:
        """(view name, figure) of every figure, in the dashboard's order of views."""
        return [
            (name, fig) for name, view in self.dash.views.items() for fig in figures(view.widget)
        ]

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

    # ----------------------------------------------------------- images
    def export_png(
        self,
        path: str | PathLike | None = None,
        *,
        download: bool | str | None = None,
        scale: float | None = None,
        timeout: float = EXPORT_TIMEOUT,
        prefix: str | None = None,
        fmt: str | None = None,
    ) -> Export:
        """The whole dashboard as one PNG image (see ``Dashboard.export_png``)."""
        if fmt is not None:
            _deprecated("fmt", "use export_svg() for SVG")
            if fmt == "svg":
                return self.export_svg(path, download=download, timeout=timeout, prefix=prefix)
        if prefix is not None:
            _deprecated("prefix", "pass download=NAME (one file now, not one per figure)")
            download = f"{prefix}.png"
        return self.exports.start("png" if fmt is None else fmt, path, download, scale, timeout)

    def export_svg(
        self,
        path: str | PathLike | None = None,
        *,
        download: bool | str | None = None,
        timeout: float = EXPORT_TIMEOUT,
        prefix: str | None = None,
    ) -> Export:
        """The whole dashboard as one SVG image (see ``Dashboard.export_svg``)."""
        if prefix is not None:
            _deprecated("prefix", "pass download=NAME (one file now, not one per figure)")
            download = f"{prefix}.svg"
        return self.exports.start("svg", path, download, None, timeout)

    def download(self, fmt: str) -> Export | None:
        """What the PNG and SVG buttons do: the browser saves the dashboard as one file,
        named as the file box (``nnwidgets-run.png``); a refusal goes to the message
        line. The ``Export`` is kept as ``last_export`` (its ``data``, once arrived)."""
        name = Path(self.dash.controls.path.value.strip() or DEFAULT_NAME).name
        try:
            self.last_export = self.exports.start(fmt, download=name)
        except ExportError as exc:
            self.dash.controls.say(str(exc), error=True)
            return None
        return self.last_export


def _deprecated(argument: str, instead: str) -> None:
    warnings.warn(
        f"export_png's {argument}= argument is deprecated: {instead}",
        DeprecationWarning,
        stacklevel=4,
    )
