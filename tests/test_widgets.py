"""Widget tests without a browser: controls drive the trainer, views show its state."""

from __future__ import annotations

import asyncio
import json

import numpy as np
import pytest
from ipywidgets import Widget

import nnwidgets as nw
from nnwidgets.views import VIEWS, ViewContext
from nnwidgets.views.base import figures
from nnwidgets.views.weight_maps import padded


def make_trainer(**kw):
    ds = nw.datasets.moons(n_samples=120, noise=0.15, seed=0)
    model = nw.MLP([2, 6, 5, 1], activation=kw.pop("activation", "tanh"), seed=0)
    return nw.Trainer(model, ds, optimizer=nw.optim.SGD(lr=kw.pop("lr", 0.1)), batch_size=10, **kw)


@pytest.fixture
def dash():
    tr = make_trainer()
    return nw.Dashboard(tr, views=tuple(VIEWS))


def classes(widget) -> list[str]:
    return list(widget._dom_classes)


def test_controls_and_views_carry_css_classes(dash):
    c = dash.controls
    for widget, css in [
        (c.step, "nnw-step"),
        (c.epoch, "nnw-epoch"),
        (c.play, "nnw-play"),
        (c.reset, "nnw-reset"),
        (c.lr, "nnw-lr"),
        (c.status, "nnw-status"),
    ]:
        assert css in classes(widget)
    for name, view in dash.views.items():
        assert f"nnw-view-{name}" in classes(view.widget)


def test_step_button_steps_and_refreshes_every_view(dash):
    tr = dash.trainer
    for _ in range(5):
        dash.controls.step.click()
    assert tr.step_count == 5
    assert "step 5" in dash.controls.status.value
    loss = dash.views["loss"]
    assert len(loss.batch_line.x) == 5
    np.testing.assert_array_equal(loss.batch_line.y, np.float32(tr.history.series("batch_loss")[1]))
    weights = dash.views["weights"]
    for i, hm in enumerate(weights.heatmaps):
        W = tr.model.params[f"W{i}"]
        np.testing.assert_allclose(np.asarray(hm.mark.color)[: W.shape[0], : W.shape[1]], W)
    grads = dash.views["gradients"]
    assert np.asarray(grads.flow.y).shape == (3, 5)


def test_epoch_button_completes_an_epoch(dash):
    dash.controls.step.click()
    dash.controls.epoch.click()
    assert dash.trainer.epoch == 1
    assert dash.trainer.step_count == dash.trainer.batches_per_epoch
    assert "epoch 1" in dash.controls.status.value
    acc = dash.views["loss"].acc_lines
    assert np.asarray(acc.x).shape == (2, 2)  # train and test at epochs 0 and 1


def test_learning_rate_slider_sets_trainer_rate(dash):
    dash.controls.lr.value = 0.5
    assert dash.trainer.lr == pytest.approx(0.5)
    assert "lr 0.5" in dash.controls.status.value
    dash.controls.step.click()
    assert dash.trainer.optimizer.lr == pytest.approx(0.5)


def test_optimizer_dropdown_and_argument(dash):
    c = dash.controls
    c.optimizer.value = "adam"
    assert isinstance(dash.trainer.optimizer, nw.optim.Adam)
    assert c.opt_arg.description == "β1"
    c.opt_arg.value = 0.8
    assert dash.trainer.optimizer.betas[0] == pytest.approx(0.8)
    assert dash.trainer.lr == pytest.approx(0.1)  # the rate carries over
    c.optimizer.value = "sgd"
    c.opt_arg.value = 0.9
    assert dash.trainer.optimizer.momentum == pytest.approx(0.9)


def test_batch_size_and_penalties(dash):
    c = dash.controls
    c.batch_size.value = 32
    c.l2.value = 0.01
    c.l1.value = 0.001
    assert (dash.trainer.batch_size, dash.trainer.l2, dash.trainer.l1) == (32, 0.01, 0.001)
    dash.step()
    assert dash.trainer.evaluate()["penalty"] > 0


