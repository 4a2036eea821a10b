"""Fixtures for the real-browser tests: Debian's Chromium, JupyterLab and Voila servers.

Chromium is never downloaded: without /usr/bin/chromium (or without Playwright) the
tests are skipped, or fail when the CI environment variable is set. On a failure the
page's screenshot, its console and the servers' logs go to test-results/<test name>/.

Every browser test is also held to a clean console (``console_log``): an error in the
console of any page it opened, or a warning from bqplot or our widgets, up to the end
of the test's body fails it. What the fixtures' teardown does afterwards (shutting
kernels down under an open page, closing it) is not counted.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import servers  # this folder, put on sys.path above
from console_log import ConsoleLog
from pages import LabNotebook, Notebook7

RESULTS = servers.REPO / "test-results"
VIEWPORT = {"width": 1400, "height": 1000}
DEFAULT_TIMEOUT_MS = 30_000
_STARTED: list[servers.Server] = []  # every server of the session, for failure reports


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run on CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item (item.rep_setup, rep_call, rep_teardown)."""
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)
    log = getattr(item, "nnw_console", None)
    if rep.when == "call" and log is not None:
        item.nnw_console_end = log.mark()  # the test's body ends here (see console())


def pytest_collection_modifyitems(items):
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)


# -------------------------------------------------------------------- browser
@pytest.fixture(scope="session")
def playwright_session():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        _unavailable(f"playwright is not importable ({exc})")
    if not servers.chromium_available():
        _unavailable(f"{servers.CHROMIUM} is missing (make browser installs Debian's chromium)")
    pw = sync_playwright().start()
    try:
        yield pw
    finally:
        pw.stop()


class RecordingBrowser:
    """The session's Browser: every context it makes records its console into the
    running test's ``ConsoleLog`` (``RecordingBrowser.log``)."""

    log: ConsoleLog | None = None

    def __init__(self, browser) -> None:
        self._browser = browser

    def new_context(self, **kwargs):
        """``Browser.new_context``, with the console recorded."""
        context = self._browser.new_context(**kwargs)
        if RecordingBrowser.log is not None:
            RecordingBrowser.log.attach(context)
        return context

    def __getattr__(self, name: str):
        return getattr(self._browser, name)


@pytest.fixture(scope="session")
def browser(playwright_session):
    b = servers.launch_chromium(playwright_session)
    try:
        yield RecordingBrowser(b)
    finally:
        b.close()


@pytest.fixture(autouse=True)
def console(request):
    """The browser console of every page the test opens (a ``ConsoleLog``). After the
    test, its errors and our warnings up to the end of the test's body fail it
    (``console_log.is_problem``); a test that failed already keeps its own failure."""
    log = ConsoleLog()
    RecordingBrowser.log = log
    request.node.nnw_console = log
    try:
        yield log
    finally:
        RecordingBrowser.log = None
    if _failed(request.node):
        return
    problems = log.problems(until=getattr(request.node, "nnw_console_end", None))
    if problems:
        out = _results_dir(request.node)
        out.mkdir(parents=True, exist_ok=True)
        (out / "console.log").write_text(log.text())
        shown = "\n".join(str(p)[:600] for p in problems[:20])
        more = f"\n... and {len(problems) - 20} more" if len(problems) > 20 else ""
        pytest.fail(
            f"{len(problems)} problem(s) in the browser console (all of it in "
            f"{out / 'console.log'}):\n{shown}{more}",
            pytrace=False,
        )


def _results_dir(node) -> Path:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", node.name).strip("_")
    return RESULTS / name


def _failed(node) -> bool:
    return any(
        getattr(getattr(node, f"rep_{when}", None), "failed", False) for when in ("setup", "call")
    )


