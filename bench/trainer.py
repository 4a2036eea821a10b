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
import cProfile
import datetime
import gc
import math
import os
import platform
import pstats
import shlex
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
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

TARGETS = {"a": 2.0, "b": 1.0}  # ours / torch (like for like), per case
OPTIMIZERS = {"sgd": {"lr": 0.03}, "adam": {"lr": 1e-3}}
DTYPES = ("float32", "float64")


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
         (2, 8, 8, 1), "tanh", "bce", 10, _moons, 150, 20, 25, 5),
    Case("b", "digits 64-128-64-10 relu, batch 64, cross_entropy",
         (64, 128, 64, 10), "relu", "cross_entropy", 64, _digits, 20, 2, 4, 1),
    Case("c", "wide 784-256-10 relu, synthetic 4096x784, batch 128, cross_entropy",
         (784, 256, 10), "relu", "cross_entropy", 128, _wide, 3, 1, 1, 1),
)  # fmt: skip


# ------------------------------------------------------------------------ our side
def make_ours(case: Case, ds: nw.Dataset, dtype: str, opt: str) -> nw.Trainer:
    init = "xavier" if case.activation == "tanh" else "he"
    model = nw.MLP(list(case.sizes), activation=case.activation, init=init, seed=0, dtype=dtype)
    optimizer = {"sgd": nw.optim.SGD, "adam": nw.optim.Adam}[opt](**OPTIMIZERS[opt])
    return nw.Trainer(
        model, ds, loss=case.loss, optimizer=optimizer, batch_size=case.batch_size, seed=0
    )


def run_ours(tr: nw.Trainer, n: int) -> None:
    done = tr.run_steps(n)
    if done != n:
        raise RuntimeError(f"our trainer stopped after {done} of {n} steps: {tr.divergence}")


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
    W = [(rng.standard_normal((a, b)) / math.sqrt(a)).astype(dtype) for a, b in zip(sizes, sizes[1:])]  # noqa: E501
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
    per_epoch = math.ceil(len(ds.X_train) / bs)
    return statistics.median(step_times), statistics.median(eval_times) / per_epoch


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
    spread: float  # largest (max - min) / median over the three timed sides

    @property
    def ratio(self) -> float:
        return self.torch / self.ours


def bench_case(case: Case, quick: bool, repeats: int, log) -> tuple[list[Row], dict]:
    ds = case.data()
    rows, checks = [], {}
    epochs = case.quick_epochs if quick else case.epochs
    warm = case.quick_warmup if quick else case.warmup
    for opt in OPTIMIZERS:
        checks[opt] = check_equivalence(case, ds, opt)
    for dtype in DTYPES:
        for opt in OPTIMIZERS:
            tr = make_ours(case, ds, dtype, opt)
            spe = tr.batches_per_epoch
            n, w = epochs * spe, warm * spe
            loop = TorchLoop(case, ds, make_ours(case, ds, dtype, opt), evaluate=True)
            plain = TorchLoop(case, ds, make_ours(case, ds, dtype, opt), evaluate=False)
            runs = {
                "ours": lambda k, tr=tr: run_ours(tr, k),
                "torch": loop.run_steps,
                "plain": plain.run_steps,
            }
            t = time_interleaved(runs, w, n, repeats)
            f_step, f_eval = matmul_floor(case, ds, dtype, repeats, max(20, n // 4))
            med = {k: statistics.median(v) for k, v in t.items()}
            spread = max((max(v) - min(v)) / statistics.median(v) for v in t.values())
            row = Row(
                case, dtype, opt, spe, med["ours"], med["torch"], med["plain"], f_step, f_eval,
                spread,
            )  # fmt: skip
            rows.append(row)
            log(
                f"  ({case.key}) {dtype} {opt:4s}: ours {1 / row.ours:9.0f}/s  "
                f"torch {1 / row.torch:9.0f}/s  ratio {row.ratio:5.2f}x  "
                f"(torch without eval {1 / row.torch_noeval:9.0f}/s; spread {spread:.0%})"
            )
    return rows, checks


# ------------------------------------------------------------------------- profile
def profile_case_a(quick: bool) -> dict:
    """Where our trainer's time goes in case (a), float64 SGD (the demo's setup)."""
    case = CASES[0]
    ds = case.data()
    steps = 3_200 if quick else 24_000
    out: dict = {"steps": steps}
    tr = make_ours(case, ds, "float64", "sgd")
    run_ours(tr, 320)
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
        out["sampled"] = [(k, v / total, v / steps) for k, v in top]
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
        ((func, _short(path), line), nc / n, tt / total, tt / n)
        for (path, line, func), (_cc, nc, tt, _ct, _callers) in items
    ]
    out["traced_steps"] = n
    return out


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
        "| torch no-eval steps/s | ratio vs no-eval | floor steps/s | ours / floor | spread |\n"
        "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|\n"
    )
    lines = []
    for r in rows:
        lines.append(
            f"| ({r.case.key}) | {r.dtype} | {r.opt} | {fmt_rate(r.ours)} | {fmt_rate(r.torch)} "
            f"| **{r.ratio:.2f}x** | {fmt_rate(r.torch_noeval)} | {r.torch_noeval / r.ours:.2f}x "
            f"| {fmt_rate(r.floor)} | {r.ours / r.floor:.1f}x | {r.spread:.0%} |"
        )
    return head + "\n".join(lines) + "\n"