def test_refused_control_value_is_shown_not_raised(dash):
    dash.controls.stop_after.value = -3
    assert "stop after" in dash.controls.message.value
    assert dash.runner.stop_after_epochs == 0
    assert dash.controls.stop_after.value == 0  # the control snaps back


def test_reset_button_returns_to_step_zero(dash):
    before = {k: v.copy() for k, v in dash.trainer.model.params.items()}
    dash.step_epoch()
    dash.controls.reset.click()
    assert dash.trainer.step_count == 0
    assert "step 0" in dash.controls.status.value
    for k, v in before.items():
        np.testing.assert_array_equal(dash.trainer.model.params[k], v)
    assert len(dash.views["loss"].batch_line.x) == 0


def test_marks_are_created_once_and_mutated(dash):
    def marks():
        out = []
        for view in dash.views.values():
            out.extend(id(m) for fig in figures(view.widget) for m in fig.marks)
        return out

    first = marks()
    for _ in range(3):
        dash.step()
    dash.step_epoch()
    assert marks() == first


def test_refresh_sends_numeric_arrays_as_binary_buffers(dash, monkeypatch):
    sent = []

    def record(self, msg, buffers=None):
        sent.append((self, msg, buffers or []))

    monkeypatch.setattr(Widget, "_send", record)
    dash.step()
    assert sent, "a refresh must send updates"
    total = 0
    for _widget, msg, buffers in sent:
        text = json.dumps(msg)
        total += len(text) + sum(len(memoryview(b).cast("B")) for b in buffers)
        state = msg.get("state", {})
        for key, value in state.items():
            # arrays travel as binary buffers: the JSON part holds only their description
            if isinstance(value, dict) and "dtype" in value:
                assert value.get("value") is None or not isinstance(value["value"], list), key
    assert total < 64 * 1024, f"one refresh sent {total} bytes"


def test_views_update_from_hand_made_snapshot():
    tr = make_trainer()
    ctx = ViewContext.from_trainer(tr)
    snap = tr.step()
    for name, cls in VIEWS.items():
        view = cls(ctx)
        view.update(snap, tr.history)  # no trainer needed, only the snapshot
        assert f"nnw-view-{name}" in classes(view.widget)


def click_cell(weights, layer: int, row: int, col: int) -> None:
    """A click on a heatmap cell, as bqplot's page sends it (the cell's numbers)."""
    content = {"event": "element_click", "data": {"rowNum": row, "columnNum": col}}
    weights.heatmaps[layer].mark._handle_custom_msgs(None, content)


def test_weight_following_records_values(dash):
    weights = dash.views["weights"]
    click_cell(weights, 1, 2, 3)
    assert weights.followed == [(1, 2, 3)]
    assert np.asarray(weights.heatmaps[1].mark.selected).tolist() == [[2, 3]]  # framed
    assert weights.trace_lines.marker == "circle"  # one point so far: drawn as a dot
    for _ in range(4):
        dash.step()
    xs, ys = np.asarray(weights.trace_lines.x), np.asarray(weights.trace_lines.y)
    assert np.isfinite(xs).all() and np.isfinite(ys).all()
    assert xs.size == 5  # at selection time, then four steps
    assert ys.ravel()[-1] == pytest.approx(dash.trainer.model.params["W1"][2, 3], rel=1e-6)
    click_cell(weights, 2, 0, 1)  # the blank padding cell of a 5x1 matrix
    weights.heatmaps[2].mark._handle_custom_msgs(None, {"event": "element_click", "data": None})
    assert len(weights.followed) == 1
    click_cell(weights, 1, 0, 0)
    assert np.asarray(weights.heatmaps[1].mark.selected).tolist() == [[2, 3], [0, 0]]
    weights.unfollow_all()
    assert weights.heatmaps[1].mark.selected is None and weights.followed == []


