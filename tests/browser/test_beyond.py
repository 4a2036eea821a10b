"""The network diagram and the loss landscape, in JupyterLab and Chromium."""

from __future__ import annotations

import pytest
from pages import dashboard_rendered, install, page_errors, pause, wait_status

pytestmark = pytest.mark.browser

SOURCE = """\
import nnwidgets as nw
ds = nw.datasets.moons(n_samples=200, noise=0.15, seed=0)
tr = nw.Trainer(nw.MLP([2, 5, 3, 1], seed=0), ds, optimizer=nw.optim.SGD(lr=0.1), seed=0)
dash = nw.Dashboard(tr, views=("loss", "network", "boundary", "landscape"))
dash"""

# bqplot draws the edges of a Lines mark as <path class="curve"> elements; a layer's
# thumbnails, the prediction and the landscape are kernel-made PNGs in SVG <image>s with
# blob: URLs (views/field_image.py).
EDGES_JS = """() => Array.from(document.querySelectorAll('.nnw-view-network path.line'))
    .map(p => p.getAttribute('d')).filter(d => d && d.length > 3)"""
IMAGES_JS = """(sel) => Array.from(document.querySelectorAll(sel + ' image'))
    .map(im => im.getAttribute('href') || im.getAttribute('xlink:href') || '')"""
IMAGE_SIZE_JS = """async (url) => {
    const bitmap = await createImageBitmap(await (await fetch(url)).blob());
    return [bitmap.width, bitmap.height]; }"""
TITLE_JS = """() => { const t = document.querySelector('.nnw-view-boundary .mainheading');
    return t ? t.textContent : null; }"""


@pytest.fixture
def dashboard(lab_notebook, page):
    nb = lab_notebook(SOURCE)
    nb.run_all_and_wait()
    dashboard_rendered(page, views=("loss", "network", "boundary", "landscape"))
    install(page)
    return nb


def test_network_diagram_draws_edges_and_thumbnails_and_selects_neurons(dashboard, page):
    page.wait_for_function(f"() => ({EDGES_JS})().length >= 2 * 5 + 5 * 3 + 3")
    thumbs = page.evaluate(IMAGES_JS, ".nnw-view-network")
    assert len(thumbs) == 4, len(thumbs)  # one per layer, inputs included
    assert all(t.startswith("blob:") for t in thumbs), thumbs
    # each decodes to 16 pixels across and 18 rows per neuron (two blank between neurons)
    sizes = [page.evaluate(IMAGE_SIZE_JS, url) for url in thumbs]
    assert sizes == [[16, 18 * n - 2] for n in (2, 5, 3, 1)], sizes
    before = page.evaluate(IMAGES_JS, ".nnw-view-network")
    page.locator(".nnw-epoch").click()
    wait_status(page, r"^epoch 1 ·")
    page.wait_for_function(
        f"(before) => JSON.stringify(({IMAGES_JS})('.nnw-view-network')) !== "
        "JSON.stringify(before)",
        arg=before,
        timeout=15_000,
    )
    # click the first hidden neuron: the boundary view shows its output
    dots = page.locator(".nnw-view-network .dot")  # 28 edge midpoints, then 11 neurons
    n_edges, n_nodes = 2 * 5 + 5 * 3 + 3, 2 + 5 + 3 + 1
    assert dots.count() == n_edges + n_nodes
    dots.nth(n_edges + 2).click(force=True)  # the first hidden neuron
    page.wait_for_function(f"() => ({TITLE_JS})()?.includes('neuron 0 in layer 1')", timeout=15_000)
    assert page_errors(page) == []


def test_landscape_fills_and_draws_the_path(dashboard, page):
    page.wait_for_function(
        f"() => ({IMAGES_JS})('.nnw-view-landscape').some(s => s.startsWith('blob:'))",
        timeout=15_000,
    )
    for _ in range(3):
        page.locator(".nnw-epoch").click()
    wait_status(page, r"^epoch 3 ·")
    # the path of the weights is a line with one point per refresh
    page.wait_for_function(
        """() => { const p = document.querySelector('.nnw-view-landscape path.line');
                   const d = p && p.getAttribute('d');
                   return d && (d.match(/L/g) || []).length >= 2; }""",
        timeout=15_000,
    )
    info = page.locator(".nnw-view-landscape").inner_text()
    assert "slice centred on step" in info and "loss from" in info, info
    assert page_errors(page) == []


# The bytes of the PNG an SVG <image> shows, as base64 (fetched from its blob: URL).
IMAGE_BASE64_JS = """async (im) => {
    const bytes = new Uint8Array(await (await fetch(im.getAttribute('href'))).arrayBuffer());
    let text = '';
    for (const b of bytes) text += String.fromCharCode(b);
    return btoa(text); }"""
KERNEL_PICTURES = """\
import base64
shown = [dash.views['boundary'].field, *dash.views['network'].thumbnails]
print('pictures', *(base64.b64encode(bytes(f.mark.image.value)).decode() for f in shown))"""


def test_after_pause_the_page_shows_the_kernels_last_pictures(dashboard, page):
    """The boundary and the thumbnails are two image widgets taking turns (the next
    picture goes into the one not shown, which then replaces it): after play, each
    picture in the page is the kernel's last, byte for byte."""
    page.locator("button.nnw-play").click()
    page.wait_for_timeout(2500)
    pause(page, settle=10)  # the status stops: the last full refresh has been drawn
    # the cell's output comes after the last refresh's messages, which the page
    # handles in order
    out = dashboard.add_and_run_cell(KERNEL_PICTURES, expect="pictures")
    kernel = out.split("pictures", 1)[1].split()
    images = page.locator(".nnw-view-boundary image, .nnw-view-network image")
    shown = [images.nth(i).evaluate(IMAGE_BASE64_JS) for i in range(images.count())]
    assert len(kernel) == 1 + 4 and sorted(shown) == sorted(kernel)  # any page order
    assert page_errors(page) == []
