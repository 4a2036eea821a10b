"""History: bounded memory, min/max-keeping decimation, truncation and export."""

import csv
import json
import math

import numpy as np
import pytest

import nnwidgets as nw
from nnwidgets.core.history import History, SeriesTable, decimate_minmax

N = 100_000


def spiky_series(n, seed=0):
    """A noisy series with one planted maximum and one planted minimum."""
    rng = np.random.default_rng(seed)
    y = rng.normal(size=n)
    i_max, i_min = int(0.123 * n), int(0.789 * n)
    y[i_max], y[i_min] = 50.0, -40.0
    return y, i_max, i_min


def fill(history, n, seed=0):
    """Append n step rows; column j is the spiky series scaled by j + 1."""
    y, i_max, i_min = spiky_series(n, seed)
    n_cols = len(history.step_columns)
    for i in range(n):
        history.steps.append(i + 1, [y[i] * (j + 1) for j in range(n_cols)])
    return y, i_max, i_min


@pytest.mark.parametrize("capacity", [500, 20_000], ids=["small-capacity", "default-capacity"])
@pytest.mark.parametrize("max_points", [2000, 101, 2])
def test_decimated_series_keeps_min_max_and_order(capacity, max_points):
    h = History(n_layers=1, classification=True, capacity=capacity)
    y_true, i_max, i_min = fill(h, N)
    assert len(h) == N
    for j, name in enumerate(h.step_columns):
        x, y = h.series(name, max_points=max_points)
        assert 2 <= len(x) <= max_points
        assert np.all(np.diff(x) > 0)
        # every returned point is a real point of the series
        np.testing.assert_array_equal(y, y_true[x.astype(int) - 1] * (j + 1))
        assert y.max() == 50.0 * (j + 1) and x[np.argmax(y)] == i_max + 1
        assert y.min() == -40.0 * (j + 1) and x[np.argmin(y)] == i_min + 1
        if max_points >= 100:  # the points cover the whole run evenly, old steps too
            assert x[0] <= 10 * N / min(capacity, max_points)
            assert np.diff(x).max() <= 10 * N / min(capacity, max_points)


def test_series_without_decimation_is_exact():
    h = History(n_layers=2, classification=False)
    y_true, _, _ = fill(h, 1500)
    x, y = h.series("batch_loss")
    np.testing.assert_array_equal(x, np.arange(1, 1501))
    np.testing.assert_array_equal(y, y_true)


def test_decimation_ignores_nan_within_a_bucket():
    x = np.arange(1.0, 1001.0)
    y = np.sin(x)
    y[::3] = np.nan
    y[500] = 7.0
    dx, dy = decimate_minmax(x, y, 50)
    assert len(dx) <= 50
    assert np.nanmax(dy) == 7.0 and dx[np.nanargmax(dy)] == 501.0


