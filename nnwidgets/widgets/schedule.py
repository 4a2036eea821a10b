"""The refresh schedule while playing: what each refresh draws, and what waits its turn."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping

#: status-line updates per second while playing: a number changing faster cannot be
#: read, and each update is one more message for the server and the page to handle
STATUS_PLAY_HZ = 5.0
#: ... and while play is paced: the step count moves slowly, the line need not
STATUS_PACED_HZ = 2.0


class RefreshSchedule:
    """Which parts one refresh while playing draws.

    Parts that follow every step (rate None) are drawn each time; of the slower ones
    (a rate in refreshes per second, as ``View.play_hz``) at most one, the most
    overdue, when its time has come; the status line ``status_hz`` times a second
    (``paced_status_hz`` while play is paced). A full refresh (a click, the end of play)
    draws everything and needs no schedule.
    """

    def __init__(
        self, status_hz: float = STATUS_PLAY_HZ, paced_status_hz: float = STATUS_PACED_HZ
    ) -> None:
        self.status_hz = status_hz
        self.paced_status_hz = paced_status_hz
        #: when each slow part was last drawn (``time.perf_counter()``)
        self.drawn: dict[str, float] = {}
        #: when the status line was last drawn
        self.status_drawn = -math.inf

    def due(self, rates: Mapping[str, float | None], paced: bool = False) -> tuple[list[str], bool]:
        """The names to draw now (in ``rates`` order) and whether the status line is
        due (``paced``: play has a pace); what is returned counts as drawn now."""
        now = time.perf_counter()
        hz = self.paced_status_hz if paced else self.status_hz
        status = now - self.status_drawn >= 1.0 / hz
        if status:
            self.status_drawn = now
        due, overdue = None, 0.0
        for name, hz in rates.items():
            if hz is None:
                continue
            late = now - self.drawn.get(name, -math.inf) - 1.0 / hz
            if late >= 0 and (due is None or late > overdue):
                due, overdue = name, late
        if due is not None:
            self.drawn[due] = now
        names = [n for n, hz in rates.items() if hz is None or n == due]
        return names, status
