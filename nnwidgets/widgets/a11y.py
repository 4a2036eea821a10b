"""Accessibility: what ipywidgets cannot give a dashboard's own elements by itself.

ipywidgets sets no ARIA attribute a Python widget could choose: its sliders have no
accessible name, the learning-rate slider announces its log exponent, Font Awesome
icons start the buttons' names, and nothing announces the status line. One small
``anywidget`` per dashboard (``Accessibility``, in its element, invisible) finds the
``.nnw-dashboard`` around it in the page and sets those attributes on its sibling
elements; its JavaScript (``a11y.js``) keeps them through every re-render, and its CSS
(``a11y.css``) draws a 2 px focus ring. ``Announcer`` paces what the status line's live
region says, so that play does not flood a screen reader.
"""

from __future__ import annotations

import html
import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import anywidget
import traitlets
from ipywidgets import Layout

HERE = Path(__file__).resolve().parent
#: seconds between the status line's announcements while playing; Step, Epoch, Pause
#: and any other full refresh announce at once
ANNOUNCE_EVERY = 5.0
#: value texts of the dashboard's logarithmic sliders, by CSS class (see ``a11y.js``):
#: ipywidgets' slider value is the exponent; a screen reader should hear the rate (its
#: readout as a number) and the pace (10 to the handle's position, "max" at the top)
VALUE_TEXTS = {
    "nnw-lr": {"scale": "log", "readout": True, "digits": 3},
    "nnw-speed": {"scale": "log", "digits": 2, "unit": "steps per second", "top": "max"},
}
#: accessible names of inputs that have no description (a label beside them instead),
#: by CSS class; other such inputs are named by their placeholder
NAMES = {"nnw-share-url": "URL of this setup", "nnw-weight-value": "new value of the weight"}
_TAG = re.compile(r"<[^>]+>")


def plain_text(markup: str) -> str:
    """The text a line of HTML shows: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(_TAG.sub("", markup)).split())


class Accessibility(anywidget.AnyWidget):
    """Names, value texts, figure descriptions and the status line's live region for
    the dashboard whose element holds this widget.

    ``figures`` maps a view's name (its ``nnw-view-NAME`` class) to one short text per
    figure, in page order; each figure gets ``role="img"`` and that ``aria-label``.
    ``announcement`` is what the status line's polite live region says.
    ``value_texts`` maps a slider's CSS class to how its value is spoken (see
    ``VALUE_TEXTS``); other sliders say what their readout shows. ``names`` names the
    inputs that have no description, by CSS class (see ``NAMES``).
    """

    _esm = (HERE / "a11y.js").read_text(encoding="utf-8")
    _css = (HERE / "a11y.css").read_text(encoding="utf-8")
    figures = traitlets.Dict(help="view name -> one text per figure").tag(sync=True)
    announcement = traitlets.Unicode("", help="the status line's live region").tag(sync=True)
    value_texts = traitlets.Dict(help="slider CSS class -> value text format").tag(sync=True)
    names = traitlets.Dict(help="input CSS class -> accessible name").tag(sync=True)

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("value_texts", VALUE_TEXTS)
        kwargs.setdefault("names", NAMES)
        super().__init__(layout=Layout(display="none"), **kwargs)
        self.add_class("nnw-a11y")
        self.shown = False  # a page has shown the dashboard around this widget
        self._when_shown: list[Callable[[], object]] = []
        self.on_msg(self._on_page_message)

    def when_shown(self, callback: Callable[[], object]) -> None:
        """``callback()`` once a page has shown the dashboard (at once if one has)."""
        if self.shown:
            callback()
        else:
            self._when_shown.append(callback)

    def _on_page_message(self, _widget, content, _buffers) -> None:
        if not isinstance(content, dict) or content.get("event") != "shown" or self.shown:
            return
        self.shown = True
        callbacks, self._when_shown = self._when_shown, []
        for callback in callbacks:
            callback()

    def describe(self, figures: Mapping[str, Sequence[str]]) -> None:
        """Set the figures' text alternatives (one message, and none when unchanged)."""
        value = {name: [str(t) for t in texts] for name, texts in figures.items()}
        if value != self.figures:
            self.figures = value


class Announcer:
    """Paces the status line's announcements: at once when ``now`` (a click, the end
    of play), otherwise at most once every ``every`` seconds (while playing)."""

    def __init__(
        self,
        widget: Accessibility,
        every: float = ANNOUNCE_EVERY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if isinstance(every, bool) or not isinstance(every, int | float):
            raise TypeError(f"every must be a number of seconds, got {type(every).__name__}")
        if not math.isfinite(every) or every < 0:
            raise ValueError(f"every must be a number of seconds >= 0, got {every!r}")
        self.widget = widget
        self.every = float(every)
        self.clock = clock
        self.last = -math.inf  # clock() of the latest announcement

    def say(self, markup: str, now: bool = False) -> bool:
        """Announce the status line ``markup`` (HTML; its text is spoken); returns
        whether it was announced or waits for a later one."""
        t = self.clock()
        if not now and t - self.last < self.every:
            return False
        self.last = t
        self.widget.announcement = plain_text(markup)
        return True
