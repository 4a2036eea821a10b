"""Trainer semantics: determinism, batches, snapshots, lr and schedules, evaluate, divergence."""

import dataclasses
import math
import warnings

import numpy as np
import pytest

import nnwidgets as nw
from nnwidgets.core.losses import get_loss
from nnwidgets.core.optim import OPTIMIZERS

MOONS = nw.datasets.moons(n_samples=200, noise=0.1, seed=0)  # 160 train / 40 test
SINE = nw.datasets.sine(n_samples=100, noise=0.1, seed=0)


def make(
    seed=0,
    model_seed=0,
    optimizer=None,
    ds=MOONS,
    sizes=(2, 8, 8, 1),
    activation="tanh",
    dtype="float64",
    **kwargs,
):
    model = nw.MLP(list(sizes), activation, seed=model_seed, dtype=dtype)
    optimizer = nw.optim.SGD(lr=0.1) if optimizer is None else optimizer
    kwargs.setdefault("batch_size", 10)
    return nw.Trainer(model, ds, optimizer=optimizer, seed=seed, **kwargs)


def copy_params(params):
    return {k: np.array(v, copy=True) for k, v in params.items()}


def same_params(a, b):
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def norm(a):
    return float(np.sqrt(np.sum(np.asarray(a, dtype=np.float64) ** 2)))


# ------------------------------------------------------------------ determinism


def test_same_seed_gives_the_same_run_bit_for_bit():
    a, b = make(), make()
    a.run(3)
    b.run(3)
    assert a.step_count == b.step_count == 3 * 16
    assert same_params(a.model.params, b.model.params)
    np.testing.assert_array_equal(
        a.history.series("batch_loss")[1], b.history.series("batch_loss")[1]
    )
    assert a.evaluate() == b.evaluate()


def test_different_seed_gives_a_different_run():
    ref = make()
    ref.run(3)
    other_order = make(seed=1)  # same initial weights, other batch order
    other_order.run(3)
    other_init = make(model_seed=1)  # other initial weights, same batch order
    other_init.run(3)
    assert not same_params(ref.model.params, other_order.model.params)
    assert not same_params(ref.model.params, other_init.model.params)


# ---------------------------------------------------------------------- batches


def manual_sgd(ds, sizes, lr, batch_size, epochs, l2=0.0):
    """Plain SGD over consecutive slices of the training set in identity order."""
    model = nw.MLP(list(sizes), "tanh", seed=0)
    loss = get_loss("bce")
    X = ds.X_train
    y = ds.y_train.astype(np.float64).reshape(-1, 1)
    n = len(X)
    sizes_seen = []
    for _ in range(epochs):
        for start in range(0, n, batch_size):
            idx = np.arange(start, min(start + batch_size, n))
            sizes_seen.append(len(idx))
            model.loss_and_grad(np.ascontiguousarray(X[idx]), y[idx], loss, 0.0, l2)
            for k, p in model.params.items():
                p -= lr * model.grads[k]
    return model.params, sizes_seen


@pytest.mark.parametrize("batch_size", [10, 7, 1, 160, 1000], ids=lambda b: f"bs{b}")
def test_shuffle_false_uses_identity_order_and_keeps_the_last_small_batch(batch_size):
    tr = make(batch_size=batch_size, shuffle=False, l2=0.01)
    expected, seen = manual_sgd(MOONS, (2, 8, 8, 1), 0.1, batch_size, epochs=2, l2=0.01)
    per_epoch = math.ceil(160 / batch_size)
    assert tr.batches_per_epoch == per_epoch
    snap = tr.run(2)
    assert snap.step == tr.step_count == 2 * per_epoch == len(seen)
    assert snap.epoch == 2
    assert same_params(tr.model.params, expected)
    if 160 % batch_size:
        assert seen[per_epoch - 1] == 160 % batch_size


def test_uneven_batches_count_and_epoch_boundary():
    tr = make(batch_size=7)  # 160 = 22 * 7 + 6
    for _ in range(22):
        tr.step()
    assert (tr.epoch, tr.step_count) == (0, 22)
    snap = tr.step()  # the last, smaller batch ends the epoch
    assert (snap.epoch, snap.step) == (1, 23)
    assert snap.batch_in_epoch == 0 and snap.batches_per_epoch == 23


