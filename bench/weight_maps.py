"""The weights view's maps, SVG cells against one kernel-made picture: JupyterLab + Chromium.

Each case is a notebook of its own, open in a 1280x800 page, whose dashboard plays flat
out for ``--seconds`` (8) with the weights view drawn at every refresh and the other
slow views not at all, so that the maps are most of what the page draws:

- a moons network 2-k-k-1 for each ``--sides`` k (8, the demo's, 16 and 24): its three
  maps (2 x k, k x k and k x 1) as SVG cells (``GridMap``), the k x k as a picture
  (``PictureMap``) and the others SVG, and all three as pictures; up to 400 cells the
  k x k picture also without its gaps (RGB instead of RGBA);
- lesson 06's digits network 64-64-10 (4,736 weights): both maps as SVG cells, as
  pictures, and not drawn at all (the view's other parts still are).

``weight_maps.PICTURE_CELLS`` is set in each notebook before its dashboard is built.
Measured per play: renders per second (``bench/pace.py``'s ``requestAnimationFrame``
count of the loss view's changed paths) and the Chromium renderers' CPU time per
render (``bench/browser.py``'s ``process_cpu``), which depends far less on what else the
machine runs. Each play has its page and kernel to itself (opened before it, closed
after). The repeats take turns case by case; the report gives medians.

    python bench/weight_maps.py
    python bench/weight_maps.py --write bench/RESULTS-browser.md   # its section only
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shlex
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if sys.path[0] != str(ROOT):
    sys.path.insert(0, str(ROOT))  # this checkout's nnwidgets and bench/
sys.path.insert(0, str(ROOT / "tests" / "browser"))

import servers  # noqa: E402

from bench import pace  # noqa: E402
from nnwidgets.views.cell_image import MAX_GAPPED_CELLS  # noqa: E402
from nnwidgets.views.weight_maps import PICTURE_CELLS  # noqa: E402

HEADING = "## Weight maps: SVG cells or a picture"
NEVER = 10**9  # a PICTURE_CELLS no matrix reaches: every map SVG

MOONS = """\
ds = nw.datasets.moons(n_samples=400, noise=0.2, seed=0)
tr = nw.Trainer(nw.MLP([2, {k}, {k}, 1], seed=0), ds, batch_size=16, seed=0)"""
DIGITS = """\
ds = nw.datasets.digits()
model = nw.MLP([64, 64, 10], activation="relu", init="he", seed=0)
tr = nw.Trainer(model, ds, optimizer=nw.optim.Adam(lr=0.001), batch_size=32, seed=0)"""
NOTEBOOK = """\
import nnwidgets as nw
import nnwidgets.views.weight_maps as weight_maps
weight_maps.PICTURE_CELLS = {threshold}
{trainer}
dash = nw.Dashboard(tr)
for view in dash.views.values():
    if view.play_hz is not None:
        view.play_hz = 1e-6  # slow views: not drawn while playing
weights = dash.views["weights"]
weights.play_hz = 1e6  # at every refresh
{no_maps}dash"""


def cases(sides: list[int]) -> dict[str, str]:
    """Each case's name and notebook source."""
    out = {}
    for k in sides:
        trainer = MOONS.format(k=k)
        variants = [
            ("all SVG", NEVER, ""),
            (f"the {k}x{k} a picture", k * k - 1, ""),
            ("all pictures", 0, ""),
        ]
        if k * k <= MAX_GAPPED_CELLS:  # the same picture as one RGB texture, no gaps
            no_gaps = "import nnwidgets.views.cell_image as cell_image\n"
            no_gaps += "cell_image.MAX_GAPPED_CELLS = 0\n"
            variants.insert(2, (f"the {k}x{k} a picture without gaps", k * k - 1, no_gaps))
        for kind, threshold, setup in variants:
            name = f"2-{k}-{k}-1 ({k * k + 3 * k} cells), {kind}"
            source = NOTEBOOK.format(threshold=threshold, trainer=trainer, no_maps="")
            out[name] = setup + source
    for kind, threshold, no_maps in (
        ("SVG", NEVER, ""),
        ("pictures", PICTURE_CELLS, ""),
        ("not drawn", PICTURE_CELLS, "weights._update_heatmaps = lambda params: None\n"),
    ):
        name = f"digits 64-64-10, maps {kind}"
        out[name] = NOTEBOOK.format(threshold=threshold, trainer=DIGITS, no_maps=no_maps)
    return out


