"""Tests for nnwidgets.core.datasets: generators, from_arrays, splits, standardisation, saving."""

from __future__ import annotations

import io
import json
import sys

import numpy as np
import pytest

from nnwidgets.core.datasets import (
    DATASETS,
    Dataset,
    circles,
    digits,
    gaussians,
    load,
    moons,
    names,
    sine,
    spiral,
    xor,
)

TOY = {
    "moons": (moons, "binary", 2, 1),
    "circles": (circles, "binary", 2, 1),
    "xor": (xor, "binary", 2, 1),
    "spiral": (spiral, "binary", 2, 1),
    "gaussians": (gaussians, "multiclass", 2, 3),
    "sine": (sine, "regression", 1, 1),
}


def all_X(ds: Dataset) -> np.ndarray:
    return np.concatenate([ds.X_train, ds.X_test])


def all_y(ds: Dataset) -> np.ndarray:
    return np.concatenate([ds.y_train, ds.y_test])


def assert_same(a: Dataset, b: Dataset) -> None:
    for key in ("X_train", "y_train", "X_test", "y_test"):
        x, y = getattr(a, key), getattr(b, key)
        assert x.dtype == y.dtype and x.shape == y.shape
        np.testing.assert_array_equal(x, y)
    for key in ("mean", "std", "classes"):
        x, y = getattr(a, key), getattr(b, key)
        assert (x is None) == (y is None)
        if x is not None:
            np.testing.assert_array_equal(x, y)
    assert (a.task, a.name, a.feature_names, a.params) == (
        b.task,
        b.name,
        b.feature_names,
        b.params,
    )


# --------------------------------------------------------------------------- generators


@pytest.mark.parametrize("name", list(TOY))
def test_generator_shapes_and_dtypes(name):
    fn, task, n_features, n_outputs = TOY[name]
    ds = fn(n_samples=101, test_fraction=0.2, seed=3)
    assert ds.task == task and ds.name == name
    assert (ds.n_features, ds.n_outputs) == (n_features, n_outputs)
    assert ds.X_train.shape == (81, n_features) and ds.X_test.shape == (20, n_features)
    assert ds.X_train.dtype == np.float64 and ds.X_test.dtype == np.float64
    if task == "regression":
        assert ds.y_train.shape == (81, 1) and ds.y_test.shape == (20, 1)
        assert ds.y_train.dtype == np.float64
        assert ds.n_classes is None and ds.classes is None
    else:
        assert ds.y_train.shape == (81,) and ds.y_test.shape == (20,)
        assert ds.y_train.dtype == np.int64
        assert set(np.unique(all_y(ds))) == set(range(ds.n_classes))
        np.testing.assert_array_equal(ds.classes, np.arange(ds.n_classes))
    assert np.isfinite(all_X(ds)).all()
    assert ds.mean is None and ds.std is None  # toy sets keep their picture by default
    assert len(ds.feature_names) == n_features


@pytest.mark.parametrize("name", list(TOY))
def test_generator_determinism(name):
    fn = TOY[name][0]
    a, b, c = fn(seed=7), fn(seed=7), fn(seed=8)
    assert_same(a, b)
    assert not np.array_equal(a.X_train, c.X_train)


@pytest.mark.parametrize("name", list(TOY))
def test_params_rebuild_with_load(name):
    ds = TOY[name][0](n_samples=60, noise=0.05, seed=4, test_fraction=0.25)
    assert ds.params["name"] == name
    json.dumps(ds.params)  # JSON-ready
    assert_same(load(**ds.params), ds)


def test_gaussians_two_classes_is_binary_and_noise_widens():
    ds = gaussians(n_classes=2, n_samples=50)
    assert ds.task == "binary" and ds.n_outputs == 1 and ds.n_classes == 2
    five = gaussians(n_classes=5, n_samples=500)
    assert five.task == "multiclass" and five.n_outputs == 5
    assert np.bincount(all_y(five)).tolist() == [100] * 5
    tight = gaussians(n_samples=600, noise=0.0, seed=1)
    wide = gaussians(n_samples=600, noise=1.0, seed=1)
    assert all_X(wide).std() > all_X(tight).std()


def test_circles_radii():
    ds = circles(n_samples=100, noise=0.0, factor=0.3)
    r = np.hypot(*all_X(ds).T)
    y = all_y(ds)
    np.testing.assert_allclose(r[y == 0], 1.0)
    np.testing.assert_allclose(r[y == 1], 0.3)


