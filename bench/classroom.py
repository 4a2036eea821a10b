"""How many students one machine serves: ``nnwidgets serve`` with N Chromium pages playing.

For each N of ``--students`` (1, 4, 8, 16) a fresh ``python -m nnwidgets serve`` (the
playground, ``--cull-after`` 15 s) runs on 127.0.0.1, and one headless Chromium opens N
students, each in a browser context of its own (a 1366x768 page, a student's laptop),
one after the other:
the page opens the served playground, waits for its status line and presses Play (the
playground plays at the lesson pace, ``LESSON_SPEED`` steps/s). Once all play:

- renders per second per page, counted in the page: a ``requestAnimationFrame`` loop counts
  the frames in which the ``d`` of the loss view's batch-loss path changed, over
  ``--seconds``; steps per second from the status line before and after;
- CPU (utime + stime from ``/proc``, all threads) over the same seconds: each student's
  kernel (an ipykernel process under the server, matched to the page by its kernel id),
  the server's other processes (Voila, the preheated kernel) and Chromium's processes
  apart; RSS of each kernel at the end;
- a newcomer: from ``goto`` to the status line visible, while the N students play;
- every tab closed, half the students' normally (beforeunload: Voila's shutdown beacon),
  the other half vanishing (no beforeunload: play pauses ``page_timeout`` later, then the
  kernel is culled): the student kernels still running 30 s later (goal 0).

Students per core = N / (the server's CPU in cores: its kernels and Voila), the browsers
left out since they run on this machine only for the benchmark. Goal: at least 20.

    python bench/classroom.py --write bench/RESULTS-classroom.md
    python bench/classroom.py --quick

Uses the server, browser and /proc helpers of tests/browser (servers.py, processes.py).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import re
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "browser"))  # servers.py, processes.py

import processes  # noqa: E402  (tests/browser: the /proc helpers the browser tests use)

from bench.pace import RAF_JS, RAF_READ_JS  # noqa: E402  (the page's render counter)
from nnwidgets.widgets.pace import LESSON_SPEED  # noqa: E402
from nnwidgets.widgets.runner import PAGE_TIMEOUT  # noqa: E402

GOAL_PER_CORE = 20.0  # students per core at the lesson pace
PLAYING_STEPS = LESSON_SPEED / 2  # steps/s of a page that counts as playing
PLAYING_CPU = 0.01  # of a core: a kernel below it had stopped playing
CLOSED_WAIT = 30.0  # seconds after every tab closed when the kernels are counted
WATCH_MORE = 30.0  # and at most this much longer, to say when the last one went
VIEWPORT = {"width": 1366, "height": 768}  # a student's laptop (the views in sight count)
FIRST_WAIT = 45.0  # seconds for a dashboard before the student reloads the page
RELOAD_WAIT = 60.0  # ... and after the reload, before the student gives up
GIVE_UP = 2  # students who could not join before no more are let in (this N)
IOPUB_TIMEOUT = "Timeout waiting for IOPub output"  # nbclient's, logged by the server
CULLED = "Culling 'idle' kernel"  # jupyter_server's, when it culls one
STATUS = ".nnw-playground .nnw-status .widget-html-content"
PLAY = ".nnw-playground button.nnw-play"
STATUS_RE = r"epoch \d+ · step \d+"
KERNEL_WS_RE = re.compile(r"/api/kernels/([0-9a-f-]{36})/channels")

# the views a page shows inside its window (those play redraws: see widgets/sight.py)
IN_SIGHT_JS = """
() => Array.from(document.querySelectorAll('.nnw-playground .nnw-view')).filter((v) => {
  const r = v.getBoundingClientRect();
  return r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth;
}).map((v) => Array.from(v.classList).find((c) => c.startsWith('nnw-view-')).slice(9))
"""

TEXT_JS = "(sel) => { const el = document.querySelector(sel); return el ? el.textContent : ''; }"
MESSAGE = ".nnw-playground .nnw-message .widget-html-content"  # why play stopped, if it did


# ----------------------------------------------------------------- processes (/proc)
def server_processes(server_pid: int) -> dict[str, dict[int, processes.Proc]]:
    """The server's processes now, by role: kernels and the rest (the server itself)."""
    kernels, rest = {}, {}
    for pid, proc in processes.tree(server_pid).items():
        (kernels if proc.is_kernel else rest)[pid] = proc
    return {"kernels": kernels, "rest": rest}