def floor_table(rows: list[Row]) -> str:
    head = (
        "| case | dtype | optimizer | matmul floor µs/step | + eval matmuls µs/step | ours µs/step "
        "| torch µs/step | ours / (floor + eval) | torch / (floor + eval) |\n"
        "|---|---|---|--:|--:|--:|--:|--:|--:|\n"
    )
    lines = []
    for r in rows:
        full = r.floor + r.floor_eval
        lines.append(
            f"| ({r.case.key}) | {r.dtype} | {r.opt} | {r.floor * 1e6:.1f} | {r.floor_eval * 1e6:.1f} "
            f"| {r.ours * 1e6:.1f} | {r.torch * 1e6:.1f} | {r.ours / full:.2f}x | {r.torch / full:.2f}x |"  # noqa: E501
        )
    return head + "\n".join(lines) + "\n"


def targets_text(rows: list[Row]) -> list[str]:
    out = []
    for key, target in TARGETS.items():
        mine = [r for r in rows if r.case.key == key]
        if not mine:
            continue
        worst = min(mine, key=lambda r: r.ratio)
        missed = [f"{r.dtype} {r.opt} {r.ratio:.2f}x" for r in mine if r.ratio < target]
        verdict = "**met**" if not missed else "**not met** (" + ", ".join(missed) + ")"
        out.append(
            f"- case ({key}): target ≥ {target:.1f}x PyTorch — {verdict}; "
            f"lowest {worst.ratio:.2f}x ({worst.dtype} {worst.opt}), "
            f"highest {max(r.ratio for r in mine):.2f}x."
        )
    return out


def profile_text(prof: dict) -> str:
    lines = [
        f"Case (a), float64, SGD(lr=0.03), {prof['steps']:,} steps of `tr.run_steps` "
        "(epoch-end evaluation included).",
        "",
    ]
    if prof.get("sampled"):
        lines += [
            "Sampled with pyinstrument (0.1 ms interval); self time of each Python function, "
            "which includes the numpy calls it makes directly:",
            "",
            "| function | where | self % | µs/step |",
            "|---|---|--:|--:|",
        ]
        for (func, path, line), share, per in prof["sampled"]:
            where = f"{path}:{line}" if line else path
            lines.append(f"| `{func}` | {where} | {share:.1%} | {per * 1e6:.1f} |")
        lines.append("")
    lines += [
        f"Traced with cProfile over {prof['traced_steps']:,} steps (tracing inflates small "
        "calls; use the call counts and the ranking, not the absolute times); own time, "
        "numpy's C functions listed apart:",
        "",
        "| function | where | calls/step | own % | µs/step (traced) |",
        "|---|---|--:|--:|--:|",
    ]
    for (func, path, line), calls, share, per in prof["traced"]:
        where = f"{path}:{line}" if line else path
        lines.append(f"| `{func}` | {where} | {calls:.2f} | {share:.1%} | {per * 1e6:.1f} |")
    return "\n".join(lines) + "\n"


