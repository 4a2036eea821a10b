"""Start JupyterLab, Voila and Chromium for the real-browser tests and bench/browser.py.

A plain module (no pytest in it): ``tests/browser/conftest.py`` and ``bench/browser.py``
both import it. Every server runs on 127.0.0.1 on a free port, with all of Jupyter's
config, data, runtime, settings and workspace folders inside one temporary folder, so
that nothing is read from or written to the user's home.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "nnwidgets" / "lessons"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_TIMEOUT = 60.0

# The five lines of the quickstart: a moons Dashboard whose trainer is `tr`.
QUICKSTART_SOURCE = """\
import nnwidgets as nw
ds = nw.datasets.moons(n_samples=200, noise=0.15, seed=0)
model = nw.MLP([2, 8, 8, 1], activation="tanh", seed=0)
tr = nw.Trainer(model, ds, optimizer=nw.optim.SGD(lr=0.1), batch_size=10, seed=0)
dash = nw.Dashboard(tr)
dash"""

DIVERGENCE_SOURCE = """\
import nnwidgets as nw
ds = nw.datasets.sine(n_samples=100, noise=0.1, seed=0)
model = nw.MLP([1, 16, 16, 1], activation="relu", init="he", seed=0)
tr = nw.Trainer(model, ds, optimizer=nw.optim.SGD(lr=10.0), batch_size=10, seed=0)
dash = nw.Dashboard(tr)
dash"""

PLAYGROUND_SOURCE = "import nnwidgets as nw\nnw.playground()"

# JupyterLab user settings: no news / update pop-up, every cell attached to the DOM
# (the default windowing leaves off-screen cells unrendered, which breaks locators).
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
        "windowingMode": "none",
    },
}
# Settings that select JupyterLab's dark theme (added to LAB_SETTINGS).
DARK_THEME = {
    "@jupyterlab/apputils-extension/themes.jupyterlab-settings": {"theme": "JupyterLab Dark"},
}


def chromium_available() -> bool:
    """Whether Debian's Chromium is installed where the tests expect it."""
    return CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)


def launch_chromium(playwright):
    """Launch Debian's Chromium through Playwright (never a downloaded browser)."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_notebook(path: Path, *sources: str) -> Path:
    """A notebook with one code cell per source, with the python3 kernelspec."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in sources]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def jupyter_env(home: Path, settings: dict | None = None) -> dict[str, str]:
    """The environment for a Jupyter server whose every folder lies inside ``home``,
    with JupyterLab's user settings ``LAB_SETTINGS`` and ``settings``."""
    dirs = {
        "JUPYTER_CONFIG_DIR": home / "config",
        "JUPYTER_DATA_DIR": home / "data",
        "JUPYTER_RUNTIME_DIR": home / "runtime",
        "JUPYTERLAB_SETTINGS_DIR": home / "lab-settings",
        "JUPYTERLAB_WORKSPACES_DIR": home / "lab-workspaces",
        "IPYTHONDIR": home / "ipython",
        "MPLCONFIGDIR": home / "matplotlib",
    }
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update({k: str(v) for k, v in dirs.items()})
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("JUPYTER_PATH", None)
    env.pop("JUPYTER_TOKEN", None)
    for name, values in {**LAB_SETTINGS, **(settings or {})}.items():
        f = dirs["JUPYTERLAB_SETTINGS_DIR"] / name
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(json.dumps(values, indent=2))
    return env


@dataclass
class Server:
    """A running server process: its base URL, token (may be empty) and log file."""

    name: str
    proc: subprocess.Popen
    port: int
    log_path: Path
    root_dir: Path
    token: str = ""
    _log_file: object = field(default=None, repr=False)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        """``path`` on this server, with the token when there is one."""
        if not self.token:
            return self.base + path
        sep = "&" if "?" in path else "?"
        return f"{self.base}{path}{sep}token={self.token}"

    def api(self, method: str, path: str, timeout: float = 10.0):
        """Call the Jupyter REST API; returns the decoded JSON (or None)."""
        req = urllib.request.Request(self.url(path), method=method)
        with urllib.request.urlopen(req, timeout=timeout) as r:
            body = r.read()
        return json.loads(body) if body else None

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate, wait, kill if it has not gone."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=timeout)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None


