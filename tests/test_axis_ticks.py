"""Tick values and labels chosen from an axis's length: apart, and in one format."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from nnwidgets.views.axis_ticks import (
    CHAR_PX,
    LABEL_GAP_PX,
    LINE_PX,
    SYMMETRIC_STEPS,
    axis_length_px,
    compact_label,
    format_ticks,
    js_number,
    label_px,
    labelled,
    linear_ticks,
    log_ticks,
    min_gap_px,
    symmetric_ticks,
)
from nnwidgets.views.marks import histogram
from nnwidgets.views.ticks import nice_ceiling

NUMBER = re.compile(r"^-?(\d+)(?:\.(\d+))?(k|M|%|e-?\d+)?$")

# the plot lengths of the dashboard's axes, px: loss and flow (420-px figures), accuracy
# (300 px), histograms (240-280 px), heights of 290/240/200-px figures
WIDTHS = (346, 226, 166, 186, 206)
HEIGHTS = (212, 162, 122)


def formats(texts) -> set[tuple[int, str]]:
    """(decimals, suffix) of every label but a bare zero."""
    found = set()
    for text in texts:
        if text == "":  # a tick left blank (a count axis's zero, in a histogram's corner)
            continue
        m = NUMBER.match(text)
        assert m is not None, text
        if text != "0":
            suffix = m.group(3) or ""
            found.add((len(m.group(2) or ""), "e" if suffix.startswith("e") else suffix))
    return found


def assert_readable(ticks, lo, hi, length, orientation="horizontal"):
    assert len(ticks.values) >= 2 or hi - lo < 1e-300, ticks
    assert all(lo - 1e-9 * (hi - lo) <= v <= hi + 1e-9 * (hi - lo) for v in ticks.values)
    assert min_gap_px(ticks, lo, hi, length, orientation) >= LABEL_GAP_PX, (ticks, length)
    assert len(formats(ticks.labels)) <= 1, ticks.labels
    assert len(set(ticks.labels)) == len(ticks.labels), ticks.labels


@pytest.mark.parametrize("length", WIDTHS)
def test_step_axes_stay_readable_from_ten_steps_to_ten_million(length):
    """Every end a step or epoch axis takes (nice_ceiling of the steps so far)."""
    ends = sorted({nice_ceiling(v) for v in np.geomspace(10, 1e7, 200)})
    for hi in ends:
        ticks = linear_ticks(0.0, hi, length, whole=True)
        assert_readable(ticks, 0.0, hi, length)
        assert all(v == int(v) for v in ticks.values)
        assert ticks.values[0] == 0.0 and len(ticks.values) >= 3, (hi, ticks)


def test_the_issues_cases_read_apart_in_one_format():
    # 2,000 epochs on the 300-px accuracy figure: '200' over '400' before
    acc = linear_ticks(0.0, 2000.0, 226, whole=True)
    assert acc.labels == ("0", "500", "1000", "1500", "2000")
    # 1.2k over 1.4k: 10,000 epochs of 16 steps on the loss figure
    steps = linear_ticks(0.0, nice_ceiling(160_000), 346, whole=True)
    assert steps.labels == ("0", "50k", "100k", "150k", "200k")
    # the loss axis mixed 1.20 with 0.900
    loss = linear_ticks(0.0, 1.25, 212, "vertical")
    assert loss.labels == ("0.0", "0.2", "0.4", "0.6", "0.8", "1.0", "1.2")


@pytest.mark.parametrize("length", HEIGHTS)
def test_value_axes_stay_readable_at_any_magnitude(length):
    for hi in np.geomspace(1e-7, 1e15, 150):
        for lo in (0.0, -hi, hi / 3):
            ticks = linear_ticks(lo, hi, length, "vertical")
            assert_readable(ticks, lo, hi, length, "vertical")
    for length in WIDTHS:
        for hi in np.geomspace(1e-6, 1e6, 60):
            assert_readable(linear_ticks(-hi, hi, length), -hi, hi, length)


def test_percent_axis():
    ticks = linear_ticks(0.0, 1.0, 212, "vertical", style="percent")
    assert ticks.labels == ("0%", "20%", "40%", "60%", "80%", "100%")


def test_three_histogram_ticks_share_one_format():
    assert labelled([-1.25, 0.0, 1.25]).labels == ("-1.25", "0.00", "1.25")
    assert labelled([-0.3, 0.0, 0.3]).labels == ("-0.3", "0.0", "0.3")
    assert labelled([-8e-6, 0.0, 8e-6]).labels == ("-8e-6", "0", "8e-6")
    assert labelled([-2.5e-5, 0.0, 2.5e-5]).labels == ("-2.5e-5", "0", "2.5e-5")
    assert labelled([-60000.0, 0.0, 60000.0]).labels == ("-60k", "0", "60k")
    for lim in sorted({nice_ceiling(v) for v in np.geomspace(1e-9, 1e6, 300)}):
        ticks = labelled([-lim, 0.0, lim])
        assert len(formats(ticks.labels)) == 1, ticks.labels
        # three labels on the smallest histogram (156 px) stay apart
        assert 78 - CHAR_PX * max(len(t) for t in ticks.labels) >= LABEL_GAP_PX, ticks


def test_count_and_decade_labels():
    assert labelled([0.0, 5.0, 10.0, 15.0]).labels == ("0", "5", "10", "15")
    assert format_ticks([0, 20000, 40000], 4) == ["0", "20k", "40k"]
    assert format_ticks([0, 0.5e6, 1e6, 1.5e6], 5) == ["0", "0.5M", "1.0M", "1.5M"]
    assert format_ticks([0, 5e6, 1e7], 6) == ["0", "5M", "10M"]
    # from a billion up, exponents: 4e11 was '400000M'
    assert format_ticks([0, 2e11, 4e11], 11) == ["0", "2e11", "4e11"]
    assert format_ticks([0, 5e10, 1e11, 1.5e11], 10) == ["0", "5.0e10", "1.0e11", "1.5e11"]
    ticks = log_ticks(1e-12, 1.0, 212)
    assert ticks.labels[0] == "1e-12" and ticks.labels[-1] == "1e0"
    assert 212 / (len(ticks.values) - 1) >= LINE_PX + LABEL_GAP_PX
    assert log_ticks(1e-8, 1.0, 212).labels == tuple(f"1e{e}" for e in range(-8, 1))
    # one or two decades: 1, 2 and 5 times each power of ten
    assert log_ticks(0.1, 1.0, 212).labels == ("1e-1", "2e-1", "5e-1", "1e0")
    assert len(log_ticks(0.01, 1.0, 212).values) == 7
    assert len(formats(log_ticks(0.01, 1.0, 212).labels)) == 1


def test_tick_label_keys_are_javascripts_number_strings():
    """bqplot looks a label up by String(value) in the page."""
    cases = {
        0.0: "0",
        20000.0: "20000",
        0.5: "0.5",
        -1.25: "-1.25",
        1e-7: "1e-7",
        5e-6: "0.000005",
        1.5e21: "1.5e+21",
        1e21: "1e+21",
        123456789.0: "123456789",
        0.1 + 0.2: "0.30000000000000004",
    }
    for value, text in cases.items():
        assert js_number(value) == text, value
    ticks = linear_ticks(-8e-6, 8e-6, 166)
    assert set(ticks.label_map()) == {js_number(v) for v in ticks.values}
    assert all(math.isfinite(v) for v in ticks.values)


HIST_WIDTHS = ("240px", "260px")  # the gradient and the weight histograms' figures


def test_histogram_labels_are_compact():
    assert symmetric_ticks(4e12).labels == ("-2e12", "0", "2e12")
    assert symmetric_ticks(3000.0).labels == ("-1.5k", "0", "1.5k")
    assert symmetric_ticks(8e5).labels == ("-400k", "0", "400k")
    assert symmetric_ticks(5e-5).labels == ("-2.5e-5", "0", "2.5e-5")
    assert symmetric_ticks(1.5).labels == ("-0.75", "0", "0.75")
    assert symmetric_ticks(1.0).values == (-0.5, 0.0, 0.5)
    assert [compact_label(v) for v in (999.7, 2.5e6, 1.5e-3, 0.0)] == ["1k", "2.5M", "0.0015", "0"]
    for bad in (0.0, -1.0, math.inf, math.nan):
        with pytest.raises(ValueError, match="limit"):
            symmetric_ticks(bad)


@pytest.mark.parametrize("width", HIST_WIDTHS)
def test_histogram_labels_stay_inside_their_figure_at_any_magnitude(width):
    """Every range a histogram takes, from 1e-15 to 1e15: the labels are short, in one
    format, apart, inside the plot (clear of the corner where the count axis's zero
    is, and of the figure's right edge)."""
    fig, _, x_axis = histogram("h", "x", "#000", width=width, height="200px", symmetric=True)
    plot = axis_length_px(fig, x_axis)
    limits = sorted({nice_ceiling(v, SYMMETRIC_STEPS) for v in np.geomspace(1e-15, 1e15, 400)})
    for lim in limits:
        ticks = symmetric_ticks(lim)
        assert max(len(t) for t in ticks.labels) <= 8, ticks.labels  # -7.5e-16
        assert len(formats(ticks.labels)) == 1, ticks.labels
        assert min_gap_px(ticks, -lim, lim, plot, "horizontal") >= LABEL_GAP_PX, ticks
        # label extents in px from the plot's left edge (the count axis)
        left = (ticks.values[0] + lim) / (2 * lim) * plot - label_px(ticks.labels[0]) / 2
        right = (ticks.values[-1] + lim) / (2 * lim) * plot + label_px(ticks.labels[-1]) / 2
        assert left >= LABEL_GAP_PX / 2, (lim, ticks.labels, left)
        assert right <= plot, (lim, ticks.labels, right)
