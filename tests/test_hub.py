"""JupyterHub from deploy/jupyterhub_config.py: two students, each their own playground.

The browser test runs the hub on 127.0.0.1 (free ports, everything in a temporary folder)
from a small test config that loads deploy/jupyterhub_config.py and then chooses
DummyAuthenticator and SimpleLocalProcessSpawner. Two students log in through Chromium,
each lands on the playground in Voila and steps it; one's steps never show in the other's
status; then the idle culler, with the config's role, stops both servers. It needs
jupyterhub, jupyterhub-idle-culler, configurable-http-proxy (npm) and Debian's Chromium,
which `make test` installs; without them it is skipped, or fails when the CI environment
variable is set. Screenshots, the hub's log and one student's measured costs go to
test-results/hub/. Two quick tests check the config's lesson choice and prepare_home.py.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "browser"))

import servers  # tests/browser, put on sys.path above
from pages import dashboard_rendered, page_errors, status_text, step_of, wait_status
from processes import cpu_seconds, environ_of, rss_mb

from nnwidgets.classroom.options import (
    IOPUB_TIMEOUT,
    PAGE_NEEDS_NOT,
    PLAYGROUND_APP,
    VOILA_TEMPLATE,
)

pytestmark = pytest.mark.hub

REPO = servers.REPO
DEPLOY_CONFIG = REPO / "deploy" / "jupyterhub_config.py"
RESULTS = REPO / "test-results" / "hub"
PROXY = "configurable-http-proxy"
STUDENTS = ("alice", "bob")
SPAWN_TIMEOUT_MS = 240_000  # a server and a kernel per student, on a busy 2-core machine
MARKER_ENV = "NNWIDGETS_HUB_TEST"  # set in every single-user server (and its kernels)

TEST_CONFIG = """\
c = get_config()  # noqa: F821
load_subconfig({deploy!r})  # noqa: F821
c.JupyterHub.authenticator_class = "dummy"
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = {homes!r} + "/{{username}}"
c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.ConfigurableHTTPProxy.pid_file = {tmp!r} + "/proxy.pid"
c.JupyterHub.db_url = "sqlite:///" + {tmp!r} + "/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = {tmp!r} + "/cookie_secret"
c.JupyterHub.pid_file = {tmp!r} + "/hub.pid"
c.Spawner.environment.update({environment!r})
c.Spawner.start_timeout = c.Spawner.http_timeout = {spawn_timeout}
c.Spawner.args.extend({extra_args!r})
# the test's own culler run, with the role deploy/jupyterhub_config.py gives its culler
c.JupyterHub.services.append({{"name": "test-culler", "api_token": {culler_token!r}}})
c.JupyterHub.load_roles[0]["services"].append("test-culler")
"""


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"the JupyterHub test cannot run on CI: {reason}", pytrace=False)
    pytest.skip(reason)


def find_proxy() -> Path | None:
    """configurable-http-proxy on PATH, or where `make test` installs it (.venv/node)."""
    found = shutil.which(PROXY)
    if found:
        return Path(found)
    for prefix in (Path(sys.prefix), REPO / ".venv"):
        candidate = prefix / "node" / "bin" / PROXY
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def _requirements() -> Path:
    if not Path("/proc/self/environ").is_file():
        _unavailable("the test finds the students' processes through Linux's /proc")
    for module in ("jupyterhub", "jupyterhub_idle_culler", "playwright"):
        if importlib.util.find_spec(module) is None:
            _unavailable(f"{module} is not importable (make test installs it)")
    proxy = find_proxy()
    if proxy is None:
        _unavailable(f"{PROXY} is not installed (make test installs it with npm)")
    if shutil.which("node") is None:
        _unavailable(f"node is missing: {PROXY} cannot run")
    if not servers.chromium_available():
        _unavailable(f"{servers.CHROMIUM} is missing (make browser installs it)")
    return proxy


# ------------------------------------------------------------------ processes
def _start_time(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(p) for p in (task / "children").read_text().split()]
    return found


def descendants(pid: int) -> dict[int, str | None]:
    """Every process below ``pid``, with its start time (to never signal a reused pid)."""
    found, todo = {}, _children(pid)
    while todo:
        p = todo.pop()
        if p not in found:
            found[p] = _start_time(p)
            todo += _children(p)
    return found


def cmdline_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def marked(marker: str) -> dict[int, str | None]:
    """Processes whose environment carries this test's marker (servers and kernels)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and environ_of(int(entry.name)).get(MARKER_ENV) == marker:
            found[int(entry.name)] = _start_time(int(entry.name))
    return found


