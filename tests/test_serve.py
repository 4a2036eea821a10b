"""``nnwidgets serve``: its options, the command line it builds, the address warning, the
class server's kernel cap and settings, and a real server stopped by Ctrl-C.

The browser tests (the full page, culling, quick start) are in tests/browser/test_class_server.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from nnwidgets.__main__ import build_parser, main
from nnwidgets.classroom import options as opts
from nnwidgets.classroom.kernels import ClassFull, ClassroomKernelManager
from nnwidgets.classroom.pages import full_page, index_page
from nnwidgets.widgets.pace import MAX_SPEED_ENV

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "browser"))

import processes  # noqa: E402  (tests/browser, put on sys.path above)


def notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("1 + 1")]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def run_main(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


# ------------------------------------------------------------------ options
def test_defaults():
    args = build_parser().parse_args(["serve"])
    assert args.notebooks == []
    assert (args.port, args.ip) == (8866, "127.0.0.1")
    assert (args.max_kernels, args.cull_after, args.max_speed) == (40, 300, 2000.0)
    assert opts.ServeOptions().pool_size == 1  # the playground: one kernel ready
    assert opts.ServeOptions(notebooks=[Path("a.ipynb")]).pool_size == 0


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--port", "-3"),
        ("--port", "0"),
        ("--port", "70000"),
        ("--port", "http"),
        ("--max-kernels", "-2"),
        ("--max-kernels", "0"),
        ("--cull-after", "-5"),
        ("--cull-after", "1.5"),
        ("--max-speed", "-1"),
        ("--max-speed", "0.5"),
        ("--max-speed", "nan"),
        ("--max-speed", "inf"),
        ("--preheat", "-1"),
        ("--ip", " "),
    ],
)
def test_bad_values_are_refused_naming_the_option(capsys, option, value):
    code, out, err = run_main(capsys, "serve", "--print-command", f"{option}={value}")
    assert code == 2
    assert f"argument {option}:" in err and repr(value) in err, err
    assert "Traceback" not in err and not out


def test_notebooks_must_be_notebook_files(capsys, tmp_path):
    code, _, err = run_main(capsys, "serve", str(tmp_path / "missing.ipynb"))
    assert code == 2 and "missing.ipynb: no such notebook file" in err, err
    text = tmp_path / "notes.txt"
    text.write_text("x")
    code, _, err = run_main(capsys, "serve", str(text))
    assert code == 2 and "not a notebook" in err, err


def test_preheated_kernels_must_fit_in_the_places(capsys):
    code, _, err = run_main(capsys, "serve", "--max-kernels=1", "--preheat=2", "--print-command")
    assert code == 2 and "--max-kernels 1" in err, err


def test_help_is_plain_and_names_every_option(capsys):
    code, out, _ = run_main(capsys, "serve", "--help")
    assert code == 0
    for word in ("--port", "--ip", "--max-kernels", "--cull-after", "--max-speed", "--preheat"):
        assert word in out
    assert "full" in out and "run code in the kernels" in out
    assert "count toward" in out  # how the preheated kernels count
    assert "\x1b" not in out


# ------------------------------------------------------------------ command line
def test_playground_command(capsys):
    code, out, err = run_main(capsys, "serve", "--print-command", "--max-kernels=7")
    assert code == 0 and not err
    app = Path(re.search(r"^notebook: (.*)$", out, re.M).group(1))
    command = re.search(r"^command: (.*)$", out, re.M).group(1)
    assert app.name == "nnwidgets_playground.ipynb"
    assert not app.parent.exists(), "the playground's temporary folder must go at exit"
    assert command.startswith(f"{sys.executable} -m nnwidgets.classroom.app {app} ")
    for part in (
        "--port=8866",
        "--Voila.ip=127.0.0.1",
        f"--Voila.root_dir={app.parent}",
        "--ClassroomVoila.max_kernels=7",
        "--ClassroomVoila.cull_after=300",
        "--ClassroomVoila.max_speed=2000",
        "--ClassroomVoila.preheat=1",
    ):
        assert f" {part}" in command, (part, command)


def test_notebook_commands(tmp_path):
    one = notebook(tmp_path / "lessons" / "a.ipynb")
    two = notebook(tmp_path / "more" / "b.ipynb")
    cmd = opts.server_command(opts.ServeOptions(notebooks=[one], port=9000, cull_after=60))
    assert cmd[:4] == [sys.executable, "-m", "nnwidgets.classroom.app", str(one)]
    assert f"--Voila.root_dir={one.parent}" in cmd and "--port=9000" in cmd
    assert "--ClassroomVoila.cull_after=60" in cmd and "--ClassroomVoila.preheat=0" in cmd
    assert not any("ClassroomVoila.notebooks" in c for c in cmd)

    cmd = opts.server_command(opts.ServeOptions(notebooks=[one, two], preheat=1))
    assert cmd[3] == str(tmp_path)  # the folder that holds both, served with an index
    assert "--ClassroomVoila.notebooks=lessons/a.ipynb" in cmd
    assert "--ClassroomVoila.notebooks=more/b.ipynb" in cmd
    assert "--ClassroomVoila.preheat=1" in cmd
    with pytest.raises(ValueError, match="nothing to serve"):
        opts.server_command(opts.ServeOptions())


def test_check_notebooks_resolves_and_drops_repeats(tmp_path, monkeypatch):
    one = notebook(tmp_path / "a.ipynb")
    monkeypatch.chdir(tmp_path)
    assert opts.check_notebooks(["a.ipynb", str(one)]) == [one]


# ------------------------------------------------------------------ address warning
@pytest.mark.parametrize("ip", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_no_warning_on_loopback(ip, capsys):
    assert opts.address_warning(ip, 8866) is None
    code, _, err = run_main(capsys, "serve", "--print-command", f"--ip={ip}")
    assert code == 0 and "warning" not in err


@pytest.mark.parametrize("ip", ["0.0.0.0", "::", "192.168.1.20", "10.0.0.5", "class.example.org"])
def test_warning_beyond_loopback(ip, capsys):
    text = opts.address_warning(ip, 8866)
    assert text and "anyone who can reach that address" in text and "run code" in text
    code, out, err = run_main(capsys, "serve", "--print-command", f"--ip={ip}")
    assert code == 0 and err.strip() == text and "warning" not in out
    assert f"--Voila.ip={ip}" in out


# ------------------------------------------------------------------ pages
def test_full_page_says_full_and_try_again():
    page = full_page(40)
    assert "The class is full" in page and "try again" in page and "40 places" in page
    assert "Traceback" not in page


def test_index_lists_the_lessons_escaped():
    page = index_page("/", ["01_intro.ipynb", "sub/<b>&.ipynb"])
    assert 'href="/voila/render/01_intro.ipynb"' in page
    assert "sub/%3Cb%3E%26.ipynb" in page and "&lt;b&gt;&amp;" in page and "<b>&" not in page


# ------------------------------------------------------------------ kernel cap
def test_a_page_beyond_the_cap_is_refused():
    km = ClassroomKernelManager(max_kernels=1)
    km._kernels["taken"] = object()  # one place taken
    assert km.places_taken() == 1 and not km.has_room()
    with pytest.raises(ClassFull, match="all 1 places"):
        asyncio.run(km.start_kernel(kernel_name="python3", env={}))
    km._kernels.clear()
    assert km.has_room()


def test_a_pool_refill_waits_for_a_place_and_gives_up_once_taken_from_the_pool():
    async def scenario():
        km = ClassroomKernelManager(max_kernels=1, wait_poll=0.01)
        km._kernels["taken"] = object()
        pool: list = []
        km._pools = {"nb.ipynb": pool}

        waiter = asyncio.create_task(km._wait_for_room())
        pool.append(waiter)
        await asyncio.sleep(0.1)
        assert not waiter.done()  # in the pool: waits for a place
        del km._kernels["taken"]
        await asyncio.wait_for(waiter, 1)  # a place freed: the refill goes on

        km._kernels["taken"] = object()
        waiter = asyncio.create_task(km._wait_for_room())
        pool.append(waiter)
        await asyncio.sleep(0.05)
        pool.remove(waiter)  # a page took it from the pool
        with pytest.raises(ClassFull):
            await asyncio.wait_for(waiter, 1)

    asyncio.run(scenario())


def test_a_page_waits_for_the_first_pool_kernel_being_started():
    async def scenario():
        km = ClassroomKernelManager(max_kernels=1)
        km.notebook_data = {}
        starting = asyncio.get_running_loop().create_future()
        km._pools = {"nb.ipynb": [starting]}
        waiter = asyncio.create_task(km.wait_for_first_pool_kernel("nb.ipynb"))
        await asyncio.sleep(0.3)
        assert not waiter.done()  # the pool's kernel is starting: wait for it
        km.notebook_data["nb.ipynb"] = {"kernel_ids": {"k"}}
        await asyncio.wait_for(waiter, 1)
        # no pool, or a refill that waits for a place: nothing to wait for
        await asyncio.wait_for(km.wait_for_first_pool_kernel("other.ipynb"), 1)
        km.notebook_data.clear()
        km._waiting.add(starting)
        await asyncio.wait_for(km.wait_for_first_pool_kernel("nb.ipynb"), 1)
        starting.cancel()

    asyncio.run(scenario())


# ------------------------------------------------------------------ culling
class FakeKernel:
    """What jupyter_server's culler reads of a kernel."""

    kernel_name = "python3"

    def __init__(self, last_activity: datetime, state: str = "idle") -> None:
        self.last_activity = last_activity
        self.execution_state = state
        self.kernel_spec = SimpleNamespace(metadata={})