def test_the_page_s_cell_selection_is_not_what_follows(dash):
    """bqplot's click selection reaches the kernel as lists of plain ints, which bqplot
    cannot serialize back (ValueError before any observer runs): the view takes clicks
    as element clicks instead and sets ``selected`` itself, as int32."""
    weights = dash.views["weights"]
    assert "click" not in weights.heatmaps[0].mark.interactions
    weights.follow(0, 1, 2)
    assert np.asarray(weights.heatmaps[0].mark.selected).dtype == np.int32


def test_a_big_weight_matrix_is_one_picture_that_follows_clicks():
    """A 40x20 matrix (800 cells, over PICTURE_CELLS) is a picture made in the kernel;
    the small ones stay SVG cells. The picture shows W's colours cell by cell (row 0 at
    the bottom, as the SVG maps draw it), a click on it follows the weight under it, and
    the followed cell gets a frame."""
    from pngs import decode_png

    from nnwidgets.views.cell_image import FRAME_RGB
    from nnwidgets.views.field_image import RDBU, ColorRamp
    from nnwidgets.views.weight_maps import PICTURE_CELLS, GridMap, PictureMap

    ds = nw.datasets.moons(n_samples=60, noise=0.2, seed=0)
    tr = nw.Trainer(nw.MLP([2, 40, 20, 1], seed=0), ds, batch_size=10, seed=0)
    dash = nw.Dashboard(tr, views=("weights",))
    weights = dash.views["weights"]
    assert [type(hm) for hm in weights.heatmaps] == [GridMap, PictureMap, GridMap]
    assert 2 * 40 <= PICTURE_CELLS < 40 * 20
    # the 40 columns of the small W0 map: at most 8 labels, at cell centres (an ordinal
    # axis labelled all 40, overlapping)
    col_axis = weights.heat_figs[0].axes[0]
    assert list(col_axis.tick_values) == [0.5, 5.5, 10.5, 15.5, 20.5, 25.5, 30.5, 35.5]
    assert col_axis.tick_labels["35.5"] == "35" and list(weights.heatmaps[0].mark.column)[-1] == 40
    dash.step()
    picture, W = weights.heatmaps[1].image, tr.model.params["W1"]
    np.testing.assert_allclose(picture.values, W)
    png = decode_png(picture.mark.image.value)
    assert png.shape[:2] == picture.size_px[::-1]
    rows = (picture.row_edges[:-1] + picture.row_edges[1:]) // 2
    cols = (picture.col_edges[:-1] + picture.col_edges[1:]) // 2
    limit = weights.limits[1]
    ramp = ColorRamp(np.linspace(-limit, limit, len(RDBU)), RDBU)
    np.testing.assert_array_equal(png[np.ix_(rows, cols)], ramp(W)[::-1])
    assert weights.heat_figs[1].title == f"W1 (40→20), |w| ≤ {limit:.2g}"
    content = {"event": "element_click", "data": {"click_x": 3.5, "click_y": 12.2}}
    picture.mark._handle_custom_msgs(None, content)
    assert weights.followed == [(1, 12, 3)] and picture.marked == ((12, 3),)
    png = decode_png(picture.mark.image.value)
    top = picture.row_edges[40 - 1 - 12]  # the picture's rows run from the last row down
    assert tuple(png[top, cols[3]]) == FRAME_RGB
    outside = {"event": "element_click", "data": {"click_x": 20.5, "click_y": 3.0}}
    picture.mark._handle_custom_msgs(None, outside)  # right of the last column
    assert weights.followed == [(1, 12, 3)]
    weights.unfollow_all()
    assert picture.marked == ()