def end(processes: dict[int, str | None], grace: float = 10.0) -> None:
    """SIGTERM the processes still alive (same start time), then SIGKILL the stubborn."""
    alive = lambda: [p for p, t in processes.items() if t and _start_time(p) == t]  # noqa: E731
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in alive():
            with contextlib.suppress(OSError):
                os.kill(pid, sig)
        deadline = time.monotonic() + grace
        while alive() and time.monotonic() < deadline:
            time.sleep(0.1)


# ------------------------------------------------------------------------ hub
def write_test_config(tmp: Path, proxy: Path, marker: str, culler_token: str) -> tuple[Path, int]:
    """A config that loads deploy/jupyterhub_config.py and makes it a local test hub."""
    port = servers.free_port()
    homes = tmp / "home"
    homes.mkdir()
    environment = {"PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1", MARKER_ENV: marker}
    # CI runs as root: a single-user server refuses root unless told it may
    extra_args = ["--ServerApp.allow_root=True"] if os.geteuid() == 0 else []
    text = TEST_CONFIG.format(
        deploy=str(DEPLOY_CONFIG),
        homes=str(homes),
        port=port,
        hub_port=servers.free_port(),
        api_port=servers.free_port(),
        proxy=str(proxy),
        tmp=str(tmp),
        environment=environment,
        spawn_timeout=SPAWN_TIMEOUT_MS // 1000,
        extra_args=extra_args,
        culler_token=culler_token,
    )
    path = tmp / "test_jupyterhub_config.py"
    path.write_text(text)
    return path, port


def start_hub(tmp: Path, proxy: Path, marker: str, culler_token: str) -> servers.Server:
    config, port = write_test_config(tmp, proxy, marker, culler_token)
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(proxy.parent), str(Path(sys.executable).parent)]) + (
        os.pathsep + env.get("PATH", "")
    )
    env["PYTHONPATH"] = str(REPO)
    env["HOME"] = str(tmp)
    env["NNWIDGETS_MAX_SPEED"] = "2000"
    env.pop("NNWIDGETS_HUB_LESSON", None)  # the playground
    cmd = [sys.executable, "-m", "jupyterhub", "-f", str(config)]
    hub = servers._spawn(
        "JupyterHub", cmd, env, cwd=tmp, log_path=tmp / "hub.log", port=port, root_dir=tmp
    )
    servers._wait_until_up(hub, "/hub/health", servers.START_TIMEOUT)
    return hub


def log_in(browser, hub: servers.Server, name: str):
    """A browser context of its own (own cookies) in which ``name`` logs in."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(hub.url("/hub/login"))
    page.fill("#username_input", name)
    page.fill("#password_input", "any password")
    page.click("#login_submit")
    return page


def record_costs(page, marker: str, student: str, seconds: float = 5.0) -> str:
    """One student's memory, and their kernel's CPU while Play runs at the class's cap:
    what z2jh-values.yaml's guarantees and limits are reasoned from (no assertion)."""
    procs = [p for p in marked(marker) if environ_of(p).get("JUPYTERHUB_USER") == student]
    kernel = kernels_of(marker, student)[0]
    page.locator("button.nnw-play").click()
    wait_status(page, r"steps/s", timeout=30)
    t0, c0, s0 = time.monotonic(), cpu_seconds(kernel), step_of(status_text(page))
    time.sleep(seconds)
    elapsed = time.monotonic() - t0
    share = (cpu_seconds(kernel) - c0) / elapsed
    playing = status_text(page)
    rate = (step_of(playing) - s0) / elapsed
    page.locator("button.nnw-play").click()
    return (
        f"{student}: server + kernel RSS {sum(rss_mb(p) for p in procs):.0f} MB "
        f"(kernel {rss_mb(kernel):.0f} MB); kernel CPU while playing at the cap "
        f"{share:.0%} of a core, {rate:.0f} steps/s over {elapsed:.1f} s in the status; "
        f"status {playing!r}"
    )


