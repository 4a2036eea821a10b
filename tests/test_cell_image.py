"""The weights heatmaps' picture: a matrix's cells painted in the kernel at the plot's size."""

import numpy as np
import pytest
from pngs import decode_png

from nnwidgets.views.cell_image import FRAME_RGB, CellImage, cell_edges, cell_of_pixel
from nnwidgets.views.field_image import ColorRamp

GREY = ColorRamp([0.0, 10.0], ["#000000", "#0a0a0a"])  # value v drawn as (v, v, v)


def test_cell_edges_share_the_pixels_evenly():
    assert list(cell_edges(3, 10)) == [0, 3, 7, 10]
    assert list(cell_edges(1, 7)) == [0, 7]
    sizes = np.diff(cell_edges(7, 100))
    assert sizes.sum() == 100 and sizes.max() - sizes.min() <= 1


def test_cell_of_pixel_leaves_a_gap_between_cells_only():
    edges = cell_edges(3, 12)  # 0 4 8 12
    assert list(cell_of_pixel(edges)) == [0] * 4 + [1] * 4 + [2] * 4
    assert list(cell_of_pixel(edges, gap=True)) == [0, 0, 0, -1, 1, 1, 1, -1, 2, 2, 2, 2]
    assert list(cell_of_pixel(cell_edges(3, 10))) == [0] * 3 + [1] * 4 + [2] * 3


def test_a_small_matrix_has_the_plot_area_pixels_row_zero_at_the_bottom_and_clear_gaps():
    img = CellImage((2, 3), (30, 20))
    values = np.array([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]])
    img.show(values, GREY)
    png = decode_png(img.mark.image.value)
    assert img.gapped and png.shape == (20, 30, 4)
    assert tuple(png[17, 2]) == (0, 0, 0, 255)  # row 0, column 0: bottom left
    assert tuple(png[17, 25]) == (2, 2, 2, 255)  # row 0, column 2: bottom right
    assert tuple(png[2, 12]) == (4, 4, 4, 255)  # row 1, column 1: top middle
    assert png[9, :, 3].max() == 0 and png[:, 9, 3].max() == 0  # the gaps: transparent
    assert png[19, 25, 3] == 255 and png[15, 29, 3] == 255  # no gap at the outer edges
    assert not img.y_scale.reverse and list(img.mark.y) == [0.0, 2.0]
    assert list(img.mark.x) == [0.0, 3.0] and img.mark.pixelated
    np.testing.assert_array_equal(img.values, values)


def test_a_big_matrix_or_tiny_cells_are_one_rgb_texture():
    values = np.arange(21 * 20.0).reshape(21, 20) % 11  # 420 cells, over MAX_GAPPED_CELLS
    img = CellImage((21, 20), (40, 42))  # cells of 2 x 2 px
    img.show(values, GREY)
    expected = np.repeat(np.repeat(values[::-1], 2, axis=0), 2, axis=1)
    png = decode_png(img.mark.image.value)
    assert not img.gapped and png.shape == (42, 40, 3)
    np.testing.assert_array_equal(png, np.repeat(expected[..., None], 3, axis=-1))
    tiny = CellImage((4, 4), (12, 12))  # cells of 3 px: a gap would eat a third
    tiny.show(np.zeros((4, 4)), GREY)
    assert not tiny.gapped and decode_png(tiny.mark.image.value).shape == (12, 12, 3)


def test_marked_cells_are_framed_and_the_frame_goes_with_the_mark():
    img = CellImage((2, 3), (30, 20))
    values = np.full((2, 3), 5.0)
    img.show(values, GREY, marked=[(0, 2)])  # the bottom right cell
    png = decode_png(img.mark.image.value)
    frame = png[10:20, 20:30]
    black = (*FRAME_RGB, 255)
    assert (frame[0] == black).all() and (frame[:, 0] == black).all()
    assert (frame[-1] == black).all() and (frame[:, -1] == black).all()
    assert tuple(frame[4, 4]) == (5, 5, 5, 255)  # inside: the cell's colour
    assert tuple(png[4, 4]) == (5, 5, 5, 255)  # another cell: no frame
    img.show(values, GREY)
    assert (decode_png(img.mark.image.value)[10:20, 20:30] != black).any(axis=-1).any()
    assert img.marked == ()


def test_a_frame_is_two_pixels_on_cells_of_eight_and_one_on_smaller_ones():
    for size_px, width in [((80, 40), 2), ((21, 14), 1)]:  # cells of 10 px; of 3 px
        img = CellImage((4, 7), size_px)
        img.show(np.full((4, 7), 5.0), GREY, marked=[(3, 0)])  # the top left cell
        middle = img.col_edges[1] // 2
        column = decode_png(img.mark.image.value)[:, middle, 0]  # down the cell's middle
        assert list(column[:3]) == [0] * width + [5] * (3 - width)


def test_cell_at_maps_click_coordinates_to_cells_and_outside_to_none():
    img = CellImage((5, 1), (40, 100))
    assert img.cell_at(0.5, 0.2) == (0, 0)
    assert img.cell_at(0.99, 4.99) == (4, 0)
    assert img.cell_at(0.0, 3.0) == (3, 0)
    for x, y in [(1.0, 2.0), (-0.1, 2.0), (0.5, 5.0), (0.5, -0.01), (None, 1), ("a", 1)]:
        assert img.cell_at(x, y) is None
    assert img.cell_at(float("nan"), 1.0) is None


def test_bad_shapes_and_sizes_are_refused():
    with pytest.raises(ValueError, match="shape"):
        CellImage((0, 3), (30, 30))
    with pytest.raises(ValueError, match="size_px"):
        CellImage((40, 3), (30, 30))
    img = CellImage((2, 3), (30, 20))
    with pytest.raises(ValueError, match="values must have shape"):
        img.show(np.zeros((3, 2)), GREY)


def test_frame_changes_only_the_frames_of_the_matrix_drawn_last():
    img = CellImage((2, 3), (30, 20))
    values = np.full((2, 3), 5.0)
    img.show(values, GREY)
    drawn = img.mark.image
    img.frame([])  # framed already (none): the picture shown stays
    assert img.mark.image is drawn
    img.frame([(0, 2)])
    framed = decode_png(img.mark.image.value)
    img.show(values, GREY, marked=[(0, 2)])
    np.testing.assert_array_equal(framed, decode_png(img.mark.image.value))
    assert img.ramp is GREY and img.marked == ((0, 2),)