def chromium_cpu() -> float:
    """CPU seconds so far of the Chromium processes under this script."""
    below = processes.descendants(os.getpid()).values()
    return sum(p.cpu for p in below if b"chromium" in p.cmd)


def load_average() -> tuple[float, float, float]:
    return tuple(round(v, 2) for v in os.getloadavg())


# ----------------------------------------------------------------- the server
def start_server(home: Path, cull_after: int, max_kernels: int):
    """``python -m nnwidgets serve`` (the playground) on a free port of 127.0.0.1."""
    import servers

    port = servers.free_port()
    cmd = [
        sys.executable,
        "-m",
        "nnwidgets",
        "serve",
        f"--port={port}",
        f"--max-kernels={max_kernels}",
        f"--cull-after={cull_after}",
    ]
    env = servers.jupyter_env(home)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    server = servers._spawn(
        "nnwidgets serve", cmd, env, cwd=home, log_path=home / "serve.log", port=port, root_dir=home
    )
    servers._wait_until_up(server, "/voila/static/favicon.ico", servers.START_TIMEOUT)
    return server


def wait_pool_ready(server, taken: set[str], timeout: float = 90.0) -> float:
    """Wait until a preheated kernel (one no page has taken) has run the playground: it
    uses almost no CPU. Returns the seconds waited (``timeout`` when none got ready)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        pool = {
            pid
            for pid, r in server_processes(server.proc.pid)["kernels"].items()
            if r.kernel_id not in taken
        }
        if pool:
            c0 = {pid: processes.cpu_seconds(pid) for pid in pool}
            time.sleep(1.0)
            c1 = {pid: processes.cpu_seconds(pid) for pid in pool}
            if any(c1[pid] - c0[pid] < 0.05 for pid in c1 if pid in c0):
                return time.monotonic() - t0
        else:
            time.sleep(0.5)
    return timeout


def log_warnings(server, limit: int = 6) -> list[str]:
    """The server log's last warnings and errors (for a run that failed)."""
    keep = ("WARNING", "ERROR", "Timeout", "Error")
    lines = [
        line.strip()
        for line in server.log_text().splitlines()
        if any(k in line for k in keep)
        and "running over TCP without encryption" not in line
        and "is not trusted" not in line
    ]
    return lines[-limit:]


def stop_server(server) -> int:
    """Stop the server; kill whatever of it is left (returns how many were)."""
    seen = set(processes.tree(server.proc.pid))
    server.stop(timeout=30)
    left = [pid for pid in seen if processes.alive(pid)]
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return len(left)


# ----------------------------------------------------------------- the students
def step_of(status: str) -> int:
    """The step in a status line ('epoch E · step S ...'), 0 when there is none."""
    m = re.search(r"\bstep (\d+)\b", status)
    return int(m.group(1)) if m else 0