class PoolSkipping(ClassroomKernelManager):
    """What Voila's preheating subclass adds to culling: a kernel in a pool is skipped."""

    async def cull_kernel_if_idle(self, kernel_id: str):
        for pool in self._pools.values():
            if any(f.done() and f.result()["kernel_id"] == kernel_id for f in pool):
                return None
        return await super().cull_kernel_if_idle(kernel_id)


class Clock:
    """The culler's clock (jupyter_server's utcnow), moved by hand."""

    def __init__(self, monkeypatch) -> None:
        from jupyter_server.services.kernels import kernelmanager

        from nnwidgets.classroom import kernels

        self.now = datetime(2025, 1, 1, tzinfo=UTC)
        for module in (kernelmanager, kernels):
            monkeypatch.setattr(module, "utcnow", lambda: self.now)

    def ago(self, seconds: float) -> datetime:
        return self.now - timedelta(seconds=seconds)

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def culling_manager(cls=ClassroomKernelManager, **kwargs):
    """A kernel manager (cull_after 5 s) whose shutdowns are recorded, not done."""
    km = cls(cull_idle_timeout=5, **kwargs)
    culled: list[str] = []

    async def shutdown_kernel(kernel_id, *args, **kw):
        culled.append(kernel_id)
        km._kernels.pop(kernel_id)

    km.shutdown_kernel = shutdown_kernel
    return km, culled


