"""Nothing left running: play pauses when its page goes silent, and a closed dashboard stops."""

import asyncio
import time

import pytest

import nnwidgets as nw
from nnwidgets.widgets.compare import Compare
from nnwidgets.widgets.runner import PAGE_SILENT, Runner


def moons_trainer():
    ds = nw.datasets.moons(n_samples=100, noise=0.1, seed=0)
    return nw.Trainer(nw.MLP([2, 6, 1], seed=0), ds, batch_size=10, seed=0)


def acknowledge(dash, times: int = 2) -> None:
    """What the page does after drawing: send back the count through the link."""
    for _ in range(times):
        dash._frames.back.value = dash._frames.count


def test_play_pauses_when_the_page_that_drew_it_goes_silent():
    dash = nw.Dashboard(moons_trainer(), page_timeout=0.5)
    acknowledge(dash)  # a page drew the first refresh, then went away
    assert dash._frames.answered

    async def scenario():
        dash.play()
        t0 = time.perf_counter()
        while dash.runner.playing and time.perf_counter() - t0 < 5:
            await asyncio.sleep(0.05)
        took, still_playing = time.perf_counter() - t0, dash.runner.playing
        dash.pause()  # in case it did not pause by itself
        await dash.runner.wait()
        return took, still_playing

    took, still_playing = asyncio.run(scenario())
    assert not still_playing
    assert 0.4 <= took <= 2.5  # the timeout, plus at most a refresh's wait for the page
    assert "no page has drawn for 0.5 s" in dash.controls.message.value
    assert dash.controls.play.description == "Play"


def test_a_page_that_keeps_drawing_keeps_play_going():
    dash = nw.Dashboard(moons_trainer(), page_timeout=1.0)
    frames = dash._frames

    def page_draws(change):  # what the page's link does with every count it receives
        frames.back.value = change["new"]

    frames.out.observe(page_draws, names="value")
    acknowledge(dash)

    async def scenario():
        dash.play()
        await asyncio.sleep(3.0)  # three timeouts
        playing = dash.runner.playing
        dash.pause()
        await dash.runner.wait()
        return playing

    assert asyncio.run(scenario())
    assert frames.drawn > 10  # the page really acknowledged all along


def test_a_dashboard_no_page_ever_drew_plays_on():
    dash = nw.Dashboard(moons_trainer(), page_timeout=0.3)

    async def scenario():
        dash.play()
        await asyncio.sleep(1.0)
        playing = dash.runner.playing
        dash.pause()
        await dash.runner.wait()
        return playing

    assert asyncio.run(scenario())


def test_silence_counts_from_the_start_of_play():
    """A page that drew long ago, then Play: the timeout starts with the play."""
    dash = nw.Dashboard(moons_trainer(), page_timeout=0.6)
    acknowledge(dash)
    dash._frames.last_answer -= 100  # the last acknowledgement is old

    async def scenario():
        dash.play()
        await asyncio.sleep(0.3)
        playing = dash.runner.playing
        await asyncio.sleep(1.5)
        later = dash.runner.playing
        dash.pause()
        await dash.runner.wait()
        return playing, later

    playing, later = asyncio.run(scenario())
    assert playing and not later  # still playing 0.3 s in, paused by itself later


def test_closing_a_playing_dashboard_stops_it_at_once():
    dash = nw.Dashboard(moons_trainer())

    async def scenario():
        dash.play()
        await asyncio.sleep(0.2)
        dash.close()
        await asyncio.wait_for(dash.runner.wait(), 1.0)
        steps = dash.trainer.step_count
        await asyncio.sleep(0.2)
        return steps

    steps = asyncio.run(scenario())
    assert not dash.runner.playing and dash.trainer.step_count == steps


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), "10", True])
def test_bad_page_timeouts_are_refused_naming_it(bad):
    with pytest.raises((ValueError, TypeError), match="page_timeout"):
        nw.Dashboard(moons_trainer(), page_timeout=bad)


def test_runner_reports_the_reason():
    tr = moons_trainer()
    reasons = []
    heard = time.perf_counter() - 100
    runner = Runner(
        tr,
        lambda: None,
        refresh_hz=20,
        on_stop=reasons.append,
        heard_at=lambda: heard,
        page_timeout=0.2,
    )

    async def scenario():
        runner.start()
        await asyncio.sleep(1.0)
        runner.stop()
        await runner.wait()

    asyncio.run(scenario())
    assert reasons == [PAGE_SILENT]


