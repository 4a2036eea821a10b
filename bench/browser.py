"""How the dashboard feels in a real browser: JupyterLab + Debian's Chromium, headless.

Measured in the page (performance.now() and a MutationObserver on the loss view's
batch-loss path, whose ``d`` attribute changes whenever the view is redrawn):

- Run All -> dashboard rendered: from the click on Run > Run All Cells to every view
  and the status line being on the page; on a fresh kernel (imports included) and
  again on the same kernel.
- click -> render: from the click event on Step to the first redraw of the loss path.
- renders per second while playing: distinct loss-path values drawn in a few seconds
  of play, beside the refreshes the kernel sent in that time (the difference queues up).
- pause -> frozen: from the click on Pause until the status line shows the stopped state.

    python bench/browser.py
    python bench/browser.py --write bench/RESULTS-browser.md

Uses the servers and page helpers of tests/browser (servers.py, pages.py).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "browser"))

import servers  # noqa: E402

RENDERED_JS = """
() => new Promise((resolve) => {
  const check = () => {
    const dash = Array.from(document.querySelectorAll('.nnw-dashboard'))
      .find((d) => !d.hasAttribute('data-bench-old'));
    if (!dash) return false;
    for (const v of ['loss', 'weights', 'gradients', 'boundary']) {
      if (!dash.querySelector(`.nnw-view-${v} svg, .nnw-view-${v}.bqplot svg`)) return false;
    }
    const st = dash.querySelector('.nnw-status .widget-html-content');
    return st && /epoch \\d+ · step \\d+/.test(st.textContent);
  };
  if (check()) { resolve(performance.now()); return; }
  const obs = new MutationObserver(() => {
    if (check()) { obs.disconnect(); resolve(performance.now()); }
  });
  obs.observe(document.body, {subtree: true, childList: true, characterData: true});
})
"""

ARM_RUN_ALL_JS = """
() => {
  document.querySelectorAll('.nnw-dashboard').forEach((d) => d.setAttribute('data-bench-old', ''));
  window.__benchRunAll = null;
  if (!window.__benchRunAllListener) {
    window.__benchRunAllListener = (ev) => {
      if (ev.target.closest && ev.target.closest('[data-command="runmenu:run-all"]')) {
        window.__benchRunAll = performance.now();
      }
    };
    document.addEventListener('pointerdown', window.__benchRunAllListener, true);
  }
  window.__benchRendered = (RENDERED)();
}
""".replace("RENDERED", RENDERED_JS.strip())


def percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    k = (len(s) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def run_all_to_rendered(nb) -> float:
    """Seconds from the Run All click to a rendered (new) dashboard."""
    page = nb.page
    page.evaluate(ARM_RUN_ALL_JS)
    nb.run_all()
    t_rendered = page.evaluate("() => window.__benchRendered")
    t_click = page.evaluate("() => window.__benchRunAll")
    return (t_rendered - t_click) / 1000.0


def wait_cells_done(nb, timeout: float = 90.0) -> None:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        prompts = nb.prompts()
        if prompts and all(p.startswith("[") and p[1:-2].isdigit() for p in prompts):
            return
        time.sleep(0.1)
    raise RuntimeError(f"cells did not finish: {nb.prompts()}")


def cell_value(nb, expr: str) -> float:
    out = nb.add_and_run_cell(f"print('bench', {expr})", expect="bench", timeout=60)
    return float(out.strip().splitlines()[-1].split()[-1])


def pause(page) -> tuple[float, float, int]:
    """Click Pause until the status shows the stopped state (a click the kernel ignores
    is retried: see pages.LOST_PAUSE). Returns the page times of the last click and of
    the stopped status, and how many clicks were lost."""
    import pages

    play = page.locator("button.nnw-play")
    for lost in range(3):
        t_click = page.evaluate("() => performance.now()")
        play.click()
        try:
            pages.wait_status(page, r"^(?!.*steps/s)", timeout=60)
            return t_click, page.evaluate("() => performance.now()"), lost
        except Exception:
            print("  Pause was lost (the kernel kept playing); pressing Play, then Pause again")
            play.click()  # value True again: the Runner is still playing
            time.sleep(1.0)
    raise RuntimeError("the dashboard would not pause")


def measure(args) -> dict:
    import pages
    from playwright.sync_api import sync_playwright

    results: dict = {"run_all_cold": [], "run_all_warm": []}
    with tempfile.TemporaryDirectory(prefix="nnw-bench-browser-") as tmp:
        home = Path(tmp)
        root = home / "root"
        root.mkdir()
        for i in range(args.cold_runs):
            servers.write_notebook(root / f"bench_{i}.ipynb", servers.QUICKSTART_SOURCE)
        server = servers.start_jupyterlab(root, home)
        pw = sync_playwright().start()
        browser = servers.launch_chromium(pw)
        try:
            results["chromium"] = browser.version
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            context.set_default_timeout(60_000)
            page = context.new_page()
            nb = None
            for i in range(args.cold_runs):
                if nb is not None:
                    nb.shutdown()
                nb = pages.LabNotebook(page, server, f"bench_{i}.ipynb").open()
                results["run_all_cold"].append(run_all_to_rendered(nb))
                wait_cells_done(nb)
                print(f"  Run All, fresh kernel {i + 1}: {results['run_all_cold'][-1]:.2f} s")
            for i in range(args.warm_runs):
                results["run_all_warm"].append(run_all_to_rendered(nb))
                wait_cells_done(nb)
                print(f"  Run All, same kernel {i + 1}: {results['run_all_warm'][-1]:.2f} s")
            pages.dashboard_rendered(page)
            pages.install(page)

            # click -> render
            page.evaluate("() => window.__nnw.start()")
            latencies = []
            for i in range(args.clicks):
                n_changes = len(page.evaluate("() => window.__nnw.changes()"))
                n_clicks = len(page.evaluate("() => window.__nnw.clicks()"))
                page.locator(".nnw-step").click()
                page.wait_for_function(
                    f"() => window.__nnw.changes().length > {n_changes}", timeout=30_000
                )
                t_click = page.evaluate("() => window.__nnw.clicks()")[n_clicks]
                t_draw = page.evaluate("() => window.__nnw.changes()")[n_changes]
                latencies.append(t_draw - t_click)
                pages.wait_status(page, rf"· step {i + 1} ·")
                time.sleep(0.1)
            results["click_ms"] = latencies
            print(
                f"  click -> render, median of {args.clicks}: {statistics.median(latencies):.0f} ms"
            )

            # play: browser renders vs kernel refreshes, then pause
            page.locator(".nnw-reset").click()
            pages.wait_status(page, r"^epoch 0 · step 0 ·")
            refreshes0 = cell_value(nb, "dash.runner.refreshes")
            page.evaluate("() => window.__nnw.start()")
            t_play = page.evaluate("() => performance.now()")
            page.locator("button.nnw-play").click()
            time.sleep(args.play_seconds)
            last_playing = pages.status_text(page)
            t_pause, t_frozen, lost = pause(page)
            changes = page.evaluate("() => window.__nnw.changes()")
            during = [t for t in changes if t_play <= t <= t_pause]
            after = [t for t in changes if t > t_pause]
            refreshes1 = cell_value(nb, "dash.runner.refreshes")
            steps = cell_value(nb, "tr.step_count")
            play_s = (t_pause - t_play) / 1000.0
            results.update(
                play_seconds=play_s,
                renders_per_s=len(during) / play_s,
                kernel_refreshes_per_s=(refreshes1 - refreshes0) / play_s,
                kernel_steps_per_s=steps / play_s,
                renders_after_pause=len(after),
                pause_to_frozen_s=(t_frozen - t_pause) / 1000.0,
                pauses_lost=lost,
                last_playing_status=last_playing,
            )
            print(
                f"  play {play_s:.1f} s: {results['renders_per_s']:.1f} renders/s, "
                f"kernel {results['kernel_refreshes_per_s']:.1f} refreshes/s; "
                f"pause -> frozen {results['pause_to_frozen_s']:.2f} s"
            )
            nb.shutdown()
            context.close()
        finally:
            browser.close()
            pw.stop()
            server.stop()
    return results


def table(r: dict, args) -> list[tuple[str, str]]:
    lat = r["click_ms"]
    cold, warm = r["run_all_cold"], r["run_all_warm"]
    rows = [
        (
            f"Run All -> dashboard rendered, fresh kernel (median of {len(cold)})",
            f"{statistics.median(cold):.2f} s (min {min(cold):.2f}, max {max(cold):.2f})",
        ),
    ]
    if warm:
        rows.append(
            (
                f"Run All -> dashboard rendered, same kernel (median of {len(warm)})",
                f"{statistics.median(warm):.2f} s (min {min(warm):.2f}, max {max(warm):.2f})",
            )
        )
    rows += [
        (
            f"click Step -> loss view redrawn (median of {len(lat)})",
            f"{statistics.median(lat):.0f} ms (p90 {percentile(lat, 0.9):.0f}, "
            f"min {min(lat):.0f}, max {max(lat):.0f})",
        ),
        (
            f"renders per second while playing ({r['play_seconds']:.1f} s)",
            f"{r['renders_per_s']:.1f} /s",
        ),
        ("refreshes the kernel sent per second meanwhile", f"{r['kernel_refreshes_per_s']:.1f} /s"),
        ("training steps per second meanwhile", f"{r['kernel_steps_per_s']:,.0f} /s"),
        (
            "pause -> status frozen (renders drawn after the click)",
            f"{r['pause_to_frozen_s']:.2f} s ({r['renders_after_pause']} renders)"
            + (f"; {r['pauses_lost']} Pause click(s) lost first" if r["pauses_lost"] else ""),
        ),
    ]
    return rows


def machine() -> list[tuple[str, str]]:
    import jupyterlab

    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = "?"
    return [
        ("python", platform.python_version()),
        ("platform", platform.platform()),
        ("nproc", str(os.cpu_count())),
        ("load average before (1, 5, 15 min)", ", ".join(f"{v:.2f}" for v in os.getloadavg())),
        ("jupyterlab", jupyterlab.__version__),
        ("checkout", commit or "?"),
    ]


def markdown(rows, info, r, command: str, started: datetime.datetime, elapsed: float) -> str:
    lines = [
        "# Browser benchmark: the dashboard in JupyterLab (headless Chromium)",
        "",
        "Generated by `bench/browser.py`.",
        "",
        f"- command: `{command}`",
        f"- date: {started:%Y-%m-%d %H:%M} UTC",
        f"- total run time: {elapsed:.0f} s",
        f"- chromium: {r['chromium']} (`/usr/bin/chromium`, {' '.join(servers.CHROMIUM_ARGS)})",
    ]
    lines += [f"- {k}: {v}" for k, v in info]
    lines += [
        "",
        "## Results",
        "",
        "| measure | value |",
        "| --- | --- |",
    ]
    lines += [f"| {k} | {v} |" for k, v in rows]
    lines += [
        "",
        "## How",
        "",
        "The notebook is the quickstart's five lines (moons, 2-8-8-1 tanh, SGD lr 0.1, batch",
        "10, `nw.Dashboard(tr)` with the default views and `refresh_hz=20`). Times are",
        "taken in the page with `performance.now()`: a capture listener notes the click, a",
        "MutationObserver on the dashboard notes each new `d` of the loss view's batch-loss",
        "path (one per drawn refresh). Kernel refreshes come from `dash.runner.refreshes`",
        "read in a cell before and after the play. When renders per second is below the",
        "kernel's refreshes per second, refreshes queue up between kernel and page and are",
        "still drawn after Pause (the last row). JupyterLab runs with its default settings",
        "(widget comms over a kernel subshell: `commsOverSubshells` = `perCommTarget`).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", metavar="PATH", help="write a markdown report")
    ap.add_argument("--clicks", type=int, default=20, help="Step clicks timed (default 20)")
    ap.add_argument("--play-seconds", type=float, default=5.0, help="play time (default 5)")
    ap.add_argument("--cold-runs", type=int, default=3, help="Run All on fresh kernels")
    ap.add_argument("--warm-runs", type=int, default=3, help="Run All again, same kernel")
    args = ap.parse_args(argv)
    if args.cold_runs < 1 or args.clicks < 1 or args.play_seconds <= 0:
        ap.error("--cold-runs and --clicks must be >= 1, --play-seconds > 0")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        print("bench/browser.py needs playwright: pip install 'nnwidgets[test]'", file=sys.stderr)
        return 2
    if not servers.chromium_available():
        print(f"{servers.CHROMIUM} is missing: make browser", file=sys.stderr)
        return 2

    started = datetime.datetime.now(datetime.UTC)
    t0 = time.monotonic()
    info = machine()
    r = measure(args)
    elapsed = time.monotonic() - t0
    rows = table(r, args)
    width = max(len(k) for k, _ in rows)
    print()
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    print(f"(load average after: {', '.join(f'{v:.2f}' for v in os.getloadavg())})")
    if args.write:
        command = shlex.join([Path(sys.executable).name, *sys.argv])
        info.append(("load average after", ", ".join(f"{v:.2f}" for v in os.getloadavg())))
        Path(args.write).write_text(markdown(rows, info, r, command, started, elapsed))
        print(f"wrote {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
