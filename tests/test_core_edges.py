"""Branches of the core that the scenario tests do not reach: history decimation edges,
bounded tables, and each way a step can diverge."""

import math

import numpy as np
import pytest

import nnwidgets as nw
from nnwidgets.core.history import FOLD, History, SeriesTable, decimate_minmax

# ------------------------------------------------------------- decimation edges


def test_decimate_refuses_fewer_than_two_points():
    x = np.arange(5.0)
    with pytest.raises(ValueError, match="max_points"):
        decimate_minmax(x, x, 1)


def test_decimate_returns_copies_at_or_below_the_limit():
    x = np.arange(6.0)
    y = x * 2
    for limit in (6, 7):
        _, dy = decimate_minmax(x, y, limit)
        np.testing.assert_array_equal(dy, y)
        dy[0] = 99  # a copy, not a view of the caller's data
        assert y[0] == 0


def test_decimate_one_over_the_limit_keeps_extremes_and_order():
    x = np.arange(11.0)
    y = np.array([5, 1, 9, 3, 3, 3, 7, 0, 2, 8, 4], dtype=float)
    dx, dy = decimate_minmax(x, y, 10)
    assert len(dx) <= 10
    assert np.all(np.diff(dx) > 0)  # still in x order
    assert dy.min() == 0 and dy.max() == 9  # the global extremes survive
    assert set(zip(dx.tolist(), dy.tolist(), strict=True)) <= set(
        zip(x.tolist(), y.tolist(), strict=True)
    )


def test_decimate_keeps_nan_only_where_a_whole_bucket_is_nan():
    y = np.array([1.0, np.nan, 2.0, 3.0, np.nan, np.nan, np.nan, np.nan, 4.0, 5.0])
    x = np.arange(len(y), dtype=float)
    _, dy = decimate_minmax(x, y, 4)  # two buckets of 5: [1, nan, 2, 3, nan], [nan x3, 4, 5]
    assert not np.isnan(dy).any()
    all_nan = np.array([np.nan] * 6 + [1.0, 2.0])
    _, dy = decimate_minmax(np.arange(8.0), all_nan, 4)
    assert np.isnan(dy[0]) and dy[-1] == 2.0


def test_decimate_last_short_bucket_is_kept():
    x = np.arange(9.0)
    y = np.array([0, 0, 0, 0, 0, 0, 0, 0, -5.0])  # the extreme sits in the last partial bucket
    dx, dy = decimate_minmax(x, y, 4)
    assert dy.min() == -5.0 and dx[-1] == 8.0


# ------------------------------------------------------------------ series table


def test_series_table_refuses_a_capacity_below_two_folds():
    with pytest.raises(ValueError, match="capacity"):
        SeriesTable(["a"], capacity=2 * FOLD - 1)


def test_series_table_stays_bounded_and_keeps_first_last_and_extremes():
    t = SeriesTable(["a"], capacity=2 * FOLD)
    n = 5000
    values = np.sin(np.arange(n) / 50.0)
    values[1234] = 10.0
    for i, v in enumerate(values):
        t.append(i, [v])
    assert len(t) == n
    x, y = t.full("a")
    assert len(x) <= 3 * t.capacity
    assert x[-1] == n - 1
    assert y.max() == 10.0
    assert t.last("a") == values[-1]


def test_last_reads_the_archive_when_no_exact_row_is_left():
    t = SeriesTable(["a"], capacity=2 * FOLD)
    for i in range(3 * FOLD):
        t.append(i, [float(i)])
    x, _ = t.full("a")
    t.truncate(x[-1] - 0.5)  # drops the exact rows kept after the archive
    assert t.last("a") == t.full("a")[1][-1]
    t.truncate(-1)
    assert math.isnan(t.last("a")) and len(t) == 0


def test_history_clear_and_to_dataframe_errors(tmp_path):
    h = History(n_layers=1, classification=True)
    h.steps.append(1, [0.5, 0.1, 1.0, 2.0, 0.01])
    h.record_epoch(
        1,
        1,
        {
            "train_loss": 0.5,
            "test_loss": 0.6,
            "train_acc": 0.9,
            "test_acc": 0.8,
            "penalty": 0.0,
        },
    )
    assert len(h) > 0
    with pytest.raises(ValueError, match="kind"):
        h.to_dataframe("batches")
    h.clear()
    assert h.to_dict()["steps"]["batch_loss"] == {"x": [], "y": []}
    assert math.isnan(h.last("batch_loss"))


# ----------------------------------------------------------- each way to diverge


def moons_trainer(**kw):
    ds = nw.datasets.moons(n_samples=60, noise=0.1, seed=0)
    model = nw.MLP([2, 4, 1], seed=0)
    return nw.Trainer(model, ds, batch_size=10, seed=0, **kw)


def test_a_nan_weight_makes_the_loss_nan_and_the_step_is_refused():
    tr = moons_trainer()
    tr.step()
    good = {k: v.copy() for k, v in tr.model.params.items()}
    tr.step()
    tr.model.params["W0"][0, 0] = math.nan  # params are views: the model sees it
    snap = tr.step()
    assert snap.diverged and "loss became nan" in snap.divergence
    # the weights this batch saw came from the last update: it is undone, back to good ones
    for k, v in good.items():
        np.testing.assert_array_equal(tr.model.params[k], v)
    assert tr.step_count == 1 and snap.step == 1


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (1e200, "the gradient of W0 became infinite"),  # finite loss, overflowing backprop
        (np.finfo(np.float64).max, "the loss became inf"),
    ],
)
def test_an_infinite_loss_or_gradient_is_named(value, reason):
    tr = moons_trainer()
    tr.set_param("W1", (0, 0), value)
    snap = tr.step()
    assert snap.diverged and f"diverged at the first step: {reason}" in snap.divergence
    assert tr.step_count == 0 and tr.model.params["W1"][0, 0] == value


def test_a_loss_over_the_divergence_factor_is_refused():
    tr = moons_trainer(divergence_factor=1.0)
    tr.step()
    tr.set_param("b1", (0,), 50.0)  # every logit +50: loss about 25x the first one
    snap = tr.step()
    assert snap.diverged and "× the first loss" in snap.divergence
    assert tr.step().diverged  # refused until the rate changes
    tr.lr = tr.lr / 2
    tr.set_param("b1", (0,), 0.0)
    assert not tr.step().diverged


def test_an_overflowing_update_names_the_learning_rate():
    tr = moons_trainer(optimizer=nw.optim.SGD(lr=1e305))
    snap = tr.step()
    assert snap.diverged
    assert "learning rate" in snap.divergence or "became" in snap.divergence
    assert tr.step_count == 0
