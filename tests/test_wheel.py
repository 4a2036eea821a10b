"""A wheel install works as a clone does: lessons, a headless quickstart, and the demo.

The wheel is built from this checkout and installed (not editable, without dependencies)
into a fresh venv; its dependencies then come from this interpreter's site-packages
through a ``.pth`` file, so nothing is downloaded when hatchling is installed (the
``test`` extra has it). Every command runs from that venv with ``PYTHONPATH`` unset, and
everything, temporary folders included, lives in one folder removed at the end.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from test_notebooks import PREFIX_MARKER, _check_quickstart

pytestmark = [pytest.mark.slow, pytest.mark.notebook]

REPO = Path(__file__).resolve().parents[1]
LESSONS = sorted(p.name for p in (REPO / "nnwidgets" / "lessons").glob("*.ipynb"))
QUICKSTART = "01_quickstart.ipynb"
START_TIMEOUT = 90.0
STOP_TIMEOUT = 30.0
PIP = [sys.executable, "-m", "pip"]


@dataclass
class WheelVenv:
    """A venv with the wheel installed, and the folder that holds everything."""

    root: Path
    wheel: Path
    python: Path
    script: Path
    site_packages: Path
    env: dict[str, str]

    def run(self, *args: str, cwd: Path | None = None, timeout: float = 120) -> str:
        """Run ``nnwidgets ARGS`` from the venv; its stdout (fails on a non-zero exit)."""
        return self._run([str(self.script), *args], cwd, timeout)

    def run_python(self, *args: str, timeout: float = 120) -> str:
        """Run the venv's ``python ARGS`` in ``root`` (never in the checkout); its stdout."""
        return self._run([str(self.python), *args], None, timeout)

    def _run(self, cmd: list[str], cwd: Path | None, timeout: float) -> str:
        proc = subprocess.run(
            cmd,
            cwd=cwd or self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert proc.returncode == 0, f"{cmd[1:]}: exit {proc.returncode}\n{proc.stderr}"
        return proc.stdout


def _clean_env(root: Path) -> dict[str, str]:
    """This environment without PYTHONPATH, with every temporary and Jupyter folder in root."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    # The dependencies' data files (Voila's templates, the widgets' lab extensions) are in
    # this venv's share/jupyter, where a real install would put them in the new venv's.
    shared = Path(sys.prefix) / "share" / "jupyter"
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(shared), env.get("JUPYTER_PATH")]))
    dirs = {
        "TMPDIR": root / "tmp",
        "JUPYTER_CONFIG_DIR": root / "jupyter" / "config",
        "JUPYTER_DATA_DIR": root / "jupyter" / "data",
        "JUPYTER_RUNTIME_DIR": root / "jupyter" / "runtime",
        "JUPYTERLAB_SETTINGS_DIR": root / "jupyter" / "lab-settings",
        "JUPYTERLAB_WORKSPACES_DIR": root / "jupyter" / "lab-workspaces",
        "IPYTHONDIR": root / "ipython",
        "MPLCONFIGDIR": root / "matplotlib",
        "PIP_CACHE_DIR": root / "pip-cache",
    }
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    env.update({k: str(v) for k, v in dirs.items()})
    env.update(
        JUPYTER_PLATFORM_DIRS="1",
        PYTHONUNBUFFERED="1",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_NO_INPUT="1",
    )
    return env


def _build_wheel(dest: Path, env: dict[str, str]) -> Path:
    cmd = [*PIP, "wheel", "--no-deps", "-q", "-w", str(dest), str(REPO)]
    try:
        import hatchling  # noqa: F401
    except ImportError:  # a venv made before the test extra listed hatchling: pip fetches it
        pass
    else:
        cmd[4:4] = ["--no-build-isolation", "--no-index"]  # offline
    subprocess.run(cmd, env=env, cwd=dest.parent, check=True, timeout=300)
    (wheel,) = dest.glob("nnwidgets-*.whl")
    return wheel


@pytest.fixture(scope="module")
def wheel_venv() -> Iterator[WheelVenv]:
    """Build the wheel, install it into a new venv, then lend that venv our dependencies."""
    with tempfile.TemporaryDirectory(prefix="nnw-wheel-test-") as tmp:
        root = Path(tmp).resolve()
        env = _clean_env(root)
        wheel = _build_wheel(root / "dist", env)
        venv = root / "venv"
        subprocess.run(
            [sys.executable, "-m", "venv", "--without-pip", str(venv)],
            check=True,
            env=env,
            cwd=root,
        )
        python = venv / "bin" / "python"
        # Installed before the .pth below exists, so pip sees an empty venv (and never the
        # editable nnwidgets of this one).
        subprocess.run(
            [*PIP, "--python", str(python), "install", "-q", "--no-deps", "--no-index", str(wheel)],
            check=True,
            env=env,
            cwd=root,
            timeout=300,
        )
        site = subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
            env=env,
            cwd=root,
        ).stdout.strip()
        paths = sysconfig.get_paths()
        deps = dict.fromkeys([paths["purelib"], paths["platlib"]])
        # Plain paths: the .pth files in them (this venv's editable install) are not read.
        (Path(site) / "_nnwidgets_test_deps.pth").write_text("\n".join(deps) + "\n")
        yield WheelVenv(root, wheel, python, venv / "bin" / "nnwidgets", Path(site), env)
    assert not Path(tmp).exists()


def test_wheel_ships_the_lessons(wheel_venv: WheelVenv) -> None:
    names = zipfile.ZipFile(wheel_venv.wheel).namelist()
    assert len(LESSONS) >= 7
    for lesson in LESSONS:
        assert f"nnwidgets/lessons/{lesson}" in names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def test_wheel_installs_the_voila_template_where_voila_finds_it(wheel_venv: WheelVenv) -> None:
    """The class pages' template: in the wheel as shared data, and after the install in
    the new venv's ``share/jupyter/voila/templates/nnwidgets``, the same files as here.
    (This test's Voila also sees the editable copy through JUPYTER_PATH, so pages served
    from the wheel's venv would not show a missing one.)"""
    source = REPO / "nnwidgets" / "classroom" / "voila_template"
    files = sorted(p.name for p in source.iterdir() if p.is_file())
    assert files == ["conf.json", "index.html.j2"]
    names = zipfile.ZipFile(wheel_venv.wheel).namelist()
    data = "data/share/jupyter/voila/templates/nnwidgets/"
    for name in files:
        assert [n for n in names if n.endswith(".data/" + data + name)], (name, names[-10:])
    prefix = Path(wheel_venv.python).parent.parent
    installed = prefix / "share" / "jupyter" / "voila" / "templates" / "nnwidgets"
    for name in files:
        assert (installed / name).read_bytes() == (source / name).read_bytes(), name


def test_installed_package_is_the_wheel(wheel_venv: WheelVenv) -> None:
    out = wheel_venv.run_python("-c", "import nnwidgets.lessons as m; print(m.__file__)").strip()
    assert Path(out).resolve().is_relative_to(wheel_venv.site_packages.resolve()), out


def test_help_is_plain_text(wheel_venv: WheelVenv) -> None:
    for args in ([], ["lessons"], ["demo"]):
        text = wheel_venv.run(*args, "--help")
        assert "usage: nnwidgets" in text
        assert "``" not in text, text
    text = wheel_venv.run_python("-m", "nnwidgets", "--help")
    assert "nnwidgets lessons" in text and "nnwidgets demo" in text


def test_lessons_command_copies_without_overwriting(wheel_venv: WheelVenv) -> None:
    dest = wheel_venv.root / "mine"
    out = wheel_venv.run("lessons", str(dest))
    assert str(dest) in out
    assert sorted(p.name for p in dest.glob("*.ipynb")) == LESSONS
    assert not (dest / "__init__.py").exists()
    edited = dest / QUICKSTART
    edited.write_text("my own edits")
    out = wheel_venv.run("lessons", str(dest))
    assert re.search(r"skipped \d+ already there", out), out
    assert QUICKSTART in out
    assert edited.read_text() == "my own edits"
    # The default folder is ./nnwidgets-lessons.
    cwd = wheel_venv.root / "default"
    cwd.mkdir()
    wheel_venv.run("lessons", cwd=cwd)
    assert (cwd / "nnwidgets-lessons" / QUICKSTART).is_file()


_EXECUTE = """\
import sys
import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell

path, out, marker = sys.argv[1:4]
nb = nbformat.read(path, as_version=4)
nb.cells.append(new_code_cell(
    "import sys, nnwidgets\\n"
    f"print({marker!r} + sys.prefix)\\n"
    "print('NNW-PACKAGE=' + nnwidgets.__file__)"
))
folder = str(__import__("pathlib").Path(path).parent)
NotebookClient(nb, timeout=180, kernel_name="python3",
               resources={"metadata": {"path": folder}}).execute()
nbformat.write(nb, out)
"""


def test_quickstart_runs_from_the_copied_lessons(wheel_venv: WheelVenv) -> None:
    """The copy of 01_quickstart executes headless in a kernel of the wheel's venv."""
    dest = wheel_venv.root / "run"
    wheel_venv.run("lessons", str(dest))
    executed = wheel_venv.root / "executed.ipynb"
    subprocess.run(
        [
            str(wheel_venv.python),
            "-c",
            _EXECUTE,
            str(dest / QUICKSTART),
            str(executed),
            PREFIX_MARKER,
        ],
        check=True,
        env=wheel_venv.env,
        cwd=wheel_venv.root,
        timeout=400,
    )
    out, err = [], []
    for cell in nbformat.read(executed, as_version=4).cells:
        for output in cell.get("outputs", []):
            assert output.output_type != "error", f"{output.ename}: {output.evalue}"
            if output.output_type == "stream":
                (err if output.name == "stderr" else out).append(output.text)
    text = "".join(out)
    prefix = re.findall(rf"{PREFIX_MARKER}(.*)", text)[-1]
    assert Path(prefix).resolve() == wheel_venv.python.parents[1].resolve(), prefix
    package = re.findall(r"NNW-PACKAGE=(.*)", text)[-1]
    assert Path(package).resolve().is_relative_to(wheel_venv.site_packages.resolve())
    assert not "".join(err), "".join(err)
    _check_quickstart(text)


def _printed(out: str, key: str) -> str:
    match = re.search(rf"^{key}: (.*)$", out, re.M)
    assert match, out
    return match.group(1)


def test_demo_would_open_a_copied_quickstart(wheel_venv: WheelVenv) -> None:
    folder = wheel_venv.root / "demo-dry"
    out = wheel_venv.run("demo", "--print-command", "--dir", str(folder))
    notebook = Path(_printed(out, "notebook"))
    assert notebook == folder / QUICKSTART
    assert notebook.is_file()
    nbformat.validate(nbformat.read(notebook, as_version=4))
    command = _printed(out, "command")
    assert command.startswith(f"{wheel_venv.python} -m jupyterlab "), command
    assert str(notebook) in command

    out = wheel_venv.run("demo", "--voila", "--print-command")
    app = Path(_printed(out, "notebook"))
    assert " -m voila " in _printed(out, "command")
    assert not app.parent.exists(), "the Voila app's temporary folder must go at exit"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _descendants(pid: int) -> set[int]:
    tree, found, todo = _children(), set(), [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_for_http(proc: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"demo exited {proc.returncode}:\n{log.read_text()[-3000:]}"
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # any answer means the server is up
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"no answer from {url}:\n{log.read_text()[-3000:]}")


def _stop_demo(wheel_venv: WheelVenv, args: list[str], probe: str, sig: int) -> None:
    """Start ``nnwidgets demo ARGS``, wait for its server, send ``sig``, check all is gone."""
    port = _free_port()
    log = wheel_venv.root / f"demo-{port}.log"
    with open(log, "w") as out:
        demo = subprocess.Popen(
            [str(wheel_venv.script), "demo", f"--port={port}", *args],
            cwd=wheel_venv.root,
            env=wheel_venv.env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    started: set[int] = set()
    try:
        _wait_for_http(demo, f"http://127.0.0.1:{port}{probe}", log)
        started = _descendants(demo.pid)
        assert started, "the server runs as a child of nnwidgets demo"
        demo.send_signal(sig)
        code = demo.wait(timeout=STOP_TIMEOUT)
        assert code == 0, f"demo exited {code}:\n{log.read_text()[-3000:]}"
        left = [pid for pid in started if _alive(pid)]
        assert not left, f"still running after the demo exited: {left}"
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0, "the port still answers"
    finally:
        for pid in started | ({demo.pid} if demo.poll() is None else set()):
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        if demo.poll() is None:
            demo.wait()


def test_sigterm_stops_the_jupyterlab_demo(wheel_venv: WheelVenv) -> None:
    folder = wheel_venv.root / "demo-lab"
    _stop_demo(wheel_venv, ["--no-browser", "--dir", str(folder)], "/api", signal.SIGTERM)
    assert (folder / QUICKSTART).is_file()


def test_sigint_stops_the_voila_demo_and_removes_its_folder(wheel_venv: WheelVenv) -> None:
    tmp = Path(wheel_venv.env["TMPDIR"])
    before = set(tmp.iterdir())
    _stop_demo(wheel_venv, ["--voila"], "/voila/static/favicon.ico", signal.SIGINT)
    left = [p for p in set(tmp.iterdir()) - before if p.name.startswith("nnwidgets-")]
    assert not left, f"temporary folders left behind: {left}"


def test_no_copy_lands_in_the_installation(wheel_venv: WheelVenv) -> None:
    proc = subprocess.run(
        [str(wheel_venv.script), "lessons", str(wheel_venv.site_packages / "x")],
        env=wheel_venv.env,
        cwd=wheel_venv.root,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "inside the installation" in proc.stderr
    assert not (wheel_venv.site_packages / "x").exists()