class Student:
    """One student: a browser context and page on the served playground."""

    def __init__(self, browser, server, name: str) -> None:
        self.name = name
        self.kernel_ids: set[str] = set()
        self.context = browser.new_context(viewport=VIEWPORT)
        self.context.set_default_timeout(120_000)
        self.page = self.context.new_page()
        self.page.on("websocket", self._on_websocket)
        self.reloads = 0
        self.failure: str | None = None
        t0 = time.monotonic()
        try:
            response = self.page.goto(server.url("/"), timeout=90_000)
            if response is None or response.status != 200:
                raise RuntimeError(f"HTTP {response and response.status}")
            try:
                self._wait_dashboard(FIRST_WAIT)
            except Exception:  # no dashboard yet: the student reloads the page once
                self.reloads += 1
                self.page.reload(timeout=90_000)
                self._wait_dashboard(RELOAD_WAIT)
        except Exception as err:  # the student could not join: said in the report
            self.failure = f"{type(err).__name__}: {str(err).splitlines()[0][:200]}"
        self.join_s = time.monotonic() - t0

    @property
    def ok(self) -> bool:
        """Whether the student got a working dashboard."""
        return self.failure is None

    def _wait_dashboard(self, seconds: float) -> None:
        self.page.locator(STATUS).first.wait_for(state="visible", timeout=seconds * 1000)
        self.page.wait_for_function(
            "(p) => { const el = document.querySelector(p[0]);"
            " return el && new RegExp(p[1]).test(el.textContent); }",
            arg=[STATUS, STATUS_RE],
            timeout=seconds * 1000,
        )

    def _on_websocket(self, ws) -> None:
        m = KERNEL_WS_RE.search(ws.url)
        if m:
            self.kernel_ids.add(m.group(1))

    def status(self) -> str:
        return self.page.evaluate(TEXT_JS, STATUS) or ""

    def message(self) -> str:
        """The dashboard's message line (a pause's reason, a refused input)."""
        return (self.page.evaluate(TEXT_JS, MESSAGE) or "").strip()

    def step(self) -> int:
        return step_of(self.status())

    def play(self) -> None:
        """Press Play; returns once the status line has moved on."""
        old = self.status()
        self.page.locator(PLAY).first.click()
        self.page.wait_for_function(
            "(p) => { const el = document.querySelector(p[0]);"
            " return el && el.textContent !== p[1]; }",
            arg=[STATUS, old],
            timeout=120_000,
        )

    def close(self, beacon: bool) -> None:
        """Close the tab: normally (beforeunload, the shutdown beacon) or vanishing."""
        with contextlib.suppress(Exception):
            self.page.close(run_before_unload=beacon)
            if beacon:
                time.sleep(0.2)  # let the beacon leave before the context goes
        with contextlib.suppress(Exception):
            self.context.close()


def play_window(server, students: list[Student], seconds: float) -> dict:
    """Counts over ``seconds`` while every student plays."""
    for s in students:
        s.page.evaluate(RAF_JS)
    steps0 = [(s.step(), time.monotonic()) for s in students]
    procs0, chrome0, t0 = server_processes(server.proc.pid), chromium_cpu(), time.monotonic()
    time.sleep(seconds)
    counted = [s.page.evaluate(RAF_READ_JS) for s in students]
    procs1, chrome1, t1 = server_processes(server.proc.pid), chromium_cpu(), time.monotonic()
    statuses = [(s.status(), time.monotonic()) for s in students]
    steps1 = [(step_of(t), at) for t, at in statuses]
    wall = t1 - t0
    mine = {k for s in students for k in s.kernel_ids}

    def delta(role: str, pid: int) -> float:
        before = procs0[role].get(pid)
        return procs1[role][pid].cpu - (before.cpu if before else 0.0)

    student_cpu, student_rss, other_cpu = [], [], 0.0
    for pid, row in procs1["kernels"].items():
        if row.kernel_id in mine:
            student_cpu.append(delta("kernels", pid) / wall)
            student_rss.append(row.rss_mb)
        else:
            other_cpu += delta("kernels", pid) / wall  # the preheated kernel
    voila_cpu = sum(delta("rest", pid) for pid in procs1["rest"]) / wall
    return {
        "in_sight": [s.page.evaluate(IN_SIGHT_JS) for s in students],
        "renders_per_s": [c["changed"] * 1000 / c["ms"] for c in counted],
        "raf_per_s": [c["ticks"] * 1000 / c["ms"] for c in counted],
        "steps_per_s": [
            (b - a) / (tb - ta) for (a, ta), (b, tb) in zip(steps0, steps1, strict=True)
        ],
        "kernel_cpu": student_cpu,
        "kernel_rss_mb": student_rss,
        "pool_cpu": other_cpu,
        "voila_cpu": voila_cpu,
        "voila_rss_mb": sum(r.rss_mb for r in procs1["rest"].values()),
        "chromium_cpu": (chrome1 - chrome0) / wall,
        "load": load_average(),
        "stopped_status": [
            t for (t, _), (a, _), (b, _) in zip(statuses, steps0, steps1, strict=True) if b == a
        ],
        "stopped_message": [
            s.message()
            for s, (a, _), (b, _) in zip(students, steps0, steps1, strict=True)
            if b == a
        ],
    }


