"""The trainer benchmark's timing loops: interleaved repeats, matmul floors, re-measuring
noisy rows on a shared machine, and the rows they produce (``run_steps`` and public
``step()`` against PyTorch)."""

from __future__ import annotations

import gc
import itertools
import math
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

import nnwidgets as nw
from nnwidgets.core.blas import limited

from .cases import (
    CASE,
    DTYPES,
    OPTIMIZERS,
    Case,
    TorchLoop,
    check_equivalence,
    make_ours,
    run_ours,
    step_ours,
    threads,
)
from .rows import NOISY, Row, StepRow

#: the public-step rows: (case, dtype), SGD (issue 13, item 10)
PUBLIC_STEP = (("a", "float32"), ("a", "float64"), ("b", "float32"))


def time_interleaved(
    runs: dict[str, Callable[[int], None]], warmup: int, n: int, repeats: int
) -> dict[str, list[float]]:
    """Seconds per step of each run, ``repeats`` times, after a warm-up of each.

    The runs take turns (in a rotating order), so that a change in the machine's load during
    the measurement falls on every side alike rather than on whichever ran at the time.
    """
    for run in runs.values():
        run(warmup)
    names = list(runs)
    times: dict[str, list[float]] = {k: [] for k in names}
    for r in range(repeats):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            gc.collect()
            t0 = time.perf_counter()
            runs[name](n)
            times[name].append((time.perf_counter() - t0) / n)
    return times


def spread_of(times: list[float]) -> float:
    """(max - min) / median, without the fastest and slowest repeat when there are 5 or more:
    how far the repeats that decide the median disagree."""
    v = sorted(times)
    if len(v) >= 5:
        v = v[1:-1]
    return (v[-1] - v[0]) / statistics.median(times)


