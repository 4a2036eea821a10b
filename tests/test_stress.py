"""Stress: thousands of random UI events while the play loop runs; nothing may break."""

from __future__ import annotations

import asyncio
import logging
import math
import random

import numpy as np
from widget_log import Collect

import nnwidgets as nw
from nnwidgets.widgets.controls import LIVE

N_EVENTS = 2000
SEED = 20240601
ERROR_COLOR = "nnw-error"  # the class of an error in the message line
DIVERGED = "Training diverged"  # the one refusal a random sequence may legitimately hit


def make_dashboard() -> nw.Dashboard:
    ds = nw.datasets.moons(n_samples=120, noise=0.15, seed=0)
    model = nw.MLP([2, 6, 5, 1], activation="tanh", seed=0)
    tr = nw.Trainer(model, ds, optimizer=nw.optim.SGD(lr=0.1), batch_size=10, seed=0)
    return nw.Dashboard(tr, refresh_hz=120)


def lr_at(timeline: list[tuple[int, float]], step: int) -> float:
    """The base rate in effect at ``step``: the last change made at or before it."""
    return [lr for s, lr in timeline if s <= step][-1]


def check_history(tr) -> None:
    h = tr.history
    assert len(h) == h.steps.count == tr.step_count
    x, _ = h.series("batch_loss", max_points=10**9)
    if tr.step_count <= h.steps.capacity:  # nothing folded yet: every step is there
        assert len(x) == tr.step_count
        np.testing.assert_array_equal(x, np.arange(1, tr.step_count + 1))
    assert np.all(np.diff(x) > 0) and (len(x) == 0 or x[-1] == tr.step_count)
    ex, steps = h.series("step", max_points=10**9)
    assert h.epochs.count == tr.epoch + 1
    np.testing.assert_array_equal(ex, np.arange(tr.epoch + 1))
    assert steps[-1] <= tr.step_count and np.all(np.diff(steps) > 0)


def state_of(tr) -> tuple:
    """Everything exact replay must reproduce."""
    opt = tr.optimizer.state_dict()
    _, losses = tr.history.series("batch_loss", max_points=10**9)
    return (
        tuple(v.tobytes() for v in tr.model.params.values()),
        tuple(a.tobytes() for s in opt["state"].values() for a in s.values()),
        (opt["name"], opt["steps"], tr.base_lr, tr.batch_size, tr.l1, tr.l2),
        (tr.step_count, tr.epoch, tr._state.pos),
        losses[-200:].tobytes(),
    )