def add_kernel(km, kernel_id: str, last_activity: datetime, state: str = "idle") -> None:
    km._kernels[kernel_id] = FakeKernel(last_activity, state)
    km._kernel_connections[kernel_id] = 0


def test_a_kernel_no_page_connected_to_gets_a_grace_period_from_leaving_the_pool(monkeypatch):
    """A preheated kernel idle in the pool for an hour, then handed to a page whose
    browser is slow to connect: kept max(cull_after, 60 s) from the hand-off."""
    clock = Clock(monkeypatch)

    async def scenario():
        km, culled = culling_manager(PoolSkipping)
        assert km.grace() == timedelta(seconds=60)  # max(cull_idle_timeout=5, 60)
        starting = asyncio.get_running_loop().create_future()
        km._pools = {"nb.ipynb": [starting]}
        add_kernel(km, "k", clock.now)  # started; Voila's pool entry is not done yet
        await km.cull_kernels()
        starting.set_result({"kernel_id": "k"})  # now in the pool, where it runs the notebook
        clock.advance(3600)
        await km.cull_kernels()
        assert culled == []  # never culled in the pool
        km._pools["nb.ipynb"].clear()  # a page took it
        await km.cull_kernels()
        clock.advance(59)
        await km.cull_kernels()
        assert culled == []  # idle for an hour, but its page may still connect
        clock.advance(2)
        await km.cull_kernels()
        assert culled == ["k"]

    asyncio.run(scenario())


