"""The trainer's one state object, the shared epoch cursor, and the cheap public step."""

import math

import numpy as np
import pytest

import nnwidgets as nw
from nnwidgets.core import checkpoint
from nnwidgets.core.cursor import EpochCursor, evaluate_parts
from nnwidgets.core.history import History
from nnwidgets.core.losses import get_loss
from nnwidgets.core.snapshot import FrozenArrays, Snapshot
from nnwidgets.core.state import TrainerState
from nnwidgets.core.stepping import SMALL_PRODUCT, step_context

MOONS = nw.datasets.moons(n_samples=200, noise=0.1, seed=0)


def make(**kwargs):
    kwargs.setdefault("batch_size", 10)
    model = nw.MLP([2, 8, 8, 1], "tanh", seed=0)
    return nw.Trainer(model, MOONS, optimizer=nw.optim.SGD(lr=0.1), **kwargs)


# ------------------------------------------------------------------ the cursor


def test_cursor_cuts_each_epoch_of_a_seeded_permutation_into_slices():
    cursor = EpochCursor(n=25, batch_size=10, shuffle=True, rng=np.random.default_rng(3))
    history = History(1, classification=True)
    seen, ends = [], []
    for _ in range(6):
        idx = cursor.next_batch()
        seen.append(idx.copy())
        ends.append(cursor.advance(history, idx, 0.5, 0.1, [1.0], [2.0], [0.01]))
        assert np.array_equal(cursor.last_batch, seen[-1])  # the step's own minibatch
    assert [len(i) for i in seen] == [10, 10, 5, 10, 10, 5]
    assert ends == [False, False, True, False, False, True]
    first = np.concatenate(seen[:3])
    assert np.array_equal(first, np.random.default_rng(3).permutation(25))
    assert sorted(np.concatenate(seen[3:])) == list(range(25))
    assert (cursor.step, cursor.epoch, cursor.pos, cursor.perm) == (6, 2, 0, None)
    assert history.steps.count == 6
    diagnostics = (cursor.grad_norms, cursor.weight_norms, cursor.update_ratios)
    assert [list(d) for d in diagnostics] == [[1.0], [2.0], [0.01]]


def test_cursor_without_shuffle_takes_the_identity():
    cursor = EpochCursor(n=7, batch_size=3, shuffle=False, rng=np.random.default_rng(0))
    assert list(cursor.next_batch()) == [0, 1, 2]
    assert cursor.batches_per_epoch == 3 and cursor.batch_in_epoch == 0


def test_evaluate_skeleton_gives_nan_for_an_empty_part_and_accuracy_by_the_loss():
    loss = get_loss("mse")  # one output: labels by its threshold 0.5
    raw = np.array([[0.2], [0.7], [0.9], [0.4]])
    labels = np.array([0, 1, 0, 0])
    parts = [("train", 4, raw, None, labels), ("test", 0, raw[:0], None, labels[:0])]
    out = evaluate_parts(parts, lambda X, y: (1.5, X), loss, True, 0.25)
    assert out["train_loss"] == 1.5 and out["train_acc"] == 0.75
    assert math.isnan(out["test_loss"]) and math.isnan(out["test_acc"])
    assert out["penalty"] == 0.25


def test_both_trainers_share_the_cursor():
    torch = pytest.importorskip("torch")
    from nnwidgets.adapters.torch import TorchTrainer

    tr = make()
    net = torch.nn.Sequential(
        torch.nn.Linear(2, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1)
    ).double()
    tt = TorchTrainer(net, MOONS, batch_size=10)
    assert isinstance(tr._state, EpochCursor) and isinstance(tt._cursor, EpochCursor)
    for _ in range(20):
        assert np.array_equal(tr._state.next_batch(), tt._cursor.next_batch())
        tr.step()
        tt.step()
    assert (tr.step_count, tr.epoch) == (tt.step_count, tt.epoch) == (20, 1)
    assert tt.layer_sizes == [2, 4, 1] and tt.activations == ["tanh"]
    assert not hasattr(tt, "model")


# --------------------------------------------------------------- the one state


def test_the_trainer_state_is_one_object_that_undo_and_checkpoints_copy():
    tr = make()
    tr.run_steps(23)
    state = tr._state
    assert isinstance(state, TrainerState)
    assert (state.step, state.epoch, state.batch_size, state.base_lr) == (23, 1, 10, 0.1)
    saved = state.copy()
    assert saved.rng_state == state.rng.bit_generator.state
    tr.run_steps(30)  # draws a new permutation
    state.assign(saved)
    assert state.step == 23 and state.rng_state is None
    assert state.rng.bit_generator.state == saved.rng_state
    assert tr.step_count == 23  # the trainer's counters are views of the state


