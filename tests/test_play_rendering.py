"""What play sends the page: slow views take turns, axes move in steps, unchanged
values are not sent again, and play keeps pace with the page's acknowledgements."""

from __future__ import annotations

import asyncio
import collections
import itertools
import statistics
import time

import numpy as np
import pytest
from ipywidgets import Widget
from playing import play_for, run_for

import nnwidgets as nw
from nnwidgets.views import loss as loss_view
from nnwidgets.views.base import (
    PLAY_HZ,
    SHRINK_AFTER,
    SYMMETRIC_STEPS,
    SteadyLimit,
    count_ticks,
    histogram,
    histogram_bins,
    log_bounds,
    nice_ceiling,
    set_changed,
    tick_format_for,
    update_symmetric_histogram,
)
from nnwidgets.views.marks import RANGE_SHRINK_AFTER
from nnwidgets.widgets import runner as runner_mod
from nnwidgets.widgets.dashboard import FrameCounter
from nnwidgets.widgets.runner import PACED_HZ, Runner


class Sent:
    """Records the widget messages sent meanwhile: (widget class, state keys)."""

    def __enter__(self):
        self.log, self.widgets = [], []
        self._original = Widget._send

        def record(widget, msg, buffers=None):
            self.log.append((type(widget).__name__, tuple(sorted(msg.get("state", {})))))
            self.widgets.append(widget)

        Widget._send = record
        return self

    def __exit__(self, *exc):
        Widget._send = self._original


def test_steady_limit_grows_at_once_and_shrinks_only_after_a_while():
    limit = SteadyLimit()
    assert limit(2.0) == 2.0
    assert limit(2.5) == 2.5  # values past the end: the axis grows at once
    assert limit(1.5) == 2.5  # a wobble below the end: the axis stays
    lows = [0.5, 0.3, 1.0, 0.2, 0.4][:SHRINK_AFTER]
    for value in lows[:-1]:
        assert limit(value) == 2.5  # well below, but not for long yet
    assert limit(lows[-1]) == max(lows)  # then down to the largest of those values
    assert limit(0.1) == max(lows)
    assert limit(0.9) == max(lows)  # a value near the end breaks the streak
    limit.value = float("nan")
    assert limit(0.3) == 0.3


def test_gradient_histograms_follow_each_step_and_hold_their_count_axis():
    """Minibatch gradients can be ten times smaller from one step to the next: the range
    follows within ``RANGE_SHRINK_AFTER`` updates (the shape of this step's values is the
    point), while the count axis, whose tallest bin only wobbles, holds its recent peak."""
    view = nw.demo().views["gradients"]
    hist, x_axis = view.hists[0], view.hist_axes[0]
    update_symmetric_histogram(hist, x_axis, np.linspace(-1.0, 1.0, 16))
    wide = hist.max
    for _ in range(RANGE_SHRINK_AFTER - 1):  # one small step: the range waits
        update_symmetric_histogram(hist, x_axis, np.linspace(-0.1, 0.1, 16))
        assert hist.max == wide
    update_symmetric_histogram(hist, x_axis, np.linspace(-0.1, 0.1, 16))
    assert hist.max <= 0.5 * wide  # then it follows

    def count_axis_changes(seed: int) -> int:
        hist, x_axis = view.hists[0], view.hist_axes[0]
        hist.x_limit, hist.count_limit = SteadyLimit(shrink_after=1), SteadyLimit()
        rng = np.random.default_rng(seed)
        update_symmetric_histogram(hist, x_axis, rng.normal(size=16))
        wide = hist.max
        update_symmetric_histogram(hist, x_axis, 0.1 * rng.normal(size=16))
        assert hist.max <= 0.5 * wide
        changes = []

        def record(change) -> None:
            changes.append(change["new"])

        hist.count_axis.observe(record, names=["tick_values"])
        for _ in range(40):  # new samples of the same spread: the tallest bin wobbles
            update_symmetric_histogram(hist, x_axis, 0.1 * rng.normal(size=16))
        hist.count_axis.unobserve(record, names=["tick_values"])
        return len(changes)

    # a few changes in 40 updates (one count axis following each update changes about
    # five times); the count of one draw depends on where its bins' edges fall
    changes = [count_axis_changes(seed) for seed in range(10)]
    assert np.mean(changes) <= 3 and max(changes) <= 6, changes