def _wait_until_up(server: Server, probe: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            server.stop()
            raise RuntimeError(
                f"{server.name} exited with code {server.proc.returncode}; "
                f"log {server.log_path}:\n{server.log_text()[-4000:]}"
            )
        try:
            with urllib.request.urlopen(server.url(probe), timeout=2) as r:
                if r.status == 200:
                    return
                last = f"HTTP {r.status}"
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
        except OSError as exc:
            last = repr(exc)
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(
        f"{server.name} did not answer {probe} within {timeout:.0f} s ({last}); "
        f"log {server.log_path}:\n{server.log_text()[-4000:]}"
    )


# Run a server so that it gets SIGTERM if this process dies without stopping it (a
# killed pytest would otherwise leave servers and their kernels running). Linux only:
# prctl(PR_SET_PDEATHSIG) survives the exec into the real command.
_ORPHAN_GUARD = """\
import ctypes, os, signal, sys
ctypes.CDLL(None).prctl(1, signal.SIGTERM)
if os.getppid() != int(sys.argv[1]):
    sys.exit(1)
os.execv(sys.argv[2], sys.argv[2:])
"""


def _guarded(cmd: list[str]) -> list[str]:
    if not sys.platform.startswith("linux"):
        return cmd
    return [sys.executable, "-c", _ORPHAN_GUARD, str(os.getpid()), *cmd]


def _spawn(name: str, cmd: list[str], env, cwd: Path, log_path: Path, **kw) -> Server:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "w")  # closed by Server.stop
    log.write("$ " + " ".join(cmd) + "\n")
    log.flush()
    proc = subprocess.Popen(
        _guarded(cmd),
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return Server(name=name, proc=proc, log_path=log_path, _log_file=log, **kw)


def _start_jupyter_server(
    module: str, name: str, root_dir: Path, home: Path, timeout: float, settings: dict | None
) -> Server:
    """A Jupyter server application (``python -m module``) serving ``root_dir`` with a
    token; returns once ``/api/status`` answers 200."""
    port, token = free_port(), secrets.token_hex(16)
    cmd = [
        sys.executable,
        "-m",
        module,
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root_dir}",
        "--allow-root",
    ]
    server = _spawn(
        name,
        cmd,
        jupyter_env(home, settings),
        cwd=root_dir,
        log_path=home / f"{module}.log",
        port=port,
        root_dir=root_dir,
        token=token,
    )
    _wait_until_up(server, "/api/status", timeout)
    return server


def start_jupyterlab(
    root_dir: Path, home: Path, timeout: float = START_TIMEOUT, settings: dict | None = None
) -> Server:
    """JupyterLab serving ``root_dir`` with user ``settings`` added to ``LAB_SETTINGS``
    (``DARK_THEME``, say); returns once ``/api/status`` answers 200."""
    return _start_jupyter_server("jupyterlab", "JupyterLab", root_dir, home, timeout, settings)


def start_notebook7(root_dir: Path, home: Path, timeout: float = START_TIMEOUT) -> Server:
    """Jupyter Notebook 7 serving ``root_dir``; returns once ``/api/status`` answers 200."""
    return _start_jupyter_server("notebook", "Notebook7", root_dir, home, timeout, None)


def start_voila(notebook: Path, home: Path, timeout: float = START_TIMEOUT) -> Server:
    """Voila serving ``notebook`` as an app (no token); returns once it answers."""
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        "--no-browser",
        f"--port={port}",
        "--Voila.port_retries=0",
        "--Voila.ip=127.0.0.1",
        f"--Voila.root_dir={notebook.parent}",
        f"--Voila.connection_dir_root={home / 'runtime'}",
        # Voila's page shuts its kernel down on beforeunload with a POST that carries no
        # _xsrf (this server sets no such cookie), so it is refused and the kernel lives
        # on; without the check, that and our own DELETE at teardown work.
        "--Voila.tornado_settings=disable_check_xsrf=True",
    ]
    server = _spawn(
        "Voila",
        cmd,
        jupyter_env(home),
        cwd=notebook.parent,
        log_path=home / "voila.log",
        port=port,
        root_dir=notebook.parent,
    )
    # A static file: probing "/" would render the notebook and start a kernel.
    _wait_until_up(server, "/voila/static/favicon.ico", timeout)
    return server


def copy_notebooks(dest: Path) -> Path:
    """A copy of the lesson notebooks (nnwidgets/lessons/*.ipynb, may be none) at ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for lesson in sorted(NOTEBOOKS.glob("*.ipynb")):
        shutil.copy2(lesson, dest / lesson.name)
    return dest