def test_one_wide_weight_matrix_is_drawn_without_a_blank_column(dash):
    """W2 of a 5->1 layer: one column, labelled 0, the full width of its heatmap (the
    padding bqplot needs has cell boundaries 1 and 1, so no width)."""
    from bqplot import LinearScale

    weights = dash.views["weights"]
    hm = weights.heatmaps[2].mark
    assert isinstance(hm.scales["column"], LinearScale)
    assert list(hm.column) == [0.0, 1.0, 1.0]
    col_axis = next(a for a in weights.heat_figs[2].axes if a.scale is hm.scales["column"])
    assert list(col_axis.tick_values) == [0.5] and col_axis.tick_labels == {"0.5": "0"}
    click_cell(weights, 2, 3, 0)  # its cells still follow by index
    assert weights.followed == [(2, 3, 0)]


def test_followed_weight_step_axis_has_whole_step_ticks(dash):
    from nnwidgets.views.base import whole_ticks

    weights = dash.views["weights"]
    assert list(weights.trace_x_axis.tick_values) == [0, 2, 4, 6, 8, 10]
    assert weights.trace_x.allow_padding is False
    for _ in range(7):
        dash.step()
    weights.follow(1, 2, 3)
    for _ in range(30):
        dash.step()
    ticks = list(weights.trace_x_axis.tick_values)
    assert all(t == int(t) for t in ticks) and len(ticks) >= 3
    assert weights.trace_x.min <= ticks[0] and ticks[-1] <= weights.trace_x.max
    assert whole_ticks(120, 220, most=5) == [120, 140, 160, 180, 200, 220]


def test_padded_keeps_matrix_shape_two_dimensional():
    assert padded(np.ones((5, 1))).shape == (5, 2)
    assert padded(np.ones((1, 5))).shape == (2, 5)
    assert padded(np.ones((3, 4))).shape == (3, 4)


def test_gradient_warning_names_the_layer():
    from nnwidgets.views.gradients import gradient_warnings

    out = gradient_warnings([1e-9, 0.5, 5e3], ["W0", "W1", "W2"])
    assert any("W0" in w and "vanishing" in w for w in out)
    assert any("W2" in w and "exploding" in w for w in out)
    assert not any("W1" in w for w in out)


def test_activations_view_reports_dead_relu_units():
    from nnwidgets.views.activations import unit_health

    a = np.array([[0.0, 1.0, 0.0], [0.0, 2.0, 0.5]])
    text, fraction = unit_health("relu", a)
    assert text.startswith("1/3 dead") and fraction == pytest.approx(1 / 3)


def test_boundary_modes():
    tr = make_trainer()
    assert VIEWS["boundary"](ViewContext.from_trainer(tr)).mode == "plane"
    ds = nw.datasets.sine(n_samples=50)
    tr = nw.Trainer(nw.MLP([1, 8, 1]), ds)
    view = VIEWS["boundary"](ViewContext.from_trainer(tr))
    assert view.mode == "curve"
    view.update(tr.step(), tr.history)
    np.testing.assert_allclose(view.curve.y, tr.model.forward(view.curve_x[:, None])[:, 0])


def test_play_runs_and_pause_stops_within_one_interval():
    dash = nw.Dashboard(make_trainer(), refresh_hz=20)

    async def scenario():
        dash.play()
        # A loaded machine draws fewer refreshes in a given time; wait for
        # three (the first draws every view) rather than for a fixed time.
        for _ in range(100):
            await asyncio.sleep(0.05)
            if dash.runner.refreshes >= 3:
                break
        assert dash.runner.playing
        assert dash.trainer.step_count > 0
        assert dash.runner.refreshes >= 3
        dash.controls.play.value = False  # the Pause button
        await asyncio.sleep(1 / 20 + 0.05)
        frozen = dash.trainer.step_count
        await asyncio.sleep(0.2)
        assert dash.trainer.step_count == frozen
        assert not dash.runner.playing

    asyncio.run(scenario())
    assert "Play" == dash.controls.play.description


