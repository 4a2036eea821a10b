"""A clean browser console: no error, and no warning of bqplot's or ours, at first
render, on Step, while playing, after Pause and after Reset, in JupyterLab, Notebook 7
and Voila; and the rules that tell our messages from known third-party noise.

Every browser test is held to a clean console by ``conftest.console``; these tests
walk the dashboard through each phase and name the phase that is not clean.
"""

from __future__ import annotations

import contextlib
import time

import pytest
from console_log import NOISE, ConsoleLog, ConsoleMessage, is_problem
from pages import (
    LostPause,
    dashboard_rendered,
    install,
    pause,
    status_text,
    step_of,
    track_kernels,
    wait_settled,
    wait_status,
)

pytestmark = pytest.mark.browser

ALL_VIEWS = ("loss", "weights", "gradients", "boundary", "network", "activations", "landscape")
# Every view, a followed weight (the traces' lines) and relu units (dead units, zero
# activations): each mark of each view has something to draw, or deliberately nothing.
SOURCE = f"""\
import nnwidgets as nw
ds = nw.datasets.moons(n_samples=200, noise=0.15, seed=0)
model = nw.MLP([2, 8, 8, 1], activation="relu", seed=0)
tr = nw.Trainer(model, ds, optimizer=nw.optim.SGD(lr=0.1), batch_size=10, seed=0)
dash = nw.Dashboard(tr, views={ALL_VIEWS!r})
dash.views["weights"].follow(0, 1, 2)
dash"""

# A Lines mark whose last point is NaN: bqplot 0.13 puts its curve label at
# translate(undefined,undefined), which Chromium reports as an error.
NAN_LINE = """\
import bqplot as bq
bq.Figure(marks=[bq.Lines(x=[0.0, 1.0, float("nan")], y=[0.0, 1.0, float("nan")],
                          scales={"x": bq.LinearScale(), "y": bq.LinearScale()})])"""

PLAY_SECONDS = 2.0


def walk_through(page, console: ConsoleLog, root: str = ".nnw-dashboard", views=ALL_VIEWS):
    """Render, Step (on a log loss axis), play, pause and reset the dashboard under
    ``root``; returns each phase's console problems."""
    found: dict[str, list[str]] = {}
    mark = 0

    def phase(name: str) -> None:
        nonlocal mark
        wait_settled(page, quiet=1.0, timeout=30)
        found[name] = [str(m) for m in console.problems(since=mark)]
        mark = console.mark()

    dash = dashboard_rendered(page, root=root, views=views)
    install(page)
    phase("first render")

    scale = dash.locator(".nnw-loss-scale button", has_text="log")
    if scale.count():  # the log axis leaves out zero losses: its own code path
        scale.first.click()
    for i in range(1, 3):
        dash.locator(".nnw-step").first.click()
        wait_status(page, rf"· step {i} ·")
    phase("Step")

    dash.locator("button.nnw-play").first.click()
    first = wait_status(page, r"steps/s")
    time.sleep(PLAY_SECONDS)
    later = status_text(page)
    found["playing"] = [str(m) for m in console.problems(since=mark)]
    mark = console.mark()
    try:
        pause(page, settle=10.0)
    except LostPause:  # Lab's comm subshells (pages.LOST_PAUSE): Reset below pauses
        pass
    phase("Pause")

    dash.locator(".nnw-reset").first.click()
    wait_status(page, r"^epoch 0 · step 0 ·(?!.*steps/s)")
    phase("Reset")
    assert step_of(later) > step_of(first), (first, later)  # it played
    return found


def assert_clean(found: dict[str, list[str]], where: str) -> None:
    dirty = {name: problems for name, problems in found.items() if problems}
    assert not dirty, f"console problems in {where}: " + "\n".join(
        f"{name}: {problems[:10]}" for name, problems in dirty.items()
    )


def test_console_stays_clean_in_jupyterlab(lab_notebook, page, console):
    nb = lab_notebook(SOURCE)
    nb.run_all_and_wait()
    found = walk_through(page, console)
    assert_clean(found, "JupyterLab")
    # the check sees bqplot's errors: a NaN line of our own making is caught
    since = console.mark()
    nb.add_and_run_cell(NAN_LINE)
    page.wait_for_function("() => document.querySelectorAll('.bqplot.figure').length > 0")
    deadline = time.monotonic() + 15
    while not console.problems(since) and time.monotonic() < deadline:
        time.sleep(0.2)
    caught = console.take_problems(since)
    assert any("translate(undefined" in m.text and "bqplot" in m.url for m in caught), caught


