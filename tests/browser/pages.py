"""Playwright helpers for the dashboard in JupyterLab and Voila (tests and bench/browser.py).

The dashboard's controls and views carry stable CSS classes (see docs: "widgets and
views"): ``.nnw-step``, ``.nnw-play``, ``.nnw-status``, ``.nnw-view-loss`` ... bqplot
draws the loss view's first mark (the batch loss, one point per step) as the first
``path.line`` inside the first mark group (``g[clip-path]``) of the view's first figure;
its ``d`` attribute changes on every drawn step, which is what "the view rendered" means
here.
"""

from __future__ import annotations

import re
import time
import urllib.parse
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # importable without playwright: the fixtures skip or fail instead
    from playwright.sync_api import Locator, Page

STATUS = ".nnw-status .widget-html-content"
VIEWS = ("loss", "weights", "gradients", "boundary")
STDERR = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
WIDGET_ERRORS = ("Error displaying widget", "Model not found", "Failed to load model class")
STEP_RE = re.compile(r"\bstep (\d+)\b")
EPOCH_RE = re.compile(r"\bepoch (\d+)\b")
LR_RE = re.compile(r"\blr ([0-9.eE+-]+)")

# Installed once per page: window.__nnw, with a recorder of the batch-loss path.
INSTALL_JS = """
() => {
  if (window.__nnw) return;
  const lossFigure = () => document.querySelector(
    '.nnw-view-loss.bqplot.figure, .nnw-view-loss .bqplot.figure');
  const batchPath = () => {
    const fig = lossFigure();
    const group = fig && fig.querySelector('.svg-figure g[clip-path]');
    return group ? group.querySelector('path.line') : null;
  };
  const lossD = () => { const p = batchPath(); return p ? p.getAttribute('d') : null; };
  const status = () => {
    const el = document.querySelector('.nnw-status .widget-html-content');
    return el ? el.textContent : null;
  };
  const rec = {observer: null, last: null, changes: [], values: new Set(), clicks: []};
  window.__nnw = {
    lossD,
    status,
    // Record every change of the batch-loss path (time and value) from now on.
    start() {
      if (rec.observer) rec.observer.disconnect();
      // the loss view only: cheaper than the whole dashboard (its figures are built once)
      const root = document.querySelector('.nnw-view-loss') ||
        document.querySelector('.nnw-dashboard') || document.body;
      rec.last = lossD();
      rec.changes = [];
      rec.values = new Set();
      rec.clicks = [];
      // the path element is looked up again only when bqplot replaced it: a document
      // query at every mutation cost the page about 1 ms per render while playing
      rec.path = batchPath();
      rec.observer = new MutationObserver(() => {
        if (!rec.path || !rec.path.isConnected) rec.path = batchPath();
        const d = rec.path ? rec.path.getAttribute('d') : null;
        if (d !== null && d !== rec.last) {
          rec.last = d;
          rec.changes.push(performance.now());
          rec.values.add(d);
        }
      });
      rec.observer.observe(root, {subtree: true, childList: true, attributes: true,
                                  attributeFilter: ['d']});
      if (!rec.clickListener) {
        rec.clickListener = (ev) => {
          if (ev.target.closest && ev.target.closest('.nnw-step, .nnw-epoch, .nnw-play')) {
            rec.clicks.push(performance.now());
          }
        };
        document.addEventListener('click', rec.clickListener, true);
      }
      return performance.now();
    },
    stop() { if (rec.observer) rec.observer.disconnect(); rec.observer = null; },
    changes() { return rec.changes.slice(); },
    clicks() { return rec.clicks.slice(); },
    distinct() { return rec.values.size; },
    now() { return performance.now(); },
  };
}
"""


def install(page: Page) -> None:
    """Define ``window.__nnw`` in the page (idempotent)."""
    page.evaluate(INSTALL_JS)


def status_text(page: Page) -> str:
    """The dashboard's status line ('' until it exists)."""
    install(page)
    return page.evaluate("() => window.__nnw.status()") or ""


def loss_d(page: Page) -> str | None:
    """The ``d`` attribute of the loss view's batch-loss path (None before any step)."""
    install(page)
    return page.evaluate("() => window.__nnw.lossD()")


def step_of(status: str) -> int:
    m = STEP_RE.search(status)
    if m is None:
        raise AssertionError(f"no 'step N' in status {status!r}")
    return int(m.group(1))


def epoch_of(status: str) -> int:
    m = EPOCH_RE.search(status)
    if m is None:
        raise AssertionError(f"no 'epoch N' in status {status!r}")
    return int(m.group(1))


def lr_of(status: str) -> float:
    m = LR_RE.search(status)
    if m is None:
        raise AssertionError(f"no 'lr X' in status {status!r}")
    return float(m.group(1))


def wait_status(page: Page, pattern: str, timeout: float = 15.0) -> str:
    """Wait until the status line matches the regular expression ``pattern``."""
    install(page)
    page.wait_for_function(
        "(p) => { const s = window.__nnw.status(); return s !== null && new RegExp(p).test(s); }",
        arg=pattern,
        timeout=timeout * 1000,
    )
    return status_text(page)


