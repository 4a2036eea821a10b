"""Readable axes in a real JupyterLab: after 5 steps and after 10,000 epochs plus a short
play flat out, no two tick labels of one axis overlap in any view, and no legend covers a
curve or a data point.

The dashboard's screenshots go to test-results/axes/ (look at them after a change to
the views).
"""

from __future__ import annotations

import json
import os
import re
import time

import pytest
from pages import (
    LostPause,
    dashboard_rendered,
    install,
    pause,
    status_text,
    wait_settled,
    wait_status,
)

pytestmark = pytest.mark.browser

LONG_EPOCHS = int(os.environ.get("NNW_AXES_EPOCHS", "10000"))
SOURCE = """\
import nnwidgets as nw
dash = nw.demo()
if hasattr(dash, "speed"):
    dash.speed = "max"
dash.views["weights"].follow(0, 1, 2)  # the followed-weights figure gets a trace
dash"""
TALL = {"width": 1400, "height": 2600}  # the whole dashboard in one screenshot
OVERLAP_PX = 0.5  # boxes that share less than this are apart (anti-aliasing)

# Every tick label of every axis (not the legends' boxes, also drawn as g.axis) of every
# figure in the dashboard's views, with its box.
TICK_LABELS_JS = """
() => {
  const out = [];
  const box = (el) => { const r = el.getBoundingClientRect();
                        return {x: r.x, y: r.y, w: r.width, h: r.height}; };
  document.querySelectorAll('.nnw-view').forEach((view) => {
    const name = [...view.classList].find((c) => c.startsWith('nnw-view-') && c !== 'nnw-view');
    const figs = view.matches('.bqplot.figure') ? [view]
      : [...view.querySelectorAll('.bqplot.figure')];
    figs.forEach((fig) => {
      const title = (fig.querySelector('.mainheading') || {}).textContent || '';
      const svg = box(fig.querySelector('svg.svg-figure') || fig);
      [...fig.querySelectorAll('g.axis')].filter((ax) => !ax.closest('.g_legend'))
        .forEach((ax, i) => {
          const labels = [...ax.querySelectorAll('.tick text')]
            .filter((t) => t.textContent.trim() !== '')
            .map((t) => Object.assign({text: t.textContent}, box(t)))
            .filter((b) => b.w > 0 && b.h > 0);
          if (labels.length) out.push({view: name, figure: title, fig: figs.indexOf(fig),
                                       axis: i, labels, svg});
        });
    });
  });
  return out;
}
"""

# Each legend and what it covers: a bqplot legend (inside the plot area) against the
# points of its figure's lines (sampled every 2 px) and scatter dots; an HTML legend
# (.nnw-legend) against the plot areas of every figure. Heatmaps fill their plot area by
# design and are not counted.
LEGENDS_JS = """
() => {
  const rect = (el) => { const r = el.getBoundingClientRect();
                         return {x0: r.left, y0: r.top, x1: r.right, y1: r.bottom}; };
  const inside = (p, r) => p.x > r.x0 && p.x < r.x1 && p.y > r.y0 && p.y < r.y1;
  const meet = (a, b) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
  const out = [];
  const figures = [...document.querySelectorAll(
    '.nnw-view .bqplot.figure, .bqplot.figure.nnw-view')];
  figures.forEach((fig) => {
    const title = (fig.querySelector('.mainheading') || {}).textContent || '';
    const legendRect = fig.querySelector('.g_legend rect');
    if (!legendRect) return;
    const lr = rect(legendRect);
    if (lr.x1 - lr.x0 <= 0) return;
    const covered = [];
    fig.querySelectorAll('path.line').forEach((path) => {
      if (path.closest('.g_legend')) return;
      const m = path.getScreenCTM();
      const n = path.getTotalLength();
      for (let s = 0; s <= n; s += 2) {
        const q = path.getPointAtLength(s);
        const p = {x: m.a * q.x + m.c * q.y + m.e, y: m.b * q.x + m.d * q.y + m.f};
        if (inside(p, lr)) { covered.push('line'); break; }
      }
    });
    fig.querySelectorAll('path.dot, .dot').forEach((dot) => {
      if (dot.closest('.g_legend')) return;
      const r = rect(dot);
      if (r.x1 > r.x0 && meet(r, lr)) covered.push('dot');
    });
    out.push({figure: title, kind: 'bqplot', covered});
  });
  const plots = figures.map((fig) => fig.querySelector('clipPath rect')).filter((r) => r)
    .map(rect).filter((r) => r.x1 > r.x0);
  document.querySelectorAll('.nnw-legend').forEach((el) => {
    const r = rect(el);
    if (r.x1 <= r.x0) return;
    out.push({figure: el.textContent.trim(), kind: 'html',
              covered: plots.filter((p) => meet(p, r)).map(() => 'plot area')});
  });
  return out;
}
"""


