"""One screen: what a lesson needs is inside a laptop's first viewport, scrolled to the
dashboard's top (JupyterLab at 1280x800 with its file browser open)."""

from __future__ import annotations

import pytest
import servers
from pages import dashboard_rendered, outside_viewport

pytestmark = pytest.mark.browser

LAB_SIZE = {"width": 1280, "height": 800}
SHOTS = servers.REPO / "test-results" / "screens"
DEMO_SOURCE = "import nnwidgets as nw\ndash = nw.demo()\ndash"

# what must be fully inside the first viewport, by CSS selector
LAB_MUST_SEE = {
    "Step": "button.nnw-step",
    "Epoch": "button.nnw-epoch",
    "Play": "button.nnw-play",
    "Reset": "button.nnw-reset",
    "speed": ".nnw-speed",
    "learning rate": ".nnw-lr",
    "status": ".nnw-status",
    "loss view": ".nnw-view-loss",
    "boundary view": ".nnw-view-boundary",
}


def ensure_file_browser_open(page) -> None:
    """Lab's default: the file browser open in the left sidebar."""
    browser = page.locator("#filebrowser")
    if not browser.is_visible():
        page.locator('.jp-SideBar [data-id="filebrowser"]').first.click()
    browser.wait_for(state="visible")


def test_lab_1280x800_shows_the_controls_loss_and_boundary(lab_notebook, page):
    page.set_viewport_size(LAB_SIZE)
    nb = lab_notebook(DEMO_SOURCE)
    ensure_file_browser_open(page)
    nb.run_all_and_wait()
    dash = dashboard_rendered(page)
    dash.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "lab-1280x800.png"))
    assert outside_viewport(page, dash, LAB_MUST_SEE) == []
    # the disclosure is closed: its settings are not shown
    assert not dash.locator(".nnw-optimizer").first.is_visible()
    # with the file browser closed the dashboard is over 1,000 px wide: the primary row
    # is then one row, every primary control on the first control's line
    page.locator('.jp-SideBar [data-id="filebrowser"]').first.click()
    page.locator("#filebrowser").wait_for(state="hidden")
    page.wait_for_timeout(300)
    assert dash.locator(".nnw-primary").first.bounding_box()["width"] >= 1000
    tops = [
        dash.locator(css).first.bounding_box()["y"]
        for css in ("button.nnw-reset", "button.nnw-play", ".nnw-speed", ".nnw-lr")
    ]
    assert max(tops) - min(tops) < 20, tops