def time_floor(step, evaluation, repeats: int, n: int, per_epoch: int) -> tuple[float, float]:
    """Fastest seconds per call of ``step``, and of ``evaluation`` spread over an epoch."""
    step_times, eval_times = [], []
    for _ in range(2):
        step()
        evaluation()
    n_eval = max(1, n // 20)
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(n):
            step()
        step_times.append((time.perf_counter() - t0) / n)
        t0 = time.perf_counter()
        for _ in range(n_eval):
            evaluation()
        eval_times.append((time.perf_counter() - t0) / n_eval)
    # A floor is a lower bound of pure compute: the fastest repeat is the least disturbed one.
    return min(step_times), min(eval_times) / per_epoch


def matmul_floor(case: Case, ds: nw.Dataset, dtype: str, repeats: int, n: int) -> tuple:
    """Seconds per step of the step's matrix products alone, and of the epoch-end
    evaluation's products amortised per step (preallocated outputs, back to back)."""
    rng = np.random.default_rng(0)
    sizes, bs = case.sizes, case.batch_size
    n_w = len(sizes) - 1
    W = [
        (rng.standard_normal((a, b)) / math.sqrt(a)).astype(dtype)
        for a, b in itertools.pairwise(sizes)
    ]
    X = rng.standard_normal((bs, sizes[0])).astype(dtype)
    Z = [np.empty((bs, w), dtype) for w in sizes[1:]]
    D = [np.empty((bs, w), dtype) for w in sizes[1:-1]]
    G = [np.empty_like(w) for w in W]

    def step() -> None:
        a = X
        for i in range(n_w):
            np.matmul(a, W[i], out=Z[i])
            a = Z[i]
        d = Z[-1]
        for i in range(n_w - 1, -1, -1):
            np.matmul(X.T if i == 0 else Z[i - 1].T, d, out=G[i])
            if i > 0:
                np.matmul(d, W[i].T, out=D[i - 1])
                d = D[i - 1]

    n_all = len(ds.X_train) + len(ds.X_test)
    XE = rng.standard_normal((n_all, sizes[0])).astype(dtype)
    ZE = [np.empty((n_all, w), dtype) for w in sizes[1:]]

    def evaluation() -> None:
        a = XE
        for i in range(n_w):
            np.matmul(a, W[i], out=ZE[i])
            a = ZE[i]

    with limited(threads()):
        return time_floor(step, evaluation, repeats, n, math.ceil(len(ds.X_train) / bs))


def measure_row(case: Case, ds: nw.Dataset, dtype: str, opt: str, epochs: int, warm: int,
                repeats: int) -> tuple[Row, dict[str, float]]:  # fmt: skip
    """One ``Row``, and the spread of each timed side."""
    tr = make_ours(case, ds, dtype, opt)
    spe = tr.batches_per_epoch
    n, w = epochs * spe, warm * spe
    loop = TorchLoop(case, ds, make_ours(case, ds, dtype, opt), evaluate=True)
    plain = TorchLoop(case, ds, make_ours(case, ds, dtype, opt), evaluate=False)
    runs = {"ours": lambda k: run_ours(tr, k), "torch": loop.run_steps, "no-eval": plain.run_steps}
    t = time_interleaved(runs, w, n, repeats)
    f_step, f_eval = matmul_floor(case, ds, dtype, repeats, max(20, n // 4))
    med = {k: statistics.median(v) for k, v in t.items()}
    spreads = {k: spread_of(v) for k, v in t.items()}
    row = Row(
        case, dtype, opt, spe, med["ours"], med["torch"], med["no-eval"], f_step, f_eval,
        max(spreads.values()), threads(),
    )  # fmt: skip
    row.best_ratio = min(t["torch"]) / min(t["ours"])
    return row, spreads


def measure_step_row(case: Case, ds: nw.Dataset, dtype: str, epochs: int, warm: int,
                     repeats: int) -> tuple[StepRow, dict[str, float]]:  # fmt: skip
    """One ``StepRow`` (SGD): ``tr.step()``, ``tr.run_steps`` and both torch loops, taking
    turns, from four trainers started alike."""
    stepped = make_ours(case, ds, dtype, "sgd")
    ran = make_ours(case, ds, dtype, "sgd")
    spe = stepped.batches_per_epoch
    n, w = epochs * spe, warm * spe
    loop = TorchLoop(case, ds, make_ours(case, ds, dtype, "sgd"), evaluate=True)
    plain = TorchLoop(case, ds, make_ours(case, ds, dtype, "sgd"), evaluate=False)
    runs = {
        "step": lambda k: step_ours(stepped, k),
        "run_steps": lambda k: run_ours(ran, k),
        "torch": loop.run_steps,
        "no-eval": plain.run_steps,
    }
    t = time_interleaved(runs, w, n, repeats)
    med = {k: statistics.median(v) for k, v in t.items()}
    spreads = {k: spread_of(v) for k, v in t.items()}
    row = StepRow(
        case, dtype, med["step"], med["run_steps"], med["torch"], med["no-eval"],
        max(spreads.values()),
    )  # fmt: skip
    row.best_ratio = min(t["torch"]) / min(t["step"])
    return row, spreads


# ---------------------------------------------------------------- a shared machine
def others_busy(interval: float = 0.5) -> float:
    """Share of the machine's CPU time used by other processes over ``interval`` seconds
    (0..1; NaN where /proc/stat is missing)."""

    def snap() -> tuple[int, int, float]:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:9]]
        t = os.times()
        return sum(v), v[3] + v[4], t.user + t.system

    try:
        total0, idle0, own0 = snap()
        time.sleep(interval)
        total1, idle1, own1 = snap()
    except (OSError, ValueError):
        return math.nan
    total = total1 - total0
    if total <= 0:
        return math.nan
    own = (own1 - own0) * os.sysconf("SC_CLK_TCK")
    return max(0.0, (total - (idle1 - idle0) - own) / total)


@dataclass
class Budget:
    """How hard to try for steady numbers on a shared machine."""

    retries: int  # re-measurements of a noisy row
    deadline: float  # no retries once this many seconds of measuring have passed
    wait_idle: float  # seconds to wait, before each measurement, for other load to go
    max_wait: float = 180.0  # seconds of waiting in all, after which measurements go on as is
    start: float = field(default_factory=time.perf_counter)
    waited: float = 0.0
    busy_seen: list[float] = field(default_factory=list)

    def measuring_time(self) -> float:
        """Seconds spent measuring (not waiting) so far."""
        return time.perf_counter() - self.start - self.waited

    def wait_quiet(self, log) -> None:
        """Wait (up to ``wait_idle`` s) until other processes use under 10% of the CPUs."""
        if self.wait_idle <= 0:
            return
        t0 = time.perf_counter()
        limit = min(self.wait_idle, self.max_wait - self.waited)
        busy = others_busy(0.3)
        while busy > 0.10 and time.perf_counter() - t0 < limit:
            busy = others_busy(0.5)
        spent = time.perf_counter() - t0
        self.waited += spent
        if not math.isnan(busy):
            self.busy_seen.append(busy)
        if spent > 1:
            log(f"    (waited {spent:.0f} s for other load to go; now {busy:.0%} busy)")

    def steadiest(self, measure, label: str, log):
        """The steadiest of up to ``retries + 1`` calls of ``measure()`` (a row and its
        spreads): a row whose repeats disagree by more than ``NOISY`` is measured again,
        within the deadline."""
        best = None
        for attempt in range(self.retries + 1):
            self.wait_quiet(log)
            row, spreads = measure()
            log(
                f"  {label}: ours {1 / row.ours:9.0f}/s  "
                f"torch {1 / row.torch:9.0f}/s  ratio {row.ratio:5.2f}x "
                f"(best-of {row.best_ratio:5.2f}x)  spread "
                + " ".join(f"{k} {v:.0%}" for k, v in spreads.items())
                + (f"  [retry {attempt}]" if attempt else "")
            )
            if best is None or row.spread < best.spread:
                best = row
            if best.spread <= NOISY or self.measuring_time() > self.deadline:
                break
        best.attempts = attempt + 1
        return best


def bench_case(
    case: Case, quick: bool, repeats: int, budget: Budget, log
) -> tuple[list[Row], dict]:
    """All rows of one case, and the same-work check per optimizer."""
    ds = case.data()
    epochs, warm = case.epochs_and_warmup(quick)
    checks = {opt: check_equivalence(case, ds, opt) for opt in OPTIMIZERS}
    rows = [
        budget.steadiest(
            lambda d=dtype, o=opt: measure_row(case, ds, d, o, epochs, warm, repeats),
            f"({case.key}) {dtype} {opt:4s}",
            log,
        )
        for dtype, opt in itertools.product(DTYPES, OPTIMIZERS)
    ]
    return rows, checks


def bench_public_step(keys: str, quick: bool, repeats: int, budget: Budget, log) -> list:
    """The ``PUBLIC_STEP`` rows of the cases in ``keys``."""
    rows = []
    for key, dtype in PUBLIC_STEP:
        if key not in keys:
            continue
        case = CASE[key]
        ds = case.data()
        epochs, warm = case.epochs_and_warmup(quick)
        rows.append(
            budget.steadiest(
                lambda c=case, d=dtype, x=ds, e=epochs, w=warm: measure_step_row(
                    c, x, d, e, w, repeats
                ),
                f"({key}) {dtype} sgd tr.step()",
                log,
            )
        )
    return rows


def call_overhead(case: Case, ds: nw.Dataset) -> tuple[float, float]:
    """Seconds for one ``tr.run_steps(1)`` call and per step inside a long call (float64 SGD):
    the fixed cost of one call (``tr.step()`` pays it, and a snapshot on top)."""
    tr = make_ours(case, ds, "float64", "sgd")
    tr.run_steps(320)
    spe = tr.batches_per_epoch
    singles, longs = [], []
    for _ in range(7):
        t0 = time.perf_counter()
        for _ in range(spe * 10):
            tr.run_steps(1)
        singles.append((time.perf_counter() - t0) / (spe * 10))
        t0 = time.perf_counter()
        tr.run_steps(spe * 10)
        longs.append((time.perf_counter() - t0) / (spe * 10))
    return min(singles), min(longs)  # a fixed cost: the least disturbed repeat is closest
