"""The Dashboard's pace and its one-screen layout: speed, the primary row, nnw-more."""

import asyncio
import math
import time

import numpy as np
import pytest

import nnwidgets as nw
from nnwidgets.widgets.pace import LESSON_SPEED, MAX


def moons_trainer():
    ds = nw.datasets.moons(n_samples=200, noise=0.15, seed=0)
    model = nw.MLP([2, 8, 8, 1], activation="tanh", seed=0)
    return nw.Trainer(model, ds, optimizer=nw.optim.SGD(lr=0.1), batch_size=10, seed=0)


def test_dashboard_defaults_to_max_and_demo_to_the_lesson_pace():
    dash = nw.Dashboard(moons_trainer())
    assert dash.speed == MAX and dash.runner.speed is None
    demo = nw.demo()
    assert demo.speed == LESSON_SPEED and demo.runner.speed == LESSON_SPEED
    assert demo.controls.speed.readout.value == "60 steps/s · 3.8 epochs/s"  # 16 batches


def test_the_lesson_pace_lets_the_moons_demo_learn_in_5_to_30_seconds():
    tr = nw.demo().trainer
    while tr.evaluate()["train_acc"] < 0.95:
        tr.step()
    assert 5 <= tr.step_count / LESSON_SPEED <= 30


@pytest.mark.parametrize("bad", [0, -1, math.nan, math.inf, "fast", "", True, None, [3]])
def test_bad_speeds_are_refused_naming_speed_and_change_nothing(bad):
    dash = nw.Dashboard(moons_trainer(), speed=20)
    with pytest.raises((ValueError, TypeError), match="speed"):
        dash.speed = bad
    assert dash.speed == 20 and dash.runner.speed == 20
    with pytest.raises((ValueError, TypeError), match="speed"):
        nw.Dashboard(moons_trainer(), speed=bad)


def test_the_speed_control_sets_the_pace_and_follows_dash_speed():
    dash = nw.Dashboard(moons_trainer())
    dash.controls.speed.slider.value = 10.0
    assert dash.speed == 10.0 and dash.runner.speed == 10.0
    dash.speed = 250
    assert dash.controls.speed.value == 250 and dash.runner.speed == 250
    dash.speed = "max"
    assert dash.runner.speed is None
    assert dash.controls.speed.slider.value == 10**dash.controls.speed.slider.max


def test_max_speed_caps_every_pace():
    dash = nw.Dashboard(moons_trainer(), speed="max", max_speed=100)
    assert dash.runner.speed == 100
    dash.speed = 5000
    assert dash.runner.speed == 100 and dash.speed == 100


def test_speed_set_while_playing_takes_effect_at_once():
    dash = nw.Dashboard(moons_trainer(), speed=5)
    tr = dash.trainer

    async def scenario():
        dash.play()
        await asyncio.sleep(0.6)
        slow = tr.step_count
        dash.speed = "max"
        await asyncio.sleep(0.4)
        dash.pause()
        await dash.runner.wait()
        return slow

    slow = asyncio.run(scenario())
    assert 1 <= slow <= 5
    assert tr.step_count > 50 * slow


def test_demo_plays_at_its_pace():
    dash = nw.demo()
    t0 = time.perf_counter()

    async def scenario():
        dash.play()
        await asyncio.sleep(1.5)
        dash.pause()
        await dash.runner.wait()

    asyncio.run(scenario())
    rate = dash.trainer.step_count / (time.perf_counter() - t0)
    assert LESSON_SPEED * 0.6 <= rate <= LESSON_SPEED * 1.1


def test_primary_row_and_the_closed_disclosure():
    dash = nw.Dashboard(moons_trainer())
    c = dash.controls
    box = dash.children[0]
    primary, status, _message, more = box.children
    assert "nnw-primary" in primary._dom_classes
    assert list(primary.children) == [c.reset, c.play, c.step, c.epoch, c.speed, c.lr]
    assert status is c.status
    assert "nnw-more" in more._dom_classes and more.selected_index is None
    inside = []
    stack = list(more.children)
    while stack:
        w = stack.pop()
        inside.append(w)
        stack.extend(getattr(w, "children", ()))
    for widget in (c.optimizer, c.opt_arg, c.batch_size, c.l1, c.l2, c.stop_after):
        assert widget in inside
    for widget in (c.scrubber, c.rewind, c.save, c.load, c.path):
        assert widget in inside


def test_hide_still_hides_every_control_including_speed():
    dash = nw.Dashboard(moons_trainer(), hide=["speed", "l1", "look_back"])
    c = dash.controls
    assert c.speed.layout.display == "none"
    assert c.l1.layout.display == "none"
    assert c.scrubber.layout.display == "none"
    assert c.lr.layout.display != "none"


def test_a_class_server_caps_every_dashboard_through_the_environment(monkeypatch):
    monkeypatch.setenv("NNWIDGETS_MAX_SPEED", "150")
    dash = nw.Dashboard(moons_trainer())  # "max" asked for
    assert dash.runner.speed == 150
    dash.speed = 1000
    assert dash.runner.speed == 150
    assert nw.demo().runner.speed == LESSON_SPEED  # under the cap: kept
    monkeypatch.setenv("NNWIDGETS_MAX_SPEED", "fast")
    with pytest.warns(UserWarning, match="NNWIDGETS_MAX_SPEED"):
        dash = nw.Dashboard(moons_trainer())
    assert dash.runner.speed is None


def test_at_a_step_through_pace_the_boundary_rings_the_minibatch():
    dash = nw.Dashboard(moons_trainer(), speed=2)
    view = dash.views["boundary"]
    assert view.mark_batch and len(view.batch_ring.x) == 0  # no step yet
    dash.step()
    batch = dash.trainer.snapshot().batch
    X = dash.trainer.ds.X_train[batch]
    np.testing.assert_array_equal(view.batch_ring.x, X[:, 0])
    np.testing.assert_array_equal(view.batch_ring.y, X[:, 1])
    dash.step()  # the next step rings the next batch, not the first
    X2 = dash.trainer.ds.X_train[dash.trainer.snapshot().batch]
    np.testing.assert_array_equal(view.batch_ring.x, X2[:, 0])
    assert not np.array_equal(X2, X)
    dash.speed = 60  # faster than a teacher narrates: no rings
    assert not view.mark_batch and len(view.batch_ring.x) == 0
    dash.speed = 1
    assert view.mark_batch and len(view.batch_ring.x) == len(X2)
    assert nw.Dashboard(moons_trainer()).views["boundary"].mark_batch is False  # "max"
