"""The Runner: plays a trainer as an asyncio task, refreshing views at a throttled rate."""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Callable

from ..core.protocols import TrainerProtocol

CHUNK_SECONDS = 0.002  # steps are run in chunks of about this long between clock checks
AUTO_HZ = 30.0  # refresh_hz=None: at most this often while a page draws and acknowledges
FALLBACK_HZ = 20.0  # refresh_hz=None and nothing acknowledges (no page: tests, nbconvert)
#: at most this many refreshes a second while play is paced (speed set): the story of a
#: lesson moves at the pace, and at 10 (then 6) the refreshes alone took a student's
#: kernel over 5% of a core (bench/RESULTS-browser.md, "Pace")
PACED_HZ = 5.0
PAGE_POLL_SECONDS = 0.01  # at a slow pace, how often a wait for the page looks again
BACKLOG_SECONDS = 0.25  # a paced play that fell behind by more drops the backlog
PAGE_TIMEOUT = 10.0  # seconds without an acknowledgement from the page before play pauses
#: turns of the event loop play gives at each yield: ipykernel takes about five to receive
#: and handle a message from the page (an acknowledgement, a click), which waited a refresh
#: or two with one turn; eight drew 21.7 against 19.2 renders/s at "max" (6 of 7 plays in
#: pairs, bench/RESULTS-browser.md)
LOOP_TURNS = 8
PAGE_SILENT = "page silent"  # the stop reason when the page went away


async def _give_turns() -> None:
    """Let the event loop run ``LOOP_TURNS`` times (messages from the page, clicks)."""
    for _ in range(LOOP_TURNS):
        await asyncio.sleep(0)


def page_silent_message(page_timeout: float) -> str:
    """What a dashboard says when play paused for ``PAGE_SILENT``: why, and what to do."""
    return (
        f"paused: no page has drawn for {page_timeout:g} s (the tab was closed, the "
        "browser was too busy to draw, or the cell was re-run); press Play to go on"
    )


