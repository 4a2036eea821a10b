"""What play costs at the demo's lesson pace and flat out: JupyterLab + Debian's Chromium.

For each case the demo (``nw.demo()``) plays for ``--seconds`` (10) in a 1280x800 page:

- renders per second: a ``requestAnimationFrame`` loop in the page counts the frames in
  which the ``d`` of the loss view's batch-loss path changed;
- kernel CPU: the ipykernel process's CPU time (utime + stime from ``/proc``, all its
  threads) over those seconds, as a share of one core;
- steps per second: ``tr.step_count`` before Play and after Pause, over the time between
  the two clicks.

Cases: the lesson pace (``dash.speed = LESSON_SPEED``) and ``"max"`` on this checkout,
and "max" on ``--baseline`` (default 4e584ff, before the pace existed: its demo always
played flat out), served by a second JupyterLab whose kernels import that commit's
``nnwidgets`` from a temporary ``git worktree``. On a machine of two or more cores, "max"
is also played with the kernel and the Jupyter server held to one core and Chromium to
the others (``separate_cores``), as in a class where the kernel runs on the server and
the page on the student's laptop: a kernel training flat out then no longer takes the
page's CPU. The repeats take turns case by case, each play alone in a new page and
kernel (as a student's), and the report gives medians.

    python bench/pace.py
    python bench/pace.py --write bench/RESULTS-browser.md   # its section only

Uses the servers and page helpers of tests/browser and bench/browser.py.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if sys.path[0] != str(ROOT):
    sys.path.insert(0, str(ROOT))  # this checkout's nnwidgets and bench/
sys.path.insert(0, str(ROOT / "tests" / "browser"))

import servers  # noqa: E402

from bench import browser as bench_browser  # noqa: E402
from nnwidgets.widgets.pace import LESSON_SPEED  # noqa: E402

HEADING = "## Pace (lesson pace and max)"
CPU_TARGET = 0.05  # of one core, at the lesson pace
VIEWPORT = {"width": 1280, "height": 800}
DEMO_SOURCE = "import nnwidgets as nw\ndash = nw.demo()\ntr = dash.trainer\ndash"

LESSON = f"lesson pace ({LESSON_SPEED:g} steps/s)"
MAX_NOW = '"max"'
MAX_SPLIT = '"max", kernel and page on separate cores'
GOAL_RENDERS = 25.0  # renders/s at "max": the dashboard's goal, which #14 keeps

# A requestAnimationFrame loop: counts the frames in which the loss view's batch-loss
# path had a new ``d``. The element is kept and looked up again only when bqplot
# replaced it, so that the counter itself costs the page next to nothing.
RAF_JS = """
() => {
  if (window.__pace) window.__pace.on = false;
  const batchPath = () => {
    const fig = document.querySelector(
      '.nnw-view-loss.bqplot.figure, .nnw-view-loss .bqplot.figure');
    const group = fig && fig.querySelector('.svg-figure g[clip-path]');
    return group ? group.querySelector('path.line') : null;
  };
  const c = {on: true, changed: 0, ticks: 0, el: batchPath(), t0: performance.now()};
  c.last = c.el ? c.el.getAttribute('d') : null;
  const tick = () => {
    if (!c.on) return;
    c.ticks++;
    if (!c.el || !c.el.isConnected) c.el = batchPath();
    const d = c.el ? c.el.getAttribute('d') : null;
    if (d !== null && d !== c.last) { c.changed++; c.last = d; }
    requestAnimationFrame(tick);
  };
  window.__pace = c;
  requestAnimationFrame(tick);
}
"""
RAF_READ_JS = """
() => { const c = window.__pace; c.on = false;
        return {changed: c.changed, ticks: c.ticks, ms: performance.now() - c.t0}; }
