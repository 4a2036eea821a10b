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
        self._parts: dict[int, list[bytes]] = {}  # job -> the PNG's parts so far
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
        elif event == "png-part" and isinstance(content.get("job"), int):
            self._png_part(content, buffers)
        elif isinstance(content.get("job"), int):
            self._on_answer(content, [bytes(b) for b in buffers or ()])

    def drop_parts(self, job: int) -> None:
        """Forget the parts of job ``job``'s PNG received so far (the job has failed)."""
        self._parts.pop(job, None)

    def _png_part(self, content: dict, buffers: list) -> None:
        """Join a PNG sent in parts (in order, as a comm delivers them); the whole goes
        on as one "png" answer, a part out of order as a failed one."""
        job, part, parts = content["job"], content.get("part"), content.get("parts")
        got = self._parts.setdefault(job, [])
        valid = isinstance(part, int) and isinstance(parts, int) and part == len(got) < parts
        if not valid or len(buffers or ()) != 1:
            self._parts.pop(job, None)
            message = f"part {part!r} of {parts!r} of the PNG came unexpected"
            self._on_answer({"event": "failed", "job": job, "message": message}, [])
            return
        got.append(bytes(buffers[0]))
        if len(got) == parts:
            del self._parts[job]
            self._on_answer({"event": "png", "job": job}, [b"".join(got)])

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
