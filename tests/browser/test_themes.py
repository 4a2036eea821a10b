"""Our text and guide colours read in JupyterLab Light and Dark, Notebook 7 and Voila.

Contrast is WCAG 2.1's: the relative luminance of the text colour (composited over its
background when it is translucent) against that of the background, which is the first
opaque background among the element's ancestors (translucent ones composited on it).
Text needs 4.5:1, guide lines and marks 3:1. In the light theme the same page is
measured again with our JupyterLab variables removed from our elements, so that the
fallbacks (what Voila and Notebook without JupyterLab's theme would show) are measured.
"""

from __future__ import annotations

import re

import pytest
from pages import install, wait_status

from nnwidgets.views import theme
from nnwidgets.views.weights import FOLLOW_HINT

pytestmark = pytest.mark.browser

TEXT_MIN, GUIDE_MIN = 4.5, 3.0

# Three dashboards: zero weights and relu (every hidden unit dead, every gradient
# vanishing, a refused input in the message line), a run that diverges, the playground.
PROBLEMS_SOURCE = """\
import nnwidgets as nw
ds = nw.datasets.moons(n_samples=200, noise=0.15, seed=0)
model = nw.MLP([2, 8, 8, 1], activation="relu", init="zeros", seed=0)
tr = nw.Trainer(model, ds, optimizer=nw.optim.SGD(lr=0.1), batch_size=10, seed=0)
dash = nw.Dashboard(tr, views=("loss", "gradients", "activations", "weights"))
dash.step()
dash.controls.say("file: no such file", error=True)
dash"""
DIVERGED_SOURCE = """\
ds2 = nw.datasets.sine(n_samples=100, noise=0.1, seed=0)
model2 = nw.MLP([1, 16, 16, 1], activation="relu", init="he", seed=0)
tr2 = nw.Trainer(model2, ds2, optimizer=nw.optim.SGD(lr=10.0), batch_size=10, seed=0)
dash2 = nw.Dashboard(tr2, views=("loss",))
dash2.step_epoch()
dash2"""
PLAYGROUND_SOURCE = "nw.playground()"

# The variables the exported SVG defines for our marks (its :root rule).
EXPORTED_VARIABLES = """\
import re
svg = ex.result().decode()
print("variables", sorted(set(re.findall(r"--jp-(?:ui-font-color2|layout-color0): [^;]*", svg))))"""

# What is measured: name -> CSS selector of text elements (4.5:1).
TEXT = {
    "caption": ".nnw-caption",
    "heading": ".nnw-heading",
    "warning": ".nnw-warning",
    "error": ".nnw-error",
    "status": ".nnw-status",
    "message": ".nnw-message",
    "legend": ".nnw-legend .nnw-text",
}