def test_xor_labels_follow_quadrants():
    ds = xor(n_samples=400, noise=0.0)
    X, y = all_X(ds), all_y(ds)
    assert np.abs(X).min() >= 0.1 - 1e-12 and np.abs(X).max() <= 1.0
    np.testing.assert_array_equal(y, (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(int))


def test_moons_without_noise_lie_on_arcs():
    ds = moons(n_samples=100, noise=0.0)
    X, y = all_X(ds), all_y(ds)
    np.testing.assert_allclose(np.hypot(*X[y == 0].T), 1.0)
    np.testing.assert_allclose(np.hypot(X[y == 1, 0] - 1, X[y == 1, 1] - 0.5), 1.0)
    assert (X[y == 0, 1] >= -1e-12).all() and (X[y == 1, 1] <= 0.5 + 1e-12).all()


def test_sine_targets():
    ds = sine(n_samples=300, noise=0.0)
    X, y = all_X(ds), all_y(ds)
    assert X.min() >= -3 and X.max() <= 3
    np.testing.assert_allclose(y, np.sin(X))
    noisy = sine(n_samples=300, noise=0.5)
    assert np.std(all_y(noisy) - np.sin(all_X(noisy))) == pytest.approx(0.5, rel=0.2)


def test_spiral_arm_geometry():
    ds = spiral(n_samples=200, noise=0.0)
    X, y = all_X(ds), all_y(ds)
    assert np.bincount(y).tolist() == [100, 100]
    for arm in (0, 1):
        pts = X[y == arm]
        r = np.hypot(pts[:, 0], pts[:, 1])
        assert r.min() == pytest.approx(0.0, abs=1e-12)
        assert r.max() == pytest.approx(1.0)
        order = np.argsort(r)
        r, pts = r[order], pts[order]
        keep = r > 0
        theta = np.unwrap(np.arctan2(pts[keep, 1], pts[keep, 0]))
        # the angle grows linearly with the radius: 1.75 turns over the whole arm
        slope = np.polyfit(r[keep], theta, 1)[0]
        assert slope == pytest.approx(2 * np.pi * 1.75, rel=1e-9)
        span = theta[-1] - theta[0] + 2 * np.pi * 1.75 * r[keep][0]
        assert span == pytest.approx(2 * np.pi * 1.75)
        # arm k starts at angle k * pi
        offset = np.mod(theta[0] - 2 * np.pi * 1.75 * r[keep][0], 2 * np.pi)
        assert min(abs(offset - arm * np.pi), 2 * np.pi - abs(offset - arm * np.pi)) < 1e-9


def test_load_names_and_unknown():
    assert names() == list(DATASETS)
    assert {"moons", "circles", "xor", "spiral", "gaussians", "sine", "digits"} <= set(names())
    assert_same(load("spiral", seed=2), spiral(seed=2))
    with pytest.raises(ValueError, match="name") as err:
        load("mooons")
    assert "moons" in str(err.value) and "spiral" in str(err.value)


# --------------------------------------------------------------------------- digits


def test_digits():
    pytest.importorskip("sklearn")
    ds = digits()
    assert ds.task == "multiclass" and ds.n_features == 64
    assert ds.n_classes == 10 and ds.n_outputs == 10
    assert ds.n_train + ds.n_test == 1797 and ds.n_test == round(0.2 * 1797)
    assert ds.mean is not None and ds.mean.shape == (64,)
    assert np.isfinite(ds.X_train).all() and (ds.std > 0).all()
    assert len(ds.feature_names) == 64
    assert_same(load(**ds.params), ds)


def test_digits_without_sklearn(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"pip install 'nnwidgets\[datasets\]'") as err:
        digits()
    assert "scikit-learn" in str(err.value)


# --------------------------------------------------------------------------- from_arrays


def indexed_data(n=100, n_features=3):
    rng = np.random.default_rng(0)
    X = (
        rng.normal(size=(n, n_features)) * [1.0, 5.0, 0.1][:n_features]
        + [0.0, 10.0, -3.0][:n_features]
    )
    X[:, 0] = np.arange(n)  # row id, to follow rows through the split
    return X


def test_from_arrays_keeps_rows_and_targets_together():
    X = indexed_data(50)
    y = X[:, 0] * 2.0 + 1.0
    ds = Dataset.from_arrays(X, y, standardize=False)
    assert ds.task == "regression" and ds.y_train.shape == (40, 1)
    raw = all_X(ds)
    assert sorted(raw[:, 0]) == list(range(50))
    np.testing.assert_array_equal(all_y(ds)[:, 0], raw[:, 0] * 2.0 + 1.0)
    np.testing.assert_array_equal(raw, X[raw[:, 0].astype(int)])


def test_from_arrays_split_is_seeded():
    X = indexed_data(80)
    y = (X[:, 1] > 10).astype(int)
    assert_same(Dataset.from_arrays(X, y, seed=5), Dataset.from_arrays(X, y, seed=5))
    a, b = Dataset.from_arrays(X, y, seed=5), Dataset.from_arrays(X, y, seed=6)
    assert not np.array_equal(a.X_test, b.X_test)


@pytest.mark.parametrize("test_fraction", [0.1, 0.2, 0.25, 1 / 3, 0.5, 0.9])
@pytest.mark.parametrize("counts", [(50, 50), (90, 10), (37, 5, 61), (3, 3, 3, 3, 100)])
def test_stratified_split(counts, test_fraction):
    y = np.repeat(np.arange(len(counts)), counts)
    X = np.arange(len(y), dtype=float)
    ds = Dataset.from_arrays(X, y, test_fraction=test_fraction, seed=1, standardize=False)
    n = len(y)
    assert ds.n_test == round(test_fraction * n) and ds.n_train == n - ds.n_test
    test_counts = np.bincount(ds.y_test, minlength=len(counts))
    train_counts = np.bincount(ds.y_train, minlength=len(counts))
    np.testing.assert_array_equal(test_counts + train_counts, counts)
    expected = np.array(counts) * test_fraction
    assert (np.abs(test_counts - expected) <= 1).all()
    assert (np.abs(train_counts - (np.array(counts) - expected)) <= 1).all()


def test_stratified_generators():
    ds = moons(n_samples=200, test_fraction=0.2)
    assert np.bincount(ds.y_test).tolist() == [20, 20]
    assert np.bincount(ds.y_train).tolist() == [80, 80]


def test_standardisation_uses_training_part_only():
    X = indexed_data(200)
    y = X[:, 2]
    ds = Dataset.from_arrays(X, y, test_fraction=0.3, seed=2)
    np.testing.assert_allclose(ds.X_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(ds.X_train.std(axis=0), 1.0)
    raw = ds.inverse_transform(ds.X_train)
    np.testing.assert_allclose(ds.mean, raw.mean(axis=0))
    np.testing.assert_allclose(ds.std, raw.std(axis=0))
    # the test part went through the training statistics, so it is not exactly centred
    assert not np.allclose(ds.X_test.mean(axis=0), 0.0, atol=1e-12)
    rows = ds.inverse_transform(ds.X_test)[:, 0].round().astype(int)
    np.testing.assert_allclose(ds.X_test, (X[rows] - ds.mean) / ds.std)


def test_standardize_false_and_constant_column():
    X = np.column_stack([np.arange(10.0), np.full(10, 0.1)])
    y = np.arange(10) % 2
    ds = Dataset.from_arrays(X, y, standardize=True)
    assert ds.std[1] == 1.0 and np.isfinite(ds.X_train).all()
    np.testing.assert_allclose(ds.X_train[:, 1], 0.0, atol=1e-12)
    plain = Dataset.from_arrays(X, y, standardize=False)
    assert plain.mean is None and plain.std is None
    np.testing.assert_array_equal(plain.transform(X), X)


def test_transform_applies_stats_and_validates():
    X = indexed_data(60)
    ds = Dataset.from_arrays(X, X[:, 1] > 10)
    new = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    out = ds.transform(new)
    np.testing.assert_allclose(out, (new - ds.mean) / ds.std)
    np.testing.assert_allclose(ds.inverse_transform(out), new)
    assert out is not new and new[0, 0] == 1.0  # the input is not modified
    assert ds.transform(np.empty((0, 3))).shape == (0, 3)
    assert ds.transform([[1, 2, 3]]).dtype == np.float64
    with pytest.raises(ValueError, match="X"):
        ds.transform(np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"X.*NaN"):
        ds.transform([[1.0, np.nan, 0.0]])
    with pytest.raises(ValueError, match="X"):
        ds.transform(np.ones((2, 3, 1)))


def test_one_dimensional_X_is_one_feature():
    ds = Dataset.from_arrays(np.linspace(0, 1, 20), np.linspace(0, 1, 20) ** 2)
    assert ds.n_features == 1 and ds.X_train.shape == (16, 1)
    assert ds.transform(np.array([0.5, 0.25])).shape == (2, 1)


def test_test_fraction_zero_gives_empty_test_set():
    ds = Dataset.from_arrays(np.ones((10, 3)), np.arange(10) % 2, test_fraction=0)
    assert ds.X_test.shape == (0, 3) and ds.y_test.shape == (0,) and ds.n_train == 10
    reg = Dataset.from_arrays(np.ones((10, 3)), np.ones((10, 2)), test_fraction=0.0)
    assert reg.y_test.shape == (0, 2) and reg.n_outputs == 2


# --------------------------------------------------------------------------- tasks and targets


@pytest.mark.parametrize(
    ("y", "task", "n_outputs", "classes"),
    [
        (np.linspace(0, 1, 12), "regression", 1, None),
        (np.array([0.0, 1.0] * 6), "regression", 1, None),  # float targets: regression
        (np.linspace(0, 1, 24).reshape(12, 2), "regression", 2, None),
        (np.array([True, False] * 6), "binary", 1, [False, True]),
        (np.array([0, 1] * 6), "binary", 1, [0, 1]),
        (np.array([7, 3] * 6), "binary", 1, [3, 7]),
        (np.array([0, 1, 2] * 4), "multiclass", 3, [0, 1, 2]),
        (np.array([5, -1, 9, 2] * 3), "multiclass", 4, [-1, 2, 5, 9]),
        (np.array(["cat", "dog", "emu"] * 4), "multiclass", 3, ["cat", "dog", "emu"]),
        (["yes", "no"] * 6, "binary", 1, ["no", "yes"]),
        (np.array([[0], [1], [2]] * 4), "multiclass", 3, [0, 1, 2]),
    ],
)
def test_task_inference(y, task, n_outputs, classes):
    ds = Dataset.from_arrays(np.arange(12.0), y, test_fraction=0.25)
    assert ds.task == task and ds.n_outputs == n_outputs
    if classes is None:
        assert ds.classes is None and ds.y_train.dtype == np.float64 and ds.y_train.ndim == 2
    else:
        assert ds.classes.tolist() == classes
        assert ds.y_train.dtype == np.int64 and ds.y_train.ndim == 1
        # labels map back to the original values
        y_flat = np.asarray(y).reshape(-1)
        rows = ds.inverse_transform(all_X(ds))[:, 0].round().astype(int)
        np.testing.assert_array_equal(ds.classes[all_y(ds)], y_flat[rows])


@pytest.mark.parametrize(
    "y",
    [
        [0, 1] * 10,
        [0.0, 1.0] * 10,
        [False, True] * 10,
        np.array([0, 1] * 10, dtype=np.uint8),
        np.array([[0.0], [1.0]] * 10),
    ],
)
def test_binary_accepts_0_1_as_ints_floats_bools(y):
    ds = Dataset.from_arrays(np.arange(20.0), y, task="binary")
    assert ds.task == "binary" and ds.n_outputs == 1 and ds.n_classes == 2
    assert ds.y_train.dtype == np.int64 and ds.y_train.shape == (16,)
    assert set(all_y(ds).tolist()) == {0, 1}
    assert ds.classes.tolist() == [0, 1]


def test_explicit_multiclass_and_regression():
    ds = Dataset.from_arrays(np.arange(12.0), [0.0, 1.0, 2.0, 3.0] * 3, task="multiclass")
    assert ds.task == "multiclass" and ds.n_classes == 4 and ds.y_train.dtype == np.int64
    ints = Dataset.from_arrays(np.arange(12.0), [0, 1, 2, 3] * 3, task="regression")
    assert ints.task == "regression" and ints.y_train.dtype == np.float64


def test_pandas_input():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"height": np.linspace(1, 2, 30), "weight": np.linspace(50, 90, 30)})
    labels = pd.Series(["a", "b", "c"] * 10)
    ds = Dataset.from_arrays(df, labels)
    assert ds.feature_names == ["height", "weight"]
    assert ds.task == "multiclass" and ds.classes.tolist() == ["a", "b", "c"]
    assert ds.X_train.dtype == np.float64 and ds.X_train.shape == (24, 2)
    reg = Dataset.from_arrays(df[["height"]], df["weight"])
    assert reg.task == "regression" and reg.y_train.shape == (24, 1)
    assert reg.feature_names == ["height"]
    binary = Dataset.from_arrays(df, pd.Series([True, False] * 15))
    assert binary.task == "binary" and binary.classes.tolist() == [False, True]
    ds.transform(df)  # a DataFrame goes through transform too


