"""Callbacks from comm threads run on the main loop; play waits for a page that lags."""

import asyncio
import threading

import pytest
from playing import play_for

import nnwidgets as nw
from nnwidgets.widgets.compare import Compare
from nnwidgets.widgets.dashboard import FrameCounter
from nnwidgets.widgets.mainloop import MainLoop


def test_callbacks_from_another_thread_run_on_the_main_loop():
    seen = []

    async def scenario():
        main = MainLoop()
        record = main.wrap(lambda tag: seen.append((tag, threading.current_thread())))
        worker = threading.Thread(target=record, args=("from a comm thread",))
        worker.start()
        worker.join()
        assert seen == []  # queued on the loop, not run on the worker thread
        await asyncio.sleep(0.01)
        record("from the main thread")  # runs at once

    asyncio.run(scenario())
    assert [tag for tag, _ in seen] == ["from a comm thread", "from the main thread"]
    assert all(thread is threading.main_thread() for _, thread in seen)


def test_pause_from_a_comm_thread_stops_play():
    box = {}

    async def scenario():
        dash = box["dash"] = nw.demo()  # built on the running loop, as in a kernel
        assert dash._main.loop is asyncio.get_running_loop()
        dash.play()
        await asyncio.sleep(0.2)
        where = []
        original = dash.pause

        def pause():
            where.append(threading.current_thread())
            original()

        dash.pause = pause
        threading.Thread(target=lambda: setattr(dash.controls.play, "value", False)).start()
        await asyncio.wait_for(dash.runner.wait(), timeout=5)
        assert where == [threading.main_thread()]  # handled on the main loop

    asyncio.run(scenario())
    dash = box["dash"]
    assert not dash.runner.playing and dash.controls.play.description == "Play"


def test_frame_counter_waits_only_for_a_page_that_answers():
    frames = FrameCounter()
    n = FrameCounter.IN_FLIGHT + 2
    for _ in range(n):
        frames.sent()
    assert frames.ready()  # nothing answered yet: no page, never wait
    frames.back.value = 1  # the page drew the first refresh
    assert not frames.ready()  # more than IN_FLIGHT still on their way
    frames.back.value = n - FrameCounter.IN_FLIGHT
    assert frames.ready()
    frames.last_sent -= FrameCounter.MAX_WAIT + 0.1
    frames.back.value = 2
    frames.sent()
    frames.sent()
    frames.last_sent -= FrameCounter.MAX_WAIT + 0.1
    assert frames.ready()  # a page that stopped answering still gets a refresh now and then


def test_play_skips_refreshes_while_the_page_is_behind():
    dash = nw.demo(speed="max")
    dash._frames.back.value = 1  # a page answered once, then fell behind
    dash._frames.count = 2 + dash._frames.in_flight

    play_for(dash, 0.5)
    assert dash.runner.skipped > 3
    assert dash.runner.refreshes <= 3
    assert dash.trainer.step_count > 0  # training went on meanwhile


def test_page_acknowledgements_are_not_echoed_back_to_the_page():
    """Each acknowledgement is one message from the page; the kernel sends nothing back
    (ipywidgets would otherwise echo every state update it receives)."""
    frames = FrameCounter()
    sent = []
    frames.back._send = lambda msg, buffers=None: sent.append(msg)
    frames.back.set_state({"value": 5})  # what a comm message from the page does
    assert frames.drawn == 5 and frames.answered
    assert sent == []
    frames.out._send = lambda msg, buffers=None: sent.append(msg)
    for _ in range(2 * FrameCounter.ACK_EVERY):
        frames.sent()  # every ACK_EVERY-th count goes out, to be acknowledged
    assert [m["state"]["value"] for m in sent] == [FrameCounter.ACK_EVERY, 2 * frames.ACK_EVERY]