def test_random_ui_events_while_playing(tmp_path):
    rng = random.Random(SEED)
    dash = make_dashboard()
    c = dash.controls
    n_train = len(dash.trainer.ds.X_train)
    errors: list[str] = []
    handler = Collect()
    loggers = [logging.getLogger("traitlets"), logging.getLogger()]
    for logger in loggers:
        logger.addHandler(handler)

    timeline = [(0, dash.trainer.base_lr)]  # (step, base lr) of every rate change, in order
    changes = [0]  # steps at which a setting changed: replay is exact after the last one
    saved: dict[str, tuple] = {}
    counts: dict[str, int] = {}

    def note(kind: str) -> None:
        counts[kind] = counts.get(kind, 0) + 1

    def event(i: int) -> None:
        nonlocal timeline, changes
        tr = dash.trainer
        kind = rng.choices(
            [
                "step", "epoch", "reset", "play_on", "play_off", "lr", "optimizer", "opt_arg",
                "batch", "l1", "l2", "scrub", "continue", "save", "load", "stop_after", "wait",
                "replay",
            ],
            weights=[8, 3, 1, 6, 4, 8, 3, 3, 3, 2, 2, 5, 4, 2, 2, 1, 4, 3],
        )[0]  # fmt: skip
        note(kind)
        if kind in ("lr", "optimizer", "opt_arg", "batch", "l1", "l2"):
            changes.append(tr.step_count)
        if kind == "step":
            c.step.click()
        elif kind == "epoch":
            c.epoch.click()
        elif kind == "reset":
            c.reset.click()
            timeline, changes = [(0, tr.base_lr)], [0]
        elif kind == "play_on":
            c.play.value = True
        elif kind == "play_off":
            c.play.value = False
        elif kind == "lr":
            value = rng.choice([1e-5, 10.0, 1e-4, 8.0, 10 ** rng.uniform(-5, 1)])
            c.lr.value = value
            timeline.append((tr.step_count, value))
        elif kind == "optimizer":
            c.optimizer.value = rng.choice(["sgd", "adam", "adamw", "rmsprop", "adagrad"])
        elif kind == "opt_arg":
            c.opt_arg.value = rng.uniform(c.opt_arg.min, c.opt_arg.max)
        elif kind == "batch":
            c.batch_size.value = rng.randint(1, n_train)
        elif kind in ("l1", "l2"):
            getattr(c, kind).value = rng.choice(getattr(c, kind).options)
        elif kind == "scrub":
            c.scrubber.value = rng.choice(c.scrubber.options)[1]
        elif kind == "continue":
            earlier = [v for _, v in c.scrubber.options if v != LIVE]
            if earlier and rng.random() < 0.7:  # usually look back first, in the same event
                c.scrubber.value = rng.choice(earlier)
            target = c.scrubber.value
            c.rewind.click()
            if target != LIVE:
                note("rewound")
                assert tr.step_count == target, (i, kind)
                timeline = [(s, lr) for s, lr in timeline if s <= target]
                timeline.append((target, lr_at(timeline, target)))
                changes = [s for s in changes if s <= target]
        elif kind == "save":
            path = tmp_path / f"run{i % 7}.npz"
            c.path.value = str(path)
            c.save.click()
            params = {k: v.copy() for k, v in tr.model.params.items()}
            saved[str(path)] = (tr.step_count, tr.epoch, tr.base_lr, params)
        elif kind == "load" and saved:
            path = rng.choice(sorted(saved))
            c.path.value = path
            c.load.click()
            step, epoch, lr, params = saved[path]
            new = dash.trainer
            assert new is not tr and (new.step_count, new.epoch, new.base_lr) == (step, epoch, lr)
            assert all(np.array_equal(new.model.params[k], v) for k, v in params.items())
            timeline, changes = [(step, lr)], [step]
        elif kind == "stop_after":
            c.stop_after.value = rng.choice([0, 0, 1, 2])
        elif kind == "replay" and not tr.diverged and max(changes) <= tr.step_count:
            # Rewind to a random step after the last change of settings and step back to
            # now: the same weights, optimizer state, position and history, bit for bit.
            dash.pause()
            end, before = tr.step_count, state_of(tr)
            tr.rewind(step=rng.randint(max(changes), end))
            tr.run_steps(end - tr.step_count)
            assert state_of(tr) == before, (i, kind)
            note("replayed")
            dash.refresh()

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda _, ctx: errors.append(f"asyncio: {ctx}"))
        for i in range(N_EVENTS):
            try:
                event(i)
            except Exception as exc:  # an exception escaping a control
                errors.append(f"event {i}: {type(exc).__name__}: {exc}")
            tr = dash.trainer
            if tr.diverged:
                note("diverged")
            message = c.message.value
            if ERROR_COLOR in message and DIVERGED not in message:
                errors.append(f"event {i}: message {message}")
            if handler.records:
                errors.append(f"event {i}: logged {handler.records[-1]}")
            if dash.runner.error is not None:
                errors.append(f"event {i}: runner error {dash.runner.error!r}")
            # The controls show the trainer's settings; the rate is the last one set.
            expected = lr_at(timeline, math.inf)
            if tr.base_lr != expected or c.lr.value != tr.base_lr:
                errors.append(f"event {i}: lr {tr.base_lr} slider {c.lr.value}, want {expected}")
            shown = (c.batch_size.value, c.l1.value, c.l2.value, c.optimizer.value)
            if shown != (tr.batch_size, tr.l1, tr.l2, tr.optimizer.name):
                errors.append(f"event {i}: controls show {shown} for {tr!r}")
            if errors:
                break
            await asyncio.sleep(0 if i % 5 else 0.001)
        dash.pause()
        await asyncio.wait_for(dash.runner.wait(), timeout=10)

    try:
        asyncio.run(scenario())
    finally:
        for logger in loggers:
            logger.removeHandler(handler)

    assert errors == []
    assert handler.records == []
    assert not dash.runner.playing and dash.runner.error is None
    tr = dash.trainer
    assert all(np.isfinite(v).all() for v in tr.model.params.values())
    check_history(tr)
    assert tr.base_lr == lr_at(timeline, math.inf)
    # The random walk really exercised everything, the play loop included.
    assert all(counts.get(k, 0) >= 20 for k in ("rewound", "save", "load", "reset")), counts
    assert counts["rewound"] >= 40 and counts["replayed"] >= 20, counts
    assert dash.runner.refreshes > 50

    # Exact replay still holds at the end: rewind a little and step back to now.
    if tr.diverged:
        tr.rewind(step=tr.checkpoints[-1][0])
    tr.run_steps(25)
    now = {k: v.copy() for k, v in tr.model.params.items()}
    end = tr.step_count
    base = max(s for s, _ in tr.checkpoints if s <= end)
    tr.rewind(step=(base + end) // 2)
    tr.run_steps(end - tr.step_count)
    assert tr.step_count == end
    assert all(np.array_equal(tr.model.params[k], v) for k, v in now.items())
    check_history(tr)


def play_loops() -> list[asyncio.Task]:
    return [
        t
        for t in asyncio.all_tasks()
        if not t.done() and t.get_coro().__qualname__ == "Runner._play"
    ]


def test_pause_then_play_at_once_leaves_a_single_play_loop():
    dash = make_dashboard()
    c = dash.controls
    c.stop_after.value = 100_000  # far beyond what the loop can reach in this test

    async def scenario() -> None:
        dash.play()
        await asyncio.sleep(0.05)
        for _ in range(5):  # Pause and Play again before the loop has seen the pause
            c.play.value = False
            c.play.value = True
            await asyncio.sleep(0.02)
            assert len(play_loops()) == 1
        c.play.value = False
        c.stop_after.value = 2
        start = dash.trainer.epoch
        c.play.value = True
        await asyncio.wait_for(dash.runner.wait(), timeout=20)
        await asyncio.sleep(0.05)
        assert play_loops() == []
        assert dash.trainer.epoch == start + 2  # this play's limit, not the first one's
        assert dash.trainer._state.pos == 0
        assert not c.play.value and not dash.runner.playing

    asyncio.run(scenario())


def test_play_right_after_load_never_steps_the_old_trainer(tmp_path):
    dash = make_dashboard()
    c = dash.controls
    dash.trainer.run_steps(30)
    c.path.value = str(tmp_path / "run.npz")
    c.save.click()

    async def scenario() -> None:
        dash.play()
        await asyncio.sleep(0.05)
        old = dash.trainer
        c.load.click()
        assert dash.trainer is not old and dash.trainer.step_count == 30
        c.play.value = True
        frozen = old.step_count
        await asyncio.sleep(0.1)
        assert old.step_count == frozen
        assert dash.trainer.step_count > 30 and dash.runner.playing
        assert len(play_loops()) == 1
        dash.pause()
        await dash.runner.wait()

    asyncio.run(scenario())