# --------------------------------------------------------------------------- bad input

X10 = np.arange(20.0).reshape(10, 2)
Y10 = np.array([0, 1] * 5)

BAD = [
    ("X 3-D", dict(X=np.ones((10, 2, 2))), ValueError, "X"),
    ("X 0-D", dict(X=np.float64(3.0)), ValueError, "X"),
    ("X no samples", dict(X=np.empty((0, 2)), y=[]), ValueError, "X"),
    ("X no features", dict(X=np.empty((10, 0))), ValueError, "X"),
    ("X NaN", dict(X=np.where(X10 == 3, np.nan, X10)), ValueError, "X"),
    ("X inf", dict(X=np.where(X10 == 3, np.inf, X10)), ValueError, "X"),
    ("X strings", dict(X=np.array([["a", "b"]] * 10)), TypeError, "X"),
    ("X objects", dict(X=np.array([[object(), 1]] * 10, dtype=object)), TypeError, "X"),
    ("X ragged", dict(X=[[1, 2], [3]] * 5), ValueError, "X"),
    ("lengths", dict(y=Y10[:9]), ValueError, "y"),
    ("y 3-D", dict(y=np.ones((10, 1, 1))), ValueError, "y"),
    ("y NaN regression", dict(y=np.where(Y10 == 1, np.nan, 0.5)), ValueError, "y"),
    ("y inf regression", dict(y=np.where(Y10 == 1, np.inf, 0.5)), ValueError, "y"),
    ("y one class", dict(y=np.zeros(10, dtype=int)), ValueError, "y has only one class"),
    ("y binary 2", dict(y=[0, 1, 2, 0, 1] * 2, task="binary"), ValueError, "y"),
    ("y binary floats", dict(y=[0.0, 0.5] * 5, task="binary"), ValueError, "y"),
    ("y multiclass neg", dict(y=[0, -1, 2, 1, 0] * 2, task="multiclass"), ValueError, "y"),
    ("y multiclass frac", dict(y=[0, 1.5, 2, 1, 0] * 2, task="multiclass"), ValueError, "y"),
    ("y multiclass str", dict(y=["a", "b"] * 5, task="multiclass"), ValueError, "y"),
    ("y regression str", dict(y=["a", "b"] * 5, task="regression"), TypeError, "y"),
    ("y complex", dict(y=np.ones(10) * 1j), TypeError, "y"),
    ("task", dict(task="classification"), ValueError, "task"),
    ("task type", dict(task=2), ValueError, "task"),
    ("test_fraction 1", dict(test_fraction=1.0), ValueError, "test_fraction"),
    ("test_fraction neg", dict(test_fraction=-0.1), ValueError, "test_fraction"),
    ("test_fraction nan", dict(test_fraction=float("nan")), ValueError, "test_fraction"),
    ("test_fraction str", dict(test_fraction="0.2"), TypeError, "test_fraction"),
    ("test_fraction no train", dict(test_fraction=0.99), ValueError, "test_fraction"),
    ("seed neg", dict(seed=-1), ValueError, "seed"),
    ("seed float", dict(seed=1.0), TypeError, "seed"),
    ("seed bool", dict(seed=True), TypeError, "seed"),
    ("standardize", dict(standardize="yes"), TypeError, "standardize"),
    ("standardize int", dict(standardize=1), TypeError, "standardize"),
    ("name", dict(name=3), TypeError, "name"),
]