def write_markdown(path: Path, ctx: dict) -> None:
    rows: list[Row] = ctx["rows"]
    info = ctx["info"]
    steps = ", ".join(
        f"({c.key}) {((c.quick_epochs if ctx['quick'] else c.epochs))} epochs "
        f"= {next(r.steps_per_epoch for r in rows if r.case is c) * (c.quick_epochs if ctx['quick'] else c.epochs)} steps"  # noqa: E501
        for c in ctx["cases"]
    )
    checks = "\n".join(
        f"- ({key}) {opt}: max |Δparam| = {v:.2e}"
        for key, per in ctx["checks"].items()
        for opt, v in per.items()
    )
    machine = "\n".join(f"- {k}: {v}" for k, v in info.items())
    text = f"""# Trainer benchmark: nnwidgets vs PyTorch (CPU)

Generated by `bench/trainer.py` (see `bench/README.md` for what each number means).

- command: `{ctx["command"]}`
- date: {ctx["date"]}
- mode: {"quick" if ctx["quick"] else "full"}; median of {ctx["repeats"]} timed repeats after a
  warm-up, each repeat a whole number of epochs: {steps}
- threads: numpy BLAS {ctx["blas_threads"]} ({ctx["blas"]}); torch.set_num_threads({ctx["torch_threads"]})
- total run time: {ctx["elapsed"]:.0f} s; load average (1, 5, 15 min) before
  {ctx["load"][0]}, after {ctx["load"][1]} (this process alone adds about 1 to 2)

## Machine

{machine}

## Targets

{chr(10).join(targets_text(rows))}

The ratio is like for like: the PyTorch loop also evaluates loss and accuracy on the full
training and test parts at every epoch end (under `torch.no_grad()`), as our trainer does.

## Steps per second

{results_table(rows)}
- **ours**: `tr.run_steps(n)` — one minibatch update per step with everything our trainer does
  per step (divergence checks, gradient, weight and update norms, history row) and the
  epoch-end evaluation.
- **torch**: plain `nn.Sequential` loop on the same batches, with the same epoch-end evaluation.
- **torch no-eval**: the same loop without the epoch-end evaluation.
- **floor**: the step's matrix products alone (forward and backward, into preallocated arrays,
  back to back); **ours / floor** is our step time over that floor.

## Floors with the evaluation included

{floor_table(rows)}
"+ eval matmuls" is the forward products over the full training and test parts, spread over
the steps of one epoch: the minimum any trainer that evaluates at every epoch end must add.

## Same work on both sides

The two loops start from the same weights and draw the same batches; after 1.5 epochs in
float64 their parameters agree to:

{checks}

## Where the time goes (ours, case a)

{profile_text(ctx["profile"])}"""
    path.write_text(text)


# ------------------------------------------------------------------------------ main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="short smoke run")
    ap.add_argument("--write", metavar="PATH", help="write a markdown report")
    ap.add_argument("--repeats", type=int, default=None, help="timed repeats (default 5, 3 quick)")
    ap.add_argument("--cases", default="abc", help="which cases to run, e.g. 'ab'")
    ap.add_argument("--no-profile", action="store_true", help="skip the profile of case (a)")
    args = ap.parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 5)
    cases = [c for c in CASES if c.key in args.cases]

    n_blas, blas = blas_threads()
    torch.set_num_threads(n_blas)
    info = machine_info()
    print("nnwidgets trainer benchmark" + (" (quick)" if args.quick else ""))
    for k, v in info.items():
        print(f"  {k}: {v}")
    print(f"  numpy BLAS threads: {n_blas} — {blas}")
    print(f"  torch threads: {torch.get_num_threads()} (torch.set_num_threads({n_blas}))")

    load_before = load_average()
    print(f"  load average (1, 5, 15 min) before: {load_before}")
    start = time.perf_counter()
    rows: list[Row] = []
    checks: dict[str, dict[str, float]] = {}
    for case in cases:
        print(f"case ({case.key}): {case.title}")
        case_rows, checks[case.key] = bench_case(case, args.quick, repeats, print)
        for opt, v in checks[case.key].items():
            print(f"  same-work check {opt}: max |Δparam| after 1.5 epochs = {v:.2e}")
        rows += case_rows
    prof = None
    if not args.no_profile:
        print("profiling case (a) ...")
        prof = profile_case_a(args.quick)
    elapsed = time.perf_counter() - start
    load_after = load_average()

    print()
    print(results_table(rows))
    for line in targets_text(rows):
        print(line)
    if prof is not None:
        print()
        print(profile_text(prof))
    print(f"total {elapsed:.0f} s; load average after: {load_after}")

    if args.write:
        if prof is None:
            prof = profile_case_a(args.quick)
        ctx = {
            "rows": rows,
            "cases": cases,
            "checks": checks,
            "info": info,
            "quick": args.quick,
            "repeats": repeats,
            "blas": blas,
            "blas_threads": n_blas,
            "torch_threads": torch.get_num_threads(),
            "command": shlex.join([sys.executable, *sys.argv]),
            "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
            "elapsed": elapsed,
            "load": (load_before, load_after),
            "profile": prof,
        }
        write_markdown(Path(args.write), ctx)
        print(f"wrote {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
