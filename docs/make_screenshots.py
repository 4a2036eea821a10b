"""Retake the README's screenshots: the demo in JupyterLab and the playground in Voila.

    .venv/bin/python docs/make_screenshots.py

Runs real servers on 127.0.0.1 and Debian's Chromium, as the browser tests do.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "browser"))

import pages  # noqa: E402
import servers  # noqa: E402

DEMO = "import nnwidgets as nw\ndash = nw.demo()\ndash"
PLAY_SECONDS = 12  # the lesson pace learns the moons in about 10 s


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="nnw-shots-") as tmp:
        home = Path(tmp)
        root = home / "root"
        servers.write_notebook(root / "demo.ipynb", DEMO)
        app = servers.write_notebook(home / "app" / "app.ipynb", servers.PLAYGROUND_SOURCE)
        lab = servers.start_jupyterlab(root, home / "lab")
        voila = servers.start_voila(app, home / "voila")
        pw = sync_playwright().start()
        browser = servers.launch_chromium(pw)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            nb = pages.LabNotebook(page, lab, "demo.ipynb").open()
            nb.run_all_and_wait()
            dash = pages.dashboard_rendered(page)
            page.locator("button.nnw-play").click()
            time.sleep(PLAY_SECONDS)
            page.locator("button.nnw-play").click()
            time.sleep(1.5)
            dash.evaluate("e => e.scrollIntoView({block: 'start'})")
            page.mouse.move(5, 5)
            time.sleep(0.5)
            page.screenshot(path=str(HERE / "dashboard.png"))
            nb.shutdown()

            page = browser.new_page(viewport={"width": 1366, "height": 768})
            page.goto(voila.url("/"))
            page.locator(".nnw-playground").wait_for(state="visible", timeout=90_000)
            pages.dashboard_rendered(page, root=".nnw-playground")
            page.locator("button.nnw-play").click()
            time.sleep(PLAY_SECONDS)
            page.locator("button.nnw-play").click()
            time.sleep(1.5)
            page.mouse.move(5, 5)
            page.screenshot(path=str(HERE / "playground.png"))
        finally:
            browser.close()
            pw.stop()
            lab.stop()
            voila.stop()
    print("wrote", HERE / "dashboard.png", HERE / "playground.png")


if __name__ == "__main__":
    main()