def wait_status_change(page: Page, old: str, timeout: float = 15.0) -> str:
    """Wait until the status line differs from ``old``."""
    install(page)
    page.wait_for_function(
        "(o) => { const s = window.__nnw.status(); return s !== null && s !== o; }",
        arg=old,
        timeout=timeout * 1000,
    )
    return status_text(page)


def wait_settled(page: Page, quiet: float = 0.5, timeout: float = 10.0) -> tuple[str, float]:
    """Wait until the status line has not changed for ``quiet`` seconds.

    Returns the settled status and the seconds waited until its last change.
    """
    t0 = time.monotonic()
    last, last_change = status_text(page), t0
    while time.monotonic() - t0 < timeout:
        time.sleep(0.05)
        now_text = status_text(page)
        if now_text != last:
            last, last_change = now_text, time.monotonic()
        elif time.monotonic() - last_change >= quiet:
            return last, last_change - t0
    raise AssertionError(f"status still changing after {timeout} s: {last!r}")


class LostPause(AssertionError):
    """The Pause click reached the kernel but the dashboard kept playing."""


LOST_PAUSE = (
    "nnwidgets bug: Pause was lost. The toggle's value went back to False but the "
    "kernel kept playing: JupyterLab sends widget comm messages to a kernel subshell "
    "thread (commsOverSubshells), so Dashboard._on_play runs beside the Runner's "
    "refresh in the main thread, sees its _syncing flag set and returns early."
)


def pause(page: Page, settle: float, grace: float = 20.0) -> tuple[str, float]:
    """Click Pause; wait until the status line shows the stopped state.

    Returns that status and the seconds it took. Raises AssertionError when it took
    longer than ``settle`` seconds, and LostPause when the dashboard still plays
    ``settle + grace`` seconds later with the toggle released but still labelled
    Pause (the kernel ignored the click).
    """
    play = page.locator("button.nnw-play")
    t0 = time.monotonic()
    play.click()
    stopped = r"^(?!.*steps/s)"
    try:
        status = wait_status(page, stopped, timeout=settle + grace)
    except Exception as exc:
        label = play.inner_text().strip()
        pressed = "mod-active" in (play.get_attribute("class") or "")
        if label == "Pause" and not pressed:
            raise LostPause(f"{LOST_PAUSE} Status: {status_text(page)!r}") from exc
        raise AssertionError(
            f"still playing {settle + grace:.0f} s after Pause (button {label!r}, "
            f"pressed={pressed}): {status_text(page)!r}"
        ) from exc
    lag = time.monotonic() - t0
    if lag > settle:
        raise AssertionError(
            f"the status kept changing for {lag:.1f} s after Pause: the browser fell "
            "behind the kernel's refreshes (the Runner does not wait for the page)"
        )
    return status, lag


def dashboard_rendered(page: Page, root: str = ".nnw-dashboard", views=VIEWS) -> Locator:
    """Wait until the (first) dashboard shows every view and its status; return it."""
    dash = page.locator(root).first
    dash.wait_for(state="visible")
    for name in views:
        dash.locator(f".nnw-view-{name}").first.wait_for(state="visible")
        dash.locator(f".nnw-view-{name} svg").first.wait_for(state="visible")
    dash.locator(STATUS).first.wait_for(state="visible")
    wait_status(page, r"^.*epoch \d+ · step \d+")
    return dash


def page_errors(page: Page) -> list[str]:
    """Tracebacks in stderr outputs and widget rendering errors shown on the page."""
    found = [t for t in page.locator(STDERR).all_inner_texts() if "Traceback" in t or "Error" in t]
    body = page.locator("body").inner_text()
    found += [msg for msg in WIDGET_ERRORS if msg in body]
    return found


