"""URL presets in a real browser: ``nnwidgets serve`` (with its preheated kernel, which
waits for the student's request) opens the playground in the setup its URL asks for; a
hostile URL gives a readable message and the default playground; Share shows the URL."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import servers
from pages import lr_of, page_errors, status_text, wait_status
from processes import descendants, kernel_pids, left_running
from test_class_server import STATUS, STATUS_RE, wait_until

pytestmark = pytest.mark.browser

PRESET = "?dataset=spiral&layers=8,8&activation=relu&lr=0.03&speed=200&hide=l1,l2"
HOSTILE = {"dataset": "__import__('os')", "layers": "abc", "lr": "-1"}
ROOT = ".nnw-playground"


@contextlib.contextmanager
def serving(home, *options: str):
    """``python -m nnwidgets serve`` with ``options``; stopped, and checked that no kernel
    of it is left, at the end."""
    port = servers.free_port()
    cmd = [sys.executable, "-m", "nnwidgets", "serve", f"--port={port}", *options]
    env = servers.jupyter_env(home)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(servers.REPO), env.get("PYTHONPATH", "")) if p
    )
    server = servers._spawn(
        "nnwidgets serve", cmd, env, cwd=home, log_path=home / "serve.log", port=port, root_dir=home
    )
    seen: dict[int, bytes] = {}
    try:
        servers._wait_until_up(server, "/voila/static/favicon.ico", servers.START_TIMEOUT)
        yield server
    finally:
        seen.update({pid: p.cmd for pid, p in descendants(server.proc.pid).items()})
        server.stop(timeout=30)
        left = {pid: seen[pid] for pid in left_running(seen)}
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        assert not left, f"left running after the server stopped: {left}"


@pytest.fixture(scope="module")
def preset_server(tmp_path_factory, playwright_session):
    """The class server with its default preheated kernel."""
    with serving(tmp_path_factory.mktemp("presets"), "--max-kernels=4") as server:
        yield server


def wait_preheated(server, pages_opened: int) -> None:
    """Wait for the kernel started ahead (the pool is refilled after each page): the
    page then takes a kernel that ran the notebook before its URL was known (the case
    the preset has to wait for)."""
    wait_until(lambda: len(kernel_pids(server.proc.pid)) >= 1, 120, "a preheated kernel")
    wait_until(
        lambda: server.log_text().count("Kernel pool of") > pages_opened, 120, "the pool filled"
    )


def open_page(browser, server, path: str):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    context.set_default_timeout(60_000)
    page = context.new_page()
    response = page.goto(server.url(path))
    assert response is not None and response.status == 200, response and response.status
    page.locator(STATUS).first.wait_for(state="visible")
    wait_status(page, STATUS_RE, timeout=60)
    return context, page


def display_of(page, css: str) -> str:
    return page.locator(f"{ROOT} {css}").first.evaluate("e => getComputedStyle(e).display")


def shown_setup(page) -> tuple[str, str, float]:
    """The data set list's value, the learning rate's readout, and the status's lr."""
    dataset = page.locator(f"{ROOT} .nnw-dataset select").first.input_value()
    readout = page.locator(f"{ROOT} .nnw-lr .widget-readout").first.inner_text().strip()
    return dataset, readout, lr_of(status_text(page))


def test_a_preset_url_opens_that_playground_and_share_shows_it(preset_server, browser):
    wait_preheated(preset_server, 0)
    context, page = open_page(browser, preset_server, "/" + PRESET)
    try:
        dataset, readout, lr = shown_setup(page)
        assert dataset == "spiral"
        assert float(readout) == pytest.approx(0.03) and lr == pytest.approx(0.03)
        assert page.locator(f"{ROOT} .nnw-activation select").first.input_value() == "relu"
        assert display_of(page, ".nnw-l1") == "none"
        assert display_of(page, ".nnw-l2") == "none"
        assert display_of(page, ".nnw-batch-size") != "none"  # only those two are hidden
        assert page.locator(f"{ROOT} .nnw-preset-message").count() == 0

        share = page.locator(f"{ROOT} .nnw-share").first
        share.scroll_into_view_if_needed()
        share.locator("button").first.click()
        field = share.locator(".nnw-share-url input").first
        page.wait_for_function("(e) => e.value.length > 0", arg=field.element_handle())
        url = field.input_value()
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}{parts.path}" == preset_server.base + "/", url
        values = parse_qs(parts.query, keep_blank_values=True)
        assert values["dataset"] == ["spiral"] and values["layers"] == ["8,8"]
        assert values["activation"] == ["relu"] and float(values["lr"][0]) == 0.03
        # the speed slider's logarithmic grid shows 200 as 199.5 (and sends that back)
        assert float(values["speed"][0]) == pytest.approx(200, rel=0.01)
        assert values["hide"] == ["l1,l2"]
        assert "nnwidgets serve" not in share.inner_text()  # the page's own address
        page.close(run_before_unload=True)
    finally:
        context.close()


def test_a_hostile_url_gives_a_message_and_the_default_playground(preset_server, browser):
    wait_preheated(preset_server, 1)
    query = "&".join(f"{k}={quote(v)}" for k, v in HOSTILE.items())
    context, page = open_page(browser, preset_server, "/?" + query)
    try:
        note = page.locator(f"{ROOT} .nnw-preset-message").first
        note.wait_for(state="visible")
        text = note.inner_text()
        assert "ignored dataset=__import__('os'): unknown data set; expected one of" in text
        assert "ignored layers=abc" in text and "ignored lr=-1" in text
        assert note.bounding_box()["y"] < 200  # at the top of the page
        dataset, readout, lr = shown_setup(page)
        assert dataset == "moons"
        assert float(readout) == pytest.approx(0.1) and lr == pytest.approx(0.1)
        body = page.locator("body").inner_text()
        assert "Traceback" not in body and "Error" not in body
        assert page_errors(page) == []
        assert preset_server.proc.poll() is None
        page.close(run_before_unload=True)
    finally:
        context.close()


def test_a_preset_reaches_a_kernel_started_for_the_page(tmp_path, browser):
    """With no kernel started ahead, the page's own kernel gets the query in its
    environment."""
    with serving(tmp_path, "--preheat=0") as server:
        context, page = open_page(browser, server, "/?dataset=xor&lr=0.3&layers=4")
        try:
            dataset, readout, lr = shown_setup(page)
            assert dataset == "xor" and lr == pytest.approx(0.3)
            assert float(readout) == pytest.approx(0.3)
            assert "1 hidden layer" in page.locator(f"{ROOT} .nnw-layers").first.inner_text()
            page.close(run_before_unload=True)
        finally:
            context.close()
