"""The playground's Share control: the URL of the current setup, to hand to a class."""

from __future__ import annotations

import html
from collections.abc import Callable

from ipywidgets import HTML, Button, HBox, Layout, Text, VBox


class ShareControl(VBox):
    """A Share button and a read-only box with the URL it made (``nnw-share``).

    ``make_url()`` returns ``(url, note)``; the box is kept copyable (an edit snaps back
    to the URL rather than the box being disabled).
    """

    def __init__(self, make_url: Callable[[], tuple[str, str]], width_px: int) -> None:
        self._make_url = make_url
        self._shared = ""
        self.button = Button(
            description="Share",
            icon="link",
            tooltip="the URL of this setup, to share it",
            layout=Layout(width="auto", flex="0 0 auto"),
        )
        self.button.add_class("nnw-share-button")
        self.url = Text(
            value="",
            placeholder="press Share for this setup's URL",
            layout=Layout(width=f"{width_px - 96}px"),
        )
        self.url.add_class("nnw-share-url")
        self.url.observe(self._keep_url, names="value")
        self.note = HTML("", layout=Layout(width=f"{width_px - 8}px"))
        self.note.add_class("nnw-share-note")
        row = HBox([self.button, self.url], layout=Layout(align_items="center"))
        super().__init__([row, self.note], layout=Layout(margin="8px 0 0 0"))
        self.add_class("nnw-share")

    def show(self) -> str:
        """Fill the box with the URL of the current setup and return it."""
        url, note = self._make_url()
        self._shared = url
        self.url.value = url
        self.note.value = (
            f"<span class='nnw-caption' style='font-size:11px'>{html.escape(note)}</span>"
        )
        return url

    def _keep_url(self, change) -> None:
        if change["new"] != self._shared:
            self.url.value = self._shared
