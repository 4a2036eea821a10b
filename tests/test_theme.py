"""Text colours come from the theme's classes, never from an inline colour (the browser
test tests/browser/test_themes.py measures them in JupyterLab Light and Dark)."""

from __future__ import annotations

from html.parser import HTMLParser

from ipywidgets import HTML

import nnwidgets as nw
from nnwidgets.views import theme

GLYPHS = set("●▲ \u00a0")  # legend symbols: drawn in their data colour on purpose


class InlineColours(HTMLParser):
    """The text of ``value`` set in an inline ``color:`` (a legend's glyphs excepted)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[bool] = []
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        style = (dict(attrs).get("style") or "").replace(" ", "")
        coloured = "color:" in style.replace("background-color:", "").replace("border-color:", "")
        if tag not in ("br", "img", "input"):
            self.stack.append(coloured)

    def handle_endtag(self, tag):
        if tag not in ("br", "img", "input") and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if any(self.stack) and not set(data) <= GLYPHS:
            self.found.append(data.strip())


def widgets(root):
    yield root
    for child in getattr(root, "children", ()) or ():
        yield from widgets(child)
    yield from getattr(root, "marks", ()) or ()


def coloured_text(root) -> list[str]:
    found = []
    for w in widgets(root):
        if isinstance(w, HTML) and "nnw-theme" not in w._dom_classes:
            parser = InlineColours()
            parser.feed(w.value)
            found += [f"{w._dom_classes}: {t}" for t in parser.found]
    return found


def problem_dashboards():
    ds = nw.datasets.moons(n_samples=200, noise=0.15, seed=0)
    zeros = nw.MLP([2, 8, 8, 1], activation="relu", init="zeros", seed=0)
    tr = nw.Trainer(zeros, ds, optimizer=nw.optim.SGD(lr=0.1), batch_size=10, seed=0)
    # every view but the loss landscape (which cannot slice around all-zero weights)
    dash = nw.Dashboard(tr, views=tuple(v for v in nw.views.VIEWS if v != "landscape"))
    dash.step()
    dash.controls.say("refused", error=True)
    sine = nw.datasets.sine(n_samples=100, noise=0.1, seed=0)
    net = nw.MLP([1, 16, 16, 1], activation="relu", init="he", seed=0)
    tr2 = nw.Trainer(net, sine, optimizer=nw.optim.SGD(lr=10.0), batch_size=10, seed=0)
    diverged = nw.Dashboard(tr2, views=("loss", "boundary"))
    diverged.step_epoch()
    return dash, diverged


def test_no_text_has_an_inline_colour():
    dash, diverged = problem_dashboards()
    assert "nnw-warning" in dash.views["gradients"].warning.value
    assert "nnw-warning" in dash.views["activations"].labels[0].value
    assert "nnw-error" in dash.controls.message.value
    assert "nnw-error" in diverged.controls.status.value and "diverged" in (
        diverged.controls.status.value
    )
    pg = nw.playground()
    pg.share.show()  # its note
    assert "nnw-caption" in pg.share.note.value
    race = nw.compare(
        lambda: nw.MLP([2, 4, 1], seed=0),
        nw.datasets.moons(seed=0),
        optimizers={"SGD": nw.optim.SGD(lr=0.1), "Adam": nw.optim.Adam()},
    )
    for root in (dash, diverged, pg, race):
        assert coloured_text(root) == []
        sheets = [w for w in widgets(root) if isinstance(w, HTML) and "nnw-theme" in w._dom_classes]
        assert len(sheets) == 1 and sheets[0].value == f"<style>{theme.CSS}</style>"
    for root in (dash, diverged, pg, race):
        root.close()


def test_an_inline_colour_is_found():
    parser = InlineColours()
    parser.feed("<div style='color:#444'>caption <b>bold</b></div><span style='color:red'>●</span>")
    assert parser.found == ["caption", "bold"]


def test_every_documented_class_is_styled():
    for name in (
        "nnw-text",
        "nnw-caption",
        "nnw-heading",
        "nnw-error",
        "nnw-warning",
        "nnw-placeholder",
        "nnw-swatch",
        "nnw-status",
        "nnw-message",
    ):
        assert name in theme.__doc__ and f".{name}" in theme.CSS, name


def test_guide_marks_take_theme_variables():
    dash, _ = problem_dashboards()
    healthy = dash.views["gradients"].ratio_healthy
    assert healthy.colors == [theme.GUIDE] and theme.GUIDE.startswith("var(--jp-")
    nodes = dash.views["network"].nodes
    assert nodes.colors == [theme.TEXT] and nodes.stroke == theme.BACKGROUND
    dash.close()


def wcag_contrast(a: str, b: str) -> float:
    """WCAG 2.1's contrast ratio of two ``#rrggbb`` colours."""

    def luminance(color: str) -> float:
        channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_train_and_test_colours_stand_out_on_light_and_dark_plots():
    """The loss curves' train and test colours (the first two of the palette) reach 3:1,
    what a line needs against its background, on white and on JupyterLab Dark's plots
    (tab10's orange did not: 2.5:1 on white)."""
    from nnwidgets.views.loss import TEST, TRAIN
    from nnwidgets.views.protocol import PALETTE

    assert (TRAIN, TEST) == (PALETTE[0], PALETTE[1])
    for color in (TRAIN, TEST):
        for background in ("#ffffff", "#111111"):
            assert wcag_contrast(color, background) >= 3.0, (color, background)
    assert wcag_contrast("#ff7f0e", "#ffffff") < 3.0  # the check tells tab10's orange