def watch_closed(server, kernel_ids: set[str]) -> tuple[int, float | None]:
    """Student kernels still running ``CLOSED_WAIT`` s after the tabs closed, and when
    the last of them went (None when not within ``CLOSED_WAIT + WATCH_MORE``)."""
    t0 = time.monotonic()
    left_at_wait, gone_at = None, None
    while time.monotonic() - t0 < CLOSED_WAIT + WATCH_MORE:
        kernels = server_processes(server.proc.pid)["kernels"]
        alive = sum(1 for r in kernels.values() if r.kernel_id in kernel_ids)
        now = time.monotonic() - t0
        if alive == 0 and gone_at is None:
            gone_at = now
        if now >= CLOSED_WAIT and left_at_wait is None:
            left_at_wait = alive
        if left_at_wait is not None and gone_at is not None:
            break
        time.sleep(0.5)
    return (left_at_wait or 0), gone_at


def run_class(browser, n: int, args, tmp: Path) -> dict:
    """One server, ``n`` students playing; everything measured for this N."""
    out: dict = {"students": n, "error": None, "started": 0}
    print(f"N = {n}: starting the server")
    server = start_server(tmp / f"n{n}", args.cull_after, max_kernels=max(40, n + 4))
    students: list[Student] = []
    failed: list[Student] = []
    newcomer = None
    try:
        try:
            taken: set[str] = set()
            out["pool_waits"] = []
            for i in range(n):
                out["pool_waits"].append(wait_pool_ready(server, taken))
                s = Student(browser, server, f"student {i + 1}")
                taken |= s.kernel_ids
                if not s.ok:
                    failed.append(s)
                    print(f"  {s.name} could not join ({s.join_s:.0f} s): {s.failure}")
                    if len(failed) >= GIVE_UP:
                        break
                    continue
                students.append(s)
                s.play()
                out["started"] = len(students)
                print(f"  {s.name} joined in {s.join_s:.1f} s and plays")
            # the pool's new kernel runs the playground once after the last join: the
            # steady state a class plays in begins when it is done (a join's own cost
            # shows in the newcomer's wait)
            out["settle_s"] = wait_pool_ready(server, taken)
            time.sleep(2.0)
            out.update(play_window(server, students, args.seconds))
            print(
                f"  renders/s median {statistics.median(out['renders_per_s']):.1f}, "
                f"kernels {100 * sum(out['kernel_cpu']):.0f}% + Voila "
                f"{100 * out['voila_cpu']:.0f}% of a core, Chromium "
                f"{100 * out['chromium_cpu']:.0f}%, load {out['load']}"
            )
            out["newcomer_pool_wait"] = wait_pool_ready(server, taken)
            newcomer = Student(browser, server, "newcomer")
            if newcomer.ok:
                out["newcomer_s"] = newcomer.join_s
                print(f"  a newcomer waited {newcomer.join_s:.1f} s")
            else:
                out["newcomer_failure"] = newcomer.failure
                print(f"  the newcomer could not join ({newcomer.join_s:.0f} s)")
        except Exception as err:  # what happened goes into the report
            out["error"] = f"{type(err).__name__}: {str(err).splitlines()[0][:300]}"
            print(f"  failed after {len(students)} student(s): {out['error']}")
        out["join_failures"] = [s.failure for s in failed]
        if failed or out.get("error") or out.get("newcomer_failure"):
            out["log"] = log_warnings(server)
        out["joins"] = [s.join_s for s in students]
        everyone = [*students, *failed, *([newcomer] if newcomer is not None else [])]
        out["reloads"] = sum(s.reloads for s in everyone)
        out["iopub_timeouts"] = server.log_text().count(IOPUB_TIMEOUT)
        out["culled_before_closing"] = server.log_text().count(CULLED)
        ids = {k for s in everyone for k in s.kernel_ids}
        for s in failed:
            s.close(beacon=True)
        for i, s in enumerate(students):
            s.close(beacon=i % 2 == 0)
        if newcomer is not None:
            newcomer.close(beacon=True)
        out["closed_vanished"] = len(students) // 2
        out["closed_normally"] = len(everyone) - len(students) // 2
        out["left_after_wait"], out["all_gone_s"] = watch_closed(server, ids)
        print(f"  {out['left_after_wait']} student kernel(s) left {CLOSED_WAIT:.0f} s after")
    finally:
        for s in [*students, *failed]:
            s.close(beacon=False)
        out["left_after_stop"] = stop_server(server)
    return out


