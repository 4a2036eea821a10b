"""The colours of our text and guides: JupyterLab's CSS variables, with light fallbacks.

Every colour nnwidgets sets for text, captions, warnings, guide lines and outlines is
one of JupyterLab's theme variables (``--jp-ui-font-color1``, ``--jp-error-color1``,
...), so that it follows JupyterLab Light, Dark and High Contrast, Notebook 7 and
Voila (which define the same variables). The fallback after the comma is JupyterLab
Light's value, or a darker one that reads on white, for a front end without them.
Data colours (class colours, train and test lines, diverging heatmap scales) are not
here: they read on both light and dark backgrounds as they are.

Text inside HTML widgets carries CSS classes, styled once by the stylesheet that
``stylesheet()`` returns (a hidden HTML widget holding a ``<style>`` element, which
the Dashboard and ``compare`` put on the page). Use these classes in any widget of
ours, including custom (anywidget) controls:

- ``nnw-text``: ordinary text (``--jp-ui-font-color1``), e.g. legend labels and
  messages;
- ``nnw-caption``: secondary text under or beside a figure (``--jp-ui-font-color2``):
  the weights colour key, activation health, architecture counts, hints, share note;
- ``nnw-heading``: a playground column title, over a rule (``--jp-border-color2``);
- ``nnw-error``: an error (``--jp-error-color1``): a refused input, divergence, a bad
  URL preset;
- ``nnw-warning``: a warning in ordinary text with a bar in ``--jp-warn-color0`` at its
  left (no warn colour reads as text on white): vanishing or exploding gradients,
  many dead or saturated units;
- ``nnw-placeholder``: the note of a view that cannot draw this network, in a dashed
  ``--jp-border-color1`` box;
- ``nnw-swatch``: a small square showing a data colour beside its name, outlined;
- ``nnw-status`` and ``nnw-message`` (the classes of the status and message lines) get
  the ordinary text colour.

What a click acts on shows a pointer: the weights maps' cells (bqplot's
``heatmapcell``, or the picture of a big map) and the network view's neurons and edge
midpoints (bqplot's ``dot``).

bqplot marks take the variables directly (``GUIDE``, ``TEXT``, ``BACKGROUND``): bqplot
sets mark colours as inline styles, where ``var(...)`` works.
"""

from __future__ import annotations

from ipywidgets import HTML, Layout

#: ordinary text
TEXT = "var(--jp-ui-font-color1, rgba(0, 0, 0, 0.87))"
#: secondary text: captions, hints, notes (4.6:1 on white, 6:1 on JupyterLab Dark)
CAPTION = "var(--jp-ui-font-color2, #616161)"
#: the strongest text colour (a selected element's outline)
STRONG = "var(--jp-ui-font-color0, #000)"
#: errors: passes 4.5:1 on white (Light) and on #111 (Dark)
ERROR = "var(--jp-error-color1, #d32f2f)"
#: a warning's bar (a non-text mark: 3.8:1 on white, 7:1 on Dark)
WARN = "var(--jp-warn-color0, #e65100)"
#: guide lines and marks in figures (a healthy level, a diagonal, neurons' click targets)
GUIDE = "var(--jp-ui-font-color2, #616161)"
#: the page's background: gaps between heatmap cells, halos around marks
BACKGROUND = "var(--jp-layout-color0, white)"
#: outlines of boxes and swatches
BORDER = "var(--jp-border-color1, #bdbdbd)"
#: a light rule under a heading
RULE = "var(--jp-border-color2, #e0e0e0)"

#: the colours our bqplot marks use. bqplot's image export (``get_svg``) writes into the
#: image the page's values of the variables that CSS rules on a figure name: the rule on
#: ``.svg-figure`` below names these, so that an exported figure keeps the theme's colours.
MARK_COLOURS = (TEXT, CAPTION, STRONG, GUIDE, BACKGROUND)

CSS = f"""
.nnw-text {{ color: {TEXT}; }}
.nnw-caption {{ color: {CAPTION}; }}
.nnw-heading {{ color: {CAPTION}; border-bottom: 1px solid {RULE}; }}
.nnw-error {{ color: {ERROR}; }}
.nnw-warning {{
  color: {TEXT};
  border-left: 3px solid {WARN};
  padding-left: 6px;
}}
.nnw-placeholder {{ color: {TEXT}; border: 1px dashed {BORDER}; }}
.nnw-swatch {{
  display: inline-block;
  width: 0.8em;
  height: 0.8em;
  margin-right: 3px;
  vertical-align: -0.05em;
  border: 1px solid {BORDER};
}}
.nnw-status, .jupyter-widgets.nnw-status,
.nnw-message, .jupyter-widgets.nnw-message {{ color: {TEXT}; }}
.nnw-view-weights .heatmapcell, .nnw-view-weights image,
.nnw-view-network .dot {{ cursor: pointer; }}
.bqplot .svg-figure {{ --nnw-mark-colours: {" ".join(MARK_COLOURS)}; }}
"""


def stylesheet() -> HTML:
    """A hidden HTML widget whose ``<style>`` styles the classes above on the whole page
    (one per dashboard: the same rules twice do no harm)."""
    widget = HTML(f"<style>{CSS}</style>", layout=Layout(display="none"))
    widget.add_class("nnw-theme")
    return widget