NUMBER = re.compile(r"^-?(\d+)(?:\.(\d+))?(k|M|%|e-?\d+)?$")


def formats(texts: list[str]) -> set[tuple[int, str]]:
    """The number formats of an axis's labels: (decimals, suffix) of each but a bare
    zero ("0" goes with 5k, 2e-5 or 1.5); empty for an axis of names."""
    found = set()
    for text in texts:
        m = NUMBER.match(text.replace("\u2212", "-"))
        if m is None:
            return set()
        decimals, suffix = len(m.group(2) or ""), m.group(3) or ""
        if text != "0":
            found.add((decimals, "e" if suffix.startswith("e") else suffix))
    return found


def overlaps(labels: list[dict], across_only: int | None = None) -> list[tuple[str, str]]:
    """Pairs of labels whose boxes overlap (``across_only=n``: only pairs of one of the
    first ``n`` labels and one of the others)."""
    found = []
    for i, a in enumerate(labels):
        for j, b in enumerate(labels[i + 1 :], start=i + 1):
            if across_only is not None and (i >= across_only or j < across_only):
                continue
            dx = min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"])
            dy = min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"])
            if dx > OVERLAP_PX and dy > OVERLAP_PX:
                found.append((a["text"], b["text"]))
    return found


def check_axes(page, when: str) -> tuple[list[dict], list[str]]:
    """The axes read, and what is wrong: overlapping tick labels, legends covering data."""
    axes = page.evaluate(TICK_LABELS_JS)
    problems = [] if len(axes) >= 8 else [f"only {len(axes)} axes {when}"]
    bad = [
        (a["view"], a["figure"], a["axis"], pairs) for a in axes if (pairs := overlaps(a["labels"]))
    ]
    if bad:
        problems.append(f"overlapping tick labels {when}: {bad}")
    clipped = [
        (a["view"], a["figure"], t["text"])
        for a in axes
        for t in a["labels"]
        if t["x"] < a["svg"]["x"] - OVERLAP_PX
        or t["x"] + t["w"] > a["svg"]["x"] + a["svg"]["w"] + OVERLAP_PX
    ]
    if clipped:
        problems.append(f"tick labels past their figure's edge {when}: {clipped}")
    by_figure: dict[tuple, list[dict]] = {}
    for a in axes:
        by_figure.setdefault((a["view"], a["fig"]), []).append(a)
    across = []
    for group in by_figure.values():  # an x label in the corner under a y label
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                if pairs := overlaps(a["labels"] + b["labels"], across_only=len(a["labels"])):
                    across.append((a["view"], a["figure"], pairs))
    if across:
        problems.append(f"tick labels of two axes overlapping {when}: {across}")
    mixed = [
        (a["view"], a["figure"], a["axis"], [t["text"] for t in a["labels"]])
        for a in axes
        if len(formats([t["text"] for t in a["labels"]])) > 1
    ]
    if mixed:
        problems.append(f"axes mixing number formats {when}: {mixed}")
    legends = page.evaluate(LEGENDS_JS)
    if not legends:
        problems.append(f"no legend found {when}")
    covering = [(g["figure"], g["kind"], g["covered"]) for g in legends if g["covered"]]
    if covering:
        problems.append(f"legends covering data {when}: {covering}")
    return axes, problems