def measure(args) -> dict:
    import servers
    from playwright.sync_api import sync_playwright

    results: dict = {"runs": [], "load_before": load_average()}
    with tempfile.TemporaryDirectory(prefix="nnw-bench-class-") as tmp:
        pw = sync_playwright().start()
        browser = servers.launch_chromium(pw)
        try:
            results["chromium"] = browser.version
            for n in args.students:
                try:
                    results["runs"].append(run_class(browser, n, args, Path(tmp)))
                except Exception as err:  # the server did not start: said in the report
                    message = f"{type(err).__name__}: {str(err).splitlines()[0][:300]}"
                    results["runs"].append({"students": n, "error": message, "started": 0})
        finally:
            browser.close()
            pw.stop()
    results["load_after"] = load_average()
    return results


# ----------------------------------------------------------------- the report (pure)
def server_cores(run: dict) -> float:
    """The server's CPU while the students played, in cores: kernels and Voila."""
    return sum(run["kernel_cpu"]) + run["pool_cpu"] + run["voila_cpu"]


def views_in_sight(runs: list[dict]) -> str:
    """The views the pages showed inside their windows, as one text ('' if unknown)."""
    seen = {", ".join(v) for r in runs for v in r.get("in_sight", [])}
    return "; ".join(sorted(seen))


def joined(run: dict) -> int:
    """How many students of the run joined (N, unless some could not)."""
    return len(run.get("renders_per_s", []))


def playing_pages(run: dict) -> list[int]:
    """The students (indexes) whose dashboard still played through the window."""
    return [i for i, v in enumerate(run.get("steps_per_s", [])) if v >= PLAYING_STEPS]


def playing(run: dict) -> int:
    """How many students played through the window (at least half the lesson pace)."""
    return len(playing_pages(run))


def students_per_core(run: dict) -> float:
    """Students one core serves at this N's measured cost."""
    cores = server_cores(run)
    return playing(run) / cores if cores > 0 else float("inf")


def ms_per_render(run: dict) -> float:
    """The server's CPU milliseconds per render drawn in a page (all pages together)."""
    renders = sum(run["renders_per_s"])
    return 1000 * server_cores(run) / renders if renders > 0 else float("inf")


def measured(run: dict) -> bool:
    """Whether the play window of this run was measured."""
    return "renders_per_s" in run and bool(run["renders_per_s"])


def verdict(runs: list[dict], goal: float = GOAL_PER_CORE) -> str:
    """The goal's verdict on the lowest students per core over the measured runs."""
    done = [r for r in runs if measured(r)]
    if not done:
        return f"- at least {goal:g} students per core: **not measured** (no run finished)"
    worst = min(done, key=students_per_core)
    value = students_per_core(worst)
    word = "met" if value >= goal else "not met"
    per = 100 * server_cores(worst) / playing(worst)
    line = (
        f"- at least {goal:g} students per core at the lesson pace: **{word}** "
        f"({value:.1f} students per core, the lowest of the runs, at {_n(worst)}:"
        f" {per:.1f}% of a core per student for its kernel and its share of Voila)"
    )
    if value >= goal:
        return line
    cost, rate = ms_per_render(worst), statistics.median(worst["renders_per_s"])
    return (
        f"{line}.\n- what it would take: the goal allows {1000 / goal:.0f} ms of the server's"
        f" CPU per student per second. At {_n(worst)} the server spent"
        f" {cost:.1f} ms per render drawn, at {rate:.1f} renders/s per page: the goal needs"
        f" at most {1000 / goal / cost:.1f} renders/s per page at that cost, or at most"
        f" {1000 / goal / rate:.1f} ms per render at that rate"
    )


def _n(run: dict) -> str:
    n = run["students"]
    return f"N = {n}" if playing(run) == n else f"N = {n} ({playing(run)} playing)"


def _mb(values: list[float]) -> str:
    return f"{statistics.median(values):.0f} ({min(values):.0f}–{max(values):.0f})"