def test_a_pages_own_kernel_gets_its_grace_from_its_start(monkeypatch):
    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

    clock = Clock(monkeypatch)

    async def started(self, *, kernel_id=None, **kwargs):
        add_kernel(self, kernel_id, clock.now)
        return kernel_id

    monkeypatch.setattr(AsyncMappingKernelManager, "start_kernel", started)

    async def scenario():
        km, culled = culling_manager(connect_grace=30)
        km.cull_idle_timeout = 40
        assert km.grace() == timedelta(seconds=40)  # cull_after when it is longer
        kernel_id = await km.start_kernel(kernel_name="python3", env={})
        clock.advance(39)  # the culler's first look
        await km.cull_kernels()
        assert culled == []
        clock.advance(2)  # counted from the start, not the first look
        await km.cull_kernels()
        assert culled == [kernel_id]

    asyncio.run(scenario())


def test_a_page_that_connected_once_then_left_is_culled_after_cull_after(monkeypatch):
    clock = Clock(monkeypatch)

    async def scenario():
        km, culled = culling_manager()
        add_kernel(km, "gone", clock.ago(6))
        add_kernel(km, "open", clock.ago(3600))
        add_kernel(km, "dead", clock.now, state="dead")  # never connected, but dead
        for kernel_id in ("gone", "open"):
            km.notify_connect(kernel_id)
        km.notify_disconnect("gone")
        await km.cull_kernels()
        assert sorted(culled) == ["dead", "gone"]  # "open" still has its page

    asyncio.run(scenario())


def test_no_kernel_starts_once_the_server_stops():
    km = ClassroomKernelManager(max_kernels=5)
    asyncio.run(km.shutdown_all())
    assert not km.has_room()


# ------------------------------------------------------------------ the server app
@pytest.fixture
def app_factory(tmp_path, monkeypatch):
    """A ClassroomVoila initialised from a command line (nothing listens)."""
    pytest.importorskip("voila")
    from nnwidgets.classroom.app import ClassroomVoila

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv(MAX_SPEED_ENV, "")  # recorded, so the value the app sets is undone
    previous = signal.getsignal(signal.SIGTERM)  # Voila installs its own handler

    def make(*argv: str) -> ClassroomVoila:
        app = ClassroomVoila()
        app.initialize(list(argv))
        return app

    try:
        yield make
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_the_app_sets_the_classroom_defaults(app_factory, tmp_path):
    from voila.tornado.handler import TornadoVoilaHandler

    from nnwidgets.classroom.app import cull_interval
    from nnwidgets.classroom.pages import ClassroomVoilaHandler

    nb = notebook(tmp_path / "app.ipynb")
    app = app_factory(
        str(nb),
        "--ClassroomVoila.max_kernels=3",
        "--ClassroomVoila.cull_after=20",
        "--ClassroomVoila.max_speed=150",
        "--ClassroomVoila.preheat=0",
    )
    km = app.config.ClassroomKernelManager
    assert (km.max_kernels, km.cull_idle_timeout, km.cull_interval) == (3, 20, 4)
    assert km.cull_connected is False
    assert app.voila_configuration.multi_kernel_manager_class is ClassroomKernelManager
    assert app.voila_configuration.preheat_kernel is False
    assert app.voila_configuration.show_tracebacks is False
    assert app.tornado_settings["disable_check_xsrf"] is True  # the page's shutdown beacon
    assert app.tornado_settings["websocket_ping_interval"] == 30  # a vanished page is noticed
    assert os.environ[MAX_SPEED_ENV] == "150"
    assert (cull_interval(5), cull_interval(300), cull_interval(3600)) == (1, 60, 60)

    app.init_settings()
    assert isinstance(app.kernel_manager, ClassroomKernelManager)
    assert (app.kernel_manager.max_kernels, app.kernel_manager.cull_idle_timeout) == (3, 20)
    handlers = {spec[1] for spec in app.init_handlers()}
    assert ClassroomVoilaHandler in handlers and TornadoVoilaHandler not in handlers


