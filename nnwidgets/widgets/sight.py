"""Sight: which of a dashboard's views a page shows, so that play redraws only those.

A view scrolled out of the browser's viewport, or in a hidden tab, changes nothing a
student sees, yet each of its redraws costs the kernel, the server and the page. One
small ``anywidget`` per dashboard (``Sight``, in its element, invisible) watches the
dashboard's views with an ``IntersectionObserver`` (``sight.js``) and tells the kernel
the names of those inside the viewport. While playing, the dashboard skips the others;
a view scrolled back into sight is drawn at the next refresh, and every view is drawn
when play stops.
"""

from __future__ import annotations

from pathlib import Path

import anywidget
from ipywidgets import Layout

HERE = Path(__file__).resolve().parent


class Sight(anywidget.AnyWidget):
    """The views the dashboard's pages show inside their viewports (``in_sight``)."""

    _esm = (HERE / "sight.js").read_text(encoding="utf-8")

    def __init__(self, **kwargs) -> None:
        super().__init__(layout=Layout(display="none"), **kwargs)
        self.add_class("nnw-sight")
        # page id -> the names of the views it shows. Replaced, never changed in place:
        # page messages may arrive on a comm thread while play reads it
        self._pages: dict[str, frozenset[str]] = {}
        self.on_msg(self._on_page_message)

    @property
    def in_sight(self) -> frozenset[str] | None:
        """The names of the views some page shows now; ``None`` while no page has said
        (tests, nbconvert, a closed page): then every view counts as shown."""
        pages = self._pages
        if not pages:
            return None
        return frozenset().union(*pages.values())

    def shows(self, name: str) -> bool:
        """Whether a page shows the view ``name`` (True while no page has said)."""
        shown = self.in_sight
        return shown is None or name in shown

    def _on_page_message(self, _widget, content, _buffers) -> None:
        if not isinstance(content, dict) or content.get("event") != "sight":
            return
        page, views = content.get("page"), content.get("views")
        if not isinstance(page, str):
            return
        pages = dict(self._pages)
        if isinstance(views, list):
            pages[page] = frozenset(v for v in views if isinstance(v, str))
        else:  # the page closed its view of the dashboard
            pages.pop(page, None)
        self._pages = pages