MEASURE_JS = r"""
([textSelectors, hint, textMin, guideMin]) => {
  const parse = (s) => {
    const m = /rgba?\(([^)]+)\)/.exec(s || '');
    if (!m) return null;
    const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, bottom) =>
    [0, 1, 2].map((i) => top[3] * top[i] + (1 - top[3]) * bottom[i]).concat([1]);
  // the first opaque background among the ancestors, translucent ones composited on it
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) {
        layers.push(c);
        if (c[3] >= 1) break;
      }
    }
    let bg = [255, 255, 255, 1];  // the canvas
    for (const c of layers.reverse()) bg = over(c, bg);
    return bg;
  };
  const luminance = (c) => {
    const f = (v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const ratio = (fg, bg) => {
    const a = luminance(over(fg, bg)), b = luminance(bg);
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  };
  const shown = (el) => el.getClientRects().length > 0;
  const hex = (c) => 'rgb(' + c.slice(0, 3).map(Math.round).join(',') + ')';
  const item = (name, el, fg, bg, min) => ({
    name, min, ratio: ratio(fg, bg), fg: hex(over(fg, bg)), bg: hex(bg),
    css: getComputedStyle(el).color, text: (el.textContent || '').trim().slice(0, 60),
  });
  const out = [];
  for (const [name, sel] of Object.entries(textSelectors)) {
    for (const el of document.querySelectorAll(sel)) {
      if (!shown(el) || !el.textContent.trim()) continue;
      const bg = background(el);
      out.push(item(name, el, parse(getComputedStyle(el).color), bg, textMin));
      if (name === 'warning') {  // its bar: a mark, 3:1
        out.push(item('warning bar', el, parse(getComputedStyle(el).borderLeftColor), bg,
                      guideMin));
      }
    }
  }
  // marks in figures, against the plot area's background
  const plotBackground = (fig) => {
    const rect = fig.querySelector('.plotarea_background');
    const fill = rect && parse(getComputedStyle(rect).fill);
    const under = background(fig);
    return fill ? over(fill, under) : under;
  };
  const withOpacity = (el, c) => {
    const o = parseFloat(getComputedStyle(el).opacity);
    return [c[0], c[1], c[2], c[3] * (isNaN(o) ? 1 : o)];
  };
  // a view's widget is a figure, or holds figures
  const figures = (name) => document.querySelectorAll(
    `.nnw-view-${name}.bqplot.figure, .nnw-view-${name} .bqplot.figure`);
  for (const fig of figures('gradients')) {
    for (const path of fig.querySelectorAll('path.line')) {
      const cs = getComputedStyle(path);
      if (cs.strokeDasharray === 'none' || !shown(path)) continue;
      out.push(item('healthy line', path, withOpacity(path, parse(cs.stroke)),
                    plotBackground(fig), guideMin));
    }
  }
  // the loss view's train and test curves (the batch line is faint by design)
  for (const fig of figures('loss')) {
    for (const path of fig.querySelectorAll('path.line')) {
      const cs = getComputedStyle(path);
      if (parseFloat(cs.opacity) < 1 || cs.stroke === 'none' || !shown(path)) continue;
      out.push(item('data line', path, parse(cs.stroke), plotBackground(fig), guideMin));
    }
  }
  for (const fig of figures('weights')) {
    for (const text of fig.querySelectorAll('text')) {
      if (text.textContent.trim() !== hint || !shown(text)) continue;
      out.push(item('follow hint', text, parse(getComputedStyle(text).fill),
                    plotBackground(fig), textMin));
    }
  }
  for (const fig of figures('network')) {
    for (const dot of fig.querySelectorAll('.dot')) {
      const cs = getComputedStyle(dot);
      if (parseFloat(cs.opacity) < 1 || !shown(dot)) continue;  // the faint edge handles
      out.push(item('neuron', dot, parse(cs.fill), plotBackground(fig), guideMin));
    }
  }
  return out;
}
"""

# Our elements' JupyterLab variables removed: their colours fall back.
FALLBACK_JS = """
(variables) => {
  const style = document.createElement('style');
  style.id = 'nnw-no-jupyterlab-variables';
  const ours = ['.nnw-text', '.nnw-caption', '.nnw-heading', '.nnw-error', '.nnw-warning',
    '.nnw-placeholder', '.nnw-swatch', '.nnw-status', '.nnw-message',
    '.nnw-status *', '.nnw-message *', '.bqplot path.line', '.bqplot .dot',
    '.bqplot text.label'];
  style.textContent = ours.join(', ') + ' { ' +
    variables.map((v) => v + ': initial;').join(' ') + ' }';
  document.head.appendChild(style);
}
"""

# The network view's neurons are drawn (after the faint handles of its edges).
NEURONS_DRAWN_JS = """() => [...document.querySelectorAll('.nnw-view-network .dot')]
    .some((d) => getComputedStyle(d).opacity === '1')"""

# What a colour of ours resolves to on this page (a probe element in the body).
RESOLVE_JS = """
(value) => {
  const probe = document.createElement('span');
  probe.style.color = value;
  document.body.appendChild(probe);
  const color = getComputedStyle(probe).color;
  probe.remove();
  return color;
}
"""


def theme_variables() -> list[str]:
    """The JupyterLab variables our colours use."""
    values = [v for v in vars(theme).values() if isinstance(v, str) and "--jp-" in v]
    return sorted({name for v in values for name in re.findall(r"--jp-[a-z0-9-]+", v)})


def measure(page) -> list[dict]:
    return page.evaluate(MEASURE_JS, [TEXT, FOLLOW_HINT, TEXT_MIN, GUIDE_MIN])


def too_low(items: list[dict]) -> list[str]:
    return [
        f"{i['name']} {i['ratio']:.2f}:1 < {i['min']}:1 ({i['fg']} on {i['bg']}): {i['text']!r}"
        for i in items
        if i["ratio"] < i["min"]
    ]


def lowest(items: list[dict]) -> dict[str, float]:
    """The lowest contrast of each kind of element (for the test report)."""
    out: dict[str, float] = {}
    for i in items:
        out[i["name"]] = round(min(i["ratio"], out.get(i["name"], float("inf"))), 2)
    return out


def missing(items: list[dict], names) -> list[str]:
    found = {i["name"] for i in items}
    return [n for n in names if n not in found]


ALL = [*TEXT, "warning bar", "healthy line", "follow hint", "neuron"]


