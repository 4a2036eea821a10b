"""The one forward pass: from a parameter dict, with or without a leading batch axis of
parameter sets, and the loss landscape's numerics built on it."""

import numpy as np
import pytest

import nnwidgets as nw
from nnwidgets.core.landscape import (
    LandscapeSlice,
    flatten,
    losses_at,
    pca_directions,
    project,
    random_directions,
    stacked_params,
    unflatten,
)
from nnwidgets.core.losses import get_loss
from nnwidgets.core.model import forward_with

ACTS = {
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0),
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
}


def reference(params, names, X):
    """A forward pass written out by hand."""
    a, hidden = X, []
    for i, name in enumerate(names):
        a = ACTS[name](a @ params[f"W{i}"] + params[f"b{i}"])
        hidden.append(a)
    L = len(names)
    return hidden, a @ params[f"W{L}"] + params[f"b{L}"]


def test_one_parameter_set_matches_a_hand_written_pass_and_the_model():
    model = nw.MLP([3, 5, 4, 2], activation=["tanh", "relu"], seed=1)
    X = np.random.default_rng(0).normal(size=(7, 3))
    hidden, raw = forward_with(model.params, ["tanh", "relu"], X)
    want_hidden, want_raw = reference(model.params, ["tanh", "relu"], X)
    np.testing.assert_allclose(raw, want_raw, rtol=1e-12)
    for h, w in zip(hidden, want_hidden, strict=True):
        np.testing.assert_allclose(h, w, rtol=1e-12)
    np.testing.assert_allclose(model.forward(X), want_raw, rtol=1e-12)
    np.testing.assert_allclose(model.hidden_outputs(X)[1], want_hidden[1], rtol=1e-12)


def test_a_leading_batch_axis_runs_every_parameter_set_on_the_same_inputs():
    rng = np.random.default_rng(0)
    sets = [nw.MLP([2, 6, 1], activation="sigmoid", seed=s).params for s in range(4)]
    for p in sets:
        for v in p.values():
            v += rng.normal(size=v.shape)  # non-zero biases too
    stacked = {k: np.stack([p[k] for p in sets]) for k in sets[0]}
    X = rng.normal(size=(9, 2))
    hidden, raw = forward_with(stacked, ["sigmoid"], X)
    assert raw.shape == (4, 9, 1) and hidden[0].shape == (4, 9, 6)
    for g, p in enumerate(sets):
        want_hidden, want_raw = reference(p, ["sigmoid"], X)
        np.testing.assert_allclose(raw[g], want_raw, rtol=1e-12)
        np.testing.assert_allclose(hidden[0][g], want_hidden[0], rtol=1e-12)


def test_features_are_computed_first():
    model = nw.MLP([3, 4, 1], features=["x1", "x2", "x1*x2"], seed=0)
    X = np.random.default_rng(0).normal(size=(5, 2))
    _, raw = forward_with(model.params, model.activation_names, X, model.features)
    feats = np.column_stack([X[:, 0], X[:, 1], X[:, 0] * X[:, 1]])
    np.testing.assert_allclose(raw, reference(model.params, ["tanh"], feats)[1], rtol=1e-12)


def test_flat_vectors_round_trip_and_stack():
    params = nw.MLP([2, 3, 1], seed=0).params
    keys = sorted(params)
    v = flatten(params, keys)
    assert v.shape == (2 * 3 + 3 + 3 + 1,)
    back = unflatten(v, params, keys)
    for k in keys:
        np.testing.assert_array_equal(back[k], params[k])
    stacked = stacked_params(np.stack([v, 2 * v]), params, keys)
    np.testing.assert_array_equal(stacked["W0"][1], 2 * params["W0"])


def test_losses_at_and_the_slice_centre_are_the_loss_there():
    ds = nw.datasets.moons(n_samples=60, seed=0)
    model = nw.MLP([2, 5, 1], seed=0)
    loss = get_loss("bce")
    y = loss.targets(ds.y_train)
    keys = sorted(model.params)
    v = flatten(model.params, keys)
    got = losses_at(np.stack([v, v * 0.5]), model.params, keys, ["tanh"], ds.X_train, y, loss)
    half = {k: p * 0.5 for k, p in model.params.items()}
    assert got[0] == pytest.approx(loss.value(reference(model.params, ["tanh"], ds.X_train)[1], y))
    assert got[1] == pytest.approx(loss.value(reference(half, ["tanh"], ds.X_train)[1], y))
    sl = LandscapeSlice(model.params, ["tanh"], ds.X_train, y, loss, resolution=5)
    while not sl.done:
        sl.compute_row()
    assert sl.grid[2, 2] == pytest.approx(got[0], rel=1e-9)
    assert np.isfinite(sl.grid).all()


def test_projection_and_directions():
    rng = np.random.default_rng(0)
    centre = rng.normal(size=6)
    D = rng.normal(size=(2, 6))
    coords = rng.normal(size=(5, 2))
    points = centre + coords @ D
    np.testing.assert_allclose(project(points, centre, D), coords, atol=1e-10)
    # PCA directions of a path in a plane fit it inside [-1, 1]
    d = pca_directions(points, centre)
    assert d is not None
    inside = project(points, centre, d)
    assert np.abs(inside).max() <= 1.0 and np.abs(inside).max() > 0.5
    assert pca_directions(points[:2], centre) is None  # too few points
    line = centre + np.outer(np.arange(4.0), D[0])
    assert pca_directions(line, centre) is None  # one direction only
    params = nw.MLP([2, 3, 1], seed=0).params
    r = random_directions(params, sorted(params), seed=3)
    assert r.shape == (2, flatten(params, sorted(params)).size)
    np.testing.assert_array_equal(r, random_directions(params, sorted(params), seed=3))
