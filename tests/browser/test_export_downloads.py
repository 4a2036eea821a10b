"""PNG and SVG exports in a real browser: one download, holding every figure.

Chromium delivers at most 10 downloads of a burst (and asks a user first), so the
dashboard must save one file. Each test clicks a button once, takes the download
Playwright reports, then counts download events for a few more seconds.
"""

from __future__ import annotations

import base64
import contextlib
import struct
import time
import xml.etree.ElementTree as ET

import pytest
import servers
from pages import dashboard_rendered, install, page_errors, track_kernels, wait_status

pytestmark = pytest.mark.browser

SVG_NS = "{http://www.w3.org/2000/svg}"
QUIET_S = 4.0  # seconds of counting downloads after the first one arrived
MESSAGE = ".nnw-message"

# The figures of the dashboard drawn on screen: view, title and box (CSS pixels).
FIGURES_JS = """(root) => {
  const dash = document.querySelector(root);
  return Array.from(dash.querySelectorAll('.bqplot.figure')).map((el) => {
    const box = el.getBoundingClientRect();
    const view = el.closest('[class*="nnw-view-"]');
    const name = view ? Array.from(view.classList).find((c) => c.startsWith('nnw-view-')) : '';
    const title = el.querySelector('.mainheading');
    return {view: name.replace('nnw-view-', ''), title: title ? title.textContent : '',
            x: box.left, y: box.top, width: box.width, height: box.height};
  }).filter((f) => f.width >= 1 && f.height >= 1);
}"""

# For each box (CSS pixels from the image's top-left), the share of its pixels that
# differ from the box's top-left pixel: a drawn figure has axes, ticks and marks.
INKED_JS = """async ([png, boxes, ratio]) => {
  const img = new Image();
  await new Promise((ok, fail) => { img.onload = ok; img.onerror = fail;
                                    img.src = 'data:image/png;base64,' + png; });
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
  const ctx = canvas.getContext('2d');
  ctx.drawImage(img, 0, 0);
  return boxes.map(([x, y, w, h]) => {
    const d = ctx.getImageData(Math.round(x * ratio), Math.round(y * ratio),
                               Math.max(1, Math.floor(w * ratio)),
                               Math.max(1, Math.floor(h * ratio))).data;
    let differ = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (Math.abs(d[i] - d[0]) + Math.abs(d[i + 1] - d[1]) + Math.abs(d[i + 2] - d[2]) > 30)
        differ++;
    }
    return differ / (d.length / 4);
  });
}"""


def open_more(page, root: str = ".nnw-dashboard") -> None:
    """Open the "More settings" disclosure, where the file buttons are."""
    button = page.locator(f"{root} .nnw-export-png").first
    if not button.is_visible():
        page.locator(root).first.get_by_text("More settings").first.click()
    button.wait_for(state="visible")


def steps(page, n: int) -> None:
    """Click Step ``n`` times and wait for the status to show it. (At step 0 bqplot logs
    errors for the empty lines, and again when an export copies them: issue 16, item 5.)"""
    install(page)
    for _ in range(n):
        page.locator(".nnw-step").first.click()
    wait_status(page, rf"· step {n} ·")


def one_download(page, button: str):
    """Click ``button`` once; the download, after checking no other one follows."""
    seen, errors = [], []

    def count(download) -> None:
        seen.append(download)

    def console(msg) -> None:
        if msg.type == "error":
            errors.append(msg.text)

    page.on("download", count)
    page.on("console", console)
    with page.expect_download(timeout=30_000) as info:
        page.locator(button).first.click()
    download = info.value
    page.wait_for_timeout(QUIET_S * 1000)  # keeps Playwright's events flowing
    page.remove_listener("download", count)
    page.remove_listener("console", console)
    assert len(seen) == 1, [d.suggested_filename for d in seen]
    assert errors == []  # the export itself logs no error
    assert download.failure() is None
    return download


