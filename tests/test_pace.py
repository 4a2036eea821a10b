"""The pace of play: steps per second, sleeping between steps, every slow step drawn."""

import itertools
import math
import resource
import time

import pytest
from playing import run_for

import nnwidgets as nw
from nnwidgets.widgets.pace import MAX, SpeedControl, check_speed, speed_text
from nnwidgets.widgets.runner import Runner


def small_trainer():
    ds = nw.datasets.moons(n_samples=200, noise=0.1, seed=0)
    return nw.Trainer(nw.MLP([2, 8, 8, 1], seed=0), ds, batch_size=10, seed=0)


@pytest.mark.parametrize("bad", [0, -5, 0.5, math.nan, math.inf, -math.inf])
def test_bad_numbers_are_refused_naming_speed(bad):
    with pytest.raises(ValueError, match="speed"):
        check_speed(bad)


@pytest.mark.parametrize("bad", [True, None, [10], {"speed": 1}])
def test_bad_types_are_refused_naming_speed(bad):
    with pytest.raises(TypeError, match="speed"):
        check_speed(bad)


@pytest.mark.parametrize("bad", ["fast", "MAX", "", "10"])
def test_unknown_strings_are_refused_naming_speed(bad):
    with pytest.raises(ValueError, match="speed"):
        check_speed(bad)


def test_good_values_and_the_cap():
    assert check_speed("max") is None
    assert check_speed(1) == 1.0
    assert check_speed(250.5) == 250.5
    assert check_speed(5000, max_speed=2000) == 2000.0
    assert check_speed("max", max_speed=2000) == 2000.0
    assert speed_text(None, 20) == "max"
    assert speed_text(60, 20) == "60 steps/s · 3 epochs/s"


@pytest.mark.parametrize("speed", [20.0, 200.0])
def test_a_paced_runner_keeps_its_pace(speed):
    tr = small_trainer()
    runner = Runner(tr, lambda: None, refresh_hz=20)
    runner.speed = speed
    t0 = time.perf_counter()
    run_for(runner, 1.5)
    rate = tr.step_count / (time.perf_counter() - t0)
    assert speed * 0.6 <= rate <= speed * 1.1


def test_a_slow_pace_draws_every_step_and_sleeps_instead_of_spinning():
    tr = small_trainer()
    drawn = []
    runner = Runner(tr, lambda: drawn.append(tr.step_count), refresh_hz=20)
    runner.speed = 4.0  # below PACED_HZ
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    wall0 = time.perf_counter()
    run_for(runner, 2.0)
    wall = time.perf_counter() - wall0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    steps = tr.step_count
    assert 5 <= steps <= 9
    # each step was drawn once, in order, and nothing was drawn twice without a step
    assert drawn[:steps] == list(range(1, steps + 1))
    assert cpu < 0.5 * wall  # a spinning loop would use the whole core


def test_changing_speed_while_playing_takes_effect_at_once():
    import asyncio

    tr = small_trainer()
    runner = Runner(tr, lambda: None, refresh_hz=20)
    runner.speed = 5.0

    async def scenario():
        runner.start()
        await asyncio.sleep(0.6)
        slow_steps = tr.step_count
        runner.speed = None  # flat out
        await asyncio.sleep(0.3)
        runner.stop()
        await runner.wait()
        return slow_steps

    slow_steps = asyncio.run(scenario())
    assert slow_steps <= 5
    assert tr.step_count > 100 * slow_steps


def test_speed_control_is_a_log_slider_with_max_at_its_top():
    c = SpeedControl(value=60, batches_per_epoch=20)
    assert "nnw-speed" in c._dom_classes
    assert c.value == 60.0
    assert c.readout.value == "60 steps/s · 3 epochs/s"
    c.slider.value = 10**c.slider.max
    assert c.value == MAX and c.readout.value == "max"
    c.slider.value = 10.0
    assert c.value == 10.0
    c.value = "max"
    assert c.slider.value == 10**c.slider.max
    with pytest.raises(ValueError, match="speed"):
        c.value = -1
    assert c.value == "max"  # a refused value changes nothing
    c.batches_per_epoch = 5
    c.value = 10
    assert c.readout.value == "10 steps/s · 2 epochs/s"


def test_a_paced_runner_waiting_for_a_slow_page_sleeps_too():
    """Past the refresh deadline with the page still drawing, a paced play looks again
    every few milliseconds instead of spinning on the event loop."""
    tr = small_trainer()
    checks = []

    def page_ready():
        checks.append(1)
        return False  # the page never catches up

    runner = Runner(tr, lambda: None, refresh_hz=20, ready=page_ready)
    runner.speed = 60.0
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    wall0 = time.perf_counter()
    run_for(runner, 1.5)
    wall = time.perf_counter() - wall0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    assert cpu < 0.3 * wall, (cpu, wall)
    assert len(checks) < 1.5 / 0.01 * 2  # about one look per poll interval, not thousands
    assert 40 <= tr.step_count <= 100  # the pace is kept meanwhile


def test_a_paced_play_refreshes_at_most_paced_hz_with_one_wake_per_refresh():
    from nnwidgets.widgets.runner import AUTO_HZ, PACED_HZ

    tr = small_trainer()
    marks = []
    runner = Runner(
        tr, lambda: marks.append((time.perf_counter(), tr.step_count)), refresh_hz=AUTO_HZ
    )
    assert runner.target_hz == AUTO_HZ
    runner.speed = 60.0
    assert runner.target_hz == PACED_HZ
    run_for(runner, 2.0)
    rate = (len(marks) - 1) / (marks[-1][0] - marks[0][0])
    assert rate <= PACED_HZ * 1.15
    steps_between = [b - a for (_, a), (_, b) in itertools.pairwise(marks)]
    assert max(steps_between) >= 4  # about 6 steps per refresh, run together
    runner.speed = None
    assert runner.target_hz == AUTO_HZ


def test_the_page_rounding_a_pace_to_the_slider_grid_keeps_the_pace():
    c = SpeedControl(value=200)
    c.slider.value = 10 ** round(math.log10(200), 2)  # what the page sends back: 199.5
    assert c.value == 200
    c.slider.value = 150.0  # a real move
    assert c.value == 150.0


def test_pause_and_a_new_pace_end_a_slow_plays_sleep_at_once():
    import asyncio

    tr = small_trainer()
    runner = Runner(tr, lambda: None, refresh_hz=20)
    runner.speed = 1.0  # a second between steps

    async def scenario():
        runner.start()
        await asyncio.sleep(0.3)  # asleep until the next step
        runner.speed = None  # flat out: at once, not at the next step's time
        await asyncio.sleep(0.2)
        fast = tr.step_count
        runner.speed = 1.0
        await asyncio.sleep(0.3)
        t0 = time.perf_counter()
        runner.stop()
        await runner.wait()
        return fast, time.perf_counter() - t0

    fast, stop_took = asyncio.run(scenario())
    assert fast > 20
    assert stop_took < 0.2