def _pct(values: list[float]) -> str:
    return (
        f"{100 * statistics.median(values):.1f} ({100 * min(values):.1f}–{100 * max(values):.1f})"
    )


def table(runs: list[dict]) -> list[str]:
    """One row per N."""
    lines = [
        "| students N | renders/s per playing page: median (min) | steps/s per playing page:"
        " median | kernel CPU % of a core per playing student: median (range)"
        " | kernel RSS MB per student"
        " | Voila CPU % (+ preheated kernel) | server CPU, all: % of a core"
        " | server CPU ms per render | students per core"
        " | Chromium CPU % (not the server's) | load avg (1 min) | a newcomer waited"
        " | student kernels left 30 s after every tab closed (all gone after) |",
        "|" + " --- |" * 13,
    ]
    for r in runs:
        if not measured(r):
            lines.append(
                f"| {r['students']} | — (only {r.get('started', 0)} started) |"
                + " — |" * 10
                + f" {r.get('left_after_wait', '—')} |"
            )
            continue
        gone = r.get("all_gone_s")
        newcomer = r.get("newcomer_s")
        n, j, p = r["students"], joined(r), playing(r)
        who = "" if p == n else f" ({j} joined, {p} playing)" if j < n else f" ({p} playing)"
        rates = [r["renders_per_s"][i] for i in playing_pages(r)] or [0.0]
        steps = [r["steps_per_s"][i] for i in playing_pages(r)] or [0.0]
        cpu = [c for c in r["kernel_cpu"] if c >= PLAYING_CPU] or [0.0]
        lines.append(
            f"| {n}{who}"
            f" | {statistics.median(rates):.1f} ({min(rates):.1f})"
            f" | {statistics.median(steps):.0f}"
            f" | {_pct(cpu)}"
            f" | {_mb(r['kernel_rss_mb'])}"
            f" | {100 * r['voila_cpu']:.1f} (+{100 * r['pool_cpu']:.1f})"
            f" | {100 * server_cores(r):.0f}"
            f" | {ms_per_render(r):.1f}"
            f" | {students_per_core(r):.1f}"
            f" | {100 * r['chromium_cpu']:.0f}"
            f" | {r['load'][0]:.2f}"
            f" | {'could not join' if newcomer is None else f'{newcomer:.1f} s'}"
            f" | {r.get('left_after_wait', '—')}"
            f" ({'not within 60 s' if gone is None else f'{gone:.0f} s'}) |"
        )
    return lines


def problems(runs: list[dict]) -> list[str]:
    """What went wrong in a run, in words (nothing when every run went through)."""
    lines = []
    for r in runs:
        if r.get("error"):
            lines.append(
                f"- N = {r['students']}: {r.get('started', 0)} of {r['students']} students"
                f" had started and played when it failed: `{r['error']}`"
            )
        fails = [f for f in r.get("join_failures", []) if f]
        if fails:
            lines.append(
                f"- N = {r['students']}: {len(fails)} student(s) got no dashboard, even after"
                f" a reload (`{fails[0]}`)"
                + ("; no more were let in" if joined(r) + len(fails) < r["students"] else "")
            )
        stopped = joined(r) - playing(r) if measured(r) else 0
        if stopped:
            said = sorted(set(r.get("stopped_status", [])))
            why = sorted({m for m in r.get("stopped_message", []) if m})
            lines.append(
                f"- N = {r['students']}: {stopped} of {joined(r)} students' play stopped before"
                f" or during the window (under {PLAYING_STEPS:g} steps/s, their kernels idle)"
                " while the pages starved for CPU on this machine; they count as not playing"
                + (f" (status: {'; '.join(f'`{t[:120]}`' for t in said)})" if said else "")
                + (
                    f"; their message line said: {'; '.join(f'`{m[:160]}`' for m in why)}"
                    if why
                    else "; their message lines were empty (no pause after `page_timeout`)"
                    if "stopped_message" in r
                    else ""
                )
            )
        if r.get("newcomer_failure"):
            lines.append(
                f"- N = {r['students']}: the newcomer got no dashboard, even after a reload"
                f" (`{r['newcomer_failure']}`)"
            )
        if r.get("error") or fails or r.get("newcomer_failure"):
            lines += [f"  - server log: `{line[:200]}`" for line in r.get("log", [])]
        if r.get("left_after_stop"):
            lines.append(
                f"- N = {r['students']}: {r['left_after_stop']} process(es) of the server"
                " were left after it stopped (killed)"
            )
    done = [
        r["students"]
        for r in runs
        if measured(r) and not r.get("error") and playing(r) == r["students"]
    ]
    if lines:
        lines.append(
            f"- the largest N whose students all joined and played: {max(done) if done else 'none'}"
        )
    return lines