"""


# ----------------------------------------------------------------- measuring
def cpu_seconds(pid: int) -> float:
    """utime + stime of one process (all its threads), in seconds."""
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")


def load_average() -> str:
    return ", ".join(f"{v:.2f}" for v in os.getloadavg())


def split_cpus(cpus: set[int]) -> tuple[set[int], set[int]]:
    """``cpus`` split for ``separate_cores``: the lowest for the kernel and the server,
    the rest for Chromium. Needs two or more."""
    if len(cpus) < 2:
        raise ValueError(f"cpus: need two or more to separate, got {sorted(cpus)}")
    first = min(cpus)
    return {first}, set(cpus) - {first}


def pin(pid: int, cpus: set[int]) -> None:
    """Hold every thread of process ``pid`` to ``cpus`` (threads started later inherit it).
    Threads that end meanwhile are skipped."""
    for tid in os.listdir(f"/proc/{pid}/task"):
        with contextlib.suppress(ProcessLookupError):
            os.sched_setaffinity(int(tid), cpus)


@contextlib.contextmanager
def separate_cores():
    """While inside: the kernels and Jupyter servers this script started on one core,
    Chromium on the others; afterwards all of them on every core again."""
    everything = os.sched_getaffinity(0)
    server_side, page_side = split_cpus(everything)

    def pin_all(side: dict[str, set[int]]) -> None:
        for pid, role in bench_browser.descendant_roles().items():
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                pin(pid, side["server" if role in ("kernel", "server") else "page"])

    pin_all({"server": server_side, "page": page_side})
    try:
        yield
    finally:
        pin_all({"server": everything, "page": everything})


class Demo:
    """One demo notebook open in a page of its own, on one JupyterLab."""

    def __init__(self, browser, server, path: str, tree: Path, can_pace: bool) -> None:
        import pages

        self.context = browser.new_context(viewport=VIEWPORT)
        self.context.set_default_timeout(60_000)
        self.page = self.context.new_page()
        self.can_pace = can_pace
        self.nb = pages.LabNotebook(self.page, server, path).open()
        self.nb.run_all_and_wait()
        pages.dashboard_rendered(self.page)
        where = self.cell_text("nw.__file__")
        if not Path(where).resolve().is_relative_to(tree.resolve()):
            raise RuntimeError(f"the kernel imported {where}, not the nnwidgets of {tree}")
        self.nnwidgets = where
        self.pid = int(self.cell_text("__import__('os').getpid()"))

    def cell_text(self, expr: str) -> str:
        out = self.nb.add_and_run_cell(f"print('bench', {expr})", expect="bench", timeout=60)
        return out.strip().splitlines()[-1].split(" ", 1)[1]

    def play(self, speed, seconds: float) -> dict:
        """Reset, set the pace (when this code has one), play ``seconds``, pause."""
        import pages

        page = self.page
        page.bring_to_front()
        page.locator(".nnw-reset").click()
        pages.wait_status(page, r"^epoch 0 · step 0\b")
        if self.can_pace:
            self.nb.add_and_run_cell(
                f"dash.speed = {speed!r}\nprint('bench', dash.speed)", expect="bench"
            )
        steps0 = int(self.cell_text("tr.step_count"))
        page.locator(".nnw-dashboard").first.evaluate("(d) => d.scrollIntoView()")
        page.evaluate(RAF_JS)
        roles0 = bench_browser.process_cpu()
        cpu0, t0 = cpu_seconds(self.pid), time.monotonic()
        page.locator("button.nnw-play").click()
        time.sleep(seconds)
        counted = page.evaluate(RAF_READ_JS)
        cpu1, t1 = cpu_seconds(self.pid), time.monotonic()
        roles1 = bench_browser.process_cpu()
        bench_browser.pause(page)
        t2 = time.monotonic()
        steps = int(self.cell_text("tr.step_count")) - steps0
        return {
            "renders_per_s": counted["changed"] * 1000 / counted["ms"],
            "raf_per_s": counted["ticks"] * 1000 / counted["ms"],
            "kernel_cpu": (cpu1 - cpu0) / (t1 - t0),
            # Chromium's renderers (all pages), and all of Chromium, as a share of one core
            "renderer_cpu": (roles1.get("renderer", 0.0) - roles0.get("renderer", 0.0)) / (t1 - t0),
            "chromium_cpu": sum(
                roles1.get(role, 0.0) - roles0.get(role, 0.0)
                for role in ("renderer", "chromium, other")
            )
            / (t1 - t0),
            "steps_per_s": steps / (t2 - t0),
        }

    def close(self) -> None:
        self.nb.shutdown()
        self.context.close()


def play_alone(
    browser, server, path: str, tree: Path, speed, seconds: float, can_pace: bool = True, held=None
) -> dict:
    """Open ``path`` in a new page and kernel, play it ``seconds`` at ``speed`` (inside the
    context manager ``held``, when given), close both: ``Demo.play``'s measures and the
    ``nnwidgets`` the kernel imported. One page at a time, as a student's: an idle
    JupyterLab page costs the machine a few per cent of a core, and the cells each play
    adds would pile up in one notebook."""
    demo = Demo(browser, server, path, tree, can_pace=can_pace)
    try:
        with held or contextlib.nullcontext():
            r = demo.play(speed, seconds)
    finally:
        demo.close()
    return {**r, "nnwidgets": demo.nnwidgets}


def baseline_tree(rev: str, parent: Path) -> Path:
    """A detached ``git worktree`` of ``rev`` under ``parent``."""
    tree = parent / f"baseline-{re.sub(r'[^A-Za-z0-9]', '-', rev)}"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), rev],
        check=True,
        capture_output=True,
        text=True,
    )
    return tree


def remove_tree(tree: Path) -> None:
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
        check=False,
        capture_output=True,
    )


def start_lab(tree: Path, home: Path):
    """A JupyterLab whose kernels import ``nnwidgets`` from ``tree`` (PYTHONPATH first)."""
    root = home / "root"
    root.mkdir(parents=True)
    servers.write_notebook(root / "pace.ipynb", DEMO_SOURCE)
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tree), saved]))
    try:
        return servers.start_jupyterlab(root, home)
    finally:
        if saved is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = saved


def measure(args) -> dict:
    from playwright.sync_api import sync_playwright

    before = f"max, before ({args.baseline})"
    split = len(os.sched_getaffinity(0)) >= 2
    cases = [MAX_NOW, before, LESSON] + ([MAX_SPLIT] if split else [])
    results: dict = {"cases": {case: [] for case in cases}, "before": before}
    results["nproc"] = os.cpu_count() or 1
    labs, tree = [], None
    with tempfile.TemporaryDirectory(prefix="nnw-bench-pace-") as tmp:
        tmp = Path(tmp)
        pw = sync_playwright().start()
        browser = servers.launch_chromium(pw)
        try:
            results["chromium"] = browser.version
            labs.append(start_lab(ROOT, tmp / "now"))
            tree = baseline_tree(args.baseline, tmp)
            labs.append(start_lab(tree, tmp / "before"))
            served = {"now": (labs[0], ROOT, True), "before": (labs[1], tree, False)}
            plan = [
                (MAX_NOW, "now", "max"),
                (before, "before", None),
                (LESSON, "now", LESSON_SPEED),
            ] + ([(MAX_SPLIT, "now", "max")] if split else [])
            for i in range(args.repeats):
                for case, which, speed in plan:
                    lab, where, can_pace = served[which]
                    held = separate_cores() if case == MAX_SPLIT else None
                    r = play_alone(
                        browser, lab, "pace.ipynb", where, speed, args.seconds, can_pace, held
                    )
                    results["cases"][case].append(r)
                    print(
                        f"  {i + 1}. {case}: {r['renders_per_s']:.1f} renders/s "
                        f"({r['raf_per_s']:.0f} rAF/s), kernel {100 * r['kernel_cpu']:.1f}% "
                        f"of a core, Chromium {100 * r['chromium_cpu']:.0f}%, "
                        f"{r['steps_per_s']:,.0f} steps/s",
                        flush=True,
                    )
        finally:
            browser.close()
            pw.stop()
            for lab in labs:
                lab.stop()
            if tree is not None:
                remove_tree(tree)
    return results


# ----------------------------------------------------------------- the report (pure)
def summary(repeats: list[dict]) -> dict:
    """Medians of the repeats, and the range of the renders per second."""
    rates = [r["renders_per_s"] for r in repeats]
    return {
        "renders_per_s": statistics.median(rates),
        "renders_min": min(rates),
        "renders_max": max(rates),
        "raf_per_s": statistics.median(r["raf_per_s"] for r in repeats),
        "kernel_cpu": statistics.median(r["kernel_cpu"] for r in repeats),
        "chromium_cpu": statistics.median(r["chromium_cpu"] for r in repeats),
        "steps_per_s": statistics.median(r["steps_per_s"] for r in repeats),
        "n": len(repeats),
    }


def rate_pairs(cases: dict, first: str, second: str) -> list[tuple[float, float]]:
    """Renders/s of ``first``'s and ``second``'s repeats, pair by pair as they were played
    one after the other (none when ``second`` was not measured)."""
    return [
        (a["renders_per_s"], b["renders_per_s"])
        for a, b in zip(cases[first], cases.get(second, []), strict=False)
    ]


def cpu_verdict(lesson: dict) -> str:
    """The lesson pace's kernel CPU against the 5% target."""
    cpu = lesson["kernel_cpu"]
    met = "met" if cpu <= CPU_TARGET else "not met"
    return (
        f"- kernel CPU at the lesson pace <= {100 * CPU_TARGET:.0f}% of a core: **{met}** "
        f"({100 * cpu:.1f}%, median of {lesson['n']})."
    )