def test_gradient_histograms_keep_their_axes_while_values_wobble():
    """Playing, a histogram whose largest value moves by a few percent each refresh must
    send new counts only: a moved range or count axis redraws the whole figure."""
    dash = nw.demo()
    view = dash.views["gradients"]
    hist, x_axis = view.hists[0], view.hist_axes[0]
    rng = np.random.default_rng(0)
    base = rng.normal(size=16)
    sent = []
    for widget in (hist, hist.scales["y"], x_axis):
        widget.observe(lambda c: sent.append(c["name"]), names=["min", "max", "tick_values"])
    update_symmetric_histogram(hist, x_axis, base * 1.1)  # the largest it will be
    sent.clear()
    moved = []
    for k in range(40):
        scale = 1.0 + 0.1 * np.sin(k)  # ±10 %: across a nice_ceiling step now and then
        update_symmetric_histogram(hist, x_axis, base * scale)
        moved.append(len(sent))
        sent.clear()
    assert sum(moved) <= 2, moved
    for _ in range(SHRINK_AFTER):  # ten times smaller for a while: it follows
        update_symmetric_histogram(hist, x_axis, base * 0.1)
    assert hist.max <= 0.5 * np.abs(base).max() and "max" in sent


def test_nice_ceiling_steps_and_bounds():
    assert nice_ceiling(0.0) == 1.0 and nice_ceiling(float("nan")) == 1.0
    assert nice_ceiling(1.0) == 1.0
    assert nice_ceiling(1.01) == 1.25
    assert nice_ceiling(496) == 500
    assert nice_ceiling(7.2e-6) == pytest.approx(8e-6)
    assert nice_ceiling(801) == 1000
    values = np.geomspace(1e-3, 1e3, 500)
    ceilings = np.array([nice_ceiling(v) for v in values])
    assert np.all(ceilings >= values) and np.all(ceilings <= 4 / 3 * values * (1 + 1e-9))
    assert len(set(ceilings)) <= 6 * 10 + 1  # ten steps per decade at most
    assert log_bounds(0.03, 0.7) == (0.01, 1.0)
    assert log_bounds(0.1, 0.1) == pytest.approx((0.1, 1.0))
    assert histogram_bins(8) == 8 and histogram_bins(64) == 16 and histogram_bins(10**4) == 30
    assert tick_format_for(2.5e-6) == ".1e" and tick_format_for(1.5) == ".2g"


def test_set_changed_sends_only_what_differs():
    dash = nw.demo()
    scale = dash.views["loss"].x
    with Sent() as sent:
        set_changed(scale, min=scale.min, max=scale.max)
    assert sent.log == []
    with Sent() as sent:
        set_changed(scale, max=scale.max * 2)
    assert sent.log == [("LinearScale", ("max",))]


def test_loss_axes_grow_in_steps_not_at_every_refresh():
    dash = nw.demo()
    tr, view = dash.trainer, dash.views["loss"]
    for _ in range(30):
        tr.run_steps(37)
        dash.refresh()
        sx, sy = tr.history.series("batch_loss", 10**9)
        assert view.x.min == 0.0 and view.x.max >= sx[-1]
        assert view.x.max == nice_ceiling(sx[-1])
        assert view.y_linear.min == 0.0 and view.y_linear.max >= np.nanmax(sy)
    with Sent() as sent:  # a few more steps: new lines, the same axes
        tr.run_steps(3)
        dash.refresh()
    loss_scales = {id(view.x), id(view.y_linear), id(view.y_log), id(view.acc_x)}
    assert not [w for w in sent.widgets if id(w) in loss_scales]
    assert ("Lines", ("x", "y")) in sent.log
    view.scale_toggle.value = "log"
    dash.refresh()
    lo, hi = view.y_log.min, view.y_log.max
    positive = sy[sy > 0]
    assert lo <= positive.min() and hi >= positive.max()
    assert np.log10(lo) == int(np.log10(lo)) and np.log10(hi) == int(np.log10(hi))


