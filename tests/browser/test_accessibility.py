"""Accessibility in a real browser: Chromium's accessibility tree and the keyboard alone,
in JupyterLab, Notebook 7 and Voila (the checks themselves are in axtree.py)."""

from __future__ import annotations

import contextlib
import time

import pytest
import servers
from axtree import (
    ax_nodes,
    check_keyboard_walk,
    check_names_and_roles,
    live_changes,
    spoken_value,
    tab_to,
    unnamed_controls,
)
from pages import dashboard_rendered, install, page_errors, status_text, track_kernels, wait_status

pytestmark = pytest.mark.browser

DASH = ".nnw-dashboard"


@pytest.fixture
def lab_dashboard(lab_notebook, page):
    """The quickstart's dashboard in JupyterLab, rendered."""
    nb = lab_notebook(servers.QUICKSTART_SOURCE)
    nb.run_all_and_wait()
    dashboard_rendered(page)
    install(page)
    # the accessibility widget has named the controls once the lr slider has a name
    page.locator(f"{DASH} .nnw-lr [role=slider][aria-label]").wait_for(state="attached")
    return nb


def test_names_roles_and_a_paced_live_status_in_jupyterlab(lab_dashboard, page):
    check_names_and_roles(page, DASH)

    # "More settings" is a button that says whether it is open, and opens with Enter
    header = page.locator(f"{DASH} .nnw-more .jupyter-widget-Collapse-header").first
    assert header.get_attribute("role") == "button"
    assert header.get_attribute("aria-expanded") == "false"
    header.focus()
    page.keyboard.press("Enter")
    page.wait_for_function(
        "(el) => el.getAttribute('aria-expanded') === 'true'", arg=header.element_handle()
    )
    sliders = {n.name for n in ax_nodes(page, DASH, "slider")}
    assert {"speed", "learning rate", "momentum", "look back"} <= sliders, sliders
    assert spoken_value(page, f"{DASH} .nnw-scrubber [role=slider]") == "now"
    assert unnamed_controls(page, DASH) == []  # the settings behind it too

    # while playing, the live region speaks at most every few seconds; Pause at once
    live_changes(page, DASH)
    page.locator(f"{DASH} button.nnw-play").click()
    shown = set()
    t0 = time.monotonic()
    while time.monotonic() - t0 < 7.0:
        shown.add(status_text(page))
        time.sleep(0.1)
    said = page.evaluate("() => window.__nnwLive.slice()")
    assert len(shown) >= 10, f"the status line changed only {len(shown)} times in 7 s"
    assert 1 <= len(said) <= 3, said
    page.locator(f"{DASH} button.nnw-play").click()
    stopped = wait_status(page, r"^(?!.*steps/s)", timeout=25)
    page.wait_for_function(
        "(want) => document.querySelector('.nnw-status-live').textContent === want",
        arg=stopped,
        timeout=5000,
    )
    assert page_errors(page) == []


def test_keyboard_alone_steps_plays_and_follows_a_weight_in_jupyterlab(lab_dashboard, page):
    check_keyboard_walk(page, DASH)

    # the learning rate moves with the arrows and is spoken as a rate
    tab_to(page, "learning rate", limit=8)
    page.keyboard.press("ArrowRight")  # one slider step: 10 ** (-1 + 0.01)
    wait_status(page, r"· lr 0\.102")
    assert spoken_value(page, f"{DASH} .nnw-lr [role=slider]") == "0.102"

    # follow a weight without the mouse: layer, row and column, then Follow
    page.locator(f"{DASH} .nnw-follow select").focus()
    page.keyboard.press("ArrowDown")  # W1
    # typed at once, before the kernel has heard of W1: the fields' bounds are the
    # largest layer's, so the page keeps a row W0 does not have
    page.keyboard.press("Tab")
    assert ax_names_focused(page) == "row"
    page.keyboard.press("Control+A")
    page.keyboard.type("3")
    page.keyboard.press("Tab")
    page.keyboard.press("Control+A")
    page.keyboard.type("4")
    tab_to(page, "nnw-follow-button", limit=2)
    page.keyboard.press("Enter")
    legend = page.locator(f"{DASH} .nnw-view-weights .nnw-legend").last
    legend.filter(has_text="W1[3,4]").wait_for()
    note = page.locator(f"{DASH} .nnw-follow .nnw-live .widget-html-content").first
    assert note.inner_text() == "following W1[3,4]"
    assert note.get_attribute("aria-live") == "polite"
    # the trace figure's text says so from the next step
    tab_to(page, "nnw-step", limit=80, back=True)
    page.keyboard.press("Enter")
    trace = page.locator(f"{DASH} .nnw-view-weights .bqplot.figure").last
    page.wait_for_function(
        "(el) => /Followed weights at step \\d+: W1\\[3,4\\] /.test(el.getAttribute('aria-label'))",
        arg=trace.element_handle(),
    )
    assert page_errors(page) == []


