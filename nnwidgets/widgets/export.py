"""Export the whole dashboard as one image: one PNG or one SVG, one file.

How an export (a "job") goes:

1. The kernel asks the page (``PageExporter``, a hidden anywidget in the dashboard) to
   collect: for every figure of the dashboard that is drawn on screen, the page calls
   bqplot's own SVG serialisation of that figure (the one its ``save_svg`` uses: styles
   inlined, images as data URLs) and measures where the figure sits.
2. The kernel composes those SVGs into one document, each figure where it is on screen
   (``composite.compose_svg``: string work, tested headless).
3. SVG: that document is the export. PNG: the page draws it on one canvas, at the
   screen's pixel ratio unless ``scale`` says otherwise (as bqplot's ``save_png`` draws
   one figure), and sends the PNG back (in parts of ``PNG_PART_BYTES``, which the
   page widget joins again).
4. The export is written to ``path`` in the kernel when one is given, and the browser
   saves it as one download when asked (the PNG and SVG buttons): one Blob URL, one
   click, so no browser caps or questions a burst of downloads.

Why a handle (``Export``) and not bytes: the page answers through widget messages,
which the kernel handles only once the cell that asked has finished; a call inside a
cell cannot wait for them. ``dash.export_png("dash.png")`` returns at once, and the file
is written when the page's answer arrives; ``export.data`` holds the bytes from then on
(a later cell can read them, or display the ``Export`` to see the image).
Without a page (a script, nbconvert, a dashboard not displayed yet) nothing could
answer: the call raises ``ExportError`` at once. A page that went away (a closed tab)
fails the export after ``timeout`` seconds, with a message in the status line.

Why the page's SVG and not bqplot's Python ``Figure.get_svg_data``: bqplot keeps one
callback per figure, so a figure shown twice answers twice (the second answer fails in
the kernel), and a figure that never answers blocks every later export of it. The page
module reads the SVG of exactly one view of each figure, the one inside its own
dashboard. Why no Pillow or cairosvg: the browser that drew the figures rasterises them,
with the fonts and styles it drew them with, and no new dependency is needed.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

from .composite import PlacedFigure, Size, compose_svg, png_size, svg_size
from .page_export import PageExporter

__all__ = ["DEFAULT_NAME", "EXPORT_TIMEOUT", "FORMATS", "Export", "ExportError", "ImageExports"]

FORMATS = ("png", "svg")
DEFAULT_NAME = "dashboard"  # the download's name when none is given
EXPORT_TIMEOUT = 30.0  # seconds the page has to answer
#: the page sends a PNG back in parts of at most this many bytes: Jupyter's server takes
#: no websocket message from a page over 10 MiB (tornado's limit) and closes the
#: connection instead, so a large export at a high scale would never arrive
PNG_PART_BYTES = 4 * 1024 * 1024
MAX_SCALE = 8.0
NO_PAGE = (
    "No page shows this dashboard, so there is nothing to export: the browser draws the "
    "figures. Display the dashboard in JupyterLab, Notebook or Voila, then export from a "
    "later cell (or with the PNG and SVG buttons)."
)
NOT_DRAWN = "No figure of this dashboard is drawn on the page."
NOT_SHOWN = (
    "No figure of this dashboard is visible on the page (is its tab in the background?): "
    "show the dashboard, then export again."
)
PENDING = (
    "The export has not arrived yet: the page sends it once the cell that asked has "
    "finished. Read export.data in a later cell, or pass path= to have it written."
)


class ExportError(RuntimeError):
    """An export that cannot start (no page shows the dashboard) or did not arrive."""


class Export:
    """One export of the dashboard as one image, filled in when the page's answer arrives.

    ``data`` is the image (PNG or SVG bytes), None until it arrives; ``path`` is where
    it is written then (None: not written); ``error`` says why it failed. Displaying a
    finished ``Export`` shows the image.
    """

    def __init__(self, fmt: str, path: Path | None, filename: str | None) -> None:
        self.fmt = fmt
        self.path = path
        self.filename = filename  # the browser download's name (None: no download)
        self.data: bytes | None = None
        self.error: str | None = None
        self.views: tuple[str, ...] = ()  # the view of each figure in the image
        self.size: Size | None = None  # CSS pixels for SVG, image pixels for PNG
        self._callbacks: list[Callable[[Export], None]] = []

    @property
    def done(self) -> bool:
        """True once the image arrived or the export failed."""
        return self.data is not None or self.error is not None

    @property
    def n_figures(self) -> int:
        """How many figures the image holds (0 until it arrives)."""
        return len(self.views)

    def result(self) -> bytes:
        """The image's bytes; ExportError when the export failed or has not arrived."""
        if self.error is not None:
            raise ExportError(self.error)
        if self.data is None:
            raise ExportError(PENDING)
        return self.data

    def add_done_callback(self, fn: Callable[[Export], None]) -> None:
        """Call ``fn(export)`` when the export arrives or fails (at once if it is done)."""
        if self.done:
            fn(self)
        else:
            self._callbacks.append(fn)

    def _settle(self) -> None:
        callbacks, self._callbacks = self._callbacks, []
        for fn in callbacks:
            fn(self)

    def set_result(self, data: bytes, views: tuple[str, ...], size: Size) -> None:
        """The image arrived (the exporter calls this)."""
        self.data, self.views, self.size = data, views, size
        self._settle()

    def set_error(self, message: str) -> None:
        """The export failed (the exporter calls this)."""
        self.error = message
        self._settle()

    def __repr__(self) -> str:
        kind = self.fmt.upper()
        if self.error is not None:
            return f"<Export {kind}: failed: {self.error}>"
        if self.data is None:
            return f"<Export {kind}: waiting for the page>"
        size = f"{self.size.width:g}×{self.size.height:g} px" if self.size else ""
        where = f", written to {self.path}" if self.path else ""
        return f"<Export {kind}: {self.n_figures} figures, {size}, {len(self.data)} bytes{where}>"

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        bundle: dict = {"text/plain": repr(self)}
        if self.data is not None:
            if self.fmt == "png":
                bundle["image/png"] = self.data
            else:
                bundle["image/svg+xml"] = self.data.decode("utf-8")
        return bundle


