"""Where our step's time goes: the step split into parts, each timed on its own through
public operations, the elementwise floor, and the profile of case (a)."""

from __future__ import annotations

import copy
import cProfile
import math
import pstats
import statistics
import time
from pathlib import Path

import numpy as np

import nnwidgets as nw
from nnwidgets.core.blas import limited

from .cases import CASE, Case, Encoded, encoded, make_ours, run_ours
from .timing import time_floor

ROOT = Path(__file__).resolve().parent.parent


def _median_of(fn, count: int) -> float:
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        fn(count)
        times.append((time.perf_counter() - t0) / count)
    return statistics.median(times)


def public_evaluation(tr: nw.Trainer, data: Encoded) -> dict[str, float]:
    """What ``tr.evaluate()`` computes, by the public operations it is made of: the model's
    buffered forward pass on each encoded part, the loss's value and labels, the penalty.
    (``evaluate()`` itself returns a cached result while the weights stay as they are.)"""
    model, loss = tr.model, tr.loss
    out = {}
    for part, X, y, labels in (
        ("train", data.X_train, data.y_train, data.labels_train),
        ("test", data.X_test, data.y_test, data.labels_test),
    ):
        raw = model.forward_buffered(X, with_ones=True)
        out[f"{part}_loss"] = loss.value(raw, y)
        if labels is not None:
            out[f"{part}_acc"] = np.count_nonzero(loss.labels(raw) == labels) / len(X)
    out["penalty"] = model.penalty(tr.l1, tr.l2)
    return out


def _check_same(mine: dict[str, float], theirs: dict[str, float]) -> None:
    for k, v in mine.items():
        if not math.isclose(v, theirs[k], rel_tol=1e-6, abs_tol=1e-12):
            raise RuntimeError(f"the timed evaluation differs from tr.evaluate(): {k} {v} != "
                               f"{theirs[k]}")  # fmt: skip


def time_budget(case: Case, ds: nw.Dataset, dtype: str, opt: str, floor: float) -> dict:
    """Our step split into its parts, each timed on its own (medians of 5), in seconds
    per step: the forward and backward pass, the epoch-end evaluation spread over the
    epoch, the optimizer's update, and the rest: what the trainer does per step for the
    dashboard and the divergence guard (finiteness checks, gradient, weight and update
    norms, the undo copies, the history row), batch gathering and Python's own cost.

    Only public operations: the step is ``tr.run_steps``; the parts are the model's,
    loss's and optimizer's public calls on the data as ``encoded`` rebuilds it."""
    tr = make_ours(case, ds, dtype, opt)
    spe = tr.batches_per_epoch
    run_ours(tr, spe)
    n = max(spe, int(0.2 / max(floor, 1e-6)) // spe * spe)  # about 0.2 s at the floor
    model, loss = tr.model, tr.loss
    data = encoded(tr)
    _check_same(public_evaluation(tr, data), tr.evaluate())  # the same work as the trainer's
    idx = np.arange(case.batch_size)
    Xb, yb = data.X_train[idx], data.y_train[idx]

    def backprop(count: int) -> None:
        for _ in range(count):
            model.loss_and_grad(Xb, yb, loss, with_ones=True)

    def evaluate(count: int) -> None:
        for _ in range(count):
            public_evaluation(tr, data)

    optimizer, params = copy.deepcopy(tr.optimizer), model.flat_params.copy()

    def update(count: int) -> None:
        for _ in range(count):
            optimizer.step_flat(params, model.flat_grads, model.layout)

    # the context tr.run_steps enters around its steps: the BLAS limit, no float warnings
    with limited(tr.blas_threads), np.errstate(over="ignore", invalid="ignore"):
        step = _median_of(lambda k: run_ours(tr, k), n)
        fwd_bwd = _median_of(backprop, n)
        ev = _median_of(evaluate, max(3, n // spe // 4)) / spe
        upd = _median_of(update, n)
        ew_step, ew_eval = elementwise_floor(tr, data, case, n)
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


def elementwise_floor(tr: nw.Trainer, data: Encoded, case: Case, n: int) -> tuple[float, float]:
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
    y = data.y_train[:bs]
    p = model.flat_params.copy()
    g = (1e-3 * rng.standard_normal(p.size)).astype(dtype)
    optimizer, layout = copy.deepcopy(tr.optimizer), model.layout
    n_all = len(data.y_train) + len(data.y_test)
    ZE = [rng.standard_normal((n_all, w)).astype(dtype) for w in sizes[1:]]
    AE = [np.empty_like(z) for z in ZE[:-1]]
    yE = np.concatenate([data.y_train, data.y_test])

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
        return time_floor(step, evaluation, 5, n, tr.batches_per_epoch)


# ------------------------------------------------------------------------- profile
def profile_case_a(quick: bool) -> dict:
    """Where our trainer's time goes in case (a), float64 SGD (the demo's setup)."""
    case = CASE["a"]
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
