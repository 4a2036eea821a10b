"""Dashboard overhead, refresh cost and scale, measured side by side in one process.

    python bench/dashboard.py [--quick] [--write bench/RESULTS-dashboard.md]

1. Overhead: steps per second of the demo network while the Dashboard plays with every
   view attached (the Runner on an asyncio loop, no browser), over the headless trainer.
2. Refresh cost: Python time of one full refresh of every view, and the bytes the widget
   messages of that refresh would send (JSON plus binary buffers).
3. Scale: refresh time and history memory of two real runs, of 10^3 and of 10^6 steps,
   their refreshes timed in turn.
Medians of several repeats; no timed assertions anywhere.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ipywidgets import Widget

import nnwidgets as nw
from nnwidgets.views import VIEWS

ALL_VIEWS = tuple(VIEWS)
FIVE_VIEWS = ("loss", "weights", "gradients", "activations", "boundary")


def demo_trainer() -> nw.Trainer:
    """The demo's network and data: two moons, 2-8-8-1 tanh, SGD, batch 10."""
    ds = nw.datasets.moons(n_samples=200, noise=0.15, seed=0)
    return nw.Trainer(
        nw.MLP([2, 8, 8, 1], activation="tanh", seed=0),
        ds,
        optimizer=nw.optim.SGD(lr=0.1),
        batch_size=10,
        seed=0,
    )


class MessageCounter:
    """Counts what widget messages would send, instead of sending them."""

    def __init__(self) -> None:
        self.messages = 0
        self.bytes = 0
        self._original = Widget._send

    def __enter__(self):
        counter = self

        def record(widget, msg, buffers=None):
            counter.messages += 1
            counter.bytes += len(json.dumps(msg, default=str))
            counter.bytes += sum(memoryview(b).nbytes for b in buffers or [])

        Widget._send = record
        return self

    def __exit__(self, *exc):
        Widget._send = self._original

    def reset(self) -> None:
        self.messages = self.bytes = 0


def headless_rate(seconds: float) -> tuple[float, float]:
    """Steps per second of wall-clock time and per second of this process's CPU time."""
    tr = demo_trainer()
    tr.run_steps(2000)
    t0, c0 = time.perf_counter(), time.process_time()
    done = 0
    while time.perf_counter() - t0 < seconds:
        done += tr.run_steps(500)
    return done / (time.perf_counter() - t0), done / (time.process_time() - c0)


def playing_rate(seconds: float, views) -> tuple[float, float, int]:
    """As ``headless_rate`` while the dashboard plays, and the refreshes it made."""
    tr = demo_trainer()
    tr.run_steps(2000)
    dash = nw.Dashboard(tr, views=views)

    async def play():
        dash.play()
        await asyncio.sleep(0.2)  # warm up the chunk size
        start, t0, c0 = tr.step_count, time.perf_counter(), time.process_time()
        refreshes = dash.runner.refreshes
        await asyncio.sleep(seconds)
        done = tr.step_count - start
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        dash.pause()
        await dash.runner.wait()
        return done / wall, done / cpu, dash.runner.refreshes - refreshes

    return asyncio.run(play())