def test_paced_play_asks_the_page_at_most_once_a_second(monkeypatch):
    """At a lesson pace an acknowledgement costs the kernel about as much as a refresh:
    one a second is enough to know the page still draws (page_timeout is 10 s)."""
    clock = [100.0]
    monkeypatch.setattr("nnwidgets.widgets.pacing.time.perf_counter", lambda: clock[0])
    frames = FrameCounter()
    sent = []
    frames.out._send = lambda msg, buffers=None: sent.append(msg["state"]["value"])
    frames.pace(6.0)
    assert frames.in_flight == FrameCounter.IN_FLIGHT + 6
    for _ in range(13):  # 13 refreshes at 6 a second: 2.0 s
        frames.sent()
        clock[0] += 1 / 6
    assert sent == [1, 7, 13]
    sent.clear()
    for _ in range(6):  # a short page_timeout: at least four asks within it
        frames.sent(page_timeout=2.0)
        clock[0] += 1 / 6
    assert sent == [16, 19]  # every half second (float steps of 1/6 s)
    frames.pace(None)  # flat out again: every ACK_EVERY-th refresh
    assert frames.in_flight == FrameCounter.IN_FLIGHT
    sent.clear()
    for _ in range(2 * FrameCounter.ACK_EVERY):
        frames.sent()
    every = FrameCounter.ACK_EVERY  # counts 20 to 19 + 2 * every: its multiples go out
    assert sent == [n for n in range(20, 20 + 2 * every) if n % every == 0]
    assert len(sent) == 2


def test_dashboard_speed_sets_the_acknowledgement_cadence():
    dash = nw.demo()  # the lesson pace
    assert dash._frames.in_flight > FrameCounter.IN_FLIGHT
    dash.speed = "max"
    assert dash._frames.in_flight == FrameCounter.IN_FLIGHT
    dash.speed = 2
    assert dash._frames.in_flight == FrameCounter.IN_FLIGHT + 2  # 2 refreshes a second


def test_a_race_speed_sets_the_acknowledgement_cadence_too(monkeypatch):
    """A paced race asks its page by the clock, often enough for its page timeout: by
    the count (every third refresh), a race at 1 step a second would ask every 3 s."""
    clock = [100.0]
    monkeypatch.setattr("nnwidgets.widgets.pacing.time.perf_counter", lambda: clock[0])
    trainers = [nw.Trainer(nw.MLP([2, 4, 1], seed=s), nw.datasets.moons(seed=0)) for s in (0, 1)]
    race = Compare(trainers, speed=1, page_timeout=2.0)
    frames = race._frames
    asked = []
    frames.out._send = lambda msg, buffers=None: asked.append(msg["state"]["value"])
    for _ in range(6):  # 6 refreshes, 0.6 s apart
        clock[0] += 0.6
        race.refresh_playing()
    # each asks: page_timeout / 4 had passed (by the count: every third; by the paced
    # default of once a second: every second one)
    assert len(asked) == 6
    assert asked == list(range(asked[0], asked[0] + 6))
    race.speed = "max"
    assert frames.in_flight == FrameCounter.IN_FLIGHT


@pytest.mark.parametrize("speed", ["max", 60])
def test_status_line_follows_play_at_its_own_rate(speed):
    import nnwidgets as nw
    from nnwidgets.widgets.dashboard import STATUS_PACED_HZ, STATUS_PLAY_HZ

    dash = nw.demo(speed=speed)
    hz = STATUS_PLAY_HZ if speed == "max" else STATUS_PACED_HZ  # slower at a set pace
    shown = []
    dash.controls.status.observe(lambda c: shown.append(c["new"]), names="value")
    for _ in range(3):  # refreshes closer together than 1 / hz
        dash.trainer.step()
        dash.refresh_playing()
    assert len(shown) == 1 and "step 1 " in shown[0]
    dash.schedule.status_drawn -= 0.9 / hz  # not yet
    dash.refresh_playing()
    assert len(shown) == 1
    dash.schedule.status_drawn -= 0.1 / hz  # its time has come
    dash.refresh_playing()
    assert len(shown) == 2 and "step 3 " in shown[1]
    dash.trainer.step()
    dash.refresh()  # a full refresh (a click, the end of play) always shows it
    assert len(shown) == 3 and "step 4 " in shown[2]