def measure(args) -> dict:
    from playwright.sync_api import sync_playwright

    sources = cases(args.sides)
    results: dict = {"cases": {name: [] for name in sources}, "nproc": os.cpu_count() or 1}
    with tempfile.TemporaryDirectory(prefix="nnw-bench-maps-") as tmp:
        tmp = Path(tmp)
        root = tmp / "root"
        root.mkdir()
        paths = {}
        for i, (name, source) in enumerate(sources.items()):
            paths[name] = f"case{i}.ipynb"
            servers.write_notebook(root / paths[name], source)
        lab = servers.start_jupyterlab(root, tmp)
        pw = sync_playwright().start()
        browser = servers.launch_chromium(pw)
        try:
            results["chromium"] = browser.version
            for i in range(args.repeats):
                for name in sources:
                    r = pace.play_alone(browser, lab, paths[name], ROOT, "max", args.seconds)
                    r["renderer_ms"] = r["renderer_cpu"] * 1000 / max(r["renders_per_s"], 1e-9)
                    results["cases"][name].append(r)
                    print(
                        f"  {i + 1}. {name}: {r['renders_per_s']:.1f} renders/s, "
                        f"renderer {r['renderer_ms']:.1f} ms per render",
                        flush=True,
                    )
        finally:
            browser.close()
            pw.stop()
            lab.stop()
    return results


# ----------------------------------------------------------------- the report (pure)
def section(r: dict, command: str, date: str, loads: tuple[str, str], seconds: float) -> str:
    """The report's section: what was measured, the table, and the medians' reading."""
    rows = []
    for name, plays in r["cases"].items():
        rates = [p["renders_per_s"] for p in plays]
        ms = [p["renderer_ms"] for p in plays]
        rows.append(
            f"| {name} | {statistics.median(rates):.1f} | {min(rates):.1f}-{max(rates):.1f} "
            f"| {statistics.median(ms):.1f} | {min(ms):.1f}-{max(ms):.1f} |"
        )
    repeats = min(len(p) for p in r["cases"].values())
    return "\n".join(
        [
            HEADING,
            "",
            "Generated by `bench/weight_maps.py`.",
            "",
            f"- command: `{command}`",
            f"- date: {date}",
            f"- load average (1, 5, 15 min) before: {loads[0]}; after: {loads[1]} "
            f"(a shared {r['nproc']}-core machine)",
            f"- chromium: {r.get('chromium', '?')}, viewport 1280x800",
            "",
            f'Each case played {seconds:g} s at "max" per repeat, {repeats} repeats taking',
            "turns case by case, each play alone in its page and kernel; medians. The",
            "weights view drew at every refresh, the other slow views not at all.",
            "Renderer ms is the Chromium renderers' CPU time per render; renders/s",
            "counts the frames in which the loss view's path changed.",
            "",
            "| case | renders/s | range | renderer ms per render | range |",
            "| --- | --: | --: | --: | --: |",
            *rows,
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", metavar="PATH", help="write this section into this report")
    ap.add_argument("--seconds", type=float, default=8.0, help="play per repeat (default 8)")
    ap.add_argument("--repeats", type=int, default=3, help="repeats per case (default 3)")
    ap.add_argument(
        "--sides", type=int, nargs="+", default=[8, 16, 24], help="k of the 2-k-k-1 cases"
    )
    ap.add_argument("--json", metavar="PATH", help="also save the raw repeats as JSON")
    args = ap.parse_args(argv)
    if args.repeats < 1 or args.seconds <= 0 or min(args.sides) < 3:
        ap.error("--repeats must be >= 1, --seconds > 0 and every side >= 3")
    if not servers.chromium_available():
        print(f"{servers.CHROMIUM} is missing: make browser", file=sys.stderr)
        return 2
    date = f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M}"
    load_before = pace.load_average()
    r = measure(args)
    if args.json:
        Path(args.json).write_text(json.dumps(r, indent=1))
    command = shlex.join([Path(sys.executable).name, *sys.argv])
    text = section(r, command, date, (load_before, pace.load_average()), args.seconds)
    print()
    print(text)
    if args.write:
        path = Path(args.write)
        path.write_text(pace.replace_section(path.read_text() if path.exists() else "", text))
        print(f"wrote {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