def test_shuffled_epoch_covers_every_sample_once():
    # one batch per epoch: the permuted batch gives the full-batch gradient step
    tr = make(batch_size=160, shuffle=True)
    expected, _ = manual_sgd(MOONS, (2, 8, 8, 1), 0.1, 160, epochs=3)
    tr.run(3)
    for k, v in expected.items():
        np.testing.assert_allclose(tr.model.params[k], v, rtol=1e-10, atol=1e-12)


def test_shuffle_true_is_not_identity_order():
    shuffled, ordered = make(shuffle=True), make(shuffle=False)
    shuffled.step_epoch()
    ordered.step_epoch()
    assert not same_params(shuffled.model.params, ordered.model.params)


# ------------------------------------------------------------ step and snapshot


def test_step_advances_by_one_and_returns_a_frozen_copy():
    tr = make()
    snap = tr.step()
    assert tr.step_count == snap.step == 1
    assert snap.epoch == 0 and snap.batch_in_epoch == 1
    for arrays in (snap.params, snap.grads):
        assert arrays.keys() == tr.model.params.keys()
        for key, arr in arrays.items():
            assert not np.shares_memory(arr, tr.model.params[key])
            assert not np.shares_memory(arr, tr.model.grads[key])
            with pytest.raises(ValueError, match="read-only"):
                arr[...] = 0
    with pytest.raises(TypeError):
        snap.params["W0"] = np.zeros((2, 8))
    with pytest.raises(TypeError):
        snap.metrics["test_acc"] = 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        snap.step = 5
    kept = copy_params(snap.params)
    tr.step()
    assert same_params(snap.params, kept)  # a copy: later steps do not move it
    assert not same_params(snap.params, tr.model.params)


def test_snapshot_of_now_matches_the_last_step():
    tr = make()
    stepped = tr.step()
    now = tr.snapshot()
    assert now.step == stepped.step and now.batch_loss == stepped.batch_loss
    assert same_params(now.params, stepped.params)


def test_step_epoch_from_mid_epoch_ends_exactly_at_the_boundary():
    tr = make(batch_size=7)
    for _ in range(5):
        tr.step()
    snap = tr.step_epoch()
    assert (snap.epoch, snap.step, snap.batch_in_epoch) == (1, 23, 0)
    snap = tr.step_epoch()
    assert (snap.epoch, snap.step) == (2, 46)


def test_run_equals_repeated_step_epoch_bit_for_bit():
    a, b = make(optimizer=nw.optim.Adam(lr=0.01)), make(optimizer=nw.optim.Adam(lr=0.01))
    a.step()
    b.step()  # from mid-epoch as well
    snap_a = a.run(5)
    for _ in range(5):
        snap_b = b.step_epoch()
    assert (snap_a.step, snap_a.epoch) == (snap_b.step, snap_b.epoch) == (80, 5)
    assert same_params(a.model.params, b.model.params)
    assert snap_a.batch_loss == snap_b.batch_loss
    for name in a.history.names:
        np.testing.assert_array_equal(a.history.series(name)[1], b.history.series(name)[1])
    before = a.step_count
    a.run(0)
    assert a.step_count == before


def test_run_steps_counts_updates():
    tr = make()
    assert tr.run_steps(5) == 5
    assert tr.step_count == 5


# ------------------------------------------------------------------------ reset


@pytest.mark.parametrize(
    "optimizer",
    [lambda: nw.optim.SGD(lr=0.1, momentum=0.9), lambda: nw.optim.Adam(lr=0.01)],
    ids=["sgd-momentum", "adam"],
)
def test_reset_returns_to_step_zero_and_reproduces_the_run(optimizer):
    tr = make(optimizer=optimizer())
    initial = copy_params(tr.model.params)
    tr.run(2)
    tr.step()
    after = copy_params(tr.model.params)
    losses = tr.history.series("batch_loss")[1]
    metrics = tr.evaluate()
    snap = tr.reset()
    assert (snap.step, snap.epoch, tr.step_count, tr.epoch) == (0, 0, 0, 0)
    assert same_params(tr.model.params, initial)
    assert len(tr.history.series("batch_loss")[0]) == 0
    tr.run(2)
    tr.step()
    assert same_params(tr.model.params, after)
    np.testing.assert_array_equal(tr.history.series("batch_loss")[1], losses)
    assert tr.evaluate() == metrics