def markdown(results: dict) -> str:
    """The report, from the measured ``results`` (no measuring here)."""
    runs = results["runs"]
    nproc = results.get("nproc", 2)
    lines = [
        "# Classroom capacity: `nnwidgets serve` with N students playing",
        "",
        "Generated by `bench/classroom.py`.",
        "",
        f"- command: `{results['command']}`",
        *(
            [f"- this report written again from its saved numbers: `{results['rendered_by']}`"]
            if results.get("rendered_by")
            else []
        ),
        f"- date: {results['date']} UTC; total run time {results['elapsed']:.0f} s",
        f"- machine: {results.get('platform', '?')}, {nproc} cores, shared with other work",
        f"- load average (1, 5, 15 min) before: {', '.join(map(str, results['load_before']))};"
        f" after: {', '.join(map(str, results['load_after']))}",
        f"- chromium: {results.get('chromium', '?')} (headless, `/usr/bin/chromium`), one"
        f" browser, one context and a {VIEWPORT['width']}x{VIEWPORT['height']} page per student",
        f"- checkout: {results.get('checkout', '?')}",
        f"- each N: a fresh `nnwidgets serve --cull-after {results['cull_after']}` (the"
        " playground, one preheated kernel); the students join one after the other and press"
        f" Play (lesson pace, {results['lesson_speed']:g} steps/s); measured over"
        f" {results['seconds']:g} s once all play and the kernel preheated after the last"
        " join has run the playground (the steady state of a class at play)",
        *(
            [f"- views inside each page's window (play redraws these): {sight}"]
            if (sight := views_in_sight(runs))
            else []
        ),
        "",
        "## Results",
        "",
        *table(runs),
        "",
        "## Target",
        "",
        verdict(runs),
    ]
    trouble = problems(runs)
    if trouble:
        lines += ["", "## What went wrong", "", *trouble]
    joins = [r for r in runs if r.get("joins")]
    if joins:
        lines += [
            "",
            "Each student's wait for a dashboard (goto to status line) while the others"
            " joined and played, and how long the script first waited for the preheated"
            " kernel to be ready:",
        ]
        for r in joins:
            j, w = r["joins"], r.get("pool_waits") or [0.0]
            lines.append(
                f"- N = {r['students']}: median {statistics.median(j):.1f} s, longest"
                f" {max(j):.1f} s; the preheated kernel was ready after a median"
                f" {statistics.median(w):.1f} s, longest {max(w):.1f} s; pages reloaded"
                f" for want of a dashboard after {FIRST_WAIT:.0f} s: {r.get('reloads', 0)};"
                f" `{IOPUB_TIMEOUT}` in the server log: {r.get('iopub_timeouts', 0)}"
                + (
                    f"; kernels culled before any tab closed: {r['culled_before_closing']}"
                    if "culled_before_closing" in r
                    else ""
                )
            )
    lines += [
        "",
        "## How",
        "",
        "- renders/s: a `requestAnimationFrame` loop in each page counts the frames in which"
        " the `d` of the loss view's batch-loss path changed; steps/s from the status line"
        " read before and after.",
        "- CPU: utime + stime of each process from `/proc` over the window, as a share of one"
        " core. Student kernels are the ipykernel processes under the server whose kernel id"
        " a page's websocket used; \"Voila\" is the server's other processes; the preheated"
        " kernel waiting for the next student is counted with the server (it is idle by"
        " then: starting it, once per join, is not part of the window). RSS is each"
        " kernel's at the end of the window.",
        f"- playing: a page whose status line moved on by at least {PLAYING_STEPS:g} steps/s"
        f" (half the lesson pace); a kernel using at least {100 * PLAYING_CPU:g}% of a core."
        " The renders, steps and kernel CPU columns are over those.",
        "- students per core = students playing / (the server's CPU in cores: student"
        " kernels, the preheated kernel and Voila). Chromium is left out: in a class each"
        " student's browser runs on their own machine. The verdict takes the lowest value"
        " over the N measured.",
        "- joining: each student (and the newcomer) opens the page once the server's"
        " preheated kernel has run the playground (it is quiet), one after the other. A page"
        f" with no dashboard after {FIRST_WAIT:.0f} s is reloaded once (its time counts in"
        " the wait). In the first runs of this script the 4th student's page, with 3"
        " playing and the machine loaded, showed no dashboard within 180 s, and the server"
        f" had logged `{IOPUB_TIMEOUT}` (nbclient's `iopub_timeout`, 4 s, while the"
        " preheated kernel ran the playground), most likely the lost output of that run.",
        "- a newcomer: one more page opened while the N students play, from `goto` to the"
        " status line showing `epoch E · step S`.",
        f"- closing: every second student's tab closes normally (beforeunload: Voila's"
        f" shutdown beacon, the kernel goes at once), the others vanish (no beforeunload, as"
        f" a laptop lid): their play pauses {results['page_timeout']:g} s after the page went"
        f" silent, then the kernel is culled {results['cull_after']} s later. The student"
        f" kernels (ipykernel processes of the server with those kernel ids) still running"
        f" {CLOSED_WAIT:.0f} s after the last tab closed are counted (goal 0), and when the"
        " last one went.",
        f"- the browsers run on the same {nproc} cores as the server: when they take the CPU"
        " (see the Chromium and load columns), pages draw fewer renders, and the kernels,"
        " paced by the page's acknowledgements, send fewer refreshes; steps/s shows whether"
        " the kernels still kept the lesson pace.",
        "",
    ]
    return "\n".join(lines)