def test_histogram_range_and_counts_move_in_steps():
    _fig, bins, x_axis = histogram("h", "w", "#1f77b4", "200px", "200px")
    rng = np.random.default_rng(0)
    values = rng.normal(size=64)
    update_symmetric_histogram(bins, x_axis, values)
    lim = nice_ceiling(np.abs(values).max(), SYMMETRIC_STEPS)
    assert (bins.min, bins.max) == (-lim, lim) and bins.bins == 16
    assert list(x_axis.tick_values) == [-lim / 2, 0.0, lim / 2]
    assert bins.scales["y"].max == count_ticks(max(bins.counts))[-1]  # whole-number ticks
    assert sum(bins.counts) == 64  # nothing lost: every value is counted
    assert len(bins.x) == 2 * (16 + 1) and max(bins.y) == max(bins.counts)  # one outline
    with Sent() as sent:  # a small change: new counts only
        update_symmetric_histogram(bins, x_axis, values * 1.001)
    assert [name for name, _ in sent.log] in ([], ["StepHistogram"])
    assert all(keys == ("y",) for name, keys in sent.log)  # the outline's x stays


def test_play_refresh_updates_the_loss_every_time_and_slow_views_in_turn():
    dash = nw.demo()
    tr = dash.trainer
    slow = [n for n, v in dash.views.items() if v.play_hz is not None]
    assert dash.views["loss"].play_hz is None
    assert sorted(slow) == ["boundary", "gradients", "weights"]
    assert all(dash.views[n].play_hz == PLAY_HZ for n in slow)
    updated = []
    for name, view in dash.views.items():
        original = view.update

        def spy(snapshot, history, name=name, original=original):
            updated.append(name)
            original(snapshot, history)

        view.update = spy
    turns = []
    for _ in range(len(slow)):
        updated.clear()
        tr.run_steps(5)
        dash.refresh_playing()
        assert "loss" in updated
        extra = [n for n in updated if n != "loss"]
        assert len(extra) <= 1  # at most one slow view per refresh
        turns += extra
    assert sorted(turns) == sorted(slow)  # each got its turn, none twice
    updated.clear()
    dash.refresh_playing()  # every slow view was drawn just now: none is due yet
    assert updated == ["loss"]
    dash.refresh()  # a full refresh (a click, the end of play) draws every view
    assert sorted(updated[1:]) == sorted(dash.views)


def test_paced_play_draws_the_boundary_more_often_than_the_other_slow_views(monkeypatch):
    """At a set pace each refresh is a larger share of a student's kernel: the slow
    views follow ``View.paced_hz``, the boundary (what a lesson watches) most often."""
    clock = [1000.0]
    monkeypatch.setattr("nnwidgets.widgets.schedule.time.perf_counter", lambda: clock[0])
    dash = nw.demo()  # the lesson pace
    assert dash.runner.speed is not None
    counts = dict.fromkeys(dash.views, 0)
    for name, view in dash.views.items():
        view.update = lambda snapshot, history, name=name: counts.__setitem__(
            name, counts[name] + 1
        )
    refreshes = round(10 * PACED_HZ)  # 10 s of refreshes at the paced rate
    for _ in range(refreshes):
        dash.refresh_playing()
        clock[0] += 1 / PACED_HZ
    assert counts["loss"] == refreshes
    assert counts["boundary"] >= 25  # about 5 a second, as far as turns allow
    for name in ("weights", "gradients"):
        assert 5 <= counts[name] <= 11, counts  # about paced_hz (1) a second
    dash.speed = "max"  # flat out: View.play_hz again
    counts.update(dict.fromkeys(counts, 0))
    for _ in range(60):
        dash.refresh_playing()
        clock[0] += 1 / 30
    assert counts["weights"] >= 7 and counts["gradients"] >= 7  # about 5 a second each