# ----------------------------------------------------------------- JupyterLab
@dataclass
class LabNotebook:
    """One notebook open in JupyterLab, in a workspace of its own."""

    page: Page
    server: object  # servers.Server
    path: str

    @property
    def url(self) -> str:
        ws = re.sub(r"[^A-Za-z0-9_-]", "-", self.path)
        return self.server.url(f"/lab/workspaces/{ws}/tree/{urllib.parse.quote(self.path)}")

    @property
    def panel(self) -> Locator:
        return self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").first

    @property
    def code_cells(self) -> Locator:
        return self.panel.locator(".jp-CodeCell")

    def open(self, timeout: float = 60.0) -> LabNotebook:
        """Load the notebook and wait until its kernel is connected and idle."""
        self.page.goto(self.url)
        self.panel.wait_for(state="visible", timeout=timeout * 1000)
        self.wait_kernel_idle(timeout)
        return self

    def wait_kernel_idle(self, timeout: float = 60.0) -> None:
        """The status bar names the kernel and says Idle: the session is connected.

        (The toolbar's execution indicator reads idle before any kernel exists, and a
        run sent then is dropped.)
        """
        item = self.page.locator(
            "#jp-main-statusbar .jp-StatusBar-TextItem", has_text=re.compile(r"\S+.*\|\s*Idle")
        )
        item.first.wait_for(state="visible", timeout=timeout * 1000)

    def prompts(self) -> list[str]:
        return [
            p.strip()
            for p in self.code_cells.locator(".jp-InputArea .jp-InputPrompt").all_inner_texts()
        ]

    def run_all(self) -> None:
        """Run > Run All Cells."""
        self.page.locator(".lm-MenuBar-item", has_text=re.compile(r"^\s*Run\s*$")).click()
        self.page.locator('#jp-mainmenu-run [data-command="runmenu:run-all"]').click()

    def run_all_and_wait(self, timeout: float = 90.0, retry_after: float = 15.0) -> float:
        """Run all cells and wait until every code cell has run; returns the seconds taken.

        If the first cell has not even started after ``retry_after`` seconds (a run
        sent before the kernel was really connected is dropped), run all again.
        """
        t0 = time.monotonic()
        self.run_all()
        retried = False
        while True:
            prompts = self.prompts()
            if prompts and all(re.fullmatch(r"\[\d+\]:", p) for p in prompts):
                return time.monotonic() - t0
            elapsed = time.monotonic() - t0
            if elapsed > timeout:
                raise AssertionError(f"cells did not all run within {timeout} s: {prompts}")
            if not retried and elapsed > retry_after and prompts and prompts[0] == "[ ]:":
                retried = True
                self.wait_kernel_idle()
                self.run_all()
            time.sleep(0.1)

    def add_and_run_cell(self, code: str, expect: str | None = None, timeout: float = 20.0) -> str:
        """Insert a code cell at the end, run it, and return its output text.

        Waits until the output contains ``expect`` (or any output when None).
        """
        cells = self.panel.locator(".jp-Cell")
        n = cells.count()
        cells.nth(n - 1).locator(".jp-InputPrompt").first.click()
        self.page.keyboard.press("Escape")
        self.page.keyboard.press("b")
        cells.nth(n).wait_for(state="visible")
        cells.nth(n).locator(".cm-content").click()
        self.page.keyboard.insert_text(code)
        self.page.keyboard.press("Shift+Enter")
        out = cells.nth(n).locator(".jp-OutputArea-output")
        if expect is None:
            out.first.wait_for(state="visible", timeout=timeout * 1000)
        else:
            out.filter(has_text=expect).first.wait_for(state="visible", timeout=timeout * 1000)
        return "\n".join(out.all_inner_texts())

    def shutdown(self) -> None:
        """Shut the notebook's kernel down (its session is deleted)."""
        try:
            sessions = self.server.api("GET", "/api/sessions") or []
            for s in sessions:
                if s.get("path") == self.path or s.get("path", "").endswith("/" + self.path):
                    self.server.api("DELETE", f"/api/sessions/{s['id']}")
        except OSError:
            pass


# ------------------------------------------------------------------ Notebook 7
class Notebook7(LabNotebook):
    """One notebook open in Jupyter Notebook 7 (one notebook per browser tab).

    Notebook 7 is built from JupyterLab's parts: the same cells, menus and commands, but
    its own URL and no status bar, so the kernel's state is read from the toolbar.
    """

    @property
    def url(self) -> str:
        return self.server.url(f"/notebooks/{urllib.parse.quote(self.path)}")

    @property
    def panel(self) -> Locator:
        return self.page.locator(".jp-NotebookPanel").first

    def wait_kernel_idle(self, timeout: float = 60.0) -> None:
        """The toolbar's kernel status reads idle once a kernel is connected."""
        self.page.locator(
            ".jp-NotebookPanel-toolbar .jp-Notebook-ExecutionIndicator[data-status='idle']"
        ).first.wait_for(state="attached", timeout=timeout * 1000)
        self.page.locator(
            ".jp-NotebookPanel-toolbar .jp-KernelName", has_text=re.compile(r"Python")
        ).first.wait_for(state="visible", timeout=timeout * 1000)


def track_kernels(page: Page) -> set[str]:
    """The ids of the kernels ``page`` opens channels to, filled in as it does."""
    kernels: set[str] = set()

    def on_websocket(ws) -> None:
        m = re.search(r"/api/kernels/([0-9a-f-]+)/channels", ws.url)
        if m:
            kernels.add(m.group(1))

    page.on("websocket", on_websocket)
    return kernels


def outside_viewport(page: Page, root: Locator, selectors: dict[str, str]) -> list[str]:
    """The names whose element (under ``root``) is not fully inside the viewport, each
    with its box, or "not rendered"."""
    size = page.viewport_size
    missing = []
    for name, css in selectors.items():
        box = root.locator(css).first.bounding_box()
        if box is None:
            missing.append(f"{name}: not rendered")
            continue
        inside = (
            box["x"] >= 0
            and box["y"] >= 0
            and box["x"] + box["width"] <= size["width"] + 0.5
            and box["y"] + box["height"] <= size["height"] + 0.5
        )
        if not inside:
            missing.append(f"{name}: {box}")
    return missing
