"""The loss landscape: correct losses on the grid, bounded work per refresh, the path."""

import time

import numpy as np
import pytest

import nnwidgets as nw
from nnwidgets.views import ViewContext
from nnwidgets.views.landscape import LandscapeView, filter_normalised_direction, flatten


def make_trainer():
    ds = nw.datasets.moons(n_samples=120, noise=0.2, seed=0)
    return nw.Trainer(nw.MLP([2, 6, 1], seed=0), ds, optimizer=nw.optim.SGD(lr=0.2))


def finish(view, tr):
    for _ in range(200):
        view.update(tr.snapshot(), tr.history)
        if view.slice.done:
            return
    raise AssertionError("the grid never completed")


def test_grid_values_are_the_loss_at_those_weights():
    tr = make_trainer()
    tr.run(2)
    view = LandscapeView(ViewContext.from_trainer(tr))
    view.samples.value = len(tr.ds.X_train)  # all samples: comparable with the model
    view.resolution.value = 7
    view.request()
    finish(view, tr)
    sl = view.slice
    n = len(sl.alphas)
    centre = sl.grid[n // 2, n // 2]
    data_loss = tr.loss.value(tr.model.forward(tr.ds.X_train), tr._y_train)
    assert centre == pytest.approx(data_loss, rel=1e-9)
    # one off-centre point, recomputed through a real model
    i, j = 1, 5
    theta = sl.centre + sl.alphas[j] * sl.directions[0] + sl.alphas[i] * sl.directions[1]
    model = nw.MLP([2, 6, 1], seed=0)
    start = 0
    for k in sl.keys:
        size = model.params[k].size
        model.params[k][...] = theta[start : start + size].reshape(model.params[k].shape)
        start += size
    expected = tr.loss.value(model.forward(tr.ds.X_train), tr._y_train)
    assert sl.grid[i, j] == pytest.approx(expected, rel=1e-9)


def test_work_per_refresh_is_bounded():
    tr = make_trainer()
    view = LandscapeView(ViewContext.from_trainer(tr))
    view.resolution.value = 61
    view.request()
    t0 = time.perf_counter()
    view.update(tr.snapshot(), tr.history)
    assert 0 < view.slice.row < 61  # only part of the grid on this refresh
    assert time.perf_counter() - t0 < 1.0


def test_path_is_projected_and_pca_directions_span_it():
    tr = make_trainer()
    view = LandscapeView(ViewContext.from_trainer(tr))
    for _ in range(8):
        tr.step_epoch()
        view.update(tr.snapshot(), tr.history)
    view.directions.value = "pca"
    view.request()
    finish(view, tr)
    xs, ys = np.asarray(view.path.x), np.asarray(view.path.y)
    assert len(xs) == len(view._trajectory) >= 8
    assert xs[-1] == pytest.approx(0, abs=1e-5) and ys[-1] == pytest.approx(0, abs=1e-5)
    # PCA directions fit the path inside the slice
    assert np.abs(xs).max() <= 1.0 and np.abs(ys).max() <= 1.0


def test_filter_normalised_directions_match_neuron_norms():
    params = {"W0": np.arange(12.0).reshape(3, 4) + 1, "b0": np.ones(4)}
    d = filter_normalised_direction(params, np.random.default_rng(0))
    np.testing.assert_allclose(
        np.linalg.norm(d["W0"], axis=0), np.linalg.norm(params["W0"], axis=0)
    )
    assert not d["b0"].any()
    assert flatten(d, ["W0", "b0"]).shape == (16,)


def test_dashboard_with_landscape_view():
    tr = make_trainer()
    dash = nw.Dashboard(tr, views=("loss", "landscape"))
    dash.step_epoch()
    assert "nnw-view-landscape" in dash.views["landscape"].widget._dom_classes


def test_a_network_started_at_zero_gets_a_landscape():
    """``init="zeros"``: every neuron's weights have norm 0. Its directions keep unit
    norm (a plane, not a point), and the view draws and follows training."""
    from nnwidgets.core.landscape import project, random_directions

    params = {"W0": np.zeros((2, 3)), "b0": np.zeros(3), "W1": np.zeros((3, 1))}
    keys = ["W0", "b0", "W1"]
    d = random_directions(params, keys, seed=0)
    assert np.linalg.matrix_rank(d) == 2
    np.testing.assert_allclose(np.linalg.norm(d[0][:6].reshape(2, 3), axis=0), 1.0)
    centre = flatten(params, keys)
    points = centre + np.array([[0.5, -2.0]]) @ d
    np.testing.assert_allclose(project(points, centre, d), [[0.5, -2.0]], atol=1e-9)

    ds = nw.datasets.moons(n_samples=120, noise=0.2, seed=0)
    tr = nw.Trainer(nw.MLP([2, 6, 1], init="zeros", seed=0), ds, optimizer=nw.optim.SGD(lr=0.2))
    dash = nw.Dashboard(tr, views=("loss", "landscape"))
    view = dash.views["landscape"]
    tr.run(epochs=2)
    finish(view, tr)
    assert np.isfinite(view.field.values).all()


def test_parallel_directions_project_to_the_smallest_solution():
    from nnwidgets.core.landscape import project

    d = np.array([[1.0, 0.0], [2.0, 0.0]])  # one direction twice
    xy = project(np.array([[5.0, 0.0]]), np.zeros(2), d)
    np.testing.assert_allclose(xy @ d, [[5.0, 0.0]])