@dataclass
class _Job:
    export: Export
    page: str  # the page view that answers
    views: list[str]  # the view name of each figure asked for
    scale: float | None
    timer: threading.Timer | None = field(default=None, repr=False)


def _checked_path(path, fmt: str) -> Path | None:
    if path is None:
        return None
    if not isinstance(path, str | PathLike):
        raise TypeError(f"path must be a file name (str or Path), got {type(path).__name__}")
    target = Path(path)
    if target.suffix.lower() != f".{fmt}":
        target = target.with_suffix(f".{fmt}")
    if not target.parent.is_dir():
        raise ValueError(f"path {str(path)!r}: folder {str(target.parent)!r} does not exist")
    return target


def _checked_download(download, path: Path | None, fmt: str) -> str | None:
    if download is None or download is False:
        return None
    if download is True:
        return path.name if path is not None else f"{DEFAULT_NAME}.{fmt}"
    if not isinstance(download, str) or not Path(download).name:
        raise TypeError(f"download must be True, False or a file name, got {download!r}")
    return Path(download).with_suffix(f".{fmt}").name


def _checked_number(value, name: str, upper: float | None = None) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value <= 0 or (upper is not None and value > upper):
        bound = f" up to {upper:g}" if upper is not None else ""
        raise ValueError(f"{name} must be a positive number{bound}, got {value!r}")
    return float(value)