def test_slider_moves_apply_while_playing():
    dash = nw.Dashboard(make_trainer(), refresh_hz=30)

    async def scenario():
        dash.play()
        await asyncio.sleep(0.2)
        dash.controls.lr.value = 0.01
        await asyncio.sleep(0.2)
        dash.pause()
        await dash.runner.wait()

    asyncio.run(scenario())
    assert dash.trainer.lr == pytest.approx(0.01)
    lrs = dash.trainer.history.series("lr", max_points=10**9)[1]
    assert lrs[-1] == pytest.approx(0.01) and lrs[0] == pytest.approx(0.1)


def test_play_stops_after_n_epochs():
    dash = nw.Dashboard(make_trainer())
    dash.controls.stop_after.value = 3

    async def scenario():
        dash.play()
        await asyncio.wait_for(dash.runner.wait(), timeout=20)

    asyncio.run(scenario())
    assert dash.trainer.epoch == 3
    assert dash.trainer.step_count == 3 * dash.trainer.batches_per_epoch
    assert not dash.controls.play.value


def test_play_stops_on_divergence_and_says_so():
    ds = nw.datasets.sine(n_samples=100, noise=0.1, seed=0)
    model = nw.MLP([1, 16, 16, 1], activation="relu", init="he", seed=0)
    tr = nw.Trainer(model, ds, optimizer=nw.optim.SGD(lr=10.0), batch_size=10)
    dash = nw.Dashboard(tr)

    async def scenario():
        dash.play()
        await asyncio.wait_for(dash.runner.wait(), timeout=20)

    asyncio.run(scenario())
    assert tr.diverged
    assert "diverged" in dash.controls.status.value
    assert all(np.isfinite(v).all() for v in tr.model.params.values())
    assert not dash.controls.play.value
    dash.controls.step.click()  # refused quietly, no exception
    assert "diverged" in dash.controls.status.value


def test_bad_dashboard_arguments():
    tr = make_trainer()
    with pytest.raises(ValueError, match="view 'nope'"):
        nw.Dashboard(tr, views=("loss", "nope"))
    with pytest.raises(TypeError, match="views"):
        nw.Dashboard(tr, views="loss")
    with pytest.raises(ValueError, match="refresh_hz"):
        nw.Dashboard(tr, refresh_hz=0)
    with pytest.raises(TypeError, match="trainer"):
        nw.Dashboard(object())


def test_playground_rebuilds_on_setup_changes_but_not_on_lr():
    pg = nw.playground()
    first = pg.trainer
    pg.dashboard.controls.lr.value = 0.05
    assert pg.trainer is first
    pg.dataset.value = "circles"
    assert pg.trainer is not first and pg.trainer.ds.name == "circles"
    assert pg.trainer.lr == pytest.approx(0.05)
    pg.add_layer()  # as the network column's + layer button
    assert pg.trainer.model.sizes == [2, 8, 8, 8, 1]
    pg.step()
    assert pg.trainer.step_count == 1


