"""What the trainer benchmark says about the machine it ran on: versions, CPU, BLAS,
load and the commit measured."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent


def machine_info() -> dict[str, str]:
    """Python, platform, CPUs, numpy, torch, OPENBLAS_CORETYPE and the CPU model."""
    info = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "nproc": str(os.cpu_count()),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "(unset)"),
    }
    try:
        info["nproc (affinity)"] = str(len(os.sched_getaffinity(0)))
    except AttributeError:
        pass
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        import sklearn

        info["scikit-learn"] = sklearn.__version__
    except ImportError:
        pass
    return info


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, or n/a."""
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def blas_threads() -> tuple[int, str]:
    """Threads numpy's BLAS uses, and a one-line description of that BLAS."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return os.cpu_count() or 1, "threadpoolctl not installed: assumed os.cpu_count()"
    blas = [p for p in threadpool_info() if p.get("user_api") == "blas"]
    if not blas:
        return os.cpu_count() or 1, "no BLAS found by threadpoolctl: assumed os.cpu_count()"
    b = blas[0]
    desc = (
        f"{b.get('internal_api')} {b.get('version')} ({b.get('architecture')}, "
        f"{b.get('threading_layer')}), {b.get('num_threads')} threads, {Path(b['filepath']).name}"
    )
    return int(b["num_threads"]), desc


def git_state() -> str:
    """The commit measured, and whether nnwidgets/ had uncommitted changes."""
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, check=True, timeout=10,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", "nnwidgets"],
            capture_output=True, text=True, check=True, timeout=10,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return "unknown (not a git checkout)"
    return head + (" with uncommitted changes in nnwidgets/" if dirty else " (clean nnwidgets/)")