def kernels_of(marker: str, student: str) -> list[int]:
    return [
        pid
        for pid in marked(marker)
        if environ_of(pid).get("JUPYTERHUB_USER") == student and "ipykernel" in cmdline_of(pid)
    ]


def cull_now(hub: servers.Server, tmp: Path, token: str, marker: str) -> str:
    """Run jupyterhub-idle-culler as the service "test-culler" (the deploy config's culler
    role), every server idle after 1 s; wait until no student's server or kernel is left.
    Returns the culler's log."""
    env = dict(os.environ, JUPYTERHUB_API_TOKEN=token)
    cmd = [sys.executable, "-m", "jupyterhub_idle_culler", f"--url={hub.base}/hub/api"]
    cmd += ["--timeout=1", "--cull-every=3600"]  # one cull, at its start
    culler = servers._spawn(
        "culler", cmd, env, cwd=tmp, log_path=tmp / "culler.log", port=0, root_dir=tmp
    )
    try:
        deadline = time.monotonic() + 60
        while marked(marker) and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        culler.stop()
    return culler.log_text()


@contextlib.contextmanager
def running_hub(proxy: Path):
    """The hub, its proxy and the students' servers, all ended afterwards (also on failure,
    its log then copied to test-results/hub/); yields the hub, its folder, the marker of
    the students' processes and the test culler's token."""
    tmp = Path(tempfile.mkdtemp(prefix="nnw-hub-"))
    marker, token = secrets.token_hex(8), secrets.token_hex(16)
    hub = None
    started: dict[int, str | None] = {}
    ok = False
    try:
        hub = start_hub(tmp, proxy, marker, token)
        yield hub, tmp, marker, token
        ok = True
    finally:
        if hub is not None:
            started.update(descendants(hub.proc.pid))
            hub.stop(timeout=30)  # SIGTERM: the hub stops the servers and the proxy
            with contextlib.suppress(OSError):
                shutil.copy(hub.log_path, RESULTS / "hub.log")
        started.update(marked(marker))
        with contextlib.suppress(OSError, ValueError):  # a proxy left by a killed hub
            proxy_pid = int((tmp / "proxy.pid").read_text())
            if PROXY in cmdline_of(proxy_pid):
                started[proxy_pid] = _start_time(proxy_pid)
        end(started)
        shutil.rmtree(tmp, ignore_errors=True)
    if ok:
        assert not marked(marker), "single-user servers or kernels outlived the hub"


def open_playgrounds(browser, hub: servers.Server) -> dict:
    """Every student logged in (at once) and on their rendered playground at step 0."""
    pages = {name: log_in(browser, hub, name) for name in STUDENTS}
    for name, page in pages.items():
        page.wait_for_url(
            f"**/user/{name}/voila/render/playground.ipynb*", timeout=SPAWN_TIMEOUT_MS
        )
        page.locator(".nnw-playground").wait_for(state="visible", timeout=SPAWN_TIMEOUT_MS)
        dashboard_rendered(page, root=".nnw-playground")
        page.locator(".nnw-status").first.wait_for(state="visible")
        assert step_of(status_text(page)) == 0, status_text(page)
    return pages