# ----------------------------------------------------------------- main
def checkout() -> str:
    try:
        return subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        return "?"


def student_counts(text: str) -> list[int]:
    """An argparse type: comma-separated numbers of students, each >= 1."""
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        values = []
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"want numbers >= 1 like 1,4,8,16, got {text!r}")
    return values


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", metavar="PATH", help="write the markdown report")
    ap.add_argument("--students", type=student_counts, default=[1, 4, 8, 16])
    ap.add_argument("--seconds", type=float, default=20.0, help="measured play (default 20)")
    ap.add_argument("--cull-after", type=int, default=15, help="the server's (default 15)")
    ap.add_argument("--quick", action="store_true", help="1 and 2 students, 5 s of play")
    ap.add_argument("--json", metavar="PATH", help="also save the measured numbers")
    ap.add_argument(
        "--from-json", metavar="PATH", help="write the report from saved numbers (no run)"
    )
    args = ap.parse_args(argv)
    if args.from_json:
        saved = json.loads(Path(args.from_json).read_text())
        saved["rendered_by"] = shlex.join([Path(sys.executable).name, *sys.argv])
        text = markdown(saved)
        if args.write:
            Path(args.write).write_text(text)
        print(text)
        return 0
    if args.quick:
        args.students, args.seconds = [1, 2], 5.0
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        print("bench/classroom.py needs playwright: pip install 'nnwidgets[test]'", file=sys.stderr)
        return 2
    if not Path("/usr/bin/chromium").is_file():
        print("/usr/bin/chromium is missing: make browser", file=sys.stderr)
        return 2
    started = datetime.datetime.now(datetime.UTC)
    t0 = time.monotonic()
    results = measure(args)
    results.update(
        command=shlex.join([Path(sys.executable).name, *sys.argv]),
        date=f"{started:%Y-%m-%d %H:%M}",
        elapsed=time.monotonic() - t0,
        platform=platform.platform(),
        nproc=os.cpu_count() or 1,
        checkout=checkout(),
        cull_after=args.cull_after,
        lesson_speed=LESSON_SPEED,
        page_timeout=PAGE_TIMEOUT,
        seconds=args.seconds,
    )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    text = markdown(results)
    print(text)
    if args.write:
        Path(args.write).write_text(text)
        print(f"wrote {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
