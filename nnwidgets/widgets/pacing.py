"""Frame pacing: the page acknowledges the refreshes it drew, so play never runs ahead."""

from __future__ import annotations

import collections
import time

import traitlets
from ipywidgets import HBox, IntText, Layout, jslink

RATE_WINDOW = 10  # acknowledgements over which the page's drawing rate is measured


class _Acknowledgement(IntText):
    """The page's side of the count: set in the page only, and not echoed back to the
    page by the kernel (each echo is one more message through server and page)."""

    value = traitlets.CInt(0, help="Int value").tag(sync=True, echo_update=False)


class FrameCounter:
    """Counts refreshes the page has drawn: a number sent with every ``ACK_EVERY``-th
    refresh comes back through a link in the page (``jslink``), after the page handled
    that refresh's updates. Without a page (tests, nbclient) nothing comes back and
    nothing waits."""

    MAX_WAIT = 1.0  # seconds: a page that stopped answering still gets a refresh this often
    #: refreshes sent but not yet acknowledged before play waits: enough that the page
    #: finds the next refresh waiting when it has drawn one (the acknowledgement's round
    #: trip through the server and the kernel is hidden), few enough that a Pause is
    #: only a few refreshes behind
    IN_FLIGHT = 3
    #: refreshes per acknowledgement. Each acknowledgement is a request to the kernel,
    #: which JupyterLab answers with busy and idle messages and a toolbar update: one
    #: per two refreshes drew 22 instead of 16 refreshes a second in the browser
    #: benchmark (bench/RESULTS-browser.md)
    ACK_EVERY = 2

    def __init__(self) -> None:
        self.out = IntText(value=0)
        self.back = _Acknowledgement(value=0)
        self.link = jslink((self.out, "value"), (self.back, "value"))
        self.widget = HBox([self.out, self.back], layout=Layout(display="none"))
        self.widget.add_class("nnw-frames")
        self.count = 0
        self.drawn = 0
        self.answered = False
        self.last_answer = 0.0  # perf_counter() of the page's latest acknowledgement
        self.last_sent = 0.0
        self._drawn_at: collections.deque[float] = collections.deque(maxlen=RATE_WINDOW)
        self.back.observe(self._drawn, names="value")

    def _drawn(self, change) -> None:
        # May run on a comm thread: it only stores values.
        self.drawn = max(self.drawn, int(change["new"]))
        self.answered = True
        self.last_answer = time.perf_counter()
        self._drawn_at.append((time.perf_counter(), self.drawn))

    def drawn_hz(self) -> float:
        """Refreshes per second the page drew, over the last few acknowledgements
        (0.0 when none came lately)."""
        marks = list(self._drawn_at)
        if len(marks) < 2 or time.perf_counter() - marks[-1][0] > self.MAX_WAIT:
            return 0.0
        (t0, n0), (t1, n1) = marks[0], marks[-1]
        return (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0

    def sent(self) -> None:
        """Call after each refresh."""
        self.count += 1
        self.last_sent = time.perf_counter()
        if self.count % self.ACK_EVERY == 0:
            self.out.value = self.count

    def silent_since(self) -> float | None:
        """``perf_counter()`` of the page's latest acknowledgement; None when no page
        ever acknowledged (tests, nbconvert): then nothing is ever silent."""
        return self.last_answer if self.answered else None

    def ready(self) -> bool:
        """True when at most ``IN_FLIGHT`` refreshes are still on their way or being drawn."""
        if not self.answered:
            return True
        if self.count - self.drawn <= self.IN_FLIGHT:
            return True
        return time.perf_counter() - self.last_sent > self.MAX_WAIT