def step(page, to: int) -> None:
    page.locator("button.nnw-step").click()
    wait_status(page, rf"· step {to} ·", timeout=30)


def share_spiral(page) -> str:
    """The student picks the spiral and presses Share; returns the address shown."""
    root = page.locator(".nnw-playground").first
    root.locator(".nnw-dataset select").first.select_option("spiral")
    share = root.locator(".nnw-share").first
    share.scroll_into_view_if_needed()
    share.locator("button").first.click()
    field = share.locator(".nnw-share-url input").first
    page.wait_for_function("(e) => e.value.includes('dataset=spiral')", arg=field.element_handle())
    return field.input_value()


def open_shared(context, url: str, name: str):
    """``name`` opens a classmate's shared address: their own playground, in that setup."""
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(url)
    where = re.compile(rf"/user/{name}/voila/render/playground\.ipynb\?.*dataset=spiral")
    page.wait_for_url(where, timeout=SPAWN_TIMEOUT_MS)
    dashboard_rendered(page, root=".nnw-playground")
    return page


# ---------------------------------------------------------------------- tests
def load_deploy_config(monkeypatch, lesson: str | None):
    """deploy/jupyterhub_config.py as JupyterHub loads it, with NNWIDGETS_HUB_LESSON set."""
    from traitlets.config.loader import PyFileConfigLoader

    if lesson is None:
        monkeypatch.delenv("NNWIDGETS_HUB_LESSON", raising=False)
    else:
        monkeypatch.setenv("NNWIDGETS_HUB_LESSON", lesson)
    monkeypatch.delenv("NNWIDGETS_MAX_SPEED", raising=False)
    loader = PyFileConfigLoader(DEPLOY_CONFIG.name, path=str(DEPLOY_CONFIG.parent))
    return loader.load_config()


def test_config_opens_the_playground_or_a_chosen_lesson(monkeypatch):
    from traitlets.config import Application
    from voila.configuration import VoilaConfiguration

    c = load_deploy_config(monkeypatch, None)
    assert c.Spawner.default_url == "/voila/render/playground.ipynb"
    assert c.Spawner.environment == {"NNWIDGETS_MAX_SPEED": "2000"}
    assert "--MappingKernelManager.cull_idle_timeout=300" in c.Spawner.args
    assert f"--VoilaExecutor.iopub_timeout={IOPUB_TIMEOUT}" in c.Spawner.args  # as serve's
    # its pages skip the same Lab extensions as serve's; the student's server reads the
    # option as deferred text, as VoilaConfiguration then gets it
    # and the same page template
    voila_args = [a for a in c.Spawner.args if a.startswith("--VoilaConfiguration.")]
    server = Application()
    server.parse_command_line(voila_args)
    voila = VoilaConfiguration(config=server.config)
    assert voila.extension_denylist == list(PAGE_NEEDS_NOT)
    assert voila.template == VOILA_TEMPLATE
    assert [s["name"] for s in c.JupyterHub.services] == ["jupyterhub-idle-culler"]
    c = load_deploy_config(monkeypatch, "02_learning_rate")
    assert c.Spawner.default_url == "/voila/render/nnwidgets-lessons/02_learning_rate.ipynb"
    with pytest.raises(ValueError, match="no such lesson"):
        load_deploy_config(monkeypatch, "02_learning_rat")