def test_serve_gives_voilas_executor_a_longer_iopub_timeout(app_factory, tmp_path):
    """nbclient waits 4 s for a cell's outputs: too short on a class server under load
    (the dashboard was missing from the page). The command serve runs sets 30 s."""
    from voila.execute import VoilaExecutor

    nb = notebook(tmp_path / "lesson.ipynb")
    cmd = opts.server_command(opts.ServeOptions(notebooks=[nb]))
    assert cmd[:3] == [sys.executable, "-m", "nnwidgets.classroom.app"]
    app = app_factory(*cmd[3:])
    assert opts.IOPUB_TIMEOUT == 30
    assert app.config.VoilaExecutor.iopub_timeout == opts.IOPUB_TIMEOUT
    # an executor as Voila builds one, for a page or a preheated kernel
    executor = VoilaExecutor(nbformat.read(nb, as_version=4), config=app.config)
    assert executor.iopub_timeout == opts.IOPUB_TIMEOUT
    # Voila's own option still wins
    app = app_factory(*cmd[3:], "--VoilaExecutor.iopub_timeout=90")
    assert app.config.VoilaExecutor.iopub_timeout == 90


def test_the_app_serves_only_the_lessons_with_an_index(app_factory, tmp_path):
    from voila.tornado.contentshandler import VoilaContentsHandler
    from voila.tornado.treehandler import TornadoVoilaTreeHandler

    from nnwidgets.classroom.pages import LessonIndexHandler

    notebook(tmp_path / "a.ipynb")
    notebook(tmp_path / "sub" / "b.ipynb")
    notebook(tmp_path / "private.ipynb")
    app = app_factory(
        str(tmp_path),
        "--ClassroomVoila.notebooks=a.ipynb",
        "--ClassroomVoila.notebooks=sub/b.ipynb",
        "--ClassroomVoila.preheat=2",
    )
    assert app.notebooks == ["a.ipynb", "sub/b.ipynb"]
    assert app.voila_configuration.preheat_kernel is True
    assert app.config.VoilaKernelManager.kernel_pools_config == {
        "default": {"pool_size": 0},
        "a.ipynb": {"pool_size": 2},
        "sub/b.ipynb": {"pool_size": 2},
    }
    app.voila_configuration.preheat_kernel = False  # no pool started by this test
    app.init_settings()
    specs = app.init_handlers()
    handlers = {spec[1] for spec in specs}
    assert LessonIndexHandler in handlers
    assert not handlers & {TornadoVoilaTreeHandler, VoilaContentsHandler}
    served = [s[2]["served"] for s in specs if s[2:] and "served" in s[2]]
    assert served == [["a.ipynb", "sub/b.ipynb"]]


# ------------------------------------------------------------------ a real server
def _get(url: str, timeout: float = 90) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode(errors="replace")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(errors="replace")


@contextlib.contextmanager
def real_server(tmp_path: Path, *args: str, stop=signal.SIGTERM):
    """``python -m nnwidgets serve ARGS`` on a free port; yields (process, base URL) once it
    answers; stops it with ``stop`` and checks that nothing of it is left running."""
    pytest.importorskip("voila")
    if not sys.platform.startswith("linux"):
        pytest.skip("reads /proc")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
        env[name] = str(tmp_path / name.lower())
    env["TMPDIR"] = str(tmp_path)
    log_path = tmp_path / "serve.log"
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "nnwidgets", "serve", f"--port={port}", *args],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=tmp_path,
    )
    base = f"http://127.0.0.1:{port}"
    seen: set[int] = set()
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            try:
                if _get(base + "/voila/static/favicon.ico", timeout=2)[0] == 200:
                    break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.3)
        yield proc, base
        seen = set(processes.descendants(proc.pid))
        proc.send_signal(stop)
        assert proc.wait(timeout=60) in (0, 130, 143), log_path.read_text()
        time.sleep(0.5)
        left = {p for p in seen if processes.alive(p)}
        assert not left, f"left running: {left}"
        assert "Traceback" not in log_path.read_text(), log_path.read_text()
    finally:
        # before the server goes: then its tree is lost
        seen |= set(processes.descendants(proc.pid))
        if proc.poll() is None:  # a failed test: stop it the ordinary way, then for sure
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for pid in seen:
            if processes.alive(pid):
                os.kill(pid, signal.SIGKILL)
        log.close()


def test_ctrl_c_stops_the_server_its_kernels_and_removes_the_playground(tmp_path):
    with real_server(tmp_path, "--max-kernels=1", stop=signal.SIGINT) as (proc, base):
        assert _get(base + "/")[0] == 200  # the first student: the preheated kernel
        status, page = _get(base + "/")  # the second: the class is full
        assert status == 503 and "The class is full" in page and "Traceback" not in page
        assert processes.kernel_pids(proc.pid)
        assert list(tmp_path.glob("nnwidgets-serve-*"))
    assert not list(tmp_path.glob("nnwidgets-serve-*")), "the temporary folder must go"