def test_reset_with_a_new_seed_draws_new_weights_and_a_new_order():
    tr = make()
    initial = copy_params(tr.model.params)
    tr.run(1)
    tr.reset(seed=1)
    assert tr.step_count == 0 and tr.seed == 1
    assert not same_params(tr.model.params, initial)
    # the same as a fresh trainer built with seed 1 everywhere
    fresh = make(seed=1, model_seed=1)
    assert same_params(tr.model.params, fresh.model.params)
    tr.run(2)
    fresh.run(2)
    assert same_params(tr.model.params, fresh.model.params)
    # and the batch order changed too: new weights with the old order differ
    old_order = make(seed=0, model_seed=1)
    old_order.run(2)
    assert not same_params(tr.model.params, old_order.model.params)


# ------------------------------------------------------------------ learning rate


def test_lr_get_and_set_without_schedule():
    tr = make()
    assert tr.lr == 0.1
    tr.lr = 0.05
    assert tr.lr == tr.base_lr == 0.05
    snap = tr.step()
    assert snap.lr == 0.05
    assert tr.history.last("lr") == 0.05
    # the update used the new rate: same as a trainer built with it
    ref = make(optimizer=nw.optim.SGD(lr=0.05))
    ref.step()
    assert same_params(tr.model.params, ref.model.params)


def test_lr_set_with_a_schedule_sets_the_base_it_scales():
    tr = make(schedule=nw.schedules.StepLR(1, gamma=0.5))
    assert tr.lr == 0.1
    tr.step_epoch()
    assert tr.lr == pytest.approx(0.05)
    tr.step_epoch()
    assert tr.lr == pytest.approx(0.025)
    tr.lr = 0.2
    assert tr.base_lr == 0.2
    assert tr.lr == pytest.approx(0.05)
    lrs = tr.history.series("lr")[1]
    np.testing.assert_allclose(lrs[:16], 0.1)
    np.testing.assert_allclose(lrs[16:32], 0.05)


def test_schedule_is_applied_to_the_updates():
    scheduled = make(schedule=nw.schedules.StepLR(1, gamma=0.5))
    scheduled.run(2)
    by_hand = make()
    by_hand.step_epoch()
    by_hand.lr = 0.05
    by_hand.step_epoch()
    assert same_params(scheduled.model.params, by_hand.model.params)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_by_name_uses_default_arguments(name):
    model = nw.MLP([2, 8, 8, 1], "tanh", seed=0)
    tr = nw.Trainer(model, MOONS, optimizer=name)
    cls = OPTIMIZERS[name]
    assert type(tr.optimizer) is cls
    assert tr.optimizer.hyperparameters() == cls().hyperparameters()
    assert tr.lr == cls().lr


def test_adam_by_name_matches_torch_defaults():
    tr = nw.Trainer(nw.MLP([2, 8, 8, 1], seed=0), MOONS, optimizer="adam")
    opt = tr.optimizer
    assert isinstance(opt, nw.optim.Adam)
    assert opt.lr == 0.001 and tuple(opt.betas) == (0.9, 0.999)
    assert opt.eps == 1e-8 and opt.weight_decay == 0 and opt.amsgrad is False


def test_default_optimizer_is_sgd_003():
    tr = nw.Trainer(nw.MLP([2, 8, 8, 1], seed=0), MOONS)
    assert isinstance(tr.optimizer, nw.optim.SGD)
    assert tr.lr == 0.03 and tr.optimizer.momentum == 0


# ---------------------------------------------------------------------- evaluate


def test_evaluate_keys_for_classification_and_regression():
    clf = make()
    assert set(clf.evaluate()) == {"train_loss", "test_loss", "penalty", "train_acc", "test_acc"}
    reg = make(ds=SINE, sizes=(1, 8, 1))
    assert set(reg.evaluate()) == {"train_loss", "test_loss", "penalty"}
    for tr in (clf, reg):
        tr.run(1)
        assert all(math.isfinite(v) for v in tr.evaluate().values())


def test_evaluate_reports_data_losses_and_accuracy():
    tr = make()
    tr.run(2)
    m = tr.evaluate()
    loss = get_loss("bce")
    for part, X, y in (
        ("train", MOONS.X_train, MOONS.y_train),
        ("test", MOONS.X_test, MOONS.y_test),
    ):
        out = tr.model.forward(X)
        assert m[f"{part}_loss"] == pytest.approx(loss.value(out, y.reshape(-1, 1)), rel=1e-12)
        assert m[f"{part}_acc"] == pytest.approx(np.mean((out[:, 0] > 0) == y))