def save(page, name: str, axes: list[dict]) -> None:
    """The dashboard's screenshot and the tick labels read, under test-results/axes/."""
    from conftest import RESULTS

    out = RESULTS / "axes"
    out.mkdir(parents=True, exist_ok=True)
    page.locator(".nnw-dashboard").first.screenshot(path=str(out / f"{name}.png"))
    shown = [(a["view"], a["figure"], a["axis"], [t["text"] for t in a["labels"]]) for a in axes]
    (out / f"{name}.json").write_text(json.dumps(shown, indent=1))


def test_tick_labels_stay_apart_after_five_steps_and_ten_thousand_epochs(lab_notebook, page):
    page.set_viewport_size(TALL)
    nb = lab_notebook(SOURCE)
    nb.run_all_and_wait()
    dashboard_rendered(page)
    install(page)
    for _ in range(5):
        page.locator(".nnw-step").first.click()
    wait_status(page, r"· step 5 ·")
    wait_settled(page, quiet=1.0)
    axes, problems = check_axes(page, "after 5 steps")
    save(page, "after-5-steps", axes)

    out = nb.add_and_run_cell(
        f"dash.trainer.run({LONG_EPOCHS}); dash.refresh(); print('ran', dash.trainer.epoch)",
        expect="ran",
        timeout=600,
    )
    assert f"ran {LONG_EPOCHS}" in out, out
    wait_settled(page, quiet=1.0, timeout=30)
    page.locator("button.nnw-play").first.click()  # a short real play, flat out
    time.sleep(4.0)
    try:
        pause(page, settle=10.0)
        wait_settled(page, quiet=1.0, timeout=30)
    except LostPause:  # a known bug of Lab's comm subshells (pages.LOST_PAUSE): the axes
        time.sleep(1.0)  # are read while it plays on, which they must survive as well
    status = status_text(page)
    axes, later = check_axes(page, f"after {LONG_EPOCHS} epochs and a play ({status})")
    save(page, "after-10000-epochs", axes)
    assert not problems + later, "\n".join(problems + later)
    steps = next(a for a in axes if a["view"] == "nnw-view-loss" and a["figure"] == "Loss")
    assert any(label["text"].endswith("k") for label in steps["labels"]), steps


# Each histogram figure of the weights and gradients views: its box, and the box of
# every labelled tick of its horizontal and its vertical axis (an axis is vertical when
# its ticks are translated along y only).
HIST_LABELS_JS = """
() => [...document.querySelectorAll('.nnw-view-weights .bqplot.figure, '
                                    + '.nnw-view-gradients .bqplot.figure')]
  .filter((fig) => / values$| at this step$/.test(
    (fig.querySelector('.mainheading') || {}).textContent || ''))
  .map((fig) => {
    const box = (el) => { const r = el.getBoundingClientRect();
                          return {x: r.x, y: r.y, w: r.width, h: r.height}; };
    const out = {figure: fig.querySelector('.mainheading').textContent,
                 svg: box(fig.querySelector('svg.svg-figure') || fig), x: [], y: []};
    fig.querySelectorAll('g.axis').forEach((ax) => {
      const ticks = [...ax.querySelectorAll('.tick')];
      if (!ticks.length) return;
      const at = ticks.map((t) => (t.getAttribute('transform') || '')
        .match(/translate\\(([^,]+),\\s*([^)]+)\\)/)).filter((m) => m)
        .map((m) => [Number(m[1]), Number(m[2])]);
      const vertical = at.every(([x]) => x === 0) && at.some(([, y]) => y !== 0);
      const labels = ticks.map((t) => t.querySelector('text'))
        .filter((t) => t && t.textContent.trim() !== '')
        .map((t) => Object.assign({text: t.textContent}, box(t)));
      out[vertical ? 'y' : 'x'].push(...labels);
    });
    return out;
  })
"""