def test_lessons_are_listed_and_the_cap_holds_without_preheated_kernels(tmp_path):
    lessons = tmp_path / "lessons"
    a = notebook(lessons / "a.ipynb")
    b = notebook(lessons / "sub" / "b.ipynb")
    notebook(lessons / "private.ipynb")
    with real_server(tmp_path, str(a), str(b), "--max-kernels=1") as (proc, base):
        status, index = _get(base + "/")
        assert status == 200 and not processes.kernel_pids(proc.pid)  # the index starts no kernel
        assert "/voila/render/a.ipynb" in index and "/voila/render/sub/b.ipynb" in index
        assert "private" not in index
        assert _get(base + "/voila/render/private.ipynb")[0] == 404
        assert _get(base + "/voila/tree/sub")[0] == 404
        assert _get(base + "/voila/api/contents/")[0] == 404
        status, page = _get(base + "/voila/render/a.ipynb")
        assert status == 200 and "class is full" not in page
        status, page = _get(base + "/voila/render/sub/b.ipynb")
        assert status == 503 and "The class is full" in page and "Traceback" not in page


def test_pages_skip_the_lab_extensions_no_dashboard_uses(app_factory, tmp_path):
    """Voila loads every JupyterLab extension installed into every page before the
    dashboard can appear; the Notebook 7 menu items for Lab are left out."""
    from voila.utils import filter_extension

    from nnwidgets.classroom.app import PAGE_NEEDS_NOT

    nb = notebook(tmp_path / "app.ipynb")
    app = app_factory(str(nb), "--ClassroomVoila.preheat=0")
    installed = [{"name": n} for n in ("bqplot", "anywidget", *PAGE_NEEDS_NOT)]
    vc = app.voila_configuration
    loaded = filter_extension(
        installed,
        extension_allowlist=vc.extension_allowlist or [],
        extension_denylist=vc.extension_denylist or [],
    )
    assert [e["name"] for e in loaded] == ["bqplot", "anywidget"]
    # the user's own list wins
    app = app_factory(str(nb), "--VoilaConfiguration.extension_denylist=bqplot")
    assert app.voila_configuration.extension_denylist == ["bqplot"]


def test_other_voilas_skip_the_same_lab_extensions(tmp_path):
    """``nnwidgets demo --voila`` and the hub's student servers leave the same
    extensions out of their pages as the class server (the flags Voila reads)."""
    from voila.app import Voila
    from voila.configuration import VoilaConfiguration

    from nnwidgets.__main__ import _voila_command, build_parser
    from nnwidgets.classroom.options import PAGE_NEEDS_NOT, VOILA_TEMPLATE, class_page_flags

    args = build_parser().parse_args(["demo", "--voila", "--port", "8999"])
    cmd = _voila_command(tmp_path / "playground.ipynb", args)
    flags = class_page_flags()
    assert flags and all(f in cmd for f in flags)
    app = Voila()
    app.parse_command_line(flags)
    voila = VoilaConfiguration(config=app.config)
    assert voila.extension_denylist == list(PAGE_NEEDS_NOT)
    assert voila.template == VOILA_TEMPLATE  # and the same page template


def test_pages_use_nnwidgets_template_unless_another_is_chosen(app_factory, tmp_path):
    """The class server's pages come from ``VOILA_TEMPLATE``: Voila's lab page without
    the stylesheets it fetched from a CDN (render-blocking: a class behind a firewall
    that drops packets to the internet saw blank pages for over a minute)."""
    from nnwidgets.classroom.options import VOILA_TEMPLATE

    nb = notebook(tmp_path / "app.ipynb")
    app = app_factory(str(nb), "--ClassroomVoila.preheat=0")
    assert app.voila_configuration.template == VOILA_TEMPLATE
    ours = [Path(p) for p in app.template_paths if Path(p).name == VOILA_TEMPLATE]
    assert ours and (ours[0] / "index.html.j2").is_file(), app.template_paths
    assert any(Path(p).name == "lab" for p in app.template_paths)  # the page it extends
    page = app_factory(str(nb), "--template=classic").voila_configuration
    assert page.template == "classic"  # the user's own choice wins