def ax_names_focused(page) -> str:
    """The accessible name of the focused element."""
    names = [n.name for n in ax_nodes(page, ":focus")]
    return names[0] if names else ""


def test_names_roles_and_keyboard_in_notebook7(notebook7, page):
    nb = notebook7(servers.QUICKSTART_SOURCE)
    nb.run_all_and_wait()
    dashboard_rendered(page)
    install(page)
    page.locator(f"{DASH} .nnw-lr [role=slider][aria-label]").wait_for(state="attached")
    check_names_and_roles(page, DASH)
    check_keyboard_walk(page, DASH)
    assert page_errors(page) == []


def test_names_roles_and_keyboard_in_voila(voila_server, page, request):
    kernels = track_kernels(page)
    root = f".nnw-playground {DASH}"
    try:
        page.goto(voila_server.url("/"))
        page.locator(".nnw-playground").wait_for(state="visible", timeout=90_000)
        dashboard_rendered(page, root=".nnw-playground")
        install(page)
        page.locator(f"{root} .nnw-lr [role=slider][aria-label]").wait_for(state="attached")
        check_names_and_roles(page, root)
        check_keyboard_walk(page, root)
        assert page_errors(page) == []
    finally:
        request.node.nnw_save_failure()
        for kernel_id in kernels:
            with contextlib.suppress(OSError):
                voila_server.api("DELETE", f"/api/kernels/{kernel_id}")


RACE = ".nnw-compare"
RACE_SOURCE = """import nnwidgets as nw
ds = nw.datasets.moons(n_samples=120, noise=0.2, seed=0)
race = nw.compare(lambda: nw.MLP([2, 8, 1], seed=0), ds,
                  optimizers={"SGD": nw.optim.SGD(lr=0.1), "Adam": nw.optim.Adam(lr=0.01)})
race"""


def test_the_race_is_named_described_and_spoken_in_jupyterlab(lab_notebook, page):
    nb = lab_notebook(RACE_SOURCE)
    nb.run_all_and_wait()
    page.locator(f"{RACE} .nnw-lr [role=slider][aria-label]").wait_for(state="attached")
    assert unnamed_controls(page, RACE) == []
    # every figure an image with its own text: the curves, each boundary, the landscape
    labels = {}
    for css in ("nnw-view-race", "nnw-view-boundary-0", "nnw-view-boundary-1"):
        fig = page.locator(f"{RACE} .{css}").first
        page.wait_for_function("(el) => el.getAttribute('aria-label')", arg=fig.element_handle())
        assert fig.get_attribute("role") == "img"
        labels[css] = fig.get_attribute("aria-label")
    assert labels["nnw-view-race"].startswith("Loss: batch (faint) and test (bold)")
    assert labels["nnw-view-boundary-0"].startswith("SGD: accuracy ")
    assert labels["nnw-view-boundary-1"].startswith("Adam: accuracy ")
    landscape = page.locator(f"{RACE} .nnw-view-landscape .bqplot.figure").first
    assert landscape.get_attribute("role") == "img" and landscape.get_attribute("aria-label")
    # the status line's polite live region says what a Step did, for each trainer
    regions = [n for n in ax_nodes(page, f"{RACE} .nnw-status") if n.properties.get("live")]
    assert [(n.role, n.properties["live"]) for n in regions] == [("status", "polite")]
    page.locator(f"{RACE} button.nnw-step").click()
    page.wait_for_function(
        "(root) => /^SGD: epoch 0 · step 1\\b.*; Adam: epoch 0 · step 1\\b/.test("
        "document.querySelector(root + ' .nnw-status-live').textContent)",
        arg=RACE,
    )
    assert page_errors(page) == []