# Redraw the weights and gradients views with every weight and gradient times a factor
# (a hand-made snapshot, as the views allow): the histograms' ranges then span it.
SCALED = """\
import dataclasses
import numpy as np
from nnwidgets.views.marks import RANGE_SHRINK_AFTER

def show_scaled(factor):
    tr = dash.trainer
    snap = tr.snapshot()
    scaled = lambda arrays: {k: np.asarray(v) * factor for k, v in arrays.items()}
    snap = dataclasses.replace(snap, params=scaled(snap.params), grads=scaled(snap.grads))
    for _ in range(RANGE_SHRINK_AFTER):  # a range shrinks after this many updates
        for name in ("weights", "gradients"):
            dash.views[name].update(snap, tr.history)
    print("scaled", factor)"""
FACTORS = (1e12, 5e3, 1e-4, 1e-14, 1.0)  # 2e12-like, thousands, 1e-5-like, tiny, as is


def histogram_problems(hist: dict) -> list[str]:
    """What is wrong with one histogram's labels: past the figure's edges, too long,
    overlapping each other, or the count axis's zero missing or overlapped."""
    svg, problems = hist["svg"], []
    labels = hist["x"] + hist["y"]
    outside = [
        t["text"]
        for t in labels
        if t["x"] < svg["x"] - OVERLAP_PX
        or t["x"] + t["w"] > svg["x"] + svg["w"] + OVERLAP_PX
        or t["y"] < svg["y"] - OVERLAP_PX
        or t["y"] + t["h"] > svg["y"] + svg["h"] + OVERLAP_PX
    ]
    if outside:
        problems.append(f"past the figure's edge: {outside}")
    long = [t["text"] for t in hist["x"] if len(t["text"]) > 8]
    if long:
        problems.append(f"long labels: {long}")
    if len(hist["x"]) != 3:
        problems.append(f"x labels: {[t['text'] for t in hist['x']]}")
    if pairs := overlaps(hist["x"]) + overlaps(hist["y"]):
        problems.append(f"overlapping labels: {pairs}")
    zero = [t for t in hist["y"] if t["text"] == "0"]
    if len(zero) != 1:
        problems.append(f"count axis without one zero: {[t['text'] for t in hist['y']]}")
    elif pairs := overlaps(zero + hist["x"], across_only=1):
        problems.append(f"labels overlapping the count axis's zero: {pairs}")
    return [f"{hist['figure']}: {p}" for p in problems]


def test_histogram_labels_stay_compact_inside_and_clear_of_the_zero(lab_notebook, page):
    page.set_viewport_size(TALL)
    nb = lab_notebook(SOURCE, SCALED)
    nb.run_all_and_wait()
    dashboard_rendered(page)
    page.locator(".nnw-step").first.click()
    wait_status(page, r"· step 1 ·")
    wait_settled(page, quiet=1.0)
    problems, seen = [], {}
    for factor in FACTORS:
        nb.add_and_run_cell(f"show_scaled({factor!r})", expect="scaled")
        time.sleep(1.0)  # the page draws the new ticks
        hists = page.evaluate(HIST_LABELS_JS)
        if len(hists) != 6:  # three weight layers, three gradients
            problems.append(f"x{factor:g}: {len(hists)} histograms")
        for hist in hists:
            problems += [f"x{factor:g}: {p}" for p in histogram_problems(hist)]
        seen[factor] = sorted({t["text"] for h in hists for t in h["x"]})
        save(page, f"histograms-x{factor:g}", [])
    assert not problems, "\n".join(problems)
    assert any(t.endswith(("e11", "e12")) for t in seen[1e12]), seen[1e12]  # not 300000M
    assert any(t.endswith("k") for t in seen[5e3]), seen[5e3]