def test_prepare_home_keeps_a_students_edits(tmp_path):
    script = REPO / "deploy" / "prepare_home.py"
    run = [sys.executable, str(script), "--home", str(tmp_path)]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    subprocess.run(run, env=env, check=True, timeout=60)
    playground = json.loads((tmp_path / "playground.ipynb").read_text())
    # the served playground of `nnwidgets serve`: it reads the page's URL preset
    assert [c["source"] for c in playground["cells"]] == [PLAYGROUND_APP]
    assert "served_playground()" in PLAYGROUND_APP
    lessons = sorted(p.name for p in (tmp_path / "nnwidgets-lessons").glob("*.ipynb"))
    assert lessons[0] == "01_quickstart.ipynb" and len(lessons) >= 7, lessons
    (tmp_path / "playground.ipynb").write_text("edited")
    (tmp_path / "nnwidgets-lessons" / "01_quickstart.ipynb").write_text("edited")
    # the next login, then the server command it starts
    out = subprocess.run(
        [*run, "--", sys.executable, "-c", "print('started')"],
        env=env,
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    )
    assert out.stdout.strip() == "started"
    assert (tmp_path / "playground.ipynb").read_text() == "edited"
    assert (tmp_path / "nnwidgets-lessons" / "01_quickstart.ipynb").read_text() == "edited"


@pytest.mark.browser
def test_two_students_each_get_their_own_playground():
    proxy = _requirements()
    from playwright.sync_api import sync_playwright

    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "hub.log").unlink(missing_ok=True)
    with running_hub(proxy) as (hub, tmp, marker, token), sync_playwright() as pw:
        browser = servers.launch_chromium(pw)
        try:
            pages = open_playgrounds(browser, hub)
            alice, bob = pages["alice"], pages["bob"]
            step(alice, 1)
            step(bob, 1)
            step(bob, 2)
            step(alice, 2)
            step(alice, 3)
            bob.wait_for_timeout(1000)  # any stray refresh of alice's would show by now
            assert step_of(status_text(bob)) == 2, status_text(bob)
            assert step_of(status_text(alice)) == 3, status_text(alice)
            for name, page in pages.items():
                assert f"/user/{name}/" in page.url, page.url
                assert page_errors(page) == [], name
                page.screenshot(path=str(RESULTS / f"{name}.png"))

            # each student has a kernel of their own, with the class's pace cap
            for name in STUDENTS:
                kernels = kernels_of(marker, name)
                assert len(kernels) == 1, (name, kernels)
                assert environ_of(kernels[0]).get("NNWIDGETS_MAX_SPEED") == "2000"
                lesson = tmp / "home" / name / "nnwidgets-lessons" / "01_quickstart.ipynb"
                assert lesson.is_file(), "the lessons were not copied into the home"
            costs = record_costs(alice, marker, "alice")
            (RESULTS / "costs.txt").write_text(costs + "\n")
            print(costs)

            # URL presets under the hub: bob shares his setup through the hub's
            # user-redirect, and alice's own server opens it in that setup
            url = share_spiral(bob)
            assert url.startswith(hub.url("/hub/user-redirect/voila/render/playground.ipynb?"))
            shared = open_shared(alice.context, url, "alice")
            dataset = shared.locator(".nnw-playground .nnw-dataset select").first
            assert dataset.input_value() == "spiral"
            assert shared.locator(".nnw-preset-message").count() == 0
            assert page_errors(shared) == []
            shared.screenshot(path=str(RESULTS / "alice-shared.png"))
            for page in pages.values():
                page.context.close()
        finally:
            browser.close()

        # both servers cull their idle kernels (a closed tab's kernel goes idle)
        culling = "Culling kernels with idle durations > 300 seconds"
        assert hub.log_text().count(culling) == len(STUDENTS), hub.log_text()[-3000:]
        # the hub's idle culler runs and may read the users (its first check, at its start)
        culler = [p for p in descendants(hub.proc.pid) if "jupyterhub_idle_culler" in cmdline_of(p)]
        assert culler, "the idle culler service is not running"
        assert re.search(r"200 GET /hub/api/users\S* \(jupyterhub-idle-culler@", hub.log_text())
        # the idle culler's role lets it stop the students' servers, kernels and all
        time.sleep(2)  # the students' last activity is now over the 1 s timeout
        log = cull_now(hub, tmp, token, marker)
        assert not marked(marker), f"servers or kernels left after culling; culler log:\n{log}"
        for name in STUDENTS:
            assert f"Culling server {name}" in log, log
