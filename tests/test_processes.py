"""The /proc helpers that the browser tests, the hub test, test_serve.py and
bench/classroom.py share (tests/browser/processes.py), on real processes of this test."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "browser"))

import processes  # tests/browser, put on sys.path above

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="reads /proc")

# a parent that starts a child which burns CPU, and a fake kernel command line
FAMILY = """\
import subprocess, sys, time
launcher = "ipy" + "kernel_launcher"  # in the child's command line, not this one's
child = subprocess.Popen([sys.executable, "-c", "while True: pass", launcher,
                          "-f", "/tmp/kernel-0b4d1c6e-8f0a-4f5e-9d38-2c4f1b7a9e10.json"])
print(child.pid, flush=True)
time.sleep(60)
"""


def test_a_server_tree_its_kernel_cpu_and_what_is_left_running():
    parent = subprocess.Popen([sys.executable, "-c", FAMILY], stdout=subprocess.PIPE, text=True)
    child = None
    try:
        child = int(parent.stdout.readline())
        table = processes.proc_table()
        assert table[child].ppid == parent.pid and table[os.getpid()].rss_mb > 1
        assert set(processes.descendants(parent.pid)) == {child}  # not the parent itself
        assert set(processes.tree(parent.pid)) == {parent.pid, child}
        assert child in processes.descendants(os.getpid())  # a grandchild too
        assert processes.kernel_pids(parent.pid) == {child}
        kernel = table[child]
        assert kernel.is_kernel and kernel.kernel_id == "0b4d1c6e-8f0a-4f5e-9d38-2c4f1b7a9e10"
        assert not table[parent.pid].is_kernel and table[parent.pid].kernel_id is None
        assert processes.core_share(child, 0.5) > 0.2  # it spins
        assert processes.rss_mb(child) > 1
        assert processes.environ_of(child).get("PATH") == os.environ.get("PATH")
        assert processes.left_running({child}, within=0.2) == {child}
        parent.kill()
        parent.wait()
        os.kill(child, 9)
        t0 = time.monotonic()
        assert processes.left_running({parent.pid, child}, within=10) == set()
        assert time.monotonic() - t0 < 10
        assert not processes.alive(child)  # gone, or a zombie nobody reaped yet
        assert child not in processes.proc_table()
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        if child is not None and processes.alive(child):  # a failed test leaves no spinner
            os.kill(child, 9)