@pytest.fixture
def page(browser, request):
    """A fresh browser context and page (its console recorded by ``console``); on
    failure a screenshot, console and server logs are saved under
    test-results/<test name>/."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    pg = context.new_page()
    saved = False

    def save_failure() -> None:
        nonlocal saved
        if saved or not _failed(request.node):
            return
        saved = True
        out = _results_dir(request.node)
        out.mkdir(parents=True, exist_ok=True)
        try:
            pg.screenshot(path=str(out / "screenshot.png"), full_page=True)
        except Exception as exc:  # the page may have crashed
            (out / "screenshot-error.txt").write_text(repr(exc))
        (out / "console.log").write_text(request.node.nnw_console.text())
        for server in _STARTED:
            if server.log_path.exists():
                shutil.copy(server.log_path, out / server.log_path.name)

    request.node.nnw_save_failure = save_failure
    try:
        yield pg
    finally:
        save_failure()
        context.close()


# -------------------------------------------------------------------- servers
# The servers ask for playwright_session first, so that without a browser the tests
# are skipped before any server starts.
@pytest.fixture(scope="session")
def lab_server(tmp_path_factory, playwright_session):
    """JupyterLab on 127.0.0.1 serving a copy of the lessons (tests add their own)."""
    home = tmp_path_factory.mktemp("jupyterlab")
    root = servers.copy_notebooks(home / "root")
    server = servers.start_jupyterlab(root, home)
    _STARTED.append(server)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def voila_server(tmp_path_factory, playwright_session):
    """Voila serving an app whose one cell is ``nw.playground()``."""
    home = tmp_path_factory.mktemp("voila")
    app = servers.write_notebook(home / "app" / "app.ipynb", servers.PLAYGROUND_SOURCE)
    server = servers.start_voila(app, home)
    _STARTED.append(server)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def notebook7_server(tmp_path_factory, playwright_session):
    """Jupyter Notebook 7 on 127.0.0.1 serving a copy of the lessons (tests add their own)."""
    home = tmp_path_factory.mktemp("notebook7")
    root = servers.copy_notebooks(home / "root")
    server = servers.start_notebook7(root, home)
    _STARTED.append(server)
    try:
        yield server
    finally:
        server.stop()


def _notebooks(kind, server, page, request):
    """The opener behind ``lab_notebook``, ``notebook7`` and ``dark_lab_notebook``: writes a
    notebook of code cells named after the test (or opens ``path``), opens it as ``kind``
    (LabNotebook or Notebook7) and, after the test, saves a failure's report while the
    kernels still run, then shuts them down."""
    opened = []

    def open_notebook(*sources: str, path: str | None = None):
        if path is None:
            stem = re.sub(r"[^A-Za-z0-9_]+", "_", request.node.name).strip("_")
            path = f"{stem}_{len(opened)}.ipynb"
            servers.write_notebook(server.root_dir / path, *sources)
        nb = kind(page, server, path)
        opened.append(nb)
        return nb.open()

    try:
        yield open_notebook
    finally:
        request.node.nnw_save_failure()
        for nb in opened:
            nb.shutdown()


@pytest.fixture
def lab_notebook(lab_server, page, request):
    """Open a notebook in JupyterLab: ``lab_notebook(*sources)`` writes one with those
    code cells (named after the test); ``lab_notebook(path="x.ipynb")`` opens an existing
    one from the server's folder. The kernels are shut down after the test."""
    yield from _notebooks(LabNotebook, lab_server, page, request)


@pytest.fixture
def notebook7(notebook7_server, page, request):
    """Open a notebook in Notebook 7, as ``lab_notebook`` does in JupyterLab:
    ``notebook7(*sources)`` or ``notebook7(path="x.ipynb")``."""
    yield from _notebooks(Notebook7, notebook7_server, page, request)


# ---------------------------------------------------------------- dark theme
@pytest.fixture(scope="module")
def dark_lab_server(tmp_path_factory, playwright_session):
    """JupyterLab whose user settings select the JupyterLab Dark theme (started for the
    module that asks, stopped after it)."""
    home = tmp_path_factory.mktemp("jupyterlab-dark")
    root = home / "root"
    root.mkdir()
    server = servers.start_jupyterlab(root, home, settings=servers.DARK_THEME)
    _STARTED.append(server)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def dark_lab_notebook(dark_lab_server, page, request):
    """``lab_notebook`` in the dark JupyterLab: ``dark_lab_notebook(*sources)``."""
    yield from _notebooks(LabNotebook, dark_lab_server, page, request)