def test_play_skips_the_look_back_slider_until_the_end():
    dash = nw.demo()
    tr = dash.trainer
    tr.run_steps(100)
    options = dash.controls.scrubber.options
    dash.refresh_playing()
    assert dash.controls.scrubber.options == options
    dash.refresh()
    assert dash.controls.scrubber.options != options


def test_refresh_hz_auto_follows_the_page():
    dash = nw.demo(speed="max")  # flat out: a paced play refreshes at most PACED_HZ
    assert dash.runner.refresh_hz is None  # the default: auto
    assert dash.runner.target_hz == runner_mod.FALLBACK_HZ  # no page answers
    dash._frames.back.value = 1
    assert dash.runner.target_hz == runner_mod.AUTO_HZ
    dash.runner.refresh_hz = 12
    assert dash.runner.target_hz == 12.0
    with pytest.raises(TypeError, match="refresh_hz"):
        dash.runner.refresh_hz = "fast"


def test_frames_per_second_measures_the_acknowledgements():
    frames = FrameCounter()
    assert frames.drawn_hz() == 0.0  # no page
    now = time.perf_counter()
    # an acknowledgement every 80 ms, each for two more refreshes drawn: 25 a second
    frames._drawn_at.extend((now - 0.08 * k, 2 * (5 - k)) for k in range(4, -1, -1))
    assert frames.drawn_hz() == pytest.approx(25.0)
    frames._drawn_at.clear()
    frames._drawn_at.extend([(now - 9.0, 2), (now - 8.0, 4)])  # a page that stopped answering
    assert frames.drawn_hz() == 0.0


def test_play_refreshes_as_soon_as_the_page_has_caught_up():
    dash = nw.demo()
    checks = []

    def ready():  # the page is behind for a while, then catches up, and so on
        checks.append(1)
        return len(checks) % 20 == 0

    at_refresh = []
    tr = dash.trainer
    runner = Runner(tr, lambda: at_refresh.append(len(checks)), refresh_hz=60, ready=ready)

    async def scenario():
        runner.start()
        while len(at_refresh) < 3:
            await asyncio.sleep(0.01)
        runner.stop()
        await runner.wait()

    asyncio.run(scenario())
    # every refresh came right after the check that found the page ready (training
    # went on in short chunks meanwhile), not an interval later
    assert all(n % 20 == 0 for n in at_refresh[:3])
    assert runner.skipped >= 1 and tr.step_count > 0


def test_refresh_interval_counts_from_the_start_of_the_last_refresh():
    """A refresh's own time is part of the interval: a 30 ms refresh at 20 Hz still gives
    20 refreshes a second (not one per 80 ms), with training between every two."""
    tr = nw.demo(speed="max").trainer
    steps_at_refresh, started = [], []

    def slow_refresh():
        started.append(time.perf_counter())
        steps_at_refresh.append(tr.step_count)
        time.sleep(0.03)

    runner = Runner(tr, slow_refresh, refresh_hz=20)

    run_for(runner, 1.5)
    # the median start-to-start interval: 50 ms at 20 Hz, 80 ms if counted from the end of
    # the last refresh (a median, so that a busy machine's odd late wake does not count)
    intervals = [b - a for a, b in itertools.pairwise(started)]
    assert len(intervals) >= 10
    assert statistics.median(intervals) < 0.065, intervals
    assert all(b > a for a, b in itertools.pairwise(steps_at_refresh))


