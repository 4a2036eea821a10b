"""Memory stays bounded however long a run goes: history, checkpoints, and the process."""

from __future__ import annotations

import gc
import tracemalloc

import numpy as np
import pytest

import nnwidgets as nw
from nnwidgets.core.history import History

N_SHORT, N_LONG = 5_000, 20_000


def tiny_trainer(**kwargs) -> nw.Trainer:
    """A 2-4-1 network, batch 1, 60 training samples: 60 steps (one checkpoint) an epoch."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(75, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    ds = nw.Dataset.from_arrays(X, y, test_fraction=0.2, seed=0)
    model = nw.MLP([2, 4, 1], activation="tanh", seed=0)
    tr = nw.Trainer(model, ds, optimizer=nw.optim.SGD(lr=0.01), batch_size=1, **kwargs)
    assert tr.n_train == 60
    return tr


def checkpoint_size() -> int:
    tr = tiny_trainer()
    return tr._checkpoints.nbytes()


def traced_now() -> int:
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


def test_long_run_keeps_history_checkpoints_and_traced_memory_flat():
    budget = 40 * checkpoint_size()
    tracemalloc.start()
    try:
        tr = tiny_trainer(checkpoint_budget=budget)
        assert tr.run_steps(N_SHORT) == N_SHORT
        short = (traced_now(), tr.history.nbytes(), tr._checkpoints.nbytes())
        n_checkpoints = len(tr.checkpoints)
        tracemalloc.reset_peak()
        assert tr.run_steps(N_SHORT) == N_SHORT
        peak_second_quarter = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        assert tr.run_steps(N_LONG - 2 * N_SHORT) == N_LONG - 2 * N_SHORT
        peak_second_half = tracemalloc.get_traced_memory()[1]
        long = (traced_now(), tr.history.nbytes(), tr._checkpoints.nbytes())
    finally:
        tracemalloc.stop()

    assert tr.step_count == N_LONG and tr.epoch == N_LONG // 60
    # The history preallocates its rows: not one byte more after four times the steps.
    assert long[1] == short[1]
    assert len(tr.history) == N_LONG
    # Checkpoints: within the budget, step 0 and the latest kept.
    assert short[2] <= budget and long[2] <= budget
    assert len(tr.checkpoints) <= 41 and abs(len(tr.checkpoints) - n_checkpoints) <= 20
    last_epoch = N_LONG // 60
    assert tr.checkpoints[0] == (0, 0) and tr.checkpoints[-1] == (last_epoch * 60, last_epoch)
    # The process: what is held after 20k steps is what was held after 5k (10% + 64 KiB).
    slack = 0.10 * short[0] + 64 * 1024
    assert long[0] <= short[0] + slack, (short, long)
    assert peak_second_half <= peak_second_quarter * 1.10 + 64 * 1024


@pytest.mark.parametrize("capacity", [100])
def test_history_archive_stays_within_twice_its_capacity(capacity):
    tr = tiny_trainer(checkpoint_budget=0)
    tr.history = History(tr.model.n_layers, classification=True, capacity=capacity)
    n_cols = len(tr.history.step_columns)
    exact = tr.history.steps._x.nbytes + tr.history.steps._rows.nbytes
    bound = exact + n_cols * 2 * (2 * capacity) * 8  # archive x and y, 2 * capacity each
    sizes = []
    for _ in range(8):
        tr.run_steps(2_500)
        steps = tr.history.steps
        sizes.append(steps.nbytes())
        assert steps.nbytes() <= bound
        for name in tr.history.step_columns:
            x, y = steps.full(name)
            assert len(x) == len(y) <= 3 * capacity
            assert np.all(np.diff(x) > 0) and x[-1] == tr.step_count
    assert len(tr.history) == tr.step_count == 20_000
    assert max(sizes[4:]) <= bound and max(sizes) <= bound
    # The extremes survive: the same run with room for every step has the same max and min.
    full = tiny_trainer(checkpoint_budget=0)
    full.history = History(full.model.n_layers, classification=True, capacity=20_000)
    full.run_steps(20_000)
    _, every = full.history.series("batch_loss", max_points=10**9)
    _, kept = tr.history.series("batch_loss", max_points=10**9)
    assert len(every) == 20_000 and len(kept) < 20_000
    assert (kept.max(), kept.min()) == (every.max(), every.min())


def test_checkpoints_stay_within_a_small_budget_over_many_epochs():
    per = checkpoint_size()
    tr = tiny_trainer(checkpoint_budget=5 * per)
    counts = []
    for _ in range(300):
        tr.run(1)
        counts.append(len(tr.checkpoints))
        assert tr._checkpoints.nbytes() <= 5 * per
        assert tr.checkpoints[0] == (0, 0) and tr.checkpoints[-1][0] == tr.step_count
    assert max(counts) <= 5 and min(counts[10:]) >= 2