def renders_verdict(now: dict, before: dict, pairs: list | None = None) -> str:
    """Renders/s at max now against before: not lower beyond the spread of the repeats.

    Met when the median now is at least the median before, or when the two cases'
    ranges overlap (the difference is within what repeats of one case differ by).
    ``pairs`` (now, before) of the repeats played one after the other are counted too."""
    lower = now["renders_per_s"] < before["renders_per_s"]
    overlap = now["renders_max"] >= before["renders_min"]
    met = not lower or overlap
    if not lower:
        how = "the median now is at least the median before"
    elif overlap:
        how = "lower, but within the spread: the ranges of the repeats overlap"
    else:
        how = "lower beyond the spread: every repeat now is below every repeat before"
    paired = ""
    if pairs:
        ahead = sum(a >= b for a, b in pairs)
        paired = (
            f"; repeat by repeat (each pair played one after the other), now at or above "
            f"before in {ahead} of {len(pairs)}"
        )
    return (
        f'- renders/s at "max" not lower than before: **{"met" if met else "not met"}** '
        f"({now['renders_per_s']:.1f} now, range {now['renders_min']:.1f}-"
        f"{now['renders_max']:.1f}; {before['renders_per_s']:.1f} before, range "
        f"{before['renders_min']:.1f}-{before['renders_max']:.1f}: {how}{paired})."
    )


