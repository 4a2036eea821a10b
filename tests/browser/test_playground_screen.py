"""The playground as TensorFlow Playground, on one screen: Voila at 1366x768.

The play row on top; under it three columns, data | network | output. What a student
needs first (the data set, the network, the boundary, Play, speed and learning rate) is
fully inside the first viewport without scrolling. The screenshot is saved every run
(test-results/screens/voila-1366x768.png) for a person to look at.
"""

from __future__ import annotations

import contextlib
import itertools
import re

import pytest
import servers
from pages import (
    VIEWS,
    dashboard_rendered,
    outside_viewport,
    page_errors,
    status_text,
    step_of,
    wait_status,
)

pytestmark = pytest.mark.browser

SIZE = {"width": 1366, "height": 768}
SHOT = servers.REPO / "test-results" / "screens" / "voila-1366x768.png"

# what must be fully inside the first viewport, by CSS selector
MUST_SEE = {
    "data set": ".nnw-dataset",
    "network view": ".nnw-view-network",
    "boundary view": ".nnw-view-boundary",
    "Play": "button.nnw-play",
    "speed": ".nnw-speed",
    "learning rate": ".nnw-lr",
}
COLUMNS = (".nnw-column-data", ".nnw-column-network", ".nnw-column-output")


@pytest.fixture
def small_app(voila_server, page, request):
    """The playground app at 1366x768, rendered; its kernel is shut down afterwards."""
    kernels: set[str] = set()

    def on_websocket(ws):
        m = re.search(r"/api/kernels/([0-9a-f-]+)/channels", ws.url)
        if m:
            kernels.add(m.group(1))

    page.on("websocket", on_websocket)
    page.set_viewport_size(SIZE)
    try:
        page.goto(voila_server.url("/"))
        page.locator(".nnw-playground").wait_for(state="visible", timeout=90_000)
        root = dashboard_rendered(page, root=".nnw-playground", views=(*VIEWS, "network"))
        yield page, root
    finally:
        request.node.nnw_save_failure()  # while the kernel still runs
        for kernel_id in kernels:
            with contextlib.suppress(OSError):
                voila_server.api("DELETE", f"/api/kernels/{kernel_id}")


def test_voila_1366x768_playground_is_one_screen(small_app):
    page, root = small_app
    page.evaluate("() => window.scrollTo(0, 0)")
    page.wait_for_timeout(500)  # the figures' last layout pass
    SHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOT))
    assert page.evaluate("() => window.scrollY") == 0
    assert outside_viewport(page, root, MUST_SEE) == []

    # three columns side by side under the play row: data | network | output
    play = root.locator("button.nnw-play").first.bounding_box()
    boxes = [root.locator(css).first.bounding_box() for css in COLUMNS]
    assert all(b is not None for b in boxes), boxes
    for left, right in itertools.pairwise(boxes):
        assert left["x"] + left["width"] <= right["x"] + 1, (left, right)
    assert all(b["y"] >= play["y"] + play["height"] for b in boxes), (play, boxes)
    firsts = (".nnw-dataset", ".nnw-view-network", ".nnw-view-boundary")
    for css, column in zip(firsts, COLUMNS, strict=True):
        assert root.locator(f"{column} {css}").count() >= 1, (column, css)
    # the network column's controls: add/remove layer, and +/- on each hidden layer
    assert root.locator(f"{COLUMNS[1]} button.nnw-add-layer").first.is_visible()
    assert root.locator(f"{COLUMNS[1]} button.nnw-add-neuron:visible").count() == 2
    # the disclosure is closed
    assert not root.locator(".nnw-optimizer").first.is_visible()

    # a Step still moves the status
    before = status_text(page)
    assert step_of(before) == 0, before
    root.locator("button.nnw-step").first.click()
    after = wait_status(page, r"· step 1 ·")
    assert step_of(after) == 1
    assert page_errors(page) == []


def test_voila_plus_widens_one_layer_and_redraws_the_network(small_app):
    page, root = small_app
    column = root.locator(COLUMNS[1])
    nodes = column.locator(".nnw-view-network svg")
    count = column.locator(".nnw-neuron-count").nth(1)
    assert re.search(r"\b8\b", count.inner_text()), count.inner_text()
    column.locator("button.nnw-add-neuron").first.click()
    page.wait_for_function(
        "() => { const c = document.querySelectorAll('.nnw-neuron-count');"
        " return c.length > 1 && /\\b9\\b/.test(c[1].textContent); }",
        timeout=30_000,
    )
    assert nodes.first.is_visible()
    wait_status(page, r"^epoch 0 · step 0 ·")
    assert outside_viewport(page, root, {"network view": ".nnw-view-network"}) == []

    # the most hidden layers still fit the column and the screen
    for _ in range(4):
        column.locator("button.nnw-add-layer").first.click()
    page.wait_for_function(
        "() => { const e = document.querySelector('.nnw-layer-count');"
        " return e !== null && /6 hidden layers/.test(e.textContent); }",
        timeout=30_000,
    )
    assert column.locator("button.nnw-add-neuron:visible").count() == 6
    page.wait_for_timeout(1000)
    page.screenshot(path=str(SHOT.with_name("voila-1366x768-six-layers.png")))
    assert outside_viewport(page, root, {"network view": ".nnw-view-network", **MUST_SEE}) == []
    net = column.locator(".nnw-view-network").first.bounding_box()
    counts = column.locator(".nnw-neurons").first.bounding_box()
    assert counts["x"] + counts["width"] <= net["x"] + net["width"] + 1, (counts, net)
    # the rebuilt network's neuron list shows the prediction, not a blank choice
    assert column.locator(".nnw-neuron-pick select").evaluate("(s) => s.selectedIndex") == 0
    assert page_errors(page) == []


def test_voila_a_neuron_picked_by_keyboard_fills_the_boundary(small_app):
    page, root = small_app
    title = root.locator(".nnw-view-boundary .mainheading").first
    pick = root.locator(f"{COLUMNS[1]} .nnw-neuron-pick select")
    pick.focus()
    page.keyboard.type("h")  # type-ahead: the first hidden neuron
    page.wait_for_function(
        "(el) => /neuron 0 in layer 1/.test(el.textContent)", arg=title.element_handle()
    )
    # the list names it (ipywidgets writes its options' spaces as no-break spaces)
    shown = pick.evaluate("(s) => s.options[s.selectedIndex].text").replace("\xa0", " ")
    assert shown == "hidden layer 1, neuron 0"
    page.wait_for_timeout(1200)  # type-ahead starts a new word after a pause
    page.keyboard.type("p")  # "prediction": the decision boundary again
    page.wait_for_function(
        "(el) => /Decision boundary/.test(el.textContent)", arg=title.element_handle()
    )
    # an edge by its layer and units: the weight editor opens on it, as a click would
    edge = root.locator(f"{COLUMNS[1]} .nnw-edge-pick")
    edge.locator("select").focus()
    page.keyboard.type("W1")
    for value in ("3", "4"):  # from unit 3 to unit 4
        page.keyboard.press("Tab")
        page.keyboard.press("Control+A")
        page.keyboard.type(value)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # Edit weight
    editor = root.locator(".nnw-weight-editor").first
    editor.filter(has_text="W1[3,4]").wait_for()
    assert editor.locator("input").first.is_visible()
    assert outside_viewport(page, root, MUST_SEE) == []
    assert page_errors(page) == []
