"""Processes, read from Linux's ``/proc``: a server's process tree, its kernels, and their
CPU time and memory.

A plain module (no pytest in it, standard library only), like ``servers.py``: the
browser tests, ``tests/test_hub.py``, ``tests/test_serve.py`` and ``bench/classroom.py``
import it (the last two put ``tests/browser`` on ``sys.path`` first).
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

KERNEL_FILE_RE = re.compile(rb"kernel-([0-9a-f-]{36})\.json")  # in a kernel's command line


@dataclass(frozen=True)
class Proc:
    """One process: its parent, command line (NUL-separated), CPU seconds so far (user +
    system, all threads) and resident memory in MB."""

    pid: int
    ppid: int
    cmd: bytes
    cpu: float
    rss_mb: float

    @property
    def is_kernel(self) -> bool:
        """Whether this is an IPython kernel (ipykernel)."""
        return b"ipykernel" in self.cmd

    @property
    def kernel_id(self) -> str | None:
        """A kernel's id, from its connection file ("?" when the command line has none);
        None for any other process."""
        if not self.is_kernel:
            return None
        m = KERNEL_FILE_RE.search(self.cmd)
        return m.group(1).decode() if m else "?"


def _stat(pid: int | str) -> list[str]:
    """The fields of /proc/PID/stat after the command name: [state, ppid, ...]."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def proc_table() -> dict[int, Proc]:
    """Every live process (zombies left out), by pid."""
    tick = os.sysconf("SC_CLK_TCK")
    page = os.sysconf("SC_PAGE_SIZE")
    table = {}
    for name in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = _stat(name)
            cmd = Path(f"/proc/{name}/cmdline").read_bytes()
        except (OSError, IndexError):
            continue  # gone meanwhile
        if stat[0] == "Z":
            continue
        pid = int(name)
        cpu = (int(stat[11]) + int(stat[12])) / tick
        table[pid] = Proc(pid, int(stat[1]), cmd, cpu, int(stat[21]) * page / 2**20)
    return table


def descendants(root: int, table: dict[int, Proc] | None = None) -> dict[int, Proc]:
    """Every process below ``root`` (not ``root`` itself), by pid."""
    table = proc_table() if table is None else table
    found = {}
    for pid, proc in table.items():
        parent = proc.ppid
        for _hop in range(100):  # up the chain of parents
            if parent == root:
                found[pid] = proc
                break
            if parent <= 1 or parent not in table:
                break
            parent = table[parent].ppid
    return found


def tree(root: int, table: dict[int, Proc] | None = None) -> dict[int, Proc]:
    """``root`` (while it runs) and every process below it, by pid."""
    table = proc_table() if table is None else table
    found = descendants(root, table)
    if root in table:
        found[root] = table[root]
    return found


def kernel_pids(root: int) -> set[int]:
    """The IPython kernels below ``root`` (a server's process)."""
    return {pid for pid, proc in descendants(root).items() if proc.is_kernel}


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie does not)."""
    try:
        return _stat(pid)[0] != "Z"
    except (OSError, IndexError):
        return False


def cpu_seconds(pid: int) -> float:
    """CPU seconds ``pid`` has used so far (user + system); 0.0 once it has gone."""
    try:
        stat = _stat(pid)
    except (OSError, IndexError):
        return 0.0
    return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")


def core_share(pid: int, seconds: float = 2.0) -> float:
    """The share of one core ``pid`` uses over the next ``seconds``."""
    c0, t0 = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    return (cpu_seconds(pid) - c0) / (time.monotonic() - t0)


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` in MB; 0.0 once it has gone."""
    try:
        return int(_stat(pid)[21]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, IndexError):
        return 0.0


def environ_of(pid: int) -> dict[str, str]:
    """The environment ``pid`` was started with ({} when it cannot be read)."""
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return {}
    pairs = (item.split(b"=", 1) for item in raw.split(b"\0") if b"=" in item)
    return {k.decode(errors="replace"): v.decode(errors="replace") for k, v in pairs}


def left_running(pids, within: float = 10.0) -> set[int]:
    """Those of ``pids`` still running after waiting up to ``within`` seconds for them to
    exit (a kernel told to shut down just as its server stopped takes a moment)."""
    deadline = time.monotonic() + within
    left = {pid for pid in pids if alive(pid)}
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = {pid for pid in left if alive(pid)}
    return left
