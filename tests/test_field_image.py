"""The boundary's picture: colours and PNG made in the kernel, shown by bqplot's Image."""

import numpy as np
import pytest
from bqplot import LinearScale
from pngs import decode_png

import nnwidgets as nw
from nnwidgets.views.field_image import ColorRamp, FieldImage, png_bytes


@pytest.mark.parametrize("channels", [3, 4])
def test_png_bytes_round_trips_the_pixels(channels):
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, size=(7, 5, channels), dtype=np.uint8)
    np.testing.assert_array_equal(decode_png(png_bytes(pixels)), pixels)


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros((4, 4)),
        np.zeros((4, 4, 2), np.uint8),
        np.zeros((4, 4, 5), np.uint8),
        np.zeros((4, 4, 3), np.float32),
    ],
)
def test_png_bytes_refuses_what_is_not_rgb_or_rgba_bytes(bad):
    with pytest.raises(ValueError, match="pixels"):
        png_bytes(bad)


def test_color_ramp_interpolates_clamps_and_colours_nan():
    ramp = ColorRamp([0.0, 0.5, 1.0], ["#000000", "#808080", "#ff0000"], nan_color="#0000ff")
    rgb = ramp(np.array([-1.0, 0.0, 0.25, 0.5, 0.75, 1.0, 2.0, np.nan]))
    np.testing.assert_array_equal(
        rgb,
        [
            [0, 0, 0],
            [0, 0, 0],
            [64, 64, 64],
            [128, 128, 128],
            [192, 64, 64],
            [255, 0, 0],
            [255, 0, 0],
            [0, 0, 255],
        ],
    )


def test_color_ramp_refuses_mismatched_or_unordered_stops():
    with pytest.raises(ValueError, match="same length"):
        ColorRamp([0.0, 1.0], ["#000000"])
    with pytest.raises(ValueError, match="increase"):
        ColorRamp([1.0, 0.0], ["#000000", "#ffffff"])
    with pytest.raises(ValueError, match="#rrggbb"):
        ColorRamp([0.0, 1.0], ["black", "#ffffff"])


def test_field_image_draws_rows_bottom_up_and_spans_half_a_cell_beyond_the_centres():
    x, y = np.linspace(0.0, 3.0, 4), np.linspace(10.0, 12.0, 3)
    ramp = ColorRamp([0.0, 1.0], ["#000000", "#ffffff"])
    field = FieldImage(x, y, {"x": LinearScale(), "y": LinearScale()}, ramp)
    np.testing.assert_allclose(field.mark.x, [-0.5, 3.5])
    np.testing.assert_allclose(field.mark.y, [9.5, 12.5])
    values = np.zeros((3, 4))
    values[0] = 1.0  # the lowest row white: the image's last row
    field.show(values)
    pixels = decode_png(field.mark.image.value)
    assert pixels.shape == (3, 4, 3)
    assert (pixels[-1] == 255).all() and (pixels[:-1] == 0).all()
    np.testing.assert_array_equal(field.values, values)
    with pytest.raises(ValueError, match="shape"):
        field.show(np.zeros((4, 3)))


def test_field_image_takes_turns_between_two_images_and_skips_an_unchanged_picture():
    field = FieldImage(
        np.arange(3.0),
        np.arange(2.0),
        {"x": LinearScale(), "y": LinearScale()},
        ColorRamp([0.0, 1.0], ["#000000", "#ffffff"]),
    )
    first = field.mark.image
    changes = []
    field.mark.observe(lambda change: changes.append(change["new"]), names="image")
    field.show(np.ones((2, 3)))
    second = field.mark.image
    assert second is not first and changes == [second]
    field.show(np.ones((2, 3)))  # the same picture: nothing sent
    assert changes == [second]
    field.show(np.zeros((2, 3)))
    assert field.mark.image is first and changes == [second, first]
    assert decode_png(first.value).max() == 0 and decode_png(second.value).min() == 255


def test_the_demo_boundary_is_an_image_of_the_prediction():
    dash = nw.demo(speed="max")
    dash.step()
    view = dash.views["boundary"]
    p = dash.trainer.model.predict_proba(view.grid)
    p = p if p.ndim == 1 else p[:, -1]
    np.testing.assert_allclose(view.field.values.ravel(), p, atol=1e-6)
    pixels = decode_png(view.field.mark.image.value)
    assert pixels.shape == (60, 60, 3)
    # the top-left pixel is the grid's last row's first point
    np.testing.assert_array_equal(pixels[0, 0], view.ramp(view.field.values[-1, 0]))


def test_field_image_moves_to_a_new_grid():
    field = FieldImage(
        np.arange(3.0),
        np.arange(3.0),
        {"x": LinearScale(), "y": LinearScale()},
        ColorRamp([0.0, 1.0], ["#000000", "#ffffff"], nan_color="#ff0000"),
    )
    field.place(np.linspace(-1.0, 1.0, 5), np.linspace(0.0, 2.0, 3))
    np.testing.assert_allclose(field.mark.x, [-1.25, 1.25])
    np.testing.assert_allclose(field.mark.y, [-0.5, 2.5])
    assert field.values.shape == (3, 5) and np.isnan(field.values).all()
    values = np.full((3, 5), np.nan)
    values[0] = 1.0  # the first row computed, the others not yet: the nan colour
    field.show(values)
    pixels = decode_png(field.mark.image.value)
    assert pixels.shape == (3, 5, 3)
    assert (pixels[-1] == 255).all() and (pixels[:-1] == [255, 0, 0]).all()
