"""The weights view's two kinds of map: SVG cells for a small matrix, a picture for a big one."""

import numpy as np
import pytest
from pngs import decode_png

from nnwidgets.views.protocol import FIG_MARGIN
from nnwidgets.views.weight_maps import (
    PICTURE_CELLS,
    GridMap,
    PictureMap,
    cell_ticks,
    diverging_ramp,
    side_ticks,
    weight_map,
)


def test_the_map_kind_changes_above_picture_cells():
    assert PICTURE_CELLS == 100
    assert type(weight_map((10, 10), (300, 300))) is GridMap
    big = weight_map((10, 11), (300, 250))
    assert type(big) is PictureMap
    plot = (
        300 - FIG_MARGIN["left"] - FIG_MARGIN["right"],
        250 - FIG_MARGIN["top"] - FIG_MARGIN["bottom"],
    )
    assert big.image.size_px == plot
    assert big.image.gapped  # 110 cells: gaps between them, as SVG cells have


@pytest.mark.parametrize(
    ("n", "labelled"),
    [
        (1, [0]),
        (3, [0, 1, 2]),
        (8, list(range(8))),
        (9, [0, 2, 4, 6, 8]),
        (40, list(range(0, 40, 5))),
    ],
)
def test_a_side_labels_at_most_eight_cells_at_their_centres(n, labelled):
    assert side_ticks(n) == labelled
    ticks = cell_ticks(n)
    assert ticks["tick_values"] == [i + 0.5 for i in labelled]
    assert list(ticks["tick_labels"].values()) == [str(i) for i in labelled]


@pytest.mark.parametrize("kind", ["grid", "picture"])
def test_both_kinds_show_frame_and_follow_clicks_alike(kind):
    shape = (3, 2) if kind == "grid" else (30, 20)
    hm = weight_map(shape, (400, 400))
    clicks = []
    hm.on_click(lambda row, col: clicks.append((row, col)))
    W = np.arange(np.prod(shape), dtype=float).reshape(shape) - 2.0
    hm.show(W, 8.0)
    hm.frame([(1, 0), (2, 1)])
    if kind == "grid":
        assert (hm.color_scale.min, hm.color_scale.max) == (-8.0, 8.0)
        np.testing.assert_array_equal(hm.mark.color, W)
        assert np.asarray(hm.mark.selected).tolist() == [[1, 0], [2, 1]]
        inside = {"rowNum": 2, "columnNum": 1}
        outside = {"rowNum": 3, "columnNum": 0}
    else:
        np.testing.assert_array_equal(hm.image.values, W)
        assert hm.image.marked == ((1, 0), (2, 1))
        png = decode_png(hm.mark.image.value)
        top = (hm.image.row_edges[0] + hm.image.row_edges[1]) // 2  # the picture's top: row 29
        centre = (hm.image.col_edges[0] + hm.image.col_edges[1]) // 2
        assert tuple(png[top, centre]) == tuple(diverging_ramp(8.0)(W[29, 0]))
        inside = {"click_x": 1.5, "click_y": 2.5}
        outside = {"click_x": 20.5, "click_y": 0.5}
    hm.show(W * 2, 8.0)  # a new draw keeps the frames
    framed = hm.mark.selected if kind == "grid" else hm.image.marked
    assert np.asarray(framed).tolist() == [[1, 0], [2, 1]]
    for data in (inside, outside, None):
        hm.mark._handle_custom_msgs(None, {"event": "element_click", "data": data})
    assert clicks == [(2, 1)]
    hm.frame([])
    assert (hm.mark.selected is None) if kind == "grid" else hm.image.marked == ()
