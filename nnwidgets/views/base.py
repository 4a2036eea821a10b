"""What every view shares, in one import: the view protocol (``protocol``), the shared
marks and histograms (``marks``) and the tick helpers (``ticks``, ``axis_ticks``).

The names live in those modules; this one gathers them for views, widgets and
tests that import from ``nnwidgets.views.base``.
"""

from __future__ import annotations

from ..core.view_context import ViewContext
from .axis_ticks import (
    Ticks,
    apply_ticks,
    axis_length_px,
    labelled,
    linear_ticks,
    log_ticks,
    plot_px,
    shown_labels,
)
from .marks import (
    SHRINK_AFTER,
    SHRINK_BELOW,
    SteadyLimit,
    StepHistogram,
    draw_line,
    draw_lines,
    finite_points,
    fit_count_axis,
    histogram,
    histogram_bins,
    legend,
    legend_html,
    stacked_lines,
    update_symmetric_histogram,
)
from .protocol import (
    FIG_MARGIN,
    MIN_STEPS,
    PALETTE,
    PLAY_HZ,
    STEP_FORMAT,
    View,
    axis,
    figure,
    figures,
    not_available,
    plot_array,
    set_changed,
)
from .ticks import (
    NICE_STEPS,
    count_ticks,
    decade_ticks,
    log_bounds,
    nice_ceiling,
    set_ticks,
    tick_format_for,
    whole_ticks,
)

__all__ = [
    "FIG_MARGIN",
    "MIN_STEPS",
    "NICE_STEPS",
    "PALETTE",
    "PLAY_HZ",
    "SHRINK_AFTER",
    "SHRINK_BELOW",
    "STEP_FORMAT",
    "SteadyLimit",
    "StepHistogram",
    "Ticks",
    "View",
    "ViewContext",
    "apply_ticks",
    "axis",
    "axis_length_px",
    "count_ticks",
    "decade_ticks",
    "draw_line",
    "draw_lines",
    "figure",
    "figures",
    "finite_points",
    "fit_count_axis",
    "histogram",
    "histogram_bins",
    "labelled",
    "legend",
    "legend_html",
    "linear_ticks",
    "log_bounds",
    "log_ticks",
    "nice_ceiling",
    "not_available",
    "plot_array",
    "plot_px",
    "set_changed",
    "set_ticks",
    "shown_labels",
    "stacked_lines",
    "tick_format_for",
    "update_symmetric_histogram",
    "whole_ticks",
]