def test_rerunning_a_cell_stops_the_dashboards_its_earlier_run_made(monkeypatch):
    from nnwidgets.widgets import cells

    running = {"now": ("cell-a", "run-1")}
    monkeypatch.setattr(cells, "current_execution", lambda: running["now"])
    monkeypatch.setattr(cells, "_BY_CELL", {})

    async def scenario():
        first = nw.Dashboard(moons_trainer())
        twin = nw.Dashboard(moons_trainer())  # the same run made two: both stay
        first.play()
        twin.play()
        running["now"] = ("cell-b", "run-2")
        other = nw.Dashboard(moons_trainer())  # another cell: nothing stops
        await asyncio.sleep(0.2)
        assert first.runner.playing and twin.runner.playing
        running["now"] = ("cell-a", "run-3")  # cell a runs again
        nw.Dashboard(moons_trainer())
        await asyncio.wait_for(first.runner.wait(), 1.0)
        await asyncio.wait_for(twin.runner.wait(), 1.0)
        assert not first.runner.playing and not twin.runner.playing
        assert other is not None

    asyncio.run(scenario())


def test_outside_a_notebook_cell_nothing_is_replaced():
    from nnwidgets.widgets.cells import current_execution

    assert current_execution() is None  # pytest: no kernel, no cell


# ------------------------------------------------------------------ a starved page
class BusyPage:
    """A page that draws (acknowledges) every refresh it is sent until it gets too busy
    to draw (a starved browser): then it stays open but acknowledges nothing more."""

    def __init__(self, frames) -> None:
        self.frames = frames
        self.busy = False
        frames.out.observe(self._sent, names="value")
        frames.back.value = frames.count  # it drew the first refresh

    def _sent(self, change) -> None:
        if not self.busy:
            self.frames.back.value = change["new"]


def starved_dashboard(speed):
    dash = nw.Dashboard(moons_trainer(), speed=speed, page_timeout=0.5)
    return dash, dash, dash._frames


def starved_playground(speed):
    pg = nw.playground(speed=speed)
    pg.dashboard.runner.page_timeout = 0.5
    return pg, pg.dashboard, pg.dashboard._frames


def starved_race(speed):
    race = Compare([moons_trainer(), moons_trainer()], speed=speed, page_timeout=0.5)
    return race, race, race._frames


@pytest.mark.parametrize("build", [starved_dashboard, starved_playground, starved_race])
@pytest.mark.parametrize("speed", ["max", 60, 5])  # flat out, the lesson pace, step by step
def test_a_starved_page_pauses_play_and_the_status_says_why(build, speed):
    widget, owner, frames = build(speed)
    page = BusyPage(frames)

    async def scenario():
        widget.play()
        await asyncio.sleep(1.0)  # two timeouts: the page draws, play goes on
        drawing = owner.runner.playing
        page.busy = True
        t0 = time.perf_counter()
        while owner.runner.playing and time.perf_counter() - t0 < 5:
            await asyncio.sleep(0.02)
        # silent since the page's last acknowledgement (before it got busy)
        silent, still_playing = time.perf_counter() - frames.last_answer, owner.runner.playing
        widget.pause()
        await owner.runner.wait()
        return drawing, silent, still_playing

    drawing, silent, still_playing = asyncio.run(scenario())
    assert drawing and not still_playing
    assert 0.5 <= silent <= 2.0  # the timeout, plus at most a refresh's wait for the page
    message = owner.controls.message.value
    assert "paused: no page has drawn for 0.5 s" in message, message
    assert "too busy to draw" in message and "press Play to go on" in message
    assert owner.controls.play.description == "Play"
    widget.play()  # Play again clears the reason
    assert owner.controls.message.value == ""
    widget.pause()


def test_play_stopped_for_any_other_reason_does_not_blame_the_page():
    dash = nw.Dashboard(moons_trainer(), page_timeout=0.5)
    BusyPage(dash._frames)  # a page that draws all along
    dash.runner.stop_after_epochs = 1

    async def scenario():
        dash.play()
        await asyncio.wait_for(dash.runner.wait(), 5)

    asyncio.run(scenario())
    assert "no page has drawn" not in dash.controls.message.value
    assert dash.controls.message.value  # it says it finished instead