def test_penalty_is_reported_apart_and_in_the_batch_loss():
    l1, l2 = 0.01, 0.05
    tr = make(shuffle=False, l1=l1, l2=l2)
    model = tr.model
    X, y = MOONS.X_train[:10], MOONS.y_train[:10].reshape(-1, 1).astype(float)
    W = [model.params[f"W{i}"] for i in range(model.n_layers)]
    penalty = l1 * sum(np.abs(w).sum() for w in W) + l2 * 0.5 * sum((w**2).sum() for w in W)
    data_loss = get_loss("bce").value(model.forward(X), y)
    snap = tr.step()
    assert snap.batch_loss == pytest.approx(data_loss + penalty, rel=1e-12)
    m = tr.evaluate()
    assert m["penalty"] == model.penalty(l1, l2) > 0
    plain = get_loss("bce").value(model.forward(MOONS.X_train), MOONS.y_train.reshape(-1, 1))
    assert m["train_loss"] == pytest.approx(plain, rel=1e-12)
    assert make().evaluate()["penalty"] == 0.0


# -------------------------------------------------------------- per-layer stats


def test_snapshot_norms_and_update_ratios_match_recomputation():
    tr = make(optimizer=nw.optim.Adam(lr=0.01))
    for _ in range(3):
        tr.step()
    before = copy_params(tr.model.params)
    snap = tr.step()
    n = tr.model.n_layers
    assert len(snap.grad_norms) == len(snap.weight_norms) == len(snap.update_ratios) == n == 3
    for i in range(n):
        W_after, W_before = snap.params[f"W{i}"], before[f"W{i}"]
        assert snap.grad_norms[i] == pytest.approx(norm(snap.grads[f"W{i}"]), rel=1e-9)
        assert snap.weight_norms[i] == pytest.approx(norm(W_after), rel=1e-9)
        expected = norm(W_after - W_before) / norm(W_after)
        assert snap.update_ratios[i] == pytest.approx(expected, rel=1e-9)
        assert snap.update_ratios[i] > 0
        assert tr.history.last(f"grad_norm_{i}") == snap.grad_norms[i]
        assert tr.history.last(f"update_ratio_{i}") == snap.update_ratios[i]


# -------------------------------------------------------------------- divergence


def step_until_diverged(tr, max_steps=500):
    """Step until the trainer diverges; returns (snapshot, params it should have kept).

    A loss blow-up shows at the batch after the update that caused it, so the trainer
    undoes that update: the kept weights are those after step ``tr.step_count``.
    """
    after = [copy_params(tr.model.params)]  # params after each completed step
    for _ in range(max_steps):
        snap = tr.step()
        if snap.diverged:
            assert snap.step == tr.step_count <= len(after) - 1
            assert len(tr.history.series("batch_loss", 10**9)[0]) == tr.step_count
            return snap, after[tr.step_count]
        after.append(copy_params(tr.model.params))
    raise AssertionError("the trainer never diverged")


def diverging_trainer(lr=1e4):
    model = nw.MLP([2, 8, 8, 1], "relu", init="he", seed=0)
    return nw.Trainer(model, MOONS, optimizer=nw.optim.SGD(lr=lr), batch_size=10, seed=0)


def test_divergence_restores_the_state_and_refuses_further_steps():
    tr = diverging_trainer()
    snap, before = step_until_diverged(tr)
    assert tr.diverged
    assert f"step {tr.step_count + 1}" in snap.divergence
    assert same_params(tr.model.params, before)
    assert same_params(snap.params, before)
    assert "⚠" in snap.status_line()
    n_steps, n_hist = tr.step_count, len(tr.history.series("batch_loss")[0])
    for call in (tr.step, tr.step_epoch, lambda: tr.run(2)):
        again = call()  # refused without an exception
        assert again.diverged and again.divergence == snap.divergence
        assert tr.step_count == n_steps
        assert same_params(tr.model.params, before)
    assert tr.run_steps(3) == 0
    assert len(tr.history.series("batch_loss")[0]) == n_hist
    tr.lr = 1e4  # the same rate is no new attempt
    assert tr.step().diverged
    tr.lr = 0.01  # a new rate clears it
    assert not tr.diverged and not tr.snapshot().diverged
    assert tr.snapshot().divergence is None


def test_lower_lr_after_a_loss_divergence_lets_training_continue():
    tr = diverging_trainer()
    step_until_diverged(tr)
    n_steps = tr.step_count
    tr.lr = 0.01
    snap = tr.step()
    assert not snap.diverged and tr.step_count == n_steps + 1


