"""Steps per second of ``nw.Trainer`` against an equivalent PyTorch CPU loop.

Both run in this process, on the same data, the same shapes, the same batches (the same
seeded permutation per epoch), the same initial weights and the same optimizer, in float32
and float64. Each number is the median of several timed repeats after a warm-up.

    python bench/trainer.py                 # full run (about 2-3 minutes on 2 cores)
    python bench/trainer.py --quick         # a smoke run (about 20 seconds)
    python bench/trainer.py --write bench/RESULTS.md

See bench/README.md for what each column means.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import cProfile
import datetime
import gc
import inspect
import itertools
import math
import os
import platform
import pstats
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # measure the checkout this file sits in

import nnwidgets as nw  # noqa: E402

try:
    import torch
except ImportError:  # pragma: no cover - the bench extra is needed
    sys.exit("bench/trainer.py needs PyTorch: pip install 'nnwidgets[bench]'")

TARGETS = {"a": 4.0, "b": 2.5, "c": 1.0}  # ours / torch (like for like), per case (issue 6)
FLOOR_TARGET = ("c", 1.5)  # the wide net's step within this factor of its matmul floor
OPTIMIZERS = {"sgd": {"lr": 0.03}, "adam": {"lr": 1e-3}}
DTYPES = ("float32", "float64")
NOISY = 0.15  # a row whose repeats disagree by more than this is measured again


# --------------------------------------------------------------------------- cases
def _moons() -> nw.Dataset:
    return nw.datasets.moons(n_samples=200)


def _digits() -> nw.Dataset:
    return nw.datasets.digits()


def _wide() -> nw.Dataset:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((4096, 784))
    y = rng.integers(0, 10, size=4096)
    return nw.Dataset.from_arrays(X, y, name="synthetic-784")


@dataclass(frozen=True)
class Case:
    key: str
    title: str
    sizes: tuple[int, ...]
    activation: str
    loss: str
    batch_size: int
    data: Callable[[], nw.Dataset]
    epochs: int  # epochs per timed repeat (a whole number, so each repeat has the same evals)
    warmup: int  # warm-up epochs
    quick_epochs: int
    quick_warmup: int


CASES = (
    Case("a", "playground 2-8-8-1 tanh, moons(200), batch 10, bce",
         (2, 8, 8, 1), "tanh", "bce", 10, _moons, 100, 20, 25, 5),
    Case("b", "digits 64-128-64-10 relu, batch 64, cross_entropy",
         (64, 128, 64, 10), "relu", "cross_entropy", 64, _digits, 15, 2, 4, 1),
    Case("c", "wide 784-256-10 relu, synthetic 4096x784, batch 128, cross_entropy",
         (784, 256, 10), "relu", "cross_entropy", 128, _wide, 3, 1, 1, 1),
)  # fmt: skip


# ------------------------------------------------------------------------ threads
#: BLAS threads for our side in the current measurement (set by ``use_threads``)
_THREADS = {"n": 1}


_CONTROLLER: list = []  # one threadpoolctl controller, made once (making one scans libraries)


def blas_limit(n: int):
    """A context in which numpy's BLAS uses at most ``n`` threads (threadpoolctl)."""
    if not _CONTROLLER:
        try:
            from threadpoolctl import ThreadpoolController

            _CONTROLLER.append(ThreadpoolController())
        except Exception:  # not installed, or a BLAS it cannot drive
            _CONTROLLER.append(None)
    if _CONTROLLER[0] is None:
        return contextlib.nullcontext()
    return _CONTROLLER[0].limit(limits=n, user_api="blas")


def trainer_limits_blas() -> bool:
    """True when ``nw.Trainer`` takes ``blas_threads`` (and so sets the limit itself)."""
    return "blas_threads" in inspect.signature(nw.Trainer).parameters


def trainer_default_threads(n_blas: int) -> tuple[int, str]:
    """The BLAS threads ``nw.Trainer`` trains with by default, and why."""
    param = inspect.signature(nw.Trainer).parameters.get("blas_threads")
    if param is None:
        return n_blas, "this nw.Trainer has no blas_threads: numpy's BLAS as it is"
    if param.default is None:
        return n_blas, "nw.Trainer(blas_threads=None): numpy's BLAS as it is"
    try:
        from nnwidgets.core.blas import available
    except ImportError:
        available = None
    if available is not None and not available():
        return n_blas, f"nw.Trainer(blas_threads={param.default}) cannot limit this BLAS"
    return min(param.default, n_blas), f"nw.Trainer's default blas_threads={param.default}"


def use_threads(n: int) -> None:
    """Both sides train with ``n`` threads: ours through its BLAS, torch intra-op."""
    _THREADS["n"] = n
    torch.set_num_threads(n)


