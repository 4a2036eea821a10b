"""Frame pacing: the page acknowledges the refreshes it drew, so play never runs ahead."""

from __future__ import annotations

import collections
import math
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
    #: only a few refreshes behind; more than ACK_EVERY, so that play never waits for
    #: the acknowledgement of a refresh the page has not been sent yet
    IN_FLIGHT = 6
    #: refreshes per acknowledgement. Each acknowledgement is a request to the kernel,
    #: which JupyterLab answers with busy and idle messages and a re-render of the
    #: notebook's toolbar and status bar: fewer drew more at "max" each time they were
    #: measured (bench/RESULTS-browser.md). One per five, with 6 in flight, drew 24.1
    #: against 20.9 renders/s with one per three and 4 in flight (above in 8 of 10 plays
    #: in pairs); one per six with 8 in flight drew no more (24.2) and queues more
    ACK_EVERY = 5
    #: while play is paced (a speed is set), at most one acknowledgement this often:
    #: at a lesson pace each one cost the kernel about as much as a refresh, and a slow
    #: refresh rate needs no close watch of the page (it still shows a closed tab in time)
    PACED_ACK_SECONDS = 1.0

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
        self.in_flight = self.IN_FLIGHT
        self._ack_seconds: float | None = None  # None: one acknowledgement per ACK_EVERY
        self._asked_at = -math.inf  # perf_counter() of the latest acknowledgement asked for
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

    def pace(self, refresh_hz: float | None) -> None:
        """Paced play (``refresh_hz``, its refresh cap) asks for an acknowledgement at
        most every ``PACED_ACK_SECONDS`` and allows the refreshes between two of them in
        flight; ``None`` (flat out) goes back to one per ``ACK_EVERY`` refreshes."""
        if refresh_hz is None:
            self._ack_seconds, self.in_flight = None, self.IN_FLIGHT
        else:
            self._ack_seconds = self.PACED_ACK_SECONDS
            self.in_flight = self.IN_FLIGHT + math.ceil(refresh_hz * self.PACED_ACK_SECONDS)

    def sent(self, page_timeout: float | None = None) -> None:
        """Call after each refresh. ``page_timeout``: play pauses after that long without
        an acknowledgement, so a paced play asks at least four times within it."""
        self.count += 1
        now = self.last_sent = time.perf_counter()
        if self._ack_seconds is None:
            due = self.count % self.ACK_EVERY == 0
        else:
            every = self._ack_seconds if page_timeout is None else page_timeout / 4
            due = now - self._asked_at >= min(self._ack_seconds, every)
        if due:
            self._asked_at = now
            self.out.value = self.count

    def silent_since(self) -> float | None:
        """``perf_counter()`` of the page's latest acknowledgement; None when no page
        ever acknowledged (tests, nbconvert): then nothing is ever silent."""
        return self.last_answer if self.answered else None

    def ready(self) -> bool:
        """True when at most ``in_flight`` refreshes are still on their way or being drawn."""
        if not self.answered:
            return True
        if self.count - self.drawn <= self.in_flight:
            return True
        return time.perf_counter() - self.last_sent > self.MAX_WAIT
