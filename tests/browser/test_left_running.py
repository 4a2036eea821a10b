"""Nothing left running when a student leaves: a closed Voila tab, a re-run Lab cell."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

import pytest
from pages import dashboard_rendered, status_text, step_of, track_kernels, wait_status_change

pytestmark = pytest.mark.browser

CLK_TCK = os.sysconf("SC_CLK_TCK")


def kernel_pids(server) -> set[int]:
    """The ipykernel processes started by ``server`` (its descendants)."""
    parent, kernels = {}, set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        parent[int(pid)] = int(stat[1])
        if b"ipykernel" in cmd:
            kernels.add(int(pid))
    root = server.proc.pid

    def descends(pid: int) -> bool:
        while pid in parent and pid > 1:
            if parent[pid] == root:
                return True
            pid = parent[pid]
        return False

    return {pid for pid in kernels if descends(pid)}


def cpu_seconds(pid: int) -> float:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0  # the kernel is gone: it uses nothing
    return (int(stat[11]) + int(stat[12])) / CLK_TCK


def core_share(pid: int, seconds: float = 2.0) -> float:
    """The share of one core the process used over the next ``seconds``."""
    c0, t0 = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    return (cpu_seconds(pid) - c0) / (time.monotonic() - t0)


def test_closing_a_playing_voila_tab_leaves_an_idle_kernel(voila_server, browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    before = kernel_pids(voila_server)
    kernel_ids = track_kernels(page)
    try:
        page.goto(voila_server.url("/"))
        page.locator(".nnw-playground").wait_for(state="visible", timeout=90_000)
        dashboard_rendered(page, root=".nnw-playground")
        ours = kernel_pids(voila_server) - before
        assert len(ours) == 1, ours
        (pid,) = ours
        old = status_text(page)
        page.locator("button.nnw-play").click()
        wait_status_change(page, old)
        time.sleep(2)
        assert core_share(pid, 1.0) > 0.05  # playing: the kernel works
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