def test_console_stays_clean_in_notebook7(notebook7, page, console):
    nb = notebook7(SOURCE)
    nb.run_all_and_wait()
    assert_clean(walk_through(page, console), "Notebook 7")


def test_console_stays_clean_in_voila(voila_server, page, console, request):
    kernels = track_kernels(page)
    try:
        page.goto(voila_server.url("/"))
        page.locator(".nnw-playground").wait_for(state="visible", timeout=90_000)
        views = ("network", "boundary", "loss", "weights", "gradients")
        found = walk_through(page, console, root=".nnw-playground", views=views)
        assert_clean(found, "Voila")
    finally:
        request.node.nnw_save_failure()
        for kernel_id in kernels:  # a kernel left running would slow every later test
            with contextlib.suppress(OSError):
                voila_server.api("DELETE", f"/api/kernels/{kernel_id}")


# ------------------------------------------------------- the rules, without a browser
BQPLOT_JS = "http://127.0.0.1:8888/lab/extensions/bqplot/static/662.b8660bb103af4c7debb1.js"


@pytest.mark.parametrize(
    ("message", "problem"),
    [
        # the errors, from bqplot's script
        (
            ConsoleMessage(
                "error",
                'Error: <g> attribute transform: Expected number, "translate(NaN,NaN)".',
                BQPLOT_JS,
            ),
            True,
        ),
        (
            ConsoleMessage(
                "error",
                "Error: <path> attribute d: Expected moveto path command ('M' or 'm'), \"null\".",
                BQPLOT_JS,
            ),
            True,
        ),
        # any error that is not listed noise, wherever it comes from
        (
            ConsoleMessage("error", "Uncaught TypeError: x is undefined", "http://127.0.0.1/x.js"),
            True,
        ),
        (ConsoleMessage("pageerror", "Cannot read properties of undefined (reading 'x')"), True),
        # Voila's CDN fonts: listed, but only from the CDN
        (
            ConsoleMessage(
                "error",
                "Failed to load resource: net::ERR_NAME_NOT_RESOLVED",
                "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@%5E5/css/all.min.css",
            ),
            False,
        ),
        (
            ConsoleMessage(
                "error",
                "Failed to load resource: net::ERR_NAME_NOT_RESOLVED",
                "http://127.0.0.1:8888/voila/static/nnwidgets.css",
            ),
            True,
        ),
        (
            ConsoleMessage("pageerror", "Cannot read properties of undefined (reading 'schema')"),
            False,
        ),
        # warnings: ours fail, Jupyter's own do not
        (ConsoleMessage("warning", "something odd", BQPLOT_JS), True),
        (
            ConsoleMessage(
                "warning",
                "Menu entry for command 'toc:show-panel' is duplicated.",
                "http://127.0.0.1:8888/static/notebook/notebook_core.js",
            ),
            False,
        ),
        (ConsoleMessage("log", "anything at all", BQPLOT_JS), False),
        # bqplot's SVG export on Voila's @page rule: listed for its empty selector only
        (
            ConsoleMessage(
                "warning",
                "Invalid CSS selector '' SyntaxError: Failed to execute 'querySelectorAll' on "
                "'Element': The provided selector is empty.\n    at get_svg",
                BQPLOT_JS,
            ),
            False,
        ),
        (ConsoleMessage("warning", "Invalid CSS selector '.nnw-x:bad(' ...", BQPLOT_JS), True),
    ],
)
def test_what_fails_a_browser_test(message, problem):
    assert is_problem(message) is problem


def test_noise_is_listed_tightly():
    """Each entry names where it comes from; an exact text is not a prefix of
    everything (a prefix entry is long enough to name one message)."""
    for noise in NOISE:
        assert noise.where, noise
        assert noise.kind in ("error", "pageerror", "warning"), noise
        assert len(noise.text) >= 40 or not noise.prefix, noise


def test_a_provoked_problem_can_be_taken_out_of_the_log():
    log = ConsoleLog()
    log.messages.append(ConsoleMessage("log", "hello"))
    since = log.mark()
    log.messages.append(ConsoleMessage("error", "boom", BQPLOT_JS))
    assert [m.text for m in log.take_problems(since)] == ["boom"]
    assert log.problems() == [] and len(log.messages) == 1