def union(figures: list[dict]) -> tuple[float, float, float, float]:
    x0 = min(f["x"] for f in figures)
    y0 = min(f["y"] for f in figures)
    x1 = max(f["x"] + f["width"] for f in figures)
    y1 = max(f["y"] + f["height"] for f in figures)
    return x0, y0, x1 - x0, y1 - y0


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", data[:16]
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def check_png(page, data: bytes, figures: list[dict]) -> None:
    """One valid PNG as large as all figures together, each figure drawn in its place."""
    width, height = png_size(data)
    ratio = page.evaluate("() => window.devicePixelRatio")
    x0, y0, w, h = union(figures)
    assert abs(width - w * ratio) <= 2 and abs(height - h * ratio) <= 2, (width, height, w, h)
    biggest = max(f["width"] * f["height"] for f in figures) * ratio**2
    assert width * height > 1.5 * biggest
    boxes = [[f["x"] - x0, f["y"] - y0, f["width"], f["height"]] for f in figures]
    inked = page.evaluate(INKED_JS, [base64.b64encode(data).decode(), boxes, ratio])
    shares = zip(figures, inked, strict=True)
    blank = [(f["view"], f["title"]) for f, share in shares if share < 0.002]
    assert blank == [], f"figures missing from the PNG: {blank} ({inked})"


def check_svg(text: str, figures: list[dict]) -> None:
    """One SVG document with a group per figure drawn, each with its view and title."""
    root = ET.fromstring(text)
    assert root.tag == f"{SVG_NS}svg"
    groups = [
        g for g in root.iter(f"{SVG_NS}g") if "nnw-export-figure" in g.get("class", "").split()
    ]
    assert len(groups) == len(figures)
    assert sorted(g.get("data-view") for g in groups) == sorted(f["view"] for f in figures)
    for group in groups:
        nested = group.find(f"{SVG_NS}svg")
        assert nested is not None and float(nested.get("width")) > 50
    texts = " ".join(t for t in root.itertext())
    missing = [f["title"] for f in figures if f["title"] and f["title"] not in texts]
    assert missing == []
    _, _, w, h = union(figures)
    assert abs(float(root.get("width")) - w) <= 1 and abs(float(root.get("height")) - h) <= 1


@pytest.fixture
def lab_dashboard(lab_notebook, page):
    """The quickstart's dashboard in JupyterLab, a few steps in, "More settings" open."""
    nb = lab_notebook(servers.QUICKSTART_SOURCE)
    nb.run_all_and_wait()
    dashboard_rendered(page)
    steps(page, 3)
    open_more(page)
    return nb


def test_png_button_downloads_one_image_of_every_figure_in_lab(lab_dashboard, page):
    figures = page.evaluate(FIGURES_JS, ".nnw-dashboard")
    assert {f["view"] for f in figures} == {"loss", "weights", "gradients", "boundary"}
    download = one_download(page, ".nnw-export-png")
    assert download.suggested_filename == "nnwidgets-run.png"
    with open(download.path(), "rb") as f:
        check_png(page, f.read(), figures)
    message = page.locator(MESSAGE).first
    expected = f"Exported nnwidgets-run.png ({len(figures)} figures)."
    assert message.inner_text().strip() == expected
    assert page_errors(page) == []


def test_svg_button_downloads_one_svg_of_every_figure_in_lab(lab_dashboard, page):
    figures = page.evaluate(FIGURES_JS, ".nnw-dashboard")
    download = one_download(page, ".nnw-export-svg")
    assert download.suggested_filename == "nnwidgets-run.svg"
    with open(download.path(), encoding="utf-8") as f:
        check_svg(f.read(), figures)
    expected = f"Exported nnwidgets-run.svg ({len(figures)} figures)."
    assert page.locator(MESSAGE).first.inner_text().strip() == expected


