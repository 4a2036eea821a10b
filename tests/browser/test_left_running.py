"""Nothing left running when a student leaves: a closed Voila tab, a re-run Lab cell."""

from __future__ import annotations

import contextlib
import time

import pytest
from pages import dashboard_rendered, status_text, step_of, track_kernels, wait_status_change
from processes import core_share, kernel_pids

pytestmark = pytest.mark.browser


def test_closing_a_playing_voila_tab_leaves_an_idle_kernel(voila_server, browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    before = kernel_pids(voila_server.proc.pid)
    kernel_ids = track_kernels(page)
    try:
        page.goto(voila_server.url("/"))
        page.locator(".nnw-playground").wait_for(state="visible", timeout=90_000)
        dashboard_rendered(page, root=".nnw-playground")
        ours = kernel_pids(voila_server.proc.pid) - before
        assert len(ours) == 1, ours
        (pid,) = ours
        old = status_text(page)
        page.locator("button.nnw-play").click()
        wait_status_change(page, old)
        time.sleep(2)
        playing = step_of(status_text(page))
        # playing: the kernel works (at the lesson pace, a few % of a core) and steps
        assert core_share(pid, 1.0) > 0.01
        assert step_of(wait_status_change(page, status_text(page))) > playing
        page.close(run_before_unload=True)
        t_closed = time.monotonic()
        shares = []
        while time.monotonic() - t_closed < 20:
            shares.append(core_share(pid))
            if shares[-1] < 0.05:
                break
        assert shares[-1] < 0.05, f"kernel CPU after the tab closed: {shares}"
    finally:
        context.close()
        for kernel_id in kernel_ids:
            with contextlib.suppress(OSError):
                voila_server.api("DELETE", f"/api/kernels/{kernel_id}")


RERUN_SOURCE = """\
import nnwidgets as nw
dash = nw.demo()
dash.runner.page_timeout = 3
dash.speed = "max"
dash"""

PLAY_TASKS = (
    "import asyncio\n"
    "print('play tasks:', sum('_play' in repr(t.get_coro()) for t in asyncio.all_tasks()))"
)


def test_rerunning_a_playing_cell_leaves_no_old_play_task(lab_notebook, page):
    nb = lab_notebook(RERUN_SOURCE)
    nb.run_all_and_wait()
    dashboard_rendered(page)
    old = status_text(page)
    page.locator("button.nnw-play").click()
    playing = wait_status_change(page, old)
    assert step_of(playing) > 0
    nb.run_all_and_wait()  # the cell again: a new dashboard replaces the playing one
    dashboard_rendered(page)
    time.sleep(3 + 3)  # page_timeout, and a refresh's wait for the silent page
    out = nb.add_and_run_cell(PLAY_TASKS, expect="play tasks:")
    assert "play tasks: 0" in out, out