def test_a_refresh_slower_than_the_interval_still_leaves_time_to_train():
    tr = nw.demo().trainer
    marks = []

    def slow_refresh():
        marks.append((time.perf_counter(), tr.step_count))
        time.sleep(0.06)  # longer than the 50 ms interval at 20 Hz

    runner = Runner(tr, slow_refresh, refresh_hz=20)

    run_for(runner, 1.0)
    # at least half an interval of training after each refresh
    gaps = [t1 - t0 - 0.06 for (t0, _), (t1, _) in itertools.pairwise(marks)]
    assert min(gaps) >= 0.025 * 0.9
    assert all(b > a for (_, a), (_, b) in itertools.pairwise(marks))


def test_playing_sends_the_per_epoch_lines_at_most_epoch_play_hz(monkeypatch):
    """Flat out, hundreds of epochs end between two refreshes: the batch line follows
    every refresh, the per-epoch lines and the accuracy figure 5 times a second, and a
    plain update (a click, the end of play) draws them at once."""
    now = [100.0]
    monkeypatch.setattr(loss_view, "clock", lambda: now[0])
    dash = nw.demo(speed="max")
    tr, view = dash.trainer, dash.views["loss"]
    assert view.epoch_play_hz == PLAY_HZ
    sent = collections.Counter()
    for mark in ("batch_line", "epoch_lines", "acc_lines"):
        getattr(view, mark).observe(lambda _, m=mark: sent.update([m]), names="y")

    def refresh_playing_at(t: float) -> None:
        now[0] = t
        tr.run_steps(3 * tr.batches_per_epoch)  # three epochs end between two refreshes
        view.update_playing(dash.look_back.snapshot(), tr.history)

    def last_train_loss(mark) -> float:
        return float(np.asarray(mark.y)[0][-1])

    refresh_playing_at(101.0)  # the dashboard drew the lines when built, at 100.0
    assert sent == {"batch_line": 1, "epoch_lines": 1, "acc_lines": 1}
    shown = last_train_loss(view.epoch_lines)
    for t in (101.05, 101.10, 101.15):  # within a fifth of a second: the batch line only
        refresh_playing_at(t)
        assert last_train_loss(view.epoch_lines) == shown
    assert sent == {"batch_line": 4, "epoch_lines": 1, "acc_lines": 1}
    # what the axis shows still covers the per-epoch losses on the page
    assert view.y_linear.max >= float(np.nanmax(np.asarray(view.epoch_lines.y)))
    refresh_playing_at(101.2)  # a fifth of a second later: all of it, up to this step
    assert sent == {"batch_line": 5, "epoch_lines": 2, "acc_lines": 2}
    assert last_train_loss(view.epoch_lines) == pytest.approx(
        tr.history.series("train_loss")[1][-1], rel=1e-6
    )
    refresh_playing_at(101.25)
    assert sent["epoch_lines"] == 2
    view.update(dash.look_back.snapshot(), tr.history)  # a full refresh: at once
    assert sent["epoch_lines"] == 3
    assert last_train_loss(view.epoch_lines) == pytest.approx(
        tr.history.series("train_loss")[1][-1], rel=1e-6
    )
    assert float(np.asarray(view.acc_lines.y)[0][-1]) == pytest.approx(
        tr.history.series("train_acc")[1][-1], rel=1e-6
    )


def test_the_end_of_play_draws_the_last_epochs():
    dash = nw.demo(speed="max")
    play_for(dash, 0.5)
    history, view = dash.trainer.history, dash.views["loss"]
    assert dash.trainer.epoch > 20
    assert float(np.asarray(view.epoch_lines.y)[0][-1]) == pytest.approx(
        history.series("train_loss")[1][-1], rel=1e-6
    )
    assert float(np.asarray(view.acc_lines.y)[1][-1]) == pytest.approx(
        history.series("test_acc")[1][-1], rel=1e-6
    )