# ------------------------------------------------------------------------ our side
def make_ours(case: Case, ds: nw.Dataset, dtype: str, opt: str) -> nw.Trainer:
    init = "xavier" if case.activation == "tanh" else "he"
    model = nw.MLP(list(case.sizes), activation=case.activation, init=init, seed=0, dtype=dtype)
    optimizer = {"sgd": nw.optim.SGD, "adam": nw.optim.Adam}[opt](**OPTIMIZERS[opt])
    kwargs = {}
    if trainer_limits_blas():
        kwargs["blas_threads"] = _THREADS["n"]
    return nw.Trainer(
        model, ds, loss=case.loss, optimizer=optimizer, batch_size=case.batch_size, seed=0, **kwargs
    )


def run_ours(tr: nw.Trainer, n: int) -> None:
    if trainer_limits_blas():
        done = tr.run_steps(n)
    else:  # an older trainer: set the limit for it
        with blas_limit(_THREADS["n"]):
            done = tr.run_steps(n)
    if done != n:
        raise RuntimeError(f"our trainer stopped after {done} of {n} steps: {tr.divergence}")


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


# ---------------------------------------------------------------------- torch side
class TorchLoop:
    """The plain PyTorch loop: nn.Sequential, loss, zero_grad, backward, step.

    Batches are slices of the same seeded numpy permutation our trainer draws each epoch,
    gathered with ``index_select``. With ``evaluate=True`` each epoch end computes the loss
    and accuracy on the full training and test parts under ``torch.no_grad()``, as
    ``nw.Trainer`` does.
    """

    def __init__(self, case: Case, ds: nw.Dataset, ours: nw.Trainer, evaluate: bool) -> None:
        dtype = ours.model.dtype
        tdtype = {np.dtype("float32"): torch.float32, np.dtype("float64"): torch.float64}[dtype]
        act = {"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}[case.activation]
        layers: list[torch.nn.Module] = []
        n_w = len(case.sizes) - 1
        for i in range(n_w):
            lin = torch.nn.Linear(case.sizes[i], case.sizes[i + 1], dtype=tdtype)
            with torch.no_grad():  # the same initial weights as ours
                lin.weight.copy_(torch.from_numpy(ours.model.params[f"W{i}"].T.copy()))
                lin.bias.copy_(torch.from_numpy(ours.model.params[f"b{i}"].copy()))
            layers.append(lin)
            if i < n_w - 1:
                layers.append(act())
        self.model = torch.nn.Sequential(*layers)
        opt = type(ours.optimizer).__name__.lower()
        cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}[opt]
        self.opt = cls(self.model.parameters(), **OPTIMIZERS[opt])
        self.binary = case.loss == "bce"
        self.loss_fn = torch.nn.BCEWithLogitsLoss() if self.binary else torch.nn.CrossEntropyLoss()

        def part(X: np.ndarray, y: np.ndarray):
            Xt = torch.from_numpy(np.ascontiguousarray(X, dtype=dtype))
            labels = torch.from_numpy(np.asarray(y, dtype=np.int64).reshape(-1))
            yt = labels.to(tdtype).reshape(-1, 1) if self.binary else labels
            return Xt, yt, labels

        self.train = part(ds.X_train, ds.y_train)
        self.test = part(ds.X_test, ds.y_test)
        self.n = len(ds.X_train)
        self.batch_size = case.batch_size
        self.evaluate = evaluate
        self.rng = np.random.default_rng(0)  # the trainer's seed: the same permutations
        self.batches: tuple[torch.Tensor, ...] = ()
        self.pos = 0
        self.metrics: dict[str, float] = {}

    def run_steps(self, n: int) -> None:
        model, loss_fn, opt = self.model, self.loss_fn, self.opt
        X, y, _ = self.train
        for _ in range(n):
            if self.pos == len(self.batches):
                perm = torch.from_numpy(self.rng.permutation(self.n))
                self.batches = perm.split(self.batch_size)
                self.pos = 0
            idx = self.batches[self.pos]
            loss = loss_fn(model(X.index_select(0, idx)), y.index_select(0, idx))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            self.pos += 1
            if self.pos == len(self.batches) and self.evaluate:
                self.epoch_end()

    def epoch_end(self) -> None:
        with torch.no_grad():
            for name, (X, y, labels) in (("train", self.train), ("test", self.test)):
                out = self.model(X)
                self.metrics[f"{name}_loss"] = self.loss_fn(out, y).item()
                pred = (out[:, 0] > 0).long() if self.binary else out.argmax(dim=1)
                self.metrics[f"{name}_acc"] = (pred == labels).double().mean().item()

    def params(self) -> dict[str, np.ndarray]:
        lins = [m for m in self.model if isinstance(m, torch.nn.Linear)]
        out = {}
        for i, lin in enumerate(lins):
            out[f"W{i}"] = lin.weight.detach().numpy().T
            out[f"b{i}"] = lin.bias.detach().numpy()
        return out


# ---------------------------------------------------------------------------- floor
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

    with blas_limit(_THREADS["n"]):
        return _time_floor(step, evaluation, repeats, n, math.ceil(len(ds.X_train) / bs))


def _time_floor(step, evaluation, repeats: int, n: int, per_epoch: int) -> tuple:
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