def test_undoing_a_step_keeps_the_settings_changed_since():
    tr = make()
    tr.run_steps(4)
    before = tr.model.flat_params.copy()
    tr.step()
    tr.lr = 0.05
    tr.configure(batch_size=7, l2=0.01)
    tr._undo_last_step()  # what a divergence at the next step does
    assert tr.step_count == 4 and np.array_equal(tr.model.flat_params, before)
    assert (tr.base_lr, tr.batch_size, tr.l2) == (0.05, 7, 0.01)
    assert tr.snapshot().metrics["penalty"] == tr.model.penalty(0.0, 0.01) > 0


def test_checkpoint_module_works_on_the_state_and_public_parts():
    tr = make()
    tr.run_steps(5)
    cp = checkpoint.capture(tr._state, tr.model, tr.optimizer)
    assert (cp.step, cp.epoch, cp.pos) == (5, 0, 50)
    before = tr.model.flat_params.copy()
    tr.run_steps(5)
    opt = checkpoint.restore_arrays(cp, tr.model, tr.optimizer)
    assert opt is tr.optimizer
    assert np.array_equal(tr.model.flat_params, before)


def test_a_save_header_holds_the_state(tmp_path):
    tr = make()
    tr.run_steps(13)
    path = tr.save(tmp_path / "run.npz")
    saved = checkpoint.read(path)
    state = saved.header["state"]
    assert (state["step"], state["epoch"], state["pos"]) == (13, 0, 130)
    assert state["rng_state"] == tr._state.rng.bit_generator.state
    again = nw.Trainer.load(path)
    assert again.snapshot().weight_norms == tr.snapshot().weight_norms
    for a, b in zip(again.step().grad_norms, tr.step().grad_norms, strict=True):
        assert a == b


# ------------------------------------------------------------ cheap snapshots


def test_snapshot_arrays_read_late_show_the_values_of_their_step():
    tr = make()
    tr.run_steps(3)
    snap = tr.step()
    at_step = {k: v.copy() for k, v in tr.model.params.items()}
    grads = {k: v.copy() for k, v in tr.model.grads.items()}
    tr.run_steps(40)  # nothing of snap read before these steps
    assert isinstance(snap.params, FrozenArrays)
    for k in at_step:
        assert np.array_equal(snap.params[k], at_step[k])
        assert np.array_equal(snap.grads[k], grads[k])
        assert not snap.params[k].flags.writeable
    assert list(snap.params) == tr.model.param_keys and len(snap.grads) == len(at_step)
    assert "W0" in snap.params and "W9" not in snap.params
    with pytest.raises(KeyError):
        snap.params["W9"]


def test_snapshot_weight_norms_come_from_the_step():
    tr = make()
    snap = tr.step()
    for i, w in enumerate(snap.weight_norms):
        assert w == pytest.approx(np.linalg.norm(snap.params[f"W{i}"]), rel=1e-12)
    assert tr.history.series("weight_norm_0", max_points=10)[1][-1] == snap.weight_norms[0]


def test_checkpoint_snapshots_match_the_snapshot_of_then():
    tr = make()
    tr.run(1)
    snap = tr.snapshot()
    cp_snap = tr.checkpoint_snapshot(tr.step_count)
    assert cp_snap.weight_norms == snap.weight_norms
    assert all(np.array_equal(cp_snap.params[k], snap.params[k]) for k in snap.params)


def test_trusted_snapshot_needs_every_field():
    with pytest.raises(TypeError):
        Snapshot._trusted(step=1)


def test_the_blas_limit_is_set_only_for_products_large_enough_for_threads():
    small = step_context(1, SMALL_PRODUCT - 1)
    assert type(small) is np.errstate
    assert type(step_context(None, 10**9)) is np.errstate
    assert type(step_context(1, SMALL_PRODUCT)) is not np.errstate
    tr = make()
    assert tr._largest_product == 160 * 9 * 8  # rows * (8 inputs + ones) * 8 outputs


def test_a_snapshot_names_the_minibatch_its_step_used():
    import nnwidgets as nw

    ds = nw.datasets.moons(n_samples=50, noise=0.1, seed=0)
    tr = nw.Trainer(nw.MLP([2, 4, 1], seed=0), ds, batch_size=8, seed=0)
    assert tr.snapshot().batch.size == 0  # no step yet
    order = np.random.default_rng(0).permutation(tr.n_train)
    first = tr.step().batch
    np.testing.assert_array_equal(first, order[:8])
    with pytest.raises(ValueError):
        first[0] = 1  # read-only
    second = tr.step().batch
    np.testing.assert_array_equal(second, order[8:16])
    np.testing.assert_array_equal(first, order[:8])  # the earlier snapshot is unchanged
    tr.reset()
    assert tr.snapshot().batch.size == 0
