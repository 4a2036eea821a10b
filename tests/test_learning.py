"""End-to-end learning: the trainer actually solves the classic toy problems."""

import os
import time

import pytest

import nnwidgets as nw


def require_sklearn():
    """Skip without scikit-learn, except on CI (env CI set), where it must be installed."""
    try:
        import sklearn  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("scikit-learn is required on CI for the digits data set")
        pytest.skip("the digits data set needs scikit-learn")


def train(ds, sizes, activation, optimizer, epochs, batch_size=10, seed=0, init="xavier"):
    model = nw.MLP(sizes, activation, init=init, seed=seed)
    tr = nw.Trainer(model, ds, optimizer=optimizer, batch_size=batch_size, seed=seed)
    start = time.perf_counter()
    snap = tr.run(epochs)
    elapsed = time.perf_counter() - start
    assert not snap.diverged
    assert tr.epoch == epochs
    return tr, elapsed


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(
    "optimizer",
    [lambda: nw.optim.SGD(lr=0.1), lambda: nw.optim.Adam(lr=0.01)],
    ids=["sgd-0.1", "adam-0.01"],
)
def test_moons_reaches_95_percent(optimizer, seed):
    ds = nw.datasets.moons(n_samples=200, noise=0.1, seed=0)
    before = nw.Trainer(nw.MLP([2, 8, 8, 1], "tanh", seed=seed), ds).evaluate()
    tr, elapsed = train(ds, [2, 8, 8, 1], "tanh", optimizer(), epochs=60, seed=seed)
    m = tr.evaluate()
    assert m["test_acc"] >= 0.95, m
    assert m["train_acc"] >= 0.95, m
    assert m["train_loss"] < 0.5 * before["train_loss"]
    assert elapsed < 5


@pytest.mark.slow
def test_digits_reach_95_percent_within_20_epochs():
    require_sklearn()
    ds = nw.datasets.digits(seed=0)
    assert ds.n_features == 64 and ds.n_outputs == 10
    tr, elapsed = train(
        ds, [64, 64, 10], "relu", nw.optim.Adam(), epochs=20, batch_size=32, init="he"
    )
    m = tr.evaluate()
    assert m["test_acc"] >= 0.95, m
    assert elapsed < 5


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
def test_sine_regression_reaches_small_test_mse(seed):
    # noise 0.05: the irreducible test MSE is 0.0025 (with the default 0.1 it would be 0.01)
    ds = nw.datasets.sine(n_samples=200, noise=0.05, seed=0)
    tr, elapsed = train(ds, [1, 32, 32, 1], "tanh", nw.optim.Adam(lr=0.01), epochs=200, seed=seed)
    assert tr.evaluate()["test_loss"] < 0.01, tr.evaluate()
    assert elapsed < 5


@pytest.mark.slow
@pytest.mark.parametrize("name", ["circles", "xor", "gaussians"])
def test_other_toy_sets_are_learned(name):
    ds = nw.datasets.load(name, n_samples=200, noise=0.1, seed=0)
    sizes = [2, 8, 8, ds.n_outputs]
    tr, _ = train(ds, sizes, "tanh", nw.optim.Adam(lr=0.01), epochs=100)
    assert tr.evaluate()["test_acc"] >= 0.9, tr.evaluate()


@pytest.mark.slow
def test_spiral_is_learned_by_a_bigger_relu_net():
    ds = nw.datasets.spiral(n_samples=400, noise=0.05, seed=0)
    tr, elapsed = train(
        ds, [2, 32, 32, 1], "relu", nw.optim.Adam(lr=0.01), epochs=150, batch_size=16, init="he"
    )
    m = tr.evaluate()
    assert m["test_acc"] >= 0.9 and m["train_acc"] >= 0.9, m
    assert elapsed < 5