# -------------------------------------------------------------------------- timing
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


def check_equivalence(case: Case, ds: nw.Dataset, opt: str) -> float:
    """Max |param difference| after 1.5 epochs of ours and the torch loop, in float64."""
    ours = make_ours(case, ds, "float64", opt)
    loop = TorchLoop(case, ds, ours, evaluate=True)
    n = ours.batches_per_epoch * 3 // 2
    run_ours(ours, n)
    loop.run_steps(n)
    theirs = loop.params()
    return max(float(np.max(np.abs(ours.model.params[k] - theirs[k]))) for k in theirs)


@dataclass
class Row:
    case: Case
    dtype: str
    opt: str
    steps_per_epoch: int
    ours: float  # seconds per step
    torch: float
    torch_noeval: float
    floor: float
    floor_eval: float
    spread: float  # largest spread_of() over the three timed sides
    threads: int = 1
    attempts: int = 1
    best_ratio: float = math.nan  # fastest torch repeat over fastest ours repeat

    @property
    def ratio(self) -> float:
        return self.torch / self.ours


def spread_of(times: list[float]) -> float:
    """(max - min) / median, without the fastest and slowest repeat when there are 5 or more:
    how far the repeats that decide the median disagree."""
    v = sorted(times)
    if len(v) >= 5:
        v = v[1:-1]
    return (v[-1] - v[0]) / statistics.median(times)