def _optional_number(name: str, value, low: float, high: float, unit: str) -> float | None:
    """``value`` as a float within (low, high] (``low`` itself allowed when above 0), or
    None; a clear error naming ``name`` otherwise."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number of {unit} or None, got {type(value).__name__}")
    ok = math.isfinite(value) and (value > low if low == 0 else value >= low) and value <= high
    if not ok:
        bounds = "> 0 and finite" if high == math.inf else f"between {low:g} and {high:g}"
        raise ValueError(f"{name} must be a number of {unit} {bounds}, got {value}")
    return float(value)


class Runner:
    """Run training steps in slices of one refresh interval, refresh once per slice, yield.

    ``trainer`` needs ``run_steps``, ``step_count``, ``epoch`` and ``diverged`` of
    the trainer protocol. Because it yields to the event loop after every slice,
    button clicks, slider moves and other cells are handled while it plays; their
    changes take effect at the next step boundary.

    ``ready`` (optional) says whether the page has drawn the earlier refreshes: while
    it is False the Runner trains on in short chunks, yielding between them, and
    refreshes as soon as it turns True. So the refresh rate is the smaller of
    ``refresh_hz`` and what the page can draw. ``refresh_hz=None`` (auto) sets the
    cap to ``AUTO_HZ`` while ``paced()`` is True (a page acknowledges refreshes), and
    to ``FALLBACK_HZ`` otherwise.

    ``speed`` (steps per second, None for flat out) paces play: the Runner sleeps
    until the next step is due instead of spinning, and below the refresh rate it
    refreshes after every step, so each one is drawn.
    """

    def __init__(
        self,
        trainer: TrainerProtocol,
        refresh: Callable[[], None],
        refresh_hz: float | None = 20.0,
        on_stop: Callable[[str], None] | None = None,
        ready: Callable[[], bool] | None = None,
        paced: Callable[[], bool] | None = None,
        heard_at: Callable[[], float | None] | None = None,
        page_timeout: float | None = PAGE_TIMEOUT,
    ) -> None:
        self.trainer = trainer
        self.ready = ready  # False while the browser is still drawing earlier refreshes
        self.paced = paced  # True once a page acknowledges the refreshes it drew
        #: perf_counter() of the page's latest acknowledgement (None: no page ever did)
        self.heard_at = heard_at
        self.page_timeout = page_timeout
        self.skipped = 0
        self.refresh = refresh
        self.refresh_hz = refresh_hz
        self.on_stop = on_stop
        self.playing = False
        self.stop_after_epochs = 0
        self.steps_per_second = 0.0
        self.refreshes = 0
        self.error: BaseException | None = None
        self._task: asyncio.Task | None = None
        self._chunk = 1
        self._speed: float | None = None
        self._wake: asyncio.Event | None = None  # set to end a paced play's sleep early
        self._origin = (0.0, 0)  # (time, step count) from which the pace counts

    @property
    def speed(self) -> float | None:
        """Steps per second while playing; None plays flat out."""
        return self._speed

    @speed.setter
    def speed(self, value: float | None) -> None:
        self._speed = _optional_number("speed", value, 0.0, math.inf, "steps/s")
        self._wake_up()  # a paced play asleep until its next step takes the new pace now
        self._restart_pace()

    def _restart_pace(self) -> None:
        # the next step is due at once; the pace counts from here
        speed = self._speed or 1.0
        self._origin = (time.perf_counter() - 1.0 / speed, self.trainer.step_count)

    def _due(self, now: float) -> int:
        """Steps due by ``now`` at the pace (a backlog from a slow refresh is dropped)."""
        t0, s0 = self._origin
        due = int((now - t0) * self._speed) - (self.trainer.step_count - s0)
        if due > max(1.0, self._speed * BACKLOG_SECONDS):
            self._restart_pace()
            return 1
        return max(0, due)

    def _next_due(self) -> float:
        t0, s0 = self._origin
        return t0 + (self.trainer.step_count - s0 + 1) / self._speed

    @property
    def refresh_hz(self) -> float | None:
        """At most this many refreshes per second while playing (None: auto)."""
        return self._refresh_hz

    @refresh_hz.setter
    def refresh_hz(self, value: float | None) -> None:
        self._refresh_hz = _optional_number("refresh_hz", value, 0.5, 120.0, "refreshes/s")

    @property
    def page_timeout(self) -> float | None:
        """Play pauses when the page that acknowledged its refreshes has been silent for
        this many seconds (a closed tab, a re-run cell); None never pauses."""
        return self._page_timeout

    @page_timeout.setter
    def page_timeout(self, value: float | None) -> None:
        self._page_timeout = _optional_number("page_timeout", value, 0.0, math.inf, "seconds")

    def _page_gone(self, started: float) -> bool:
        """True when a page paced this play once and has been silent for page_timeout
        (counted from the start of play at the earliest)."""
        if self._page_timeout is None or self.heard_at is None:
            return False
        heard = self.heard_at()
        if heard is None:
            return False
        return time.perf_counter() - max(heard, started) > self._page_timeout

    @property
    def target_hz(self) -> float:
        """The cap in use now: ``refresh_hz``, or under auto the rate for a page or none."""
        if self._refresh_hz is not None:
            hz = self._refresh_hz
        else:
            hz = AUTO_HZ if self.paced is not None and self.paced() else FALLBACK_HZ
        # a paced play is watched, not raced: fewer refreshes keep a student's kernel cheap
        return hz if self._speed is None else min(hz, PACED_HZ)

    @property
    def paced_refresh_hz(self) -> float | None:
        """Refreshes per second while playing at the pace: one per step below the cap in
        use (``target_hz``), the cap above it; None when play is flat out."""
        return None if self._speed is None else min(self._speed, self.target_hz)

    async def _paced_turn(self, now: float, deadline: float, stop_epoch) -> int | None:
        """One turn of a paced play: run the steps due by ``now`` all at once, or, with
        none due before the refresh deadline, sleep until the next is due (every step
        drawn, below the refresh rate) or until the deadline (faster: the steps then
        wait for the refresh, one wake per refresh). Returns the steps run (0 after a
        sleep), None when training stopped early."""
        due = self._due(now)
        if due:
            done = self.trainer.run_steps(due, stop_epoch)
            return done if done == due else None
        if now < deadline:
            slow = self._speed <= self.target_hz
            wake = self._next_due() if slow else deadline
            await self._nap(max(0.0, min(wake, deadline) - now))
        return 0

    @property
    def task(self) -> asyncio.Task | None:
        """The play loop's asyncio task (the last one started), or None."""
        return self._task

    def start(self) -> asyncio.Task | None:
        """Start playing on the running event loop (the kernel's, in a notebook)."""
        if self.playing:
            return self._task
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            self.playing = True
            self.error = None
            self._task = loop.create_task(self._play())
            return self._task
        try:
            loop = asyncio.get_event_loop()
        except RuntimeError:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
        self.playing = True
        self.error = None
        self._task = loop.create_task(self._play())
        return self._task

    def stop(self) -> None:
        """Stop after the current step; the views keep the last refresh."""
        self.playing = False
        self._wake_up()

    def _wake_up(self) -> None:
        if self._wake is not None:
            self._wake.set()

    async def _nap(self, seconds: float) -> None:
        """Sleep ``seconds``, or less when stopped or given a new pace (at 1 step/s a
        paced play sleeps up to a second between steps)."""
        wake = self._wake
        if wake is None:
            await asyncio.sleep(seconds)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), seconds)
        wake.clear()

    async def wait(self) -> None:
        """Wait until the play task has finished."""
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _play(self) -> None:
        tr = self.trainer
        me = asyncio.current_task()  # a Pause then Play before this loop woke replaces it
        self._wake = asyncio.Event()
        stop_epoch = tr.epoch + self.stop_after_epochs if self.stop_after_epochs else None
        reason = "paused"
        last = time.perf_counter()
        last_steps = tr.step_count
        refreshed_at = last  # when the last refresh began
        started = last
        self._restart_pace()
        try:
            while self.playing and self._task is me:
                interval = 1.0 / self.target_hz
                # counted from the start of the last refresh, so that the refresh's own
                # time is part of the interval and the rate is target_hz, not less; and
                # at least half an interval of training whatever a refresh costs
                deadline = max(refreshed_at + interval, time.perf_counter() + interval / 2)
                slow = self._speed is not None and self._speed <= self.target_hz
                if slow:  # a refresh follows each step instead
                    deadline = math.inf
                late = deadline  # when a wait for the page counts as one more skipped refresh
                page_ready = self.ready is None
                while self.playing and self._task is me:
                    now = time.perf_counter()
                    if slow and not (self._speed is not None and self._speed <= self.target_hz):
                        slow, deadline = False, now  # the pace went up: back to the interval
                    if self._speed is not None:
                        done = await self._paced_turn(now, deadline, stop_epoch)
                        if done is None:
                            break  # stopped early (a divergence, stop after)
                        if done and slow:  # slower than refreshes: draw every step
                            deadline, late = now, now + interval
                        if done or now < deadline:
                            continue
                    if now >= deadline:
                        if page_ready or self.ready():
                            page_ready = True
                            break
                        # The page is still drawing: train on in short chunks, and yield
                        # between them so that its acknowledgement can come in (on this
                        # event loop when comms do not run on a thread of their own).
                        if now >= late:
                            self.skipped += 1
                            late = now + interval
                        if self._speed is not None:  # paced: look again soon, do not spin
                            await asyncio.sleep(PAGE_POLL_SECONDS)
                            continue
                        await _give_turns()
                        if not (self.playing and self._task is me):
                            break
                    want = self._chunk
                    t0 = time.perf_counter()
                    done = tr.run_steps(want, stop_epoch)
                    elapsed = time.perf_counter() - t0
                    if done < want:
                        break
                    if elapsed < CHUNK_SECONDS / 2:
                        self._chunk = min(self._chunk * 2, 100_000)
                    elif elapsed > CHUNK_SECONDS * 2 and self._chunk > 1:
                        self._chunk //= 2
                if self._page_gone(started):
                    reason, self.playing = PAGE_SILENT, False
                elif tr.diverged:
                    reason, self.playing = "diverged", False
                elif stop_epoch is not None and tr.epoch >= stop_epoch:
                    reason, self.playing = "finished", False
                now = time.perf_counter()
                if now > last:
                    self.steps_per_second = (tr.step_count - last_steps) / (now - last)
                last, last_steps = now, tr.step_count
                if page_ready or not self.playing:
                    refreshed_at = time.perf_counter()
                    self.refresh()
                    self.refreshes += 1
                await _give_turns()
        except Exception as exc:  # shown in the dashboard, never as a traceback
            self.error = exc
            reason = f"error: {type(exc).__name__}: {exc}"
        finally:
            if self._task is me:  # a replaced loop leaves the new one alone
                self.playing = False
                self.steps_per_second = 0.0
                if self.on_stop is not None:
                    self.on_stop(reason)