@pytest.mark.parametrize(("kwargs", "exc", "needle"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_from_arrays_bad_input(kwargs, exc, needle):
    args = {"X": X10, "y": Y10, **kwargs}
    with pytest.raises(exc) as err:
        Dataset.from_arrays(**args)
    assert needle in str(err.value)


BAD_GEN = [
    (moons, dict(n_samples=3), ValueError, "n_samples"),
    (moons, dict(n_samples=100.0), TypeError, "n_samples"),
    (moons, dict(n_samples=True), TypeError, "n_samples"),
    (circles, dict(noise=-0.1), ValueError, "noise"),
    (xor, dict(noise=float("inf")), ValueError, "noise"),
    (spiral, dict(noise="0.1"), TypeError, "noise"),
    (sine, dict(noise=float("nan")), ValueError, "noise"),
    (circles, dict(factor=1.0), ValueError, "factor"),
    (circles, dict(factor=0), ValueError, "factor"),
    (gaussians, dict(n_classes=1), ValueError, "n_classes"),
    (gaussians, dict(n_classes=2.0), TypeError, "n_classes"),
    (gaussians, dict(n_samples=5, n_classes=6), ValueError, "n_samples"),
    (spiral, dict(test_fraction=1), ValueError, "test_fraction"),
    (moons, dict(n_samples=4, test_fraction=0.9), ValueError, "test_fraction"),
    (xor, dict(seed=-3), ValueError, "seed"),
    (sine, dict(seed="0"), TypeError, "seed"),
    (gaussians, dict(standardize=None), TypeError, "standardize"),
    (digits, dict(test_fraction=1.5), ValueError, "test_fraction"),
    (digits, dict(standardize=0), TypeError, "standardize"),
]


@pytest.mark.parametrize(
    ("fn", "kwargs", "exc", "needle"),
    BAD_GEN,
    ids=[f"{b[0].__name__}-{next(iter(b[1]))}" for b in BAD_GEN],
)
def test_generator_bad_input(fn, kwargs, exc, needle):
    with pytest.raises(exc) as err:
        fn(**kwargs)
    assert needle in str(err.value)


def test_generators_accept_numpy_scalars_and_seed_none():
    ds = moons(n_samples=np.int64(40), noise=np.float32(0.2), seed=np.int32(1))
    assert ds.n_train + ds.n_test == 40
    json.dumps(ds.params)
    assert spiral(seed=None).n_train == 160


# --------------------------------------------------------------------------- saving


def _round_trip(ds: Dataset) -> Dataset:
    buf = io.BytesIO()
    np.savez(buf, **ds.to_arrays())
    buf.seek(0)
    config = json.loads(json.dumps(ds.to_config()))
    with np.load(buf, allow_pickle=False) as arrays:
        return Dataset.from_saved(arrays, config)


@pytest.mark.parametrize(
    "make",
    [
        lambda: moons(seed=1),
        lambda: gaussians(n_classes=4, standardize=True),
        lambda: sine(test_fraction=0),
        lambda: Dataset.from_arrays(np.arange(30.0), ["x", "y", "z"] * 10, name="letters"),
        lambda: Dataset.from_arrays(np.ones((20, 2)), [True, False] * 10),
        lambda: Dataset.from_arrays(np.arange(40.0).reshape(20, 2), np.ones((20, 3))),
    ],
)
def test_to_arrays_from_saved_round_trip(make):
    ds = make()
    arrays = ds.to_arrays()
    assert set(arrays) >= {"X_train", "y_train", "X_test", "y_test"}
    assert ("mean" in arrays) == (ds.mean is not None)
    assert ("classes" in arrays) == (ds.classes is not None)
    assert_same(Dataset.from_saved(arrays, ds.to_config()), ds)
    back = _round_trip(ds)
    assert_same(back, ds)
    assert (back.n_features, back.n_outputs, back.n_classes) == (
        ds.n_features,
        ds.n_outputs,
        ds.n_classes,
    )


def test_from_saved_refuses_missing_arrays():
    ds = moons(standardize=True)
    arrays = ds.to_arrays()
    del arrays["std"]
    with pytest.raises(ValueError, match="std"):
        Dataset.from_saved(arrays, ds.to_config())
    with pytest.raises(ValueError, match="task"):
        Dataset.from_saved(ds.to_arrays(), {**ds.to_config(), "task": "ranking"})


def test_repr():
    assert repr(moons()) == "Dataset('moons', binary, 160 train / 40 test, 2 features)"
    assert repr(sine(n_samples=10)) == "Dataset('sine', regression, 8 train / 2 test, 1 feature)"