def goal_verdict(shared: dict, split: dict | None, pairs: list | None = None) -> str:
    """Renders/s at "max" against the goal, with the page sharing the machine's cores with
    the kernel and (when measured) with the two on separate cores; ``pairs`` (shared,
    separate) of the repeats played one after the other are counted too."""

    def verdict(v: dict) -> str:
        met = "met" if v["renders_per_s"] >= GOAL_RENDERS else "not met"
        return (
            f"**{met}** ({v['renders_per_s']:.1f}, range {v['renders_min']:.1f}-"
            f"{v['renders_max']:.1f})"
        )

    line = (
        f'- {GOAL_RENDERS:g} renders/s at "max" (the goal): with the page and the kernel '
        f"sharing every core, {verdict(shared)}"
    )
    if split is None:
        return line + "; not measured with separate cores (one core only)."
    paired = ""
    if pairs:
        ahead = sum(b >= a for a, b in pairs)
        paired = f"; separate at or above shared in {ahead} of {len(pairs)} pairs"
    return (
        f"{line}; with the kernel and the Jupyter server on one core and Chromium on the "
        f"others, {verdict(split)}{paired}."
    )


# Where the kernel's time went at the lesson pace (2026-12-06, commit de03fcf): the same
# play, 10 s, medians of 2 interleaved plays, the kernel patched from a cell for the
# measurement only (per-thread CPU from /proc/PID/task, thread_time around the refresh
# and around tr.run_steps, a cProfile of the main thread); load average 4 to 7.
KERNEL_TIME = [
    "",
    "  Where the kernel's time goes at the lesson pace (measured once, by patching the",
    "  kernel from a cell; about 16% of a core in all):",
    "  - a spin, 4.4 points: while a refresh is due and the page has not acknowledged the",
    "    last ones, `Runner._play` waits `min(next step due, deadline)`, and that deadline",
    "    has passed, so it loops on `asyncio.sleep(0)`: 4,600 to 8,000 loop turns a second",
    "    (66 with the wait bounded by `PAGE_POLL_SECONDS` instead; 16.1% became 11.7%);",
    "  - the refreshes, 16 to 22 a second: 4.7% on the main thread (2.4 to 2.6 ms of CPU",
    "    each; 1.2 ms with only the loss view and status drawn), and 2.5% on the kernel's",
    "    other threads (sending the widget messages, taking the acknowledgements);",
    "  - the 60 steps, 2.1%: a step after a 17 ms sleep costs about 0.4 ms of CPU, 0.07 ms",
    "    back to back (the same in a plain process: caches gone cold in the sleep); three",
    "    steps a wake every 50 ms cost 0.21 ms a step, six every 100 ms 0.13 ms;",
    "  - the event loop and the kernel's busy/idle messages, the remaining 1.5 to 2%.",
    "  With the spin gone and refreshes capped (`refresh_hz`): 10.3% at 15 Hz, 8.9% at",
    "  10 Hz, 7.2% at 10 Hz with the loss view and status only, 6.7% at 5 Hz. Under 5%",
    "  needs the spin gone, fewer or cheaper refreshes at a slow pace, and steps run a few",
    "  at a time per wake rather than one per wake.",
    "  Since then (the table above measures it): the spin is gone (a paced play waiting for",
    "  the page looks again every `PAGE_POLL_SECONDS`), and the steps due run together,",
    "  one wake per refresh. On 2026-12-07 (commit d286e53) a paced play refreshes at most",
    "  `PACED_HZ` (6, was 10) times a second, asks the page for an acknowledgement at most",
    "  once a second (was every second refresh), draws the slow views at `View.paced_hz`",
    "  (the boundary 5 a second, the others 2), and the loss view sends its per-epoch",
    "  lines only when an epoch ended. Interleaved plays of the same page, load average",
    "  about 6: 9.4% of a core with 10 refreshes a second and an acknowledgement every",
    "  second refresh, 6.9% with all of the above (3 plays each); 10 s of play sent 680",
    "  widget messages instead of 1,020.",
    "  Then (commit after a5c6a4d): at most 5 paced refreshes a second, the slow views",
    "  but the boundary and network once a second (each weights or gradients refresh costs",
    "  the kernel about ten of the loss view's: 1.6 to 1.8 ms of CPU against 0.3 ms, plus",
    "  their messages), the status line twice a second, histogram ranges that shrink after",
    "  two updates rather than one (40% fewer range changes, each two axis messages), and",
    "  the loss view's ticks laid out only when its axes' ends move. Interleaved plays of",
    "  the same page, the old settings set from a cell: 5.5% of a core before, 4.8% after",
    "  (4 plays each, medians; 10 s of play sent about 500 widget messages instead of 600).",
]


