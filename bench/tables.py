"""The trainer benchmark's tables and the verdicts of its targets."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from .rows import NOISY, Row, StepRow

TARGETS = {"a": 4.0, "b": 2.5, "c": 1.0}  # ours / torch (like for like), per case (issue 6)
FLOOR_TARGET = ("c", 1.5)  # the wide net's step within this factor of its matmul floor
STEP_TARGET = ("a", 4.0)  # a loop of tr.step() against torch (issue 13, item 10)


def fmt_rate(seconds: float) -> str:
    """Seconds per step as steps per second, e.g. ``31,414``."""
    return f"{1 / seconds:,.0f}"


def _noise(row) -> str:
    return (
        f"{row.spread:.0%}"
        + (" ⚠" if row.spread > NOISY else "")
        + (f" ({row.attempts} tries)" if row.attempts > 1 else "")
    )


def results_table(rows: list[Row]) -> str:
    """The steps-per-second table of ``run_steps`` against torch."""
    head = (
        "| case | dtype | optimizer | ours steps/s | torch steps/s | ratio ours/torch "
        "| best-of ratio | torch no-eval steps/s | ratio vs no-eval | floor steps/s "
        "| ours / floor | spread |\n"
        "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n"
    )
    lines = [
        f"| ({r.case.key}) | {r.dtype} | {r.opt} | {fmt_rate(r.ours)} | {fmt_rate(r.torch)} "
        f"| **{r.ratio:.2f}x** | {r.best_ratio:.2f}x "
        f"| {fmt_rate(r.torch_noeval)} | {r.torch_noeval / r.ours:.2f}x "
        f"| {fmt_rate(r.floor)} | {r.ours / r.floor:.1f}x | {_noise(r)} |"
        for r in rows
    ]
    return head + "\n".join(lines) + "\n"


def step_table(rows: list[StepRow]) -> str:
    """The public-step table: ``tr.step()`` and ``run_steps`` against torch."""
    head = (
        "| case | dtype | optimizer | tr.step() steps/s | run_steps steps/s | torch steps/s "
        "| ratio step/torch | best-of ratio | ratio run_steps/torch | torch no-eval steps/s "
        "| ratio step/no-eval | step() beyond run_steps µs | spread |\n"
        "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n"
    )
    lines = [
        f"| ({r.case.key}) | {r.dtype} | {r.opt} | {fmt_rate(r.step)} | {fmt_rate(r.run_steps)} "
        f"| {fmt_rate(r.torch)} | **{r.ratio:.2f}x** | {r.best_ratio:.2f}x "
        f"| {r.torch / r.run_steps:.2f}x | {fmt_rate(r.torch_noeval)} "
        f"| {r.torch_noeval / r.step:.2f}x | {(r.step - r.run_steps) * 1e6:.1f} | {_noise(r)} |"
        for r in rows
    ]
    return head + "\n".join(lines) + "\n"


def floor_table(rows: list[Row]) -> str:
    """Matmul floors with the evaluation's products, beside both step times."""
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


def ceiling(r: Row) -> float:
    """The ratio a trainer would reach if its step cost only its matrix products."""
    return r.torch / (r.floor + r.floor_eval)


def full_ceiling(r: Row, budget: dict) -> float:
    """The ratio a numpy trainer would reach doing only the matrix products and the
    elementwise work no trainer can skip (both floors, evaluation included)."""
    return r.torch / (r.floor + r.floor_eval + budget["elementwise"])


def without_diagnostics(r: Row, budget: dict) -> float:
    """The ratio our step would reach without its per-step diagnostics (checks, norms,
    undo copies, history row): forward and backward, update and evaluation only."""
    return r.torch / (budget["step"] - budget["diagnostics"])


def budget_row(budgets: Sequence[dict], r) -> dict | None:
    """The step-in-parts entry of ``r``'s case, dtype and optimizer, if measured."""
    return next(
        (b for b in budgets if (b["case"], b["dtype"], b["opt"]) == (r.case.key, r.dtype, r.opt)),
        None,
    )


def targets_text(rows: list[Row], budgets: Sequence[dict] = ()) -> list[str]:
    """The verdict of each case's ratio target, and of case (c)'s floor target."""
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


def step_targets_text(
    steps: list[StepRow], rows: list[Row], budgets: Sequence[dict] = ()
) -> list[str]:
    """The public step's verdicts: case (a)'s target, and each other row's ratio beside
    the run_steps ratio and the floor-limited ratio the step in parts computes."""
    out = []
    key, target = STEP_TARGET
    mine = [s for s in steps if s.case.key == key]
    if mine:
        missed = [f"{s.dtype} {s.opt} {s.ratio:.2f}x" for s in mine if s.ratio < target]
        verdict = "**met**" if not missed else "**not met** (" + ", ".join(missed) + ")"
        noisy = sum(s.spread > NOISY for s in mine)
        if noisy:
            verdict += f" ⚠ {noisy} of its {len(mine)} rows noisy"
        each = ", ".join(
            f"{s.dtype} {s.opt} {s.ratio:.2f}x (`run_steps` alongside {s.torch / s.run_steps:.2f}x)"
            for s in mine
        )
        out.append(
            f"- public step, case ({key}): a loop of `tr.step()` (a Snapshot each) against "
            f"PyTorch's plain loop, target ≥ {target:.1f}x — {verdict}; {each}."
        )
    for s in steps:
        if s.case.key == key:
            continue
        row = next(
            (r for r in rows if (r.case.key, r.dtype, r.opt, r.threads) == (
                s.case.key, s.dtype, s.opt, 1)),
            None,
        )  # fmt: skip
        b = budget_row(budgets, s)
        text = (
            f"- public step, case ({s.case.key}) {s.dtype} {s.opt}: `tr.step()` "
            f"{s.ratio:.2f}x PyTorch (`run_steps` alongside {s.torch / s.run_steps:.2f}x"
        )
        if row is not None:
            text += f"; in Steps per second {row.ratio:.2f}x"
            if b is not None:
                text += f" of a possible {full_ceiling(row, b):.2f}x (torch / (all floors))"
        out.append(text + ")" + (" ⚠ noisy" if s.spread > NOISY else "") + ".")
    return out


def budget_text(budgets: list[dict], rows: list[Row]) -> str:
    """The step-in-parts table."""
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


def profile_text(prof: dict) -> str:
    """The sampled and traced profiles of case (a)."""
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


def busy_text(budget) -> str:
    """The other processes' CPU share seen before the measurements."""
    seen = budget.busy_seen
    if not seen:
        return "other processes' load not watched (--wait-idle 0)"
    return (
        f"CPU share of other processes just before each measurement: median "
        f"{statistics.median(seen):.0%}, max {max(seen):.0%}"
    )
