"""The options of ``nnwidgets serve``: defaults, checks, the address warning and the
command line of the server process (``python -m nnwidgets.classroom.app ...``).

Nothing here imports Voila, so that ``--help`` and every check answer at once.
"""

from __future__ import annotations

import argparse
import ipaddress
import math
import os
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_PORT = 8866
DEFAULT_IP = "127.0.0.1"
DEFAULT_MAX_KERNELS = 40
DEFAULT_CULL_AFTER = 300  # seconds
DEFAULT_MAX_SPEED = 2000.0  # steps per second
PLAYGROUND_PREHEAT = 1  # kernels kept ready for the playground
# Seconds Voila waits for a cell's last output after the kernel replied (nbclient's
# default, 4, is too short on a server busy with a class: the output, i.e. the
# dashboard, was then missing from the page until a reload)
IOPUB_TIMEOUT = 30
#: JupyterLab extensions Voila would load in every page that no dashboard uses: the
#: Notebook 7 menu items for JupyterLab (switch to Notebook, open in a new tab). Their
#: code is fetched and run before the dashboard can appear (about 0.5 s here)
PAGE_NEEDS_NOT = ("@jupyter-notebook/lab-extension",)
#: Voila's page template for a class's pages (``classroom/voila_template``, installed
#: under share/jupyter/voila/templates): Voila's "lab" page without its render-blocking
#: Font Awesome stylesheets from a CDN, which kept a class's pages blank for over a
#: minute behind a firewall that drops packets to the internet
VOILA_TEMPLATE = "nnwidgets"
NOTEBOOK_PREHEAT = 0  # ... and for each lesson: a lesson may train for long when it runs
APP_MODULE = "nnwidgets.classroom.app"


def class_page_flags() -> list[str]:
    """Voila's command-line flags for the class server's pages in a Voila that is not
    the class server (e.g. ``nnwidgets demo --voila``): ``VOILA_TEMPLATE``, and
    ``PAGE_NEEDS_NOT`` kept out."""
    return [
        f"--VoilaConfiguration.template={VOILA_TEMPLATE}",
        *(f"--VoilaConfiguration.extension_denylist={name}" for name in PAGE_NEEDS_NOT),
    ]


# The playground notebook of a class (``nnwidgets serve``, and each student's
# playground.ipynb under JupyterHub): it takes its setup from the page's URL
# (``?dataset=spiral&lr=0.03``, see nnwidgets.widgets.presets); in a preheated kernel it
# waits for the student's request. Outside Voila it is the default playground.
PLAYGROUND_APP = """\
from nnwidgets.widgets.playground import served_playground

served_playground()
"""


@dataclass
class ServeOptions:
    """What ``nnwidgets serve`` was asked for (checked by the argument types)."""

    notebooks: list[Path] = field(default_factory=list)
    port: int = DEFAULT_PORT
    ip: str = DEFAULT_IP
    max_kernels: int = DEFAULT_MAX_KERNELS
    cull_after: int = DEFAULT_CULL_AFTER
    max_speed: float = DEFAULT_MAX_SPEED
    preheat: int | None = None  # None: PLAYGROUND_PREHEAT or NOTEBOOK_PREHEAT

    @property
    def pool_size(self) -> int:
        """Kernels kept started ahead, per notebook."""
        if self.preheat is not None:
            return self.preheat
        return NOTEBOOK_PREHEAT if self.notebooks else PLAYGROUND_PREHEAT


# ------------------------------------------------------------------ argument types
def port_number(text: str) -> int:
    """An argparse type: a TCP port, 1 to 65535."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number from 1 to 65535, got {text!r}")
    return value


def count(minimum: int):
    """An argparse type: a whole number >= ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be a whole number >= {minimum}, got {text!r}")
        return value

    parse.__name__ = f"whole number >= {minimum}"
    return parse


def steps_per_second(text: str) -> float:
    """An argparse type: a finite pace of at least 1 step per second."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 1:
        raise argparse.ArgumentTypeError(f"must be a number of steps per second >= 1, got {text!r}")
    return value


def address(text: str) -> str:
    """An argparse type: an IP address or host name to listen on."""
    value = text.strip()
    if not value or any(c.isspace() for c in value) or "/" in value:
        raise argparse.ArgumentTypeError(f"must be an IP address or host name, got {text!r}")
    return value


# ------------------------------------------------------------------ checks
def is_loopback(ip: str) -> bool:
    """Whether ``ip`` can only be reached from this machine."""
    if ip.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(ip.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may well resolve to a public address


def address_warning(ip: str, port: int) -> str | None:
    """The warning printed when the server listens beyond this machine, else None."""
    if is_loopback(ip):
        return None
    where = "every network address of this machine" if ip in ("0.0.0.0", "::") else ip
    return (
        f"warning: serving on {where} (port {port}): anyone who can reach that address "
        "can open a page and run code in its kernel, as you, with no password. Serve a "
        "class only on a network you trust (or use JupyterHub, with logins)."
    )


def check_notebooks(paths: list[str]) -> list[Path]:
    """The notebooks resolved; ValueError names the first that is not a notebook file."""
    notebooks = []
    for text in paths:
        path = Path(text).expanduser().resolve()
        if not path.is_file():
            raise ValueError(f"{text}: no such notebook file")
        if path.suffix.lower() != ".ipynb":
            raise ValueError(f"{text}: not a notebook (.ipynb)")
        if path not in notebooks:
            notebooks.append(path)
    return notebooks


def check_places(options: ServeOptions) -> None:
    """ValueError when the preheated kernels alone would fill every place."""
    ahead = options.pool_size * max(1, len(options.notebooks))
    if ahead > options.max_kernels:
        raise ValueError(
            f"--preheat {options.pool_size} for {max(1, len(options.notebooks))} notebook(s) "
            f"keeps {ahead} kernels ready, more than --max-kernels {options.max_kernels}"
        )


def common_root(notebooks: list[Path]) -> Path:
    """The folder that holds every notebook (the server's root)."""
    return Path(os.path.commonpath([str(p.parent) for p in notebooks]))


# ------------------------------------------------------------------ command line
def server_command(options: ServeOptions, playground: Path | None = None) -> list[str]:
    """The command line of the Voila server process for ``options``.

    With no notebooks, ``playground`` (a notebook written by the caller) is served.
    One notebook is served at ``/``; several get an index page at ``/``.
    """
    notebooks = options.notebooks or ([playground] if playground is not None else [])
    if not notebooks:
        raise ValueError("nothing to serve: no notebook and no playground")
    root = common_root(notebooks)
    target = notebooks[0] if len(notebooks) == 1 else root
    cmd = [
        sys.executable,
        "-m",
        APP_MODULE,
        str(target),
        "--no-browser",
        f"--port={options.port}",
        "--Voila.port_retries=0",
        f"--Voila.ip={options.ip}",
        f"--Voila.root_dir={root}",
        f"--ClassroomVoila.max_kernels={options.max_kernels}",
        f"--ClassroomVoila.cull_after={options.cull_after}",
        f"--ClassroomVoila.max_speed={options.max_speed:g}",
        f"--ClassroomVoila.preheat={options.pool_size}",
    ]
    if len(notebooks) > 1:
        cmd += [f"--ClassroomVoila.notebooks={p.relative_to(root).as_posix()}" for p in notebooks]
    return cmd


def page_url(options: ServeOptions) -> str:
    """The address students open."""
    host = options.ip
    if host in ("0.0.0.0", "::"):
        host = socket.gethostname()  # students may need this machine's IP address instead
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{options.port}/"