def series_table_nbytes_bound(n_cols, capacity):
    # exact rows (x + columns) plus, per column, a preallocated archive of (x, y) pairs:
    # at most `capacity` after halving, plus one fold's worth
    return 8 * capacity * (1 + n_cols) + 2 * 8 * (capacity + capacity // 4 + 2) * n_cols


def test_memory_stays_bounded_for_a_million_points():
    capacity = 2000
    table = SeriesTable(["loss"], capacity=capacity)
    bound = series_table_nbytes_bound(1, capacity)
    sizes = {}
    value = [0.0]
    for i in range(1, 1_000_001):
        value[0] = math.sin(i * 1e-3) + (5.0 if i == 777_777 else 0.0)
        table.append(i, value)
        if i in (N, 1_000_000):
            sizes[i] = table.nbytes()
    assert len(table) == 1_000_000
    assert sizes[N] <= bound and sizes[1_000_000] <= bound
    assert sizes[N] == sizes[1_000_000]  # flat: preallocated, however long the run
    x, y = table.full("loss")
    assert len(x) <= 2 * capacity
    assert np.diff(x).max() <= 10 * 1_000_000 / capacity  # even coverage, not only recent steps
    assert y.max() == pytest.approx(5.0 + math.sin(777.777)) and x[np.argmax(y)] == 777_777


def test_history_memory_is_bounded_with_the_default_capacity():
    h = History(n_layers=2, classification=True)
    fill(h, 60_000)
    n_cols = len(h.step_columns)
    epochs_bound = series_table_nbytes_bound(len(h.epoch_columns), h.epochs.capacity)
    assert h.nbytes() <= series_table_nbytes_bound(n_cols, 20_000) + epochs_bound


def test_truncate_drops_later_points():
    h = History(n_layers=1, classification=True)
    fill(h, 100)
    for e in range(11):
        h.epochs.append(e, [float(e)] * len(h.epoch_columns))
    h.truncate(step=50, epoch=5)
    x, _ = h.series("batch_loss")
    np.testing.assert_array_equal(x, np.arange(1, 51))
    assert len(h) == 50
    np.testing.assert_array_equal(h.series("train_loss")[0], np.arange(6))
    assert h.last("train_loss") == 5.0
    h.steps.append(51, [1.0] * len(h.step_columns))  # appending goes on after the cut
    assert h.series("batch_loss")[0][-1] == 51


def test_truncate_reaches_into_the_folded_archive():
    h = History(n_layers=1, classification=False, capacity=64)
    fill(h, 5000)
    h.truncate(step=1234, epoch=0)
    for name in h.step_columns:
        x, _ = h.steps.full(name)
        assert len(x) > 0 and x.max() <= 1234 and np.all(np.diff(x) > 0)
    assert len(h.epochs.full("train_loss")[0]) == 0  # no epoch row was appended


def trained():
    ds = nw.datasets.moons(n_samples=200, noise=0.1, seed=0)
    model = nw.MLP([2, 8, 8, 1], "tanh", seed=0)
    tr = nw.Trainer(model, ds, optimizer=nw.optim.SGD(lr=0.1), batch_size=10)
    return tr


def test_trainer_history_matches_the_run():
    tr = trained()
    losses, lrs = [], []
    for _ in range(40):
        snap = tr.step()
        losses.append(snap.batch_loss)
        lrs.append(snap.lr)
    tr.run(2)
    h = tr.history
    x, y = h.series("batch_loss")
    assert len(x) == tr.step_count == 40 + 16 + 16 - 8
    np.testing.assert_array_equal(x, np.arange(1, tr.step_count + 1))
    np.testing.assert_array_equal(y[:40], losses)
    np.testing.assert_array_equal(h.series("lr")[1][:40], lrs)
    assert h.last("grad_norm_2") == tr.snapshot().grad_norms[2]
    ex, ey = h.series("train_loss")
    np.testing.assert_array_equal(ex, np.arange(tr.epoch + 1))
    assert ex[0] == 0
    assert ey[-1] == tr.evaluate()["train_loss"]
    assert h.series("test_acc")[1][-1] == tr.evaluate()["test_acc"]
    tr.reset()
    assert len(tr.history.series("batch_loss")[0]) == 0
    np.testing.assert_array_equal(tr.history.series("train_loss")[0], [0])


def test_to_dict_is_json_serialisable():
    tr = trained()
    tr.run(2)
    tr.history.epochs.append(3, [math.nan] * len(tr.history.epoch_columns))
    d = tr.history.to_dict()
    text = json.dumps(d, allow_nan=False)
    back = json.loads(text)
    assert set(back) == {"steps", "epochs"}
    assert back["steps"]["batch_loss"]["x"] == list(range(1, 33))
    np.testing.assert_array_equal(
        back["steps"]["batch_loss"]["y"], tr.history.series("batch_loss")[1]
    )
    assert back["epochs"]["test_loss"]["y"][-1] is None
    assert back["epochs"]["train_loss"]["x"] == [0, 1, 2, 3]


def test_to_csv_writes_a_readable_table(tmp_path):
    tr = trained()
    tr.run(2)
    path = tmp_path / "history.csv"
    tr.history.to_csv(path)
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    with open(path) as f:
        assert f.readline().strip() == "series,kind,x,value"
    batch = [r for r in rows if r["series"] == "batch_loss"]
    assert all(r["kind"] == "step" for r in batch)
    assert [int(r["x"]) for r in batch] == list(range(1, 33))
    np.testing.assert_array_equal(
        [float(r["value"]) for r in batch], tr.history.series("batch_loss")[1]
    )
    acc = [r for r in rows if r["series"] == "test_acc"]
    assert [r["kind"] for r in acc] == ["epoch"] * 3
    h = tr.history
    n_points = sum(len(h.steps.full(c)[0]) for c in h.step_columns) + sum(
        len(h.epochs.full(c)[0]) for c in h.epoch_columns
    )
    assert len(rows) == n_points


def test_to_dataframe_has_the_epoch_columns():
    pd = pytest.importorskip("pandas")
    tr = trained()
    tr.run(3)
    df = tr.history.to_dataframe()
    assert isinstance(df, pd.DataFrame)
    assert {"train_loss", "test_loss", "penalty", "train_acc", "test_acc"} <= set(df.columns)
    assert df.index.name == "epoch" and list(df.index) == [0, 1, 2, 3]
    np.testing.assert_array_equal(df["test_loss"].to_numpy(), tr.history.series("test_loss")[1])
    steps = tr.history.to_dataframe("steps")
    assert steps.index.name == "step" and len(steps) == tr.step_count
    assert {"batch_loss", "lr", "grad_norm_0", "update_ratio_2"} <= set(steps.columns)
    with pytest.raises(ValueError, match="kind"):
        tr.history.to_dataframe("batches")


def test_unknown_series_name_is_refused_by_name():
    h = trained().history
    with pytest.raises(ValueError, match="no_such_series"):
        h.series("no_such_series")
    with pytest.raises(ValueError, match="no_such_series"):
        h.last("no_such_series")
    with pytest.raises(ValueError, match="max_points"):
        h.series("batch_loss", max_points=1)
    with pytest.raises(TypeError, match="max_points"):
        h.series("batch_loss", max_points=20.5)