def refresh_cost(dash, counter: MessageCounter, repeats: int = 30) -> tuple[float, float, int]:
    times, sizes, counts = [], [], []
    for _ in range(repeats):
        dash.trainer.run_steps(7)
        counter.reset()
        t0 = time.perf_counter()
        dash.refresh()
        times.append(time.perf_counter() - t0)
        sizes.append(counter.bytes)
        counts.append(counter.messages)
    return statistics.median(times), statistics.median(sizes), int(statistics.median(counts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    parser.add_argument("--write", metavar="PATH", help="write a markdown report")
    args = parser.parse_args()
    seconds = 1.0 if args.quick else 3.0
    repeats = 3 if args.quick else 7
    big = 10**5 if args.quick else 10**6
    lines = []

    with MessageCounter() as counter:
        # 1. overhead, alternating headless and playing runs so load changes hit both
        lines += [
            "## 1. Dashboard overhead (demo network, Runner at 20 Hz, no browser)",
            "",
            "| views | headless steps/s | playing steps/s | ratio playing/headless "
            "| ratio per CPU second | refreshes/s |",
            "|---|--:|--:|--:|--:|--:|",
        ]
        verdicts = []
        for label, views in (
            ("the five of the dashboard issue", FIVE_VIEWS),
            ("all seven (with network and landscape)", ALL_VIEWS),
        ):
            ratios, cpu_ratios, head, play, refreshes = [], [], [], [], []
            for _ in range(repeats):
                h, h_cpu = headless_rate(seconds)
                p, p_cpu, r = playing_rate(seconds, views)
                head.append(h)
                play.append(p)
                refreshes.append(r / seconds)
                ratios.append(p / h)
                cpu_ratios.append(p_cpu / h_cpu)
            ratio, cpu_ratio = statistics.median(ratios), statistics.median(cpu_ratios)
            lines.append(
                f"| {label} | {statistics.median(head):,.0f} | {statistics.median(play):,.0f} "
                f"| **{ratio:.3f}x** | {cpu_ratio:.3f}x | {statistics.median(refreshes):.1f} |"
            )
            verdicts.append(
                f"{label}: **{'met' if ratio >= 0.95 else 'not met'}** (median {ratio:.4f}; "
                "repeats: "
                + ", ".join(f"{x:.3f}" for x in ratios)
                + "; per CPU second: "
                + ", ".join(f"{x:.3f}" for x in cpu_ratios)
                + ")"
            )
        lines += [
            "",
            "Target >= 0.95x (wall clock): " + "; ".join(verdicts) + ".",
            "",
            "The ratio per CPU second counts steps per second of this process's CPU time: "
            "it measures the same overhead without the time other processes take from it. "
            "Where the two agree, the spread between repeats is the process's own variation "
            "(caches, clock speed), not other load.",
            "",
            "Where the overhead goes (plays of all seven views with the Runner's calls timed, "
            "2026-11-26): the refreshes take 2.7% of the time, about 1.4 ms each at 20 a "
            "second. A view's update alone, run again and again, costs 0.14 ms (landscape) to "
            "0.76 ms (gradients), the loss view 0.17-0.27 ms; in play each refresh runs on "
            "caches the steps have just filled, and much of its time is ipywidgets' and "
            "traitlets' own per-change work. The Runner's loop itself takes 0.1-0.2%. Steps "
            "between refreshes ran 0-5% slower than headless ones, differently in every "
            "play: the caches the refresh evicted, and the clock. So the ratio sits about "
            "4-5% below 1, and a single run's median moves by a percent either way.",
            "",
        ]

        # 2. refresh cost, default views and every view
        rows = []
        for label, views in (
            ("default views", ("loss", "weights", "gradients", "boundary")),
            ("every view", ALL_VIEWS),
        ):
            tr = demo_trainer()
            tr.run(20)
            dash = nw.Dashboard(tr, views=views)
            t, size, count = refresh_cost(dash, counter)
            rows.append((label, t, size, count))
        lines += [
            "## 2. Cost of one full refresh (demo network after 20 epochs)",
            "",
            "| views | Python time (ms) | bytes sent | messages |",
            "|---|--:|--:|--:|",
            *[
                f"| {label} | {t * 1e3:.2f} | {size:,.0f} | {count} |"
                for label, t, size, count in rows
            ],
            "",
            "Targets: under 5 ms and under 64 KB. The boundary grid is one batched forward pass "
            "drawn as one canvas-backed `HeatMap`; arrays travel as float32 binary buffers, and "
            "unchanged arrays are not sent again.",
            "",
        ]

        # 3. scale: two real runs of the demo, one of 10^3 steps and one of `big` steps,
        # their refreshes timed in turn so that a change of load hits both alike
        dashes = {}
        for target in (10**3, big):
            tr = demo_trainer()
            tr.run_steps(target)
            dashes[target] = nw.Dashboard(tr, views=ALL_VIEWS)
        times, sizes = {target: [] for target in dashes}, {}
        for _ in range(repeats):
            for target, dash in dashes.items():
                t, sizes[target], _ = refresh_cost(dash, counter, repeats=10)
                times[target].append(t)
        scale = {
            target: (statistics.median(times[target]), dash.trainer.history.nbytes(), sizes[target])
            for target, dash in dashes.items()
        }
        (t1, m1, b1), (t2, m2, b2) = scale[10**3], scale[big]
        lines += [
            f"## 3. Scale: after 10^3 and after {big:,} steps (every view)",
            "",
            "| steps | refresh (ms) | history memory (bytes) | bytes per refresh |",
            "|--:|--:|--:|--:|",
            f"| 1,000 | {t1 * 1e3:.2f} | {m1:,} | {b1:,.0f} |",
            f"| {big:,} | {t2 * 1e3:.2f} | {m2:,} | {b2:,.0f} |",
            f"| ratio | **{t2 / t1:.2f}** | **{m2 / m1:.2f}** | {b2 / b1:.2f} |",
            "",
            f"Refresh times: medians of {repeats} rounds of 10 refreshes, the two runs in turn.",
            "",
            "Target: both ratios <= 1.2. Plotted series are decimated (each bucket's min and max "
            "kept) from a history whose arrays are preallocated, never the full run.",
            "",
        ]

    header = [
        "# Dashboard benchmark",
        "",
        f"- command: `{' '.join([Path(sys.executable).name, *sys.argv])}`",
        f"- date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {platform.platform()}, {os.cpu_count()} cores, python "
        f"{platform.python_version()}, load average before {os.getloadavg()[0]:.2f}",
        f"- OPENBLAS_CORETYPE: {os.environ.get('OPENBLAS_CORETYPE', '(unset)')}",
        "",
    ]
    report = "\n".join(header + lines)
    print(report)
    if args.write:
        Path(args.write).write_text(report + "\n")


if __name__ == "__main__":
    main()