def test_python_api_writes_the_image_without_a_download(lab_dashboard, lab_server, page):
    figures = page.evaluate(FIGURES_JS, ".nnw-dashboard")
    seen = []
    page.on("download", lambda d: seen.append(d))
    lab_dashboard.add_and_run_cell(
        "png = dash.export_png('api.png')\nsvg = dash.export_svg('api')\nprint('asked', png.done)",
        expect="asked False",
    )
    written = [lab_server.root_dir / "api.png", lab_server.root_dir / "api.svg"]
    deadline = time.monotonic() + 30  # the page answers once the cell has finished
    while not all(p.exists() for p in written) and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    out = lab_dashboard.add_and_run_cell(
        "print('arrived', png.done, svg.done, png.n_figures, svg.n_figures, png.error)",
        expect="arrived",
    )
    assert f"arrived True True {len(figures)} {len(figures)} None" in out, out
    check_png(page, written[0].read_bytes(), figures)
    check_svg(written[1].read_text(encoding="utf-8"), figures)
    assert seen == []  # the Python API downloads nothing unless asked


def test_a_png_sent_back_in_parts_is_whole_in_the_kernel(lab_dashboard, lab_server, page):
    figures = page.evaluate(FIGURES_JS, ".nnw-dashboard")
    # parts far smaller than the image: the page sends many, the kernel joins them
    lab_dashboard.add_and_run_cell(
        "import nnwidgets.widgets.export as _export\n_export.PNG_PART_BYTES = 20_000\n"
        "_pe, _seen = dash.files.exports.page, []\n_join = _pe._png_part\n"
        "_pe._png_part = lambda c, b: (_seen.append(c['part']), _join(c, b))\n"
        "parts = dash.export_png('parts.png')\nprint('asked', parts.done)",
        expect="asked False",
    )
    written = lab_server.root_dir / "parts.png"
    deadline = time.monotonic() + 30
    while not written.exists() and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    out = lab_dashboard.add_and_run_cell(
        "_export.PNG_PART_BYTES = 4 * 1024 * 1024\n"
        "print('arrived', parts.done, parts.error, len(_seen) > 1,\n"
        "      len(_seen) == -(-len(parts.data) // 20_000))",
        expect="arrived",
    )
    assert "arrived True None True True" in out, out  # as many parts as 20 kB slices
    check_png(page, written.read_bytes(), figures)


def test_png_button_downloads_one_image_in_notebook7(notebook7, page):
    nb = notebook7(servers.QUICKSTART_SOURCE)
    nb.run_all_and_wait()
    dashboard_rendered(page)
    steps(page, 3)
    open_more(page)
    figures = page.evaluate(FIGURES_JS, ".nnw-dashboard")
    with open(one_download(page, ".nnw-export-png").path(), "rb") as f:
        check_png(page, f.read(), figures)


@pytest.fixture
def voila_app(voila_server, page, request):
    """The playground app in Voila, "More settings" open; its kernel shut down after."""
    kernels = track_kernels(page)
    try:
        page.goto(voila_server.url("/"))
        page.locator(".nnw-playground").wait_for(state="visible", timeout=90_000)
        dashboard_rendered(page, root=".nnw-playground")
        steps(page, 3)
        open_more(page, ".nnw-playground")
        yield page
    finally:
        request.node.nnw_save_failure()
        for kernel_id in kernels:
            with contextlib.suppress(OSError):
                voila_server.api("DELETE", f"/api/kernels/{kernel_id}")


def test_png_and_svg_buttons_download_one_file_each_in_voila(voila_app):
    page = voila_app
    figures = page.evaluate(FIGURES_JS, ".nnw-playground")
    assert {"loss", "boundary", "network"} <= {f["view"] for f in figures}
    with open(one_download(page, ".nnw-export-png").path(), "rb") as f:
        check_png(page, f.read(), figures)
    with open(one_download(page, ".nnw-export-svg").path(), encoding="utf-8") as f:
        check_svg(f.read(), figures)