def measure_row(case: Case, ds: nw.Dataset, dtype: str, opt: str, epochs: int, warm: int,
                repeats: int) -> tuple[Row, dict[str, float]]:  # fmt: skip
    tr = make_ours(case, ds, dtype, opt)
    spe = tr.batches_per_epoch
    n, w = epochs * spe, warm * spe
    loop = TorchLoop(case, ds, make_ours(case, ds, dtype, opt), evaluate=True)
    plain = TorchLoop(case, ds, make_ours(case, ds, dtype, opt), evaluate=False)
    runs = {
        "ours": lambda k: run_ours(tr, k),
        "torch": loop.run_steps,
        "no-eval": plain.run_steps,
    }
    t = time_interleaved(runs, w, n, repeats)
    f_step, f_eval = matmul_floor(case, ds, dtype, repeats, max(20, n // 4))
    med = {k: statistics.median(v) for k, v in t.items()}
    spreads = {k: spread_of(v) for k, v in t.items()}
    row = Row(
        case, dtype, opt, spe, med["ours"], med["torch"], med["no-eval"], f_step, f_eval,
        max(spreads.values()), _THREADS["n"],
    )  # fmt: skip
    row.best_ratio = min(t["torch"]) / min(t["ours"])
    return row, spreads


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


def bench_case(
    case: Case, quick: bool, repeats: int, budget: Budget, log
) -> tuple[list[Row], dict]:
    """All rows of one case; a row whose repeats disagree by more than ``NOISY`` is measured
    again (up to ``budget.retries`` times, within its deadline), keeping the steadiest."""
    ds = case.data()
    rows, checks = [], {}
    epochs = case.quick_epochs if quick else case.epochs
    warm = case.quick_warmup if quick else case.warmup
    for opt in OPTIMIZERS:
        checks[opt] = check_equivalence(case, ds, opt)
    for dtype in DTYPES:
        for opt in OPTIMIZERS:
            best = None
            for attempt in range(budget.retries + 1):
                budget.wait_quiet(log)
                row, spreads = measure_row(case, ds, dtype, opt, epochs, warm, repeats)
                log(
                    f"  ({case.key}) {dtype} {opt:4s}: ours {1 / row.ours:9.0f}/s  "
                    f"torch {1 / row.torch:9.0f}/s  ratio {row.ratio:5.2f}x "
                    f"(best-of {row.best_ratio:5.2f}x)  "
                    f"(torch without eval {1 / row.torch_noeval:9.0f}/s)  spread "
                    + " ".join(f"{k} {v:.0%}" for k, v in spreads.items())
                    + (f"  [retry {attempt}]" if attempt else "")
                )
                if best is None or row.spread < best.spread:
                    best = row
                if best.spread <= NOISY or budget.measuring_time() > budget.deadline:
                    break
            best.attempts = attempt + 1
            rows.append(best)
    return rows, checks


# ------------------------------------------------------------------------- profile
def profile_case_a(quick: bool) -> dict:
    """Where our trainer's time goes in case (a), float64 SGD (the demo's setup)."""
    case = CASES[0]
    ds = case.data()
    steps = 3_200 if quick else 12_000
    out: dict = {"steps": steps}
    tr = make_ours(case, ds, "float64", "sgd")
    run_ours(tr, 320)
    t0 = time.perf_counter()
    run_ours(tr, steps // 2)
    per_step = out["per_step"] = (time.perf_counter() - t0) / (steps // 2)  # unprofiled
    try:
        from pyinstrument import Profiler
    except ImportError:
        out["sampled"] = None
    else:
        prof = Profiler(interval=0.0001)
        prof.start()
        run_ours(tr, steps)
        prof.stop()
        root = prof.last_session.root_frame()
        self_time: dict[tuple, float] = {}
        stack = [root]
        while stack:
            f = stack.pop()
            stack.extend(f.children)
            if f.is_synthetic:
                continue
            key = (f.function, _short(f.file_path), f.line_no)
            self_time[key] = self_time.get(key, 0.0) + f.total_self_time
        total = sum(self_time.values())
        top = sorted(self_time.items(), key=lambda kv: -kv[1])[:14]
        out["sampled"] = [(k, v / total, v / total * per_step) for k, v in top]
    tr = make_ours(case, ds, "float64", "sgd")
    run_ours(tr, 320)
    n = steps // 4
    pr = cProfile.Profile()
    pr.enable()
    run_ours(tr, n)
    pr.disable()
    st = pstats.Stats(pr)
    total = st.total_tt
    items = sorted(st.stats.items(), key=lambda kv: -kv[1][2])[:16]
    out["traced"] = [
        ((func, _short(path), line), nc / n, tt / total)
        for (path, line, func), (_cc, nc, tt, _ct, _callers) in items
    ]
    out["traced_steps"] = n
    return out


def time_budget(case: Case, ds: nw.Dataset, dtype: str, opt: str, floor: float) -> dict:
    """Our step split into its parts, each timed on its own (medians of 5), in seconds
    per step: the forward and backward pass, the epoch-end evaluation spread over the
    epoch, the optimizer's update, and the rest: what the trainer does per step for the
    dashboard and the divergence guard (finiteness checks, gradient, weight and update
    norms, the undo copies, the history row), batch gathering and Python's own cost."""
    tr = make_ours(case, ds, dtype, opt)
    spe = tr.batches_per_epoch
    run_ours(tr, spe)
    n = max(spe, int(0.2 / max(floor, 1e-6)) // spe * spe)  # about 0.2 s at the floor
    model, loss = tr.model, tr.loss
    idx = np.arange(case.batch_size)
    Xb, yb = tr._X_train[idx], tr._y_train[idx]

    def median_of(fn, count: int) -> float:
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            fn(count)
            times.append((time.perf_counter() - t0) / count)
        return statistics.median(times)

    def backprop(count: int) -> None:
        for _ in range(count):
            model.loss_and_grad(Xb, yb, loss, with_ones=True)

    def evaluate(count: int) -> None:
        for _ in range(count):
            tr._eval_cache = None
            tr.evaluate()

    optimizer, params = copy.deepcopy(tr.optimizer), model.flat_params.copy()

    def update(count: int) -> None:
        for _ in range(count):
            optimizer.step_flat(params, model.flat_grads, model.layout)

    with tr._stepping():
        step = median_of(lambda k: run_ours(tr, k), n)
        fwd_bwd = median_of(backprop, n)
        ev = median_of(evaluate, max(3, n // spe // 4)) / spe
        upd = median_of(update, n)
        ew_step, ew_eval = elementwise_floor(tr, case, n)
    return {
        "case": case.key,
        "dtype": dtype,
        "opt": opt,
        "step": step,
        "forward_backward": fwd_bwd,
        "evaluation": ev,
        "rest": step - fwd_bwd - ev,
        "update": upd,
        "diagnostics": step - fwd_bwd - ev - upd,
        "elementwise": ew_step + ew_eval,
    }


def elementwise_floor(tr: nw.Trainer, case: Case, n: int) -> tuple[float, float]:
    """Seconds per step of the work besides the matrix products that no numpy trainer
    of this network can skip, back to back in preallocated arrays: each hidden layer's
    activation and its derivative, the loss's value and gradient, the optimizer's update
    (ours: one ufunc call per operation in PyTorch's order, on all parameters at once) and
    one finiteness check of the weights; and, spread over the epoch, the evaluation's
    activations and losses. Our own table functions do each piece in the fewest calls."""
    model, loss, dtype = tr.model, tr.loss, tr.model.dtype
    rng = np.random.default_rng(0)
    bs, sizes = case.batch_size, case.sizes
    Z = [rng.standard_normal((bs, w)).astype(dtype) for w in sizes[1:]]
    A = [np.empty_like(z) for z in Z[:-1]]
    D = [rng.standard_normal(z.shape).astype(dtype) for z in Z[:-1]]
    y = tr._y_train[:bs]
    p = model.flat_params.copy()
    g = (1e-3 * rng.standard_normal(p.size)).astype(dtype)
    optimizer, layout = copy.deepcopy(tr.optimizer), model.layout
    n_all = len(tr._y_train) + len(tr._y_test)
    ZE = [rng.standard_normal((n_all, w)).astype(dtype) for w in sizes[1:]]
    AE = [np.empty_like(z) for z in ZE[:-1]]
    yE = np.concatenate([tr._y_train, tr._y_test])

    def step() -> None:
        for i, act in enumerate(model.activations):
            act.forward(Z[i], A[i])
            act.backward(Z[i], A[i], D[i])
        loss.value_and_grad(Z[-1], y)
        optimizer.step_flat(p, g, layout)
        float(np.dot(p, p))

    def evaluation() -> None:
        for i, act in enumerate(model.activations):
            act.forward(ZE[i], AE[i])
        loss.value(ZE[-1], yE)

    with np.errstate(all="ignore"):
        return _time_floor(step, evaluation, 5, n, tr.batches_per_epoch)


def full_ceiling(r: Row, budget: dict) -> float:
    """The ratio a numpy trainer would reach doing only the matrix products and the
    elementwise work no trainer can skip (both floors, evaluation included)."""
    return r.torch / (r.floor + r.floor_eval + budget["elementwise"])


def without_diagnostics(r: Row, budget: dict) -> float:
    """The ratio our step would reach without its per-step diagnostics (checks, norms,
    undo copies, history row): forward and backward, update and evaluation only."""
    return r.torch / (budget["step"] - budget["diagnostics"])


def budget_row(budgets: Sequence[dict], r: Row) -> dict | None:
    return next(
        (b for b in budgets if (b["case"], b["dtype"], b["opt"]) == (r.case.key, r.dtype, r.opt)),
        None,
    )


def budget_text(budgets: list[dict], rows: list[Row]) -> str:
    head = (
        "| case | dtype | optimizer | step µs | forward + backward µs | of which matmul floor "
        "| epoch-end evaluation µs/step | of which eval matmuls | update µs | "
        "diagnostics and rest µs | elementwise floor µs | torch / (all floors) | "
        "torch / (step without diagnostics) |\n"
        "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n"
    )
    lines = []
    for b in budgets:
        r = next(
            r for r in rows if (r.case.key, r.dtype, r.opt) == (b["case"], b["dtype"], b["opt"])
        )
        lines.append(
            f"| ({b['case']}) | {b['dtype']} | {b['opt']} | {b['step'] * 1e6:.1f} | "
            f"{b['forward_backward'] * 1e6:.1f} | {r.floor * 1e6:.1f} | "
            f"{b['evaluation'] * 1e6:.1f} | {r.floor_eval * 1e6:.1f} | "
            f"{b['update'] * 1e6:.1f} | {b['diagnostics'] * 1e6:.1f} | "
            f"{b['elementwise'] * 1e6:.1f} | {full_ceiling(r, b):.2f}x | "
            f"{without_diagnostics(r, b):.2f}x |"
        )
    return head + "\n".join(lines) + "\n"


def _short(path: str | None) -> str:
    if not path or path == "~" or path.startswith("<"):
        return "(C)"
    p = Path(path)
    try:
        return str(p.resolve().relative_to(ROOT))
    except ValueError:
        parts = p.parts
        for anchor in ("numpy", "torch", "pyinstrument"):
            if anchor in parts:
                return "/".join(parts[parts.index(anchor) :])
        return p.name


# --------------------------------------------------------------------------- report
def machine_info() -> dict[str, str]:
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


def fmt_rate(seconds: float) -> str:
    return f"{1 / seconds:,.0f}"


def results_table(rows: list[Row]) -> str:
    head = (
        "| case | dtype | optimizer | ours steps/s | torch steps/s | ratio ours/torch "
        "| best-of ratio | torch no-eval steps/s | ratio vs no-eval | floor steps/s "
        "| ours / floor | spread |\n"
        "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n"
    )
    lines = []
    for r in rows:
        lines.append(
            f"| ({r.case.key}) | {r.dtype} | {r.opt} | {fmt_rate(r.ours)} | {fmt_rate(r.torch)} "
            f"| **{r.ratio:.2f}x** | {r.best_ratio:.2f}x "
            f"| {fmt_rate(r.torch_noeval)} | {r.torch_noeval / r.ours:.2f}x "
            f"| {fmt_rate(r.floor)} | {r.ours / r.floor:.1f}x | {r.spread:.0%}"
            + (" ⚠" if r.spread > NOISY else "")
            + (f" ({r.attempts} tries)" if r.attempts > 1 else "")
            + " |"
        )
    return head + "\n".join(lines) + "\n"


def floor_table(rows: list[Row]) -> str:
    head = (
        "| case | dtype | optimizer | threads | matmul floor µs/step | + eval matmuls µs/step "
        "| ours µs/step | torch µs/step | ours / (floor + eval) | torch / (floor + eval) |\n"
        "|---|---|---|--:|--:|--:|--:|--:|--:|--:|\n"
    )
    lines = []
    for r in rows:
        full = r.floor + r.floor_eval
        cells = [
            f"({r.case.key})", r.dtype, r.opt, str(r.threads), f"{r.floor * 1e6:.1f}",
            f"{r.floor_eval * 1e6:.1f}",
            f"{r.ours * 1e6:.1f}", f"{r.torch * 1e6:.1f}", f"{r.ours / full:.2f}x",
            f"{r.torch / full:.2f}x",
        ]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    return head + "\n".join(lines) + "\n"


def targets_text(rows: list[Row], budgets: Sequence[dict] = ()) -> list[str]:
    out = []
    for key, target in TARGETS.items():
        mine = [r for r in rows if r.case.key == key]
        if not mine:
            continue
        worst = min(mine, key=lambda r: r.ratio)
        missed = [f"{r.dtype} {r.opt} {r.ratio:.2f}x" for r in mine if r.ratio < target]
        verdict = "**met**" if not missed else "**not met** (" + ", ".join(missed) + ")"
        noisy = sum(r.spread > NOISY for r in mine)
        if noisy:
            verdict += f" ⚠ {noisy} of its {len(mine)} rows noisy"
        out.append(
            f"- case ({key}): target ≥ {target:.1f}x PyTorch — {verdict}; "
            f"lowest {worst.ratio:.2f}x ({worst.dtype} {worst.opt}), "
            f"highest {max(r.ratio for r in mine):.2f}x."
        )
        # The best any trainer could do that evaluates at every epoch end, as both do here:
        # its step would cost exactly the matrix products (floor + eval).
        ceilings = [r for r in mine if r.ratio < target and ceiling(r) < target]
        if ceilings:
            out.append(
                "  Out of reach even at the matmul floor for "
                + ", ".join(f"{r.dtype} {r.opt} (ceiling {ceiling(r):.2f}x)" for r in ceilings)
                + ": a step made of nothing but its matrix products would still be slower."
            )
        for r in mine:
            b = budget_row(budgets, r)
            if r.ratio >= target or b is None:
                continue
            out.append(
                f"  {r.dtype} {r.opt} ({r.ratio:.2f}x): a step of nothing but its matrix "
                f"products and the elementwise work no numpy trainer can skip would reach "
                f"{full_ceiling(r, b):.2f}x; our own step without its per-step diagnostics "
                f"(checks, norms, undo copies, history row: {b['diagnostics'] * 1e6:.0f} µs of "
                f"{b['step'] * 1e6:.0f}) {without_diagnostics(r, b):.2f}x."
            )
    key, limit = FLOOR_TARGET
    mine = [r for r in rows if r.case.key == key and r.threads == 1]
    if mine:
        worst = max(mine, key=lambda r: r.ours / (r.floor + r.floor_eval))
        full = worst.ours / (worst.floor + worst.floor_eval)
        plain = max(r.ours / r.floor for r in mine)
        verdict = "**met**" if full <= limit else "**not met**"
        out.append(
            f"- case ({key}) against its floor: target ≤ {limit:.1f}x — {verdict} counting the "
            f"epoch-end evaluation's products in the floor (worst {full:.2f}x, "
            f"{worst.dtype} {worst.opt}); against the training products alone the worst is "
            f"{plain:.2f}x, the difference being the evaluation every trainer here does."
        )
    return out


def ceiling(r: Row) -> float:
    """The ratio a trainer would reach if its step cost only its matrix products."""
    return r.torch / (r.floor + r.floor_eval)


def profile_text(prof: dict) -> str:
    per = prof["per_step"] * 1e6
    lines = [
        f"Case (a), float64, SGD(lr=0.03), {prof['steps']:,} steps of `tr.run_steps` "
        f"(epoch-end evaluation included); unprofiled, a step takes {per:.1f} µs here.",
        "",
    ]
    if prof.get("sampled"):
        lines += [
            "Sampled with pyinstrument (0.1 ms interval): self time of each Python function, "
            "which includes the numpy calls it makes directly; µs/step is the share times the "
            "unprofiled step time.",
            "",
            "| function | where | self % | ≈ µs/step |",
            "|---|---|--:|--:|",
        ]
        for (func, path, line), share, us in prof["sampled"]:
            where = f"{path}:{line}" if line else path
            lines.append(f"| `{func}` | {where} | {share:.1%} | {us * 1e6:.1f} |")
        lines.append("")
    lines += [
        f"Traced with cProfile over {prof['traced_steps']:,} steps: own time per function, "
        "numpy's C functions listed apart, and calls per step. Tracing adds a cost to every "
        "call, so small, often-called functions look bigger than they are: read the counts "
        "and the ranking.",
        "",
        "| function | where | calls/step | own % (traced) |",
        "|---|---|--:|--:|",
    ]
    for (func, path, line), calls, share in prof["traced"]:
        where = f"{path}:{line}" if line else path
        lines.append(f"| `{func}` | {where} | {calls:.2f} | {share:.1%} |")
    return "\n".join(lines) + "\n"


def write_markdown(path: Path, ctx: dict) -> None:
    rows: list[Row] = ctx["rows"]
    extra: list[Row] = ctx["extra_rows"]
    parts = []
    for c in ctx["cases"]:
        e = c.quick_epochs if ctx["quick"] else c.epochs
        spe = next(r.steps_per_epoch for r in rows if r.case is c)
        parts.append(f"({c.key}) {e} epochs = {e * spe} steps")
    steps = ", ".join(parts)
    checks = "\n".join(
        f"- ({key}) {opt}: max |Δparam| = {v:.2e}"
        for key, per in ctx["checks"].items()
        for opt, v in per.items()
    )
    machine = "\n".join(f"- {k}: {v}" for k, v in ctx["info"].items())
    seen = ctx["budget"].busy_seen
    busy = (
        f"CPU share of other processes just before each measurement: median "
        f"{statistics.median(seen):.0%}, max {max(seen):.0%}"
        if seen
        else "other processes' load not watched (--wait-idle 0)"
    )
    noisy = [r for r in rows + extra if r.spread > NOISY]
    noise_note = (
        f"\n**{len(noisy)} row(s) stayed noisy** (spread above {NOISY:.0%}, marked ⚠) after "
        "re-measuring: another process took CPU time during them; read those with care.\n"
        if noisy
        else f"\nEvery row is steady (spread at most {NOISY:.0%}).\n"
    )
    extra_text = ""
    if extra:
        extra_text = f"""
## Case (c) with {extra[0].threads} threads on both sides

Our trainer limits numpy's BLAS to {ctx["threads"]} thread(s) by default; here it is given
`blas_threads={extra[0].threads}` and torch `set_num_threads({extra[0].threads})`:

{results_table(extra)}"""
    single, inside = ctx["call_overhead"]
    text = f"""# Trainer benchmark: nnwidgets vs PyTorch (CPU)

Generated by `bench/trainer.py` (see `bench/README.md` for what each number means).

- command: `{ctx["command"]}`
- date: {ctx["date"]}
- mode: {"quick" if ctx["quick"] else "full"}; median of {ctx["repeats"]} timed repeats after a
  warm-up, each repeat a whole number of epochs: {steps}
- threads: {ctx["threads"]} on both sides ({ctx["threads_why"]}); numpy's BLAS has
  {ctx["blas_threads"]} ({ctx["blas"]}); torch.set_num_threads({ctx["threads"]})
- total run time: {ctx["elapsed"]:.0f} s, of which {ctx["budget"].waited:.0f} s waiting for other
  processes to go quiet; {busy}
- load average (1, 5, 15 min) before {ctx["load"][0]}, after {ctx["load"][1]} (this process
  alone adds about 1 to 2)

## Machine

{machine}

## Targets

{chr(10).join(targets_text(rows, ctx["budgets"]))}

The ratio is like for like: the PyTorch loop also evaluates loss and accuracy on the full
training and test parts at every epoch end (under `torch.no_grad()`), as our trainer does.

The other targets have their verdicts in their own reports, also written by `make bench`:
dashboard overhead, refresh cost and scale in `RESULTS-dashboard.md`; click to render and
renders per second in the browser in `RESULTS-browser.md` (its Targets section).

## Steps per second

{results_table(rows)}{noise_note}
- **ours**: `tr.run_steps(n)` — one minibatch update per step with everything our trainer does
  per step (divergence checks, gradient, weight and update norms, undo state, history row) and
  the epoch-end evaluation and checkpoint.
- **torch**: plain `nn.Sequential` loop on the same batches, with the same epoch-end evaluation.
- **torch no-eval**: the same loop without the epoch-end evaluation.
- **floor**: the step's matrix products alone (forward and backward, into preallocated arrays,
  back to back, same threads); **ours / floor** is our step time over that floor.
{extra_text}
## Floors with the evaluation included

{floor_table(rows + extra)}
"+ eval matmuls" is the forward products over the full training and test parts, spread over
the steps of one epoch: the minimum any trainer that evaluates at every epoch end must add.

## One call versus a long run

Case (a), float64, SGD: `tr.run_steps(1)` called once per step costs {single * 1e6:.0f} µs a
step, against {inside * 1e6:.0f} µs a step inside long `run_steps` calls: about
{(single - inside) * 1e6:.0f} µs of fixed cost per call (what every `tr.step()` pays, before its
snapshot).

## Same work on both sides

The two loops start from the same weights and draw the same batches; after 1.5 epochs in
float64 their parameters agree to:

{checks}

## Where the time goes: each case's step in parts

{budget_text(ctx["budgets"], rows)}
Each part timed on its own, same threads as above: "forward + backward" is
`model.loss_and_grad` on one batch (loss, gradient, activations); the evaluation is the
full training and test parts' forward pass and metrics at each epoch end, spread over the
epoch's steps. Beside each, the matrix products alone. "Update" is the optimizer's
`step_flat` alone; "diagnostics and rest" is what is left of the step: the finiteness
checks, the gradient, weight and update norms the views draw, the undo copies of the
weights and optimizer state (the divergence guard's last good weights), the history row,
gathering the batch and Python's own cost. The elementwise floor is the work besides the
products that no numpy trainer can skip (each activation and its derivative, the loss's
value and gradient, this optimizer's update, one finiteness check, and the evaluation's
activations and losses), timed back to back in preallocated arrays. "torch / (all floors)"
is the ratio to PyTorch of a step made of nothing but those floors: where it is below a
case's target, no numpy trainer that evaluates at every epoch end can reach that target.
The last column is the ratio our own step would reach without its diagnostics.

## Where the time goes (ours, case a)

{profile_text(ctx["profile"])}"""
    path.write_text(text)


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


# ------------------------------------------------------------------------------ main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="short smoke run")
    ap.add_argument("--write", metavar="PATH", help="write a markdown report")
    ap.add_argument("--repeats", type=int, default=None, help="timed repeats (default 5, 3 quick)")
    ap.add_argument(
        "--retries", type=int, default=None, help="re-measure noisy rows (default 2, 0 quick)"
    )
    ap.add_argument(
        "--wait-idle",
        type=float,
        default=None,
        help="seconds to wait before each measurement for other processes to go quiet "
        "(default 30, 0 with --quick)",
    )
    ap.add_argument(
        "--threads",
        type=int,
        default=None,
        help="threads for both sides (default: the BLAS threads nw.Trainer trains with)",
    )
    ap.add_argument("--cases", default="abc", help="which cases to run, e.g. 'ab'")
    ap.add_argument("--no-profile", action="store_true", help="skip the profile of case (a)")
    args = ap.parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 5)
    cases = [c for c in CASES if c.key in args.cases]

    n_blas, blas = blas_threads()
    if args.threads:
        threads, why = args.threads, "--threads"
    else:
        threads, why = trainer_default_threads(n_blas)
    info = machine_info()
    info["nnwidgets commit"] = git_state()
    print("nnwidgets trainer benchmark" + (" (quick)" if args.quick else ""))
    for k, v in info.items():
        print(f"  {k}: {v}")
    print(f"  numpy BLAS: {n_blas} threads — {blas}")
    use_threads(threads)
    print(f"  both sides train with {threads} thread(s) ({why}); torch: {torch.get_num_threads()}")

    budget = Budget(
        retries=args.retries if args.retries is not None else (0 if args.quick else 2),
        deadline=60 if args.quick else 150,
        wait_idle=args.wait_idle if args.wait_idle is not None else (0 if args.quick else 30),
    )
    load_before = load_average()
    print(f"  load average (1, 5, 15 min) before: {load_before}")
    start = time.perf_counter()
    rows: list[Row] = []
    checks: dict[str, dict[str, float]] = {}
    for case in cases:
        print(f"case ({case.key}): {case.title}")
        case_rows, checks[case.key] = bench_case(case, args.quick, repeats, budget, print)
        for opt, v in checks[case.key].items():
            print(f"  same-work check {opt}: max |Δparam| after 1.5 epochs = {v:.2e}")
        print(f"  ({time.perf_counter() - start:.0f} s so far)")
        rows += case_rows
    extra: list[Row] = []
    wide = [c for c in cases if c.key == "c"]
    if wide and not args.quick and not args.threads and n_blas > threads:
        print(f"case (c) again with {n_blas} threads on both sides")
        use_threads(n_blas)
        extra, _ = bench_case(wide[0], args.quick, repeats, budget, print)
        use_threads(threads)
    budget.wait_quiet(print)
    overhead = call_overhead(CASES[0], CASES[0].data())
    budgets = []
    for c in cases:
        budget.wait_quiet(print)
        print(f"time budget of case ({c.key}) ...")
        for dtype, opt in itertools.product(DTYPES, OPTIMIZERS):
            row = next(r for r in rows if r.case is c and r.dtype == dtype and r.opt == opt)
            budgets.append(time_budget(c, c.data(), dtype, opt, row.floor))
    prof = None
    if not args.no_profile or args.write:
        print("profiling case (a) ...")
        budget.wait_quiet(print)
        prof = profile_case_a(args.quick)
    elapsed = time.perf_counter() - start
    load_after = load_average()

    print()
    print(results_table(rows))
    if extra:
        print(f"case (c) with {n_blas} threads on both sides:")
        print(results_table(extra))
    for line in targets_text(rows, budgets):
        print(line)
    print(budget_text(budgets, rows))
    print(
        f"one tr.run_steps(1) call: {overhead[0] * 1e6:.0f} µs/step; "
        f"inside a long call: {overhead[1] * 1e6:.0f} µs/step"
    )
    if prof is not None:
        print()
        print(profile_text(prof))
    print(f"total {elapsed:.0f} s; load average after: {load_after}")

    if args.write:
        ctx = {
            "rows": rows,
            "extra_rows": extra,
            "cases": cases,
            "checks": checks,
            "info": info,
            "quick": args.quick,
            "repeats": repeats,
            "blas": blas,
            "blas_threads": n_blas,
            "threads": threads,
            "threads_why": why,
            "command": shlex.join([sys.executable, *sys.argv]),
            "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
            "elapsed": elapsed,
            "budget": budget,
            "load": (load_before, load_after),
            "profile": prof,
            "budgets": budgets,
            "call_overhead": overhead,
        }
        write_markdown(Path(args.write), ctx)
        print(f"wrote {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