def run_problems(nb, page) -> None:
    """Run the three dashboards and wait until every problem is on the page."""
    nb.run_all_and_wait(timeout=180)
    install(page)
    page.locator(".nnw-gradient-warning .nnw-warning").first.wait_for()
    page.locator(".nnw-activation-health .nnw-warning").first.wait_for()
    page.locator(".nnw-status .nnw-error", has_text="diverged").first.wait_for()
    page.locator(".nnw-message .nnw-error").first.wait_for()
    page.locator(".nnw-heading").first.wait_for()
    page.wait_for_function(NEURONS_DRAWN_JS)
    page.locator(".nnw-view-weights text", has_text=FOLLOW_HINT).first.wait_for()


def check_stylesheet(page) -> None:
    """Our stylesheet is applied: captions and warnings take the theme's colours."""
    caption = page.locator(".nnw-caption").first
    assert caption.evaluate("(e) => getComputedStyle(e).color") == page.evaluate(
        RESOLVE_JS, theme.CAPTION
    )
    warning = page.locator(".nnw-warning")
    if warning.count():
        assert warning.first.evaluate(
            "(e) => getComputedStyle(e).borderLeftColor"
        ) == page.evaluate(RESOLVE_JS, theme.WARN)


def theme_contrast(open_notebook, page, record_property, theme_name: str) -> tuple:
    """Open the three dashboards in ``open_notebook``'s JupyterLab, check it shows
    ``theme_name``, provoke the problems and measure: every kind of element present,
    none under its minimum. Returns the notebook and the measured items."""
    nb = open_notebook(PROBLEMS_SOURCE, DIVERGED_SOURCE, PLAYGROUND_SOURCE)
    assert page.evaluate("() => document.body.dataset.jpThemeName") == theme_name
    run_problems(nb, page)
    check_stylesheet(page)
    items = measure(page)
    record_property("contrast_" + theme_name.split()[-1].lower(), lowest(items))
    assert missing(items, ALL) == []
    low = too_low(items)
    assert not low, "\n".join(low)
    return nb, items


def test_dark_theme_text_and_guides_have_contrast(dark_lab_notebook, page, record_property):
    nb, items = theme_contrast(dark_lab_notebook, page, record_property, "JupyterLab Dark")
    # the page is dark, as are the plots: the text is light
    assert all(i["bg"] == "rgb(17,17,17)" for i in items if i["name"] == "healthy line")
    # an exported figure keeps the dark theme's values of our marks' variables
    nb.add_and_run_cell("ex = dash.export_svg(); print('asked')", expect="asked")
    page.wait_for_timeout(500)
    for _ in range(40):
        if "done True" in nb.add_and_run_cell("print('done', ex.done)", expect="done"):
            break
    out = nb.add_and_run_cell(EXPORTED_VARIABLES, expect="variables")
    assert "--jp-ui-font-color2: rgba(255,255,255,.54)" in out, out
    assert "--jp-layout-color0: #111" in out, out


def test_light_theme_and_fallbacks_have_contrast(lab_notebook, page, record_property):
    theme_contrast(lab_notebook, page, record_property, "JupyterLab Light")

    page.evaluate(FALLBACK_JS, theme_variables())
    fallback = page.evaluate(RESOLVE_JS, re.search(r"#[0-9a-f]+", theme.CAPTION).group())
    caption = page.locator(".nnw-caption").first.evaluate("(e) => getComputedStyle(e).color")
    assert caption == fallback  # the fallbacks are what is measured now
    items = measure(page)
    record_property("contrast_fallbacks", lowest(items))
    assert missing(items, ALL) == []
    low = too_low(items)
    assert not low, "\n".join(low)


def test_notebook7_applies_the_theme(notebook7, page, record_property):
    nb = notebook7(PROBLEMS_SOURCE)
    nb.run_all_and_wait(timeout=120)
    page.locator(".nnw-gradient-warning .nnw-warning").first.wait_for()
    wait_status(page, r"step 1")
    check_stylesheet(page)
    items = measure(page)
    record_property("contrast_notebook7", lowest(items))
    assert missing(items, ["caption", "warning", "error", "status", "legend", "healthy line"]) == []
    low = too_low(items)
    assert not low, "\n".join(low)


def test_voila_applies_the_theme(voila_server, page, record_property):
    page.goto(voila_server.url("/"))
    page.locator(".nnw-heading").first.wait_for(timeout=90_000)
    page.wait_for_function(NEURONS_DRAWN_JS)
    check_stylesheet(page)
    items = measure(page)
    record_property("contrast_voila", lowest(items))
    assert missing(items, ["caption", "heading", "status", "legend", "neuron"]) == []
    low = too_low(items)
    assert not low, "\n".join(low)