def pace_section(r: dict, command: str, date: str, loads: tuple[str, str], seconds: float) -> str:
    """The markdown section: the table, the command, the load, the verdicts."""
    s = {case: summary(reps) for case, reps in r["cases"].items()}
    n = max(v["n"] for v in s.values())
    nproc = r.get("nproc", 2)
    lines = [
        HEADING,
        "",
        "Generated by `bench/pace.py` (the rest of this file by `bench/browser.py`).",
        "",
        f"- command: `{command}`",
        f"- date: {date} UTC",
        f"- load average (1, 5, 15 min) before: {loads[0]}; after: {loads[1]} "
        f"(a shared {nproc}-core machine)",
        f"- chromium: {r.get('chromium', '?')}, viewport 1280x800",
        "",
        f"`nw.demo()` played {seconds:g} s per repeat, {n} repeats taking turns case by case",
        "(max, max before, lesson pace, ...), each play alone in a new page and kernel;",
        "medians. Renders/s counts the",
        "`requestAnimationFrame` ticks in which the loss view's batch-loss path changed.",
        "Kernel CPU is the ipykernel process's utime + stime over the play, per second;",
        "Chromium CPU the same for all of Chromium's processes (the page's renderer, the",
        "browser, its GPU and other helpers).",
        f'"Before" is commit {r["before"].split("(")[-1].rstrip(")")}, whose demo always '
        "played flat out, served",
        "by a second JupyterLab from a temporary `git worktree`.",
        *(
            [
                f"{MAX_SPLIT} is the same play with the kernel and the Jupyter server held",
                "to one core and Chromium to the others (`sched_setaffinity` on every thread),",
                "as when the kernel runs on a class's server and the page on the student's",
                "laptop: the page no longer competes with a kernel training flat out. On this",
                f"machine of {nproc} cores that leaves Chromium {nproc - 1}.",
            ]
            if MAX_SPLIT in s
            else []
        ),
        "",
        "| case | renders/s (median) | range | rAF ticks/s | kernel CPU, % of a core "
        "| Chromium CPU, % of a core | steps/s |",
        "| --- | --: | --: | --: | --: | --: | --: |",
    ]
    for case, v in s.items():
        lines.append(
            f"| {case} | {v['renders_per_s']:.1f} | {v['renders_min']:.1f}-"
            f"{v['renders_max']:.1f} | {v['raf_per_s']:.0f} | {100 * v['kernel_cpu']:.1f} | "
            f"{100 * v['chromium_cpu']:.0f} | {v['steps_per_s']:,.0f} |"
        )
    lines += ["", "Verdicts:", ""]
    if LESSON in s:
        lines.append(cpu_verdict(s[LESSON]))
        if s[LESSON]["kernel_cpu"] > CPU_TARGET:
            lines += KERNEL_TIME
    if MAX_NOW in s and r["before"] in s:
        pairs = rate_pairs(r["cases"], MAX_NOW, r["before"])
        lines.append(renders_verdict(s[MAX_NOW], s[r["before"]], pairs))
    if MAX_NOW in s:
        pairs = rate_pairs(r["cases"], MAX_NOW, MAX_SPLIT)
        lines.append(goal_verdict(s[MAX_NOW], s.get(MAX_SPLIT), pairs))
    lines.append("")
    lines += busy_note(loads[0], nproc, s.get(MAX_NOW))
    return "\n".join(lines)


