"""Steps per second of ``nw.Trainer`` against an equivalent PyTorch CPU loop.

Both run in this process, on the same data, the same shapes, the same batches (the same
seeded permutation per epoch), the same initial weights and the same optimizer, in float32
and float64. Each number is the median of several timed repeats after a warm-up. Our trainer
is reached through its public API only.

    python bench/trainer.py                 # full run (about 3-4 minutes on 2 cores)
    python bench/trainer.py --quick         # a smoke run (about 30 seconds when quiet)
    python bench/trainer.py --write bench/RESULTS.md

The parts: ``cases.py`` (networks, data, our trainer and its PyTorch twin), ``timing.py``
(the timing loops and rows), ``parts.py`` (the step in parts, the profile), ``tables.py``
(tables and verdicts), ``report.py`` (the markdown), ``machine.py`` (the machine).
See bench/README.md for what each column means.
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import shlex
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if sys.path[0] != str(ROOT):
    sys.path.insert(0, str(ROOT))  # measure the checkout this file sits in, and its bench/

try:
    import torch
except ImportError:  # pragma: no cover - the bench extra is needed
    sys.exit("bench/trainer.py needs PyTorch: pip install 'nnwidgets[bench]'")

# bench's own modules, once the checkout is on the path and torch is known to be there
from bench import cases, machine, parts, report, tables, timing  # noqa: E402


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
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
    ap.add_argument("--no-step", action="store_true", help="skip the public tr.step() rows")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Measure, print the tables and verdicts, and write the report when asked."""
    args = parse(argv)
    repeats = args.repeats or (3 if args.quick else 5)
    chosen = [c for c in cases.CASES if c.key in args.cases]

    n_blas, blas = machine.blas_threads()
    if args.threads:
        threads, why = args.threads, "--threads"
    else:
        threads, why = cases.trainer_default_threads(n_blas)
    info = machine.machine_info()
    info["nnwidgets commit"] = machine.git_state()
    print("nnwidgets trainer benchmark" + (" (quick)" if args.quick else ""))
    for k, v in info.items():
        print(f"  {k}: {v}")
    print(f"  numpy BLAS: {n_blas} threads — {blas}")
    cases.use_threads(threads)
    print(f"  both sides train with {threads} thread(s) ({why}); torch: {torch.get_num_threads()}")

    budget = timing.Budget(
        retries=args.retries if args.retries is not None else (0 if args.quick else 2),
        deadline=60 if args.quick else 150,
        wait_idle=args.wait_idle if args.wait_idle is not None else (0 if args.quick else 30),
    )
    load_before = machine.load_average()
    print(f"  load average (1, 5, 15 min) before: {load_before}")
    start = time.perf_counter()
    rows, checks = [], {}
    for case in chosen:
        print(f"case ({case.key}): {case.title}")
        case_rows, checks[case.key] = timing.bench_case(case, args.quick, repeats, budget, print)
        for opt, v in checks[case.key].items():
            print(f"  same-work check {opt}: max |Δparam| after 1.5 epochs = {v:.2e}")
        print(f"  ({time.perf_counter() - start:.0f} s so far)")
        rows += case_rows
    steps = []
    if not args.no_step:
        print("public step: a loop of tr.step() against torch (SGD)")
        steps = timing.bench_public_step(args.cases, args.quick, repeats, budget, print)
    extra = []
    if "c" in args.cases and not args.quick and not args.threads and n_blas > threads:
        print(f"case (c) again with {n_blas} threads on both sides")
        cases.use_threads(n_blas)
        extra, _ = timing.bench_case(cases.CASE["c"], args.quick, repeats, budget, print)
        cases.use_threads(threads)
    budget.wait_quiet(print)
    overhead = timing.call_overhead(cases.CASE["a"], cases.CASE["a"].data())
    budgets = []
    for c in chosen:
        budget.wait_quiet(print)
        print(f"time budget of case ({c.key}) ...")
        for dtype, opt in itertools.product(cases.DTYPES, cases.OPTIMIZERS):
            row = next(r for r in rows if r.case is c and r.dtype == dtype and r.opt == opt)
            budgets.append(parts.time_budget(c, c.data(), dtype, opt, row.floor))
    prof = None
    if not args.no_profile or args.write:
        print("profiling case (a) ...")
        budget.wait_quiet(print)
        prof = parts.profile_case_a(args.quick)
    elapsed = time.perf_counter() - start
    load_after = machine.load_average()

    print()
    print(tables.results_table(rows))
    if steps:
        print("public step:")
        print(tables.step_table(steps))
    if extra:
        print(f"case (c) with {n_blas} threads on both sides:")
        print(tables.results_table(extra))
    for line in tables.targets_text(rows, budgets) + tables.step_targets_text(steps, rows, budgets):
        print(line)
    print(tables.budget_text(budgets, rows))
    print(
        f"one tr.run_steps(1) call: {overhead[0] * 1e6:.0f} µs/step; "
        f"inside a long call: {overhead[1] * 1e6:.0f} µs/step"
    )
    if prof is not None:
        print()
        print(tables.profile_text(prof))
    print(f"total {elapsed:.0f} s; load average after: {load_after}")

    if args.write:
        ctx = {
            "rows": rows,
            "extra_rows": extra,
            "step_rows": steps,
            "cases": chosen,
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
        report.write_markdown(Path(args.write), ctx)
        print(f"wrote {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