class ImageExports:
    """Runs the dashboard's exports: asks the page, composes, writes and downloads."""

    def __init__(
        self,
        figures: Callable[[], list[tuple[str, object]]],
        say: Callable[..., None],
        wrap: Callable[[Callable], Callable],
    ) -> None:
        """``figures()`` lists (view name, bqplot Figure) in the dashboard's order;
        ``say(text, error=False)`` shows a message; ``wrap`` makes a callback run on the
        dashboard's main loop."""
        self._figures = figures
        self._say = say
        self._wrap = wrap
        self.page = PageExporter(self._answer, wrap)
        self.jobs: dict[int, _Job] = {}
        self._next_job = 0

    def start(
        self,
        fmt: str,
        path: str | PathLike | None = None,
        download: bool | str | None = None,
        scale: float | None = None,
        timeout: float = EXPORT_TIMEOUT,
    ) -> Export:
        """Ask the page for the dashboard as one ``fmt`` image; returns its ``Export``.

        Raises ExportError when no page shows the dashboard, ValueError or TypeError
        for bad arguments (before anything is sent)."""
        if fmt not in FORMATS:
            raise ValueError(f"fmt must be one of {FORMATS}, got {fmt!r}")
        target = _checked_path(path, fmt)
        filename = _checked_download(download, target, fmt)
        if scale is not None:
            scale = _checked_number(scale, "scale", MAX_SCALE)
        timeout = _checked_number(timeout, "timeout")
        figures = self._figures()
        if not figures:
            raise ExportError("this dashboard has no figure to export")
        page = self.page.page
        if page is None:
            raise ExportError(NO_PAGE)
        export = Export(fmt, target, filename)
        job_id = self._next_job = self._next_job + 1
        job = _Job(export, page, [name for name, _ in figures], scale)
        self.jobs[job_id] = job
        job.timer = threading.Timer(timeout, self._wrap(lambda: self._time_out(job_id, timeout)))
        job.timer.daemon = True
        job.timer.start()
        self.page.request(
            page,
            job_id,
            "collect",
            figures=[{"id": fig.model_id, "view": name} for name, fig in figures],
        )
        self._say(f"Exporting the dashboard as {fmt.upper()}…")
        return export

    # ------------------------------------------------------------ answers
    def _answer(self, content: dict, buffers: list[bytes]) -> None:
        job_id = content["job"]
        job = self.jobs.get(job_id)
        if job is None:  # late: the job timed out or failed already
            return
        event = content.get("event")
        try:
            if event == "figures":
                found = content.get("figures") or []
                if not found:
                    hidden = content.get("hidden") or 0
                    self._fail(job_id, NOT_SHOWN if hidden else NOT_DRAWN)
                    return
                self._compose(job_id, job, found, buffers)
            elif event == "png":
                data = buffers[0] if buffers else b""
                self._finish(job_id, data, job.export.views, png_size(data))
            elif event == "failed":
                self._fail(job_id, f"The page could not export: {content.get('message')}")
        except (ValueError, UnicodeDecodeError, KeyError, TypeError) as exc:
            self._fail(job_id, f"The page's answer could not be used: {exc}")

    def _compose(self, job_id: int, job: _Job, found: list[dict], buffers: list[bytes]) -> None:
        placed = [
            PlacedFigure(job.views[f["index"]], svg.decode("utf-8"), float(f["x"]), float(f["y"]))
            for f, svg in zip(found, buffers, strict=True)
        ]
        svg = compose_svg(placed).encode("utf-8")
        views = tuple(p.view for p in placed)
        size = svg_size(svg.decode("utf-8"))
        export = job.export
        if export.fmt == "svg":
            if export.filename:
                self.page.request(
                    job.page,
                    job_id,
                    "download",
                    [svg],
                    filename=export.filename,
                    mime="image/svg+xml",
                )
            self._finish(job_id, svg, views, size)
            return
        export.views = views  # kept for the PNG's arrival
        self.page.request(
            job.page,
            job_id,
            "rasterize",
            [svg],
            width=size.width,
            height=size.height,
            scale=job.scale,
            filename=export.filename,
            part_bytes=PNG_PART_BYTES,
        )

    def _finish(self, job_id: int, data: bytes, views: tuple[str, ...], size: Size) -> None:
        job = self.jobs.pop(job_id)
        if job.timer is not None:
            job.timer.cancel()
        export = job.export
        if export.path is not None:
            try:
                export.path.write_bytes(data)
            except OSError as exc:
                self._settle_failure(export, f"Could not write {export.path}: {exc}")
                return
        export.set_result(data, views, size)
        name = export.path or export.filename or f"the dashboard as {export.fmt.upper()}"
        count = f"{len(views)} figure{'' if len(views) == 1 else 's'}"
        self._say(f"Exported {name} ({count}).")

    def _fail(self, job_id: int, message: str) -> None:
        self.page.drop_parts(job_id)  # a PNG cut off half-way (a timeout) is let go
        job = self.jobs.pop(job_id, None)
        if job is None:
            return
        if job.timer is not None:
            job.timer.cancel()
        self._settle_failure(job.export, message)

    def _settle_failure(self, export: Export, message: str) -> None:
        export.set_error(message)
        self._say(message, error=True)

    def _time_out(self, job_id: int, timeout: float) -> None:
        job = self.jobs.get(job_id)
        if job is None:
            return
        self.page.forget(job.page)  # silent: the next export asks another page, or none
        self._fail(
            job_id,
            f"The page did not send the {job.export.fmt.upper()} within {timeout:g} s: is "
            "the dashboard still open in a browser tab? Export again once it is.",
        )
