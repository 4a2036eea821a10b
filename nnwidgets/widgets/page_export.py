"""The page's side of an export: a hidden anywidget in the dashboard (``page_export.js``).

Its ES module, in the page, reads the SVG of each bqplot figure drawn inside its
dashboard and where the figure sits on screen, draws a composed SVG onto one canvas as
PNG, and saves one file with one click on a Blob URL. This module keeps the kernel's
side: which page views are alive (each says "ready" when drawn and "gone" when
removed), and the requests to the latest of them (one view answers, however often the
dashboard is shown).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import anywidget
from ipywidgets import Layout

__all__ = ["PageExporter"]

#: called with (message, buffers) for every answer that belongs to an export job
Answer = Callable[[dict, list[bytes]], None]


class PageExporter(anywidget.AnyWidget):
    """A hidden widget that asks the page for the figures' SVGs, rasterises and downloads."""

    _esm = Path(__file__).with_name("page_export.js")

    def __init__(self, on_answer: Answer, wrap: Callable[[Callable], Callable]) -> None:
        """``on_answer`` receives every answer to a request; ``wrap`` makes a callback
        run on the dashboard's main loop (comm messages may arrive on another thread)."""
        super().__init__(layout=Layout(display="none"))
        self.add_class("nnw-page-export")
        self.pages: list[str] = []  # ids of the page views that said "ready", newest last
        self._on_answer = on_answer
        self.on_msg(wrap(self._message))

    def _message(self, _widget, content: dict, buffers: list) -> None:
        event = content.get("event")
        view = content.get("view")
        if event == "ready" and isinstance(view, str):
            self.forget(view)
            self.pages.append(view)
        elif event == "gone" and isinstance(view, str):
            self.forget(view)
        elif isinstance(content.get("job"), int):
            self._on_answer(content, [bytes(b) for b in buffers or ()])

    @property
    def page(self) -> str | None:
        """The page view that answers requests (the latest drawn), or None without one."""
        return self.pages[-1] if self.pages else None

    def forget(self, view: str) -> None:
        """Stop asking page view ``view`` (removed, or silent)."""
        if view in self.pages:
            self.pages.remove(view)

    def request(self, view: str, job: int, do: str, buffers: list[bytes] = (), **args) -> None:
        """Send request ``do`` ("collect", "rasterize" or "download") of job ``job`` to
        page view ``view``."""
        self.send({"do": do, "job": job, "view": view, **args}, buffers=list(buffers) or None)