def busy_note(load_before: str, nproc: int, flat_out: dict | None) -> list[str]:
    """A warning when the machine was busier than its cores before the run."""
    try:
        load = float(load_before.split(",")[0])
    except ValueError:
        return []
    if load <= nproc:
        return []
    share = (
        ""
        if flat_out is None
        else f" (flat out, the kernel got {100 * flat_out['kernel_cpu']:.0f}% of a core)"
    )
    return [
        f"The machine was busy: a 1-minute load average of {load:.1f} on {nproc} cores{share}.",
        "Other processes took most of the CPU, so renders/s and steps/s are low and spread",
        "wide, and the comparison at max is weak: measure again on a quiet machine.",
        "",
    ]


def section_span(text: str, heading: str = HEADING) -> tuple[int, int] | None:
    """Where the section under ``heading`` sits in ``text`` (start, end), or None."""
    start = text.find(heading + "\n")
    if start < 0:
        return None
    nxt = re.search(r"^## ", text[start + len(heading) :], flags=re.M)
    return start, len(text) if nxt is None else start + len(heading) + nxt.start()


def section_of(text: str, heading: str = HEADING) -> str | None:
    """The section under ``heading`` (the pace's by default) of a report ``text``, or
    None: ``bench/browser.py`` keeps it when it rewrites the rest of the report."""
    span = section_span(text, heading)
    return None if span is None else text[span[0] : span[1]].rstrip("\n") + "\n"


def replace_section(text: str, section: str) -> str:
    """``text`` with the section under ``section``'s heading (its first line) replaced by
    ``section`` (appended when absent); the rest of the file untouched."""
    span = section_span(text, section.split("\n", 1)[0])
    if span is None:
        return text.rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n"
    start, end = span
    tail = text[end:]
    return text[:start] + section.rstrip("\n") + "\n" + ("\n" + tail if tail else "")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", metavar="PATH", help="write the pace section into this report")
    ap.add_argument("--seconds", type=float, default=10.0, help="play per repeat (default 10)")
    ap.add_argument("--repeats", type=int, default=3, help="repeats per case (default 3)")
    ap.add_argument("--baseline", default="4e584ff", help="commit before the pace (4e584ff)")
    ap.add_argument("--json", metavar="PATH", help="also save the raw repeats as JSON")
    args = ap.parse_args(argv)
    if args.repeats < 1 or args.seconds <= 0:
        ap.error("--repeats must be >= 1 and --seconds > 0")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        print("bench/pace.py needs playwright: pip install 'nnwidgets[test]'", file=sys.stderr)
        return 2
    if not servers.chromium_available():
        print(f"{servers.CHROMIUM} is missing: make browser", file=sys.stderr)
        return 2
    date = f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M}"
    load_before = load_average()
    r = measure(args)
    if args.json:
        Path(args.json).write_text(json.dumps(r, indent=1))
    command = shlex.join([Path(sys.executable).name, *sys.argv])
    section = pace_section(r, command, date, (load_before, load_average()), args.seconds)
    print()
    print(section)
    if args.write:
        path = Path(args.write)
        text = path.read_text() if path.exists() else ""
        path.write_text(replace_section(text, section))
        print(f"wrote {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