def test_core_import_does_not_load_widgets():
    import subprocess
    import sys

    code = (
        "import sys, nnwidgets, nnwidgets.core; "
        "print(any(m.split('.')[0] in ('ipywidgets', 'bqplot') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_update_ratios_drawn_as_one_stick_per_layer_without_bars(dash):
    from bqplot import Bars

    from nnwidgets.views.base import PALETTE
    from nnwidgets.views.gradients import RATIO_HEALTHY, RATIO_MIN

    dash.step()
    grads = dash.views["gradients"]
    sticks = grads.ratio_sticks
    x, y = np.asarray(sticks.x), np.asarray(sticks.y)
    assert x.shape == y.shape == (3, 2)  # one vertical stick per layer
    np.testing.assert_array_equal(x, [[0, 0], [1, 1], [2, 2]])
    np.testing.assert_array_equal(y[:, 0], RATIO_MIN)  # from the axis floor
    ratios = np.clip(dash.trainer.snapshot().update_ratios, RATIO_MIN, 1.0)
    np.testing.assert_allclose(y[:, 1], ratios)
    assert list(sticks.colors) == PALETTE[:3] == list(grads.flow.colors)
    assert list(np.asarray(grads.ratio_healthy.y)) == [RATIO_HEALTHY, RATIO_HEALTHY]
    x_axis = grads.ratio_fig.axes[0]
    assert [x_axis.tick_labels[str(int(t))] for t in x_axis.tick_values] == ["W0", "W1", "W2"]
    marks = [m for fig in figures(grads.widget) for m in fig.marks]
    assert not any(isinstance(m, Bars) for m in marks)  # Bars leaves a group per redraw


def test_update_ratio_sticks_are_clipped_to_the_log_axis():
    from nnwidgets.views.gradients import RATIO_MIN, ratio_sticks

    y = ratio_sticks([0.0, np.nan, 5.0, 1e-4, np.inf])
    np.testing.assert_array_equal(y[:, 0], RATIO_MIN)
    np.testing.assert_array_equal(y[:, 1], [RATIO_MIN, RATIO_MIN, 1.0, 1e-4, 1.0])


def test_update_ratio_figure_fits_long_layer_names():
    from nnwidgets.views.gradients import ratio_layout

    assert ratio_layout(["W0", "W1", "W2"]) == (300, 24.0, 0, 34)
    width, stick, rotate, offset = ratio_layout([f"net.{i}.weight" for i in range(3)])
    assert 300 < width <= 560 and rotate == 0  # wider, names level
    width, stick, rotate, offset = ratio_layout([f"net.{i}.weight" for i in range(15)])
    assert width == 560 and rotate != 0 and 3 <= stick < 24  # as wide as allowed: slanted
    assert offset > 34  # the axis label below the slanted names


def test_followed_weights_chart_has_an_empty_state(dash):
    weights = dash.views["weights"]
    assert weights.trace_hint.visible
    assert (weights.trace_x.min, weights.trace_x.max) == (0.0, 10.0)
    assert (weights.trace_y.min, weights.trace_y.max) == (-1.0, 1.0)
    dash.step()
    weights.follow(1, 2, 3)
    assert not weights.trace_hint.visible
    assert weights.trace_x.max - weights.trace_x.min >= 10  # whole-step ticks that differ
    value = float(dash.trainer.model.params["W1"][2, 3])
    assert weights.trace_y.min < value < weights.trace_y.max  # one value: a range around it
    for _ in range(3):
        dash.step()
    assert weights.trace_y.min is None and weights.trace_y.max is None  # the values' range
    weights.unfollow_all()
    assert weights.trace_hint.visible
    assert (weights.trace_y.min, weights.trace_y.max) == (-1.0, 1.0)


@pytest.mark.parametrize("largest", [0, 1, 2, 3, 5, 7, 9, 13, 99, 130, 4321])
def test_count_ticks_are_whole_and_cover_the_largest_count(largest):
    from nnwidgets.views.base import count_ticks

    ticks = count_ticks(largest)
    assert ticks[0] == 0 and ticks[-1] >= largest
    assert 2 <= len(ticks) <= 5
    assert all(t == int(t) for t in ticks)
    assert len(set(np.diff(ticks))) == 1  # evenly spaced


def test_histogram_count_axes_get_whole_number_ticks():
    ds = nw.datasets.moons(n_samples=60, noise=0.2, seed=0)
    tr = nw.Trainer(nw.MLP([2, 3, 1], seed=0), ds, batch_size=10)
    dash = nw.Dashboard(tr, views=("weights", "gradients", "activations"))
    dash.step()
    hists = [
        *dash.views["weights"].hists,
        *dash.views["gradients"].hists,
        *dash.views["activations"].hists,
    ]
    for h in hists:
        ticks = list(h.count_axis.tick_values)
        assert all(t == int(t) for t in ticks)
        assert ticks[-1] >= max(h.counts) and h.scales["y"].max == ticks[-1]
