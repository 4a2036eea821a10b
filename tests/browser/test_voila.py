"""nw.playground() served by Voila as an app, in Chromium."""

from __future__ import annotations

import contextlib

import pytest
from pages import (
    LostPause,
    dashboard_rendered,
    install,
    loss_d,
    page_errors,
    pause,
    status_text,
    step_of,
    track_kernels,
    wait_status,
)

pytestmark = pytest.mark.browser

# Positions of the boundary view's scatter points (train dots and test triangles: bqplot
# draws each as a g.object_grp translated to its place) and the prediction's picture (an
# SVG <image> whose href is a blob: URL of the kernel's PNG, see views/field_image.py).
DOTS_JS = """() => Array.from(document.querySelectorAll('.nnw-view-boundary g.object_grp'))
    .map(g => g.getAttribute('transform')).filter(t => t && t.startsWith('translate'))"""
HEATMAP_JS = """() => { const im = document.querySelector('.nnw-view-boundary image');
    return im ? (im.getAttribute('href') || im.getAttribute('xlink:href')) : null; }"""
IMAGE_SIZE_JS = """async (url) => {
    const bitmap = await createImageBitmap(await (await fetch(url)).blob());
    return [bitmap.width, bitmap.height]; }"""


@pytest.fixture
def app(voila_server, page, request):
    """The playground app loaded and rendered; its kernel is shut down afterwards."""
    kernels = track_kernels(page)
    try:
        page.goto(voila_server.url("/"))
        page.locator(".nnw-playground").wait_for(state="visible", timeout=90_000)
        dashboard_rendered(page, root=".nnw-playground")
        install(page)
        yield page
    finally:
        request.node.nnw_save_failure()  # while the kernel still runs
        for kernel_id in kernels:  # a kernel left playing would slow every later test
            with contextlib.suppress(OSError):
                voila_server.api("DELETE", f"/api/kernels/{kernel_id}")


def test_app_shows_dashboard_without_sources(app):
    page = app
    for name in ("loss", "weights", "gradients", "boundary"):
        assert page.locator(f".nnw-view-{name}").first.is_visible(), name
    for control in ("nnw-dataset", "nnw-step", "nnw-play", "nnw-lr", "nnw-status"):
        assert page.locator(f".{control}").first.is_visible(), control
    assert page.locator(".jp-InputArea, .jp-InputPrompt, .jp-Cell-inputWrapper").count() == 0
    body = page.locator("body").inner_text()
    assert "import nnwidgets" not in body and "playground()" not in body
    assert status_text(page).startswith("epoch 0 · step 0"), status_text(page)
    assert page_errors(page) == []


def test_dataset_dropdown_rebuilds_boundary(app):
    page = app
    before = page.evaluate(DOTS_JS)
    assert len(before) == 200, len(before)  # 160 train dots and 40 test triangles
    heat_before = page.evaluate(HEATMAP_JS)
    assert heat_before and heat_before.startswith("blob:"), str(heat_before)[:80]
    # the page decodes the kernel's PNG: one pixel per grid point
    size = page.evaluate(IMAGE_SIZE_JS, heat_before)
    assert size == [60, 60], size
    page.locator(".nnw-step").click()
    wait_status(page, r"· step 1 ·")

    page.locator(".nnw-dataset select").select_option("circles")
    page.wait_for_function(
        f"(before) => {{ const now = ({DOTS_JS})(); return now.length === 200 && "
        "now.filter(t => !before.includes(t)).length > 150; }",
        arg=before,
        timeout=30_000,
    )
    after = page.evaluate(DOTS_JS)
    moved = len(set(after) - set(before))
    assert moved > 150, f"only {moved} of 200 points moved"
    page.wait_for_function(f"(old) => ({HEATMAP_JS})() !== old", arg=heat_before)
    # the new trainer starts at step 0 on the new data
    wait_status(page, r"^epoch 0 · step 0 ·")
    assert page.locator(".nnw-dataset select").input_value() == "circles"
    assert page_errors(page) == []


def test_step_and_play(app):
    page = app
    before = loss_d(page)
    page.locator(".nnw-step").click()
    wait_status(page, r"· step 1 ·")
    assert loss_d(page) != before
    play = page.locator("button.nnw-play")
    play.click()
    first = wait_status(page, r"steps/s")
    later = wait_status(page, rf"· step (?!{step_of(first)} )\d+ ·.*steps/s")
    assert step_of(later) > step_of(first) > 1
    try:
        frozen, _ = pause(page, settle=5.0)
    except LostPause as exc:
        pytest.xfail(str(exc))
    page.wait_for_timeout(1000)
    assert status_text(page) == frozen
    assert step_of(frozen) >= step_of(later)