def test_reset_clears_divergence():
    tr = diverging_trainer()
    step_until_diverged(tr)
    snap = tr.reset()
    assert not snap.diverged and snap.divergence is None and snap.step == 0
    assert tr.step().step == 1


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_overflowing_update_is_undone_without_warnings(dtype):
    model = nw.MLP([2, 8, 8, 1], "relu", init="he", seed=0, dtype=dtype)
    opt = nw.optim.SGD(lr=1e300, momentum=0.9)
    tr = nw.Trainer(model, MOONS, optimizer=opt, batch_size=10, seed=0)
    initial = copy_params(model.params)
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        snap = tr.step()
    assert snap.diverged and "step 1" in snap.divergence
    assert tr.step_count == 0
    assert same_params(model.params, initial)
    assert all(np.isfinite(v).all() for v in snap.params.values())
    tr.lr = 0.01
    assert tr.step().step == 1
    assert all(v.dtype == np.dtype(dtype) for v in model.params.values())


def test_divergence_factor_triggers_on_a_huge_loss():
    model = nw.MLP([1, 8, 1], "relu", init="he", seed=0)
    tr = nw.Trainer(model, SINE, optimizer=nw.optim.SGD(lr=1e3), batch_size=10, seed=0)
    snap, before = step_until_diverged(tr)
    assert "over 1e+06 × the first loss" in snap.divergence
    assert same_params(model.params, before)


# ----------------------------------------------------------------- dtype, predict


@pytest.mark.parametrize("opt", ["sgd", "adam"])
def test_float32_model_trains_and_keeps_float32(opt):
    optimizer = nw.optim.SGD(lr=0.1) if opt == "sgd" else nw.optim.Adam(lr=0.01)
    tr = make(dtype="float32", optimizer=optimizer)
    first = tr.evaluate()["train_loss"]
    snap = tr.run(5)
    f32 = np.dtype("float32")
    assert all(v.dtype == f32 for v in tr.model.params.values())
    assert all(v.dtype == f32 for v in tr.model.grads.values())
    assert all(v.dtype == f32 for v in snap.params.values())
    assert all(v.dtype == f32 for v in snap.grads.values())
    assert tr.model.forward(MOONS.X_test).dtype == f32
    assert tr.evaluate()["train_loss"] < 0.7 * first
    assert not snap.diverged


def test_predict_applies_the_data_set_standardisation():
    rng = np.random.default_rng(0)
    raw = rng.normal(size=(300, 2)) * [2.0, 50.0] + [1e4, -3e3]
    y = ((raw[:, 0] - 1e4) / 2.0 + (raw[:, 1] + 3e3) / 50.0 > 0).astype(np.int64)
    ds = nw.Dataset.from_arrays(raw, y, standardize=True, seed=0)
    assert np.abs(ds.X_train.mean(axis=0)).max() < 1e-9
    model = nw.MLP([2, 8, 1], "tanh", seed=0)
    tr = nw.Trainer(model, ds, optimizer=nw.optim.Adam(lr=0.01), batch_size=16)
    tr.run(20)
    raw_test = ds.inverse_transform(ds.X_test)
    predicted = tr.predict(raw_test)
    np.testing.assert_array_equal(predicted, (model.forward(ds.X_test)[:, 0] > 0).astype(int))
    assert np.mean(predicted == ds.y_test) >= 0.9
    assert tr.evaluate()["test_acc"] == pytest.approx(np.mean(predicted == ds.y_test))


def test_predict_regression_returns_values():
    tr = make(ds=SINE, sizes=(1, 8, 1))
    out = tr.predict(np.array([[0.0], [1.0]]))
    assert out.shape == (2,)
    np.testing.assert_allclose(out, tr.model.forward(np.array([[0.0], [1.0]]))[:, 0])


def test_schedules_take_numpy_integers_and_store_plain_ints():
    """Counts computed with numpy (e.g. ``np.int64(epochs) // 3``) are ints too; they are
    kept as Python ints so that the schedule's config stays JSON-ready."""
    import json

    step = nw.schedules.StepLR(np.int64(5), gamma=0.5)
    cosine = nw.schedules.CosineAnnealingLR(np.int32(10))
    assert type(step.step_size) is int and type(cosine.T_max) is int
    assert step.lr(1.0, 5) == 0.5
    json.dumps(step.config())
    json.dumps(cosine.config())
    with pytest.raises(TypeError, match="step_size"):
        nw.schedules.StepLR(np.float64(5.0))
    with pytest.raises(TypeError, match="T_max"):
        nw.schedules.CosineAnnealingLR(np.bool_(True))
