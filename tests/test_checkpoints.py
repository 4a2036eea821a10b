"""Checkpoints, rewind, save/load and divergence: exact, bit for bit, and refusing bad files."""

from __future__ import annotations

import builtins
import io
import json
import os
import warnings
import zipfile

import numpy as np
import pytest

import nnwidgets as nw
from nnwidgets.core import checkpoint as checkpoint_module

MOONS = nw.datasets.moons(n_samples=120, noise=0.15, seed=0)  # 96 train / 24 test
SINE = nw.datasets.sine(n_samples=100, noise=0.1, seed=0)
BLOBS = nw.datasets.gaussians(n_samples=90, n_classes=3, seed=0)


def optimizer(name: str, lr: float = 0.05):
    return {
        "sgd": lambda: nw.optim.SGD(lr=lr),
        "momentum": lambda: nw.optim.SGD(lr=lr, momentum=0.9, nesterov=True),
        "adam": lambda: nw.optim.Adam(lr=lr / 10),
        "rmsprop": lambda: nw.optim.RMSprop(lr=lr / 10, momentum=0.5, centered=True),
        "adagrad": lambda: nw.optim.Adagrad(lr=lr),
        "adamw": lambda: nw.optim.AdamW(lr=lr / 10, amsgrad=True),
    }[name]()


OPTIMIZER_NAMES = ["sgd", "momentum", "adam", "rmsprop", "adagrad", "adamw"]


def make(opt="momentum", ds=MOONS, sizes=(2, 6, 5, 1), dtype="float64", **kw):
    kw.setdefault("batch_size", 7)  # 96 = 13 * 7 + 5: a short last batch
    model = nw.MLP(list(sizes), kw.pop("activation", "tanh"), seed=0, dtype=dtype)
    return nw.Trainer(model, ds, optimizer=optimizer(opt), seed=kw.pop("seed", 3), **kw)


def copy_params(tr) -> dict[str, np.ndarray]:
    return {k: v.copy() for k, v in tr.model.params.items()}


def assert_params_equal(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for k in a:
        assert a[k].dtype == b[k].dtype, k
        assert np.array_equal(a[k], b[k]), f"{k} differs"


def assert_optimizer_equal(o1, o2) -> None:
    s1, s2 = o1.state_dict(), o2.state_dict()
    assert s1["name"] == s2["name"]
    assert s1["hyperparameters"] == s2["hyperparameters"]
    assert s1["steps"] == s2["steps"]
    assert s1["state"].keys() == s2["state"].keys()
    for key in s1["state"]:
        assert s1["state"][key].keys() == s2["state"][key].keys()
        for name in s1["state"][key]:
            assert np.array_equal(s1["state"][key][name], s2["state"][key][name]), (key, name)


def assert_history_equal(h1, h2) -> None:
    assert h1.names == h2.names
    assert len(h1) == len(h2)
    for name in h1.names:
        x1, y1 = h1.series(name, max_points=10**9)
        x2, y2 = h2.series(name, max_points=10**9)
        np.testing.assert_array_equal(x1, x2, err_msg=name)
        np.testing.assert_array_equal(y1, y2, err_msg=name)


def assert_same_run(t1, t2) -> None:
    """Two trainers in exactly the same state."""
    assert (t1.step_count, t1.epoch, t1._state.pos) == (t2.step_count, t2.epoch, t2._state.pos)
    assert (t1.base_lr, t1.lr, t1.batch_size, t1.l1, t1.l2) == (
        t2.base_lr,
        t2.lr,
        t2.batch_size,
        t2.l1,
        t2.l2,
    )
    assert_params_equal(t1.model.params, t2.model.params)
    assert_optimizer_equal(t1.optimizer, t2.optimizer)
    assert_history_equal(t1.history, t2.history)
    assert t1.diverged == t2.diverged


def steps(tr, n: int) -> None:
    for _ in range(n):
        assert tr._step(), tr.divergence


# ------------------------------------------------------------------ rewind


@pytest.mark.parametrize(
    "opt, shuffle", [(o, True) for o in OPTIMIZER_NAMES] + [("momentum", False)]
)
def test_rewind_to_a_step_and_replay_is_bit_for_bit(opt, shuffle):
    ref = make(opt, l1=1e-4, l2=1e-3, shuffle=shuffle)
    kept = [copy_params(ref)]
    for _ in range(60):
        steps(ref, 1)
        kept.append(copy_params(ref))
    tr = make(opt, l1=1e-4, l2=1e-3, shuffle=shuffle)
    steps(tr, 60)
    for target in (37, 14, 14, 0, 52, 60):
        snap = tr.rewind(step=target)
        assert snap.step == tr.step_count == target
        assert_params_equal(tr.model.params, kept[target])
        assert len(tr.history) == target
        assert len(tr.history.series("batch_loss", max_points=10**9)[0]) == target
        steps(tr, 60 - target)
        assert_same_run(tr, ref)


def test_rewind_with_a_schedule_restores_epoch_and_rate():
    def build():
        return make("adam", schedule=nw.schedules.StepLR(step_size=1, gamma=0.5))

    ref, tr = build(), build()
    ref.run(4)
    steps(ref, 3)
    tr.run(4)
    steps(tr, 3)
    rates = ref.history.series("lr", max_points=10**9)[1]
    assert len(set(rates.tolist())) == 5  # the schedule really changed the rate
    tr.rewind(epoch=1)
    assert tr.epoch == 1 and tr._state.pos == 0
    assert tr.step_count == tr.batches_per_epoch
    assert tr.lr == pytest.approx(0.005 * 0.5)
    tr.run(3)
    steps(tr, 3)
    assert_same_run(tr, ref)


def test_rewind_epoch_lands_on_the_end_of_that_epoch():
    ref = make()
    tr = make()
    ref.run(2)
    tr.run(5)
    steps(tr, 4)
    snap = tr.rewind(epoch=5)  # the current epoch: back to its start
    assert (snap.step, snap.epoch) == (5 * tr.batches_per_epoch, 5)
    snap = tr.rewind(epoch=2)
    assert (snap.step, snap.epoch, snap.batch_in_epoch) == (2 * tr.batches_per_epoch, 2, 0)
    assert_same_run(tr, ref)
    tr.rewind(epoch=0)
    assert tr.step_count == 0 and tr.epoch == 0
    assert_same_run(tr, make())


def test_rewind_restores_settings_and_replays_across_their_changes():
    def scripted(tr, stop_at=None):
        plan = [
            (5, lambda: setattr(tr, "lr", 0.2)),
            (9, lambda: tr.configure(batch_size=4)),
            (9, lambda: tr.configure(l1=1e-3)),
            (30, lambda: tr.configure(l2=0.01, optimizer="adam")),
            (31, lambda: setattr(tr, "lr", 0.003)),
        ]
        for at, change in plan:
            steps(tr, at - tr.step_count)
            change()
        steps(tr, 50 - tr.step_count)

    ref = make()
    scripted(ref)
    tr = make()
    scripted(tr)
    assert tr.base_lr == 0.003 and tr.optimizer.name == "adam"
    cps = [s for s, _ in tr.checkpoints]
    assert {0, 5, 9, 30, 31} <= set(cps)

    tr.rewind(step=7)  # after the lr change, before the batch size change
    assert (tr.base_lr, tr.batch_size, tr.l1, tr.l2) == (0.2, 7, 0.0, 0.0)
    assert tr.optimizer.name == "sgd" and tr.optimizer.momentum == 0.9
    tr.rewind(step=3)
    assert (tr.base_lr, tr.batch_size) == (0.05, 7)
    steps(tr, 2)
    tr.lr = 0.2  # replay the same changes by hand
    steps(tr, 4)
    tr.configure(batch_size=4, l1=1e-3)
    steps(tr, 21)
    tr.configure(l2=0.01, optimizer="adam")
    steps(tr, 1)
    tr.lr = 0.003
    steps(tr, 19)
    assert_same_run(tr, ref)

    tr.rewind(step=20)  # between two settings changes: replay from the one at 9
    assert (tr.base_lr, tr.batch_size, tr.l1) == (0.2, 4, 1e-3)
    steps(tr, 10)
    tr.configure(l2=0.01, optimizer="adam")
    steps(tr, 1)
    tr.lr = 0.003
    steps(tr, 19)
    assert_same_run(tr, ref)


def test_changing_settings_after_a_rewind_starts_a_new_branch():
    tr = make()
    steps(tr, 40)
    tr.rewind(step=12)
    tr.lr = 0.3
    steps(tr, 20)
    branch = copy_params(tr)
    other = make()
    steps(other, 12)
    other.lr = 0.3
    steps(other, 20)
    assert_same_run(tr, other)
    tr.rewind(step=20)  # on the new branch: from the checkpoint at 12 with lr 0.3
    assert tr.base_lr == 0.3
    steps(tr, 12)
    assert_params_equal(tr.model.params, branch)
    assert_same_run(tr, other)


def test_checkpoints_are_kept_at_step_zero_epoch_ends_and_settings_changes():
    tr = make()
    bpe = tr.batches_per_epoch
    assert tr.checkpoints == [(0, 0)]
    tr.run(2)
    steps(tr, 3)
    assert tr.checkpoints == [(0, 0), (bpe, 1), (2 * bpe, 2)]
    tr.lr = 0.01
    assert tr.checkpoints[-1] == (2 * bpe + 3, 2)
    tr.lr = 0.01  # the same value is no change
    tr.configure(l2=0.1)  # a second change at the same step replaces the checkpoint
    assert tr.checkpoints == [(0, 0), (bpe, 1), (2 * bpe, 2), (2 * bpe + 3, 2)]
    assert all(tr.can_rewind(s) for s in range(tr.step_count + 1))
    assert not tr.can_rewind(tr.step_count + 1) and not tr.can_rewind(-1)
    for step, epoch in tr.checkpoints:
        snap = tr.checkpoint_snapshot(step)
        assert (snap.step, snap.epoch) == (step, epoch)
    with pytest.raises(ValueError, match="step 5 has no kept checkpoint"):
        tr.checkpoint_snapshot(5)


def test_checkpoint_snapshot_shows_the_past_without_changing_the_trainer():
    tr = make()
    tr.run(1)
    at_epoch_end = copy_params(tr)
    steps(tr, 5)
    now = copy_params(tr)
    snap = tr.checkpoint_snapshot(tr.batches_per_epoch)
    assert_params_equal(dict(snap.params), at_epoch_end)
    assert_params_equal(tr.model.params, now)
    assert tr.step_count == tr.batches_per_epoch + 5


def test_rewind_refuses_bad_arguments_without_changing_anything():
    tr = make()
    steps(tr, 20)
    before = copy_params(tr)
    with pytest.raises(TypeError, match="exactly one"):
        tr.rewind()
    with pytest.raises(TypeError, match="exactly one"):
        tr.rewind(step=3, epoch=0)
    with pytest.raises(ValueError, match="step must be <= the current step 20, got 21"):
        tr.rewind(step=21)
    with pytest.raises(ValueError, match="step must be >= 0"):
        tr.rewind(step=-1)
    with pytest.raises(TypeError, match="step must be an int"):
        tr.rewind(step=2.0)
    with pytest.raises(TypeError, match="step must be an int"):
        tr.rewind(step=True)
    with pytest.raises(ValueError, match="epoch must be <= the current epoch 1, got 2"):
        tr.rewind(epoch=2)
    with pytest.raises(TypeError, match="epoch must be an int"):
        tr.rewind(epoch="1")
    assert tr.step_count == 20
    assert_params_equal(tr.model.params, before)
    assert len(tr.history) == 20


def test_unreachable_step_names_the_step_and_leaves_the_trainer_alone():
    # Room for two checkpoints: the settings checkpoint at 3 is thinned.
    tr = make(checkpoint_budget=1)
    steps(tr, 3)
    tr.lr = 0.1
    steps(tr, 3)
    tr.lr = 0.2
    assert tr.checkpoints == [(0, 0), (6, 0)]
    steps(tr, 4)
    before = copy_params(tr)
    assert not tr.can_rewind(5) and not tr.can_rewind(4)
    assert tr.can_rewind(3) and tr.can_rewind(0) and tr.can_rewind(8)
    with pytest.raises(ValueError, match="step 5 cannot be reached"):
        tr.rewind(step=5)
    assert tr.step_count == 10 and len(tr.history) == 10
    assert_params_equal(tr.model.params, before)
    tr.rewind(step=2)  # before the first change: exact replay from step 0
    ref = make()
    steps(ref, 2)
    assert_same_run(tr, ref)


def test_checkpoint_budget_thins_old_epochs_but_keeps_the_first_and_the_last():
    one = make(checkpoint_budget=10**9)
    per_checkpoint = one._checkpoints.nbytes()
    budget = 6 * per_checkpoint
    tr = make(checkpoint_budget=budget)
    ref = make()
    counts = []
    for _ in range(60):
        tr.run(1)
        counts.append(len(tr.checkpoints))
        assert tr.checkpoints[0] == (0, 0)
        assert tr.checkpoints[-1] == (tr.step_count, tr.epoch)
        assert tr._checkpoints.nbytes() <= budget
    assert max(counts) <= 6 and counts[-1] >= 3
    kept = [s for s, _ in tr.checkpoints]
    assert kept == sorted(kept)
    # Any step is still reachable (no setting changed); replay from a thinned region.
    middle = (kept[1] + kept[2]) // 2 + 1
    assert all(tr.can_rewind(s) for s in (0, 1, middle, tr.step_count))
    tr.rewind(step=middle)
    steps(ref, middle)
    assert_same_run(tr, ref)


def test_zero_budget_keeps_no_checkpoint_and_refuses_rewind():
    tr = make(checkpoint_budget=0)
    steps(tr, 5)
    assert tr.checkpoints == [] and not tr.can_rewind(0)
    with pytest.raises(ValueError, match="step 0 cannot be reached"):
        tr.rewind(step=0)
    assert tr.step_count == 5


def test_rewind_after_reset_only_reaches_the_new_run():
    tr = make()
    steps(tr, 30)
    tr.reset()
    assert tr.checkpoints == [(0, 0)] and tr.step_count == 0
    with pytest.raises(ValueError, match="got 10"):
        tr.rewind(step=10)
    steps(tr, 10)
    tr.rewind(step=4)
    ref = make()
    steps(ref, 4)
    assert_same_run(tr, ref)


# ------------------------------------------------------------------ save / load


def assert_continues_identically(build, before: int, after: int, tmp_path, change=None):
    """Run ``before`` steps, save; ``after`` more on the original == on the loaded copy."""
    tr = build()
    initial = copy_params(tr)
    steps(tr, before)
    if change is not None:
        change(tr)
    path = tr.save(tmp_path / "run.npz")
    assert path == tmp_path / "run.npz" and path.exists()
    loaded = nw.Trainer.load(path)
    assert_same_run(loaded, tr)
    assert loaded.checkpoints == [(tr.step_count, tr.epoch)]
    steps(tr, after)
    steps(loaded, after)
    assert_same_run(loaded, tr)
    assert loaded.evaluate() == tr.evaluate()
    loaded.reset()
    tr.reset()  # settings stay as they are, on both
    assert_params_equal(loaded.model.params, initial)
    assert loaded.step_count == 0 and len(loaded.history) == 0
    steps(tr, 5)
    steps(loaded, 5)
    assert_same_run(loaded, tr)
    return loaded


def test_save_after_two_epochs_and_load_continues_bit_for_bit(tmp_path):
    bpe = make().batches_per_epoch
    assert_continues_identically(make, 2 * bpe, 3 * bpe, tmp_path)


def test_save_mid_epoch_with_adam_and_load_continues_bit_for_bit(tmp_path):
    assert_continues_identically(lambda: make("adam"), 20, 50, tmp_path)


@pytest.mark.parametrize("opt", ["rmsprop", "adagrad", "adamw"])
def test_save_and_load_keep_each_optimizer_state(opt, tmp_path):
    assert_continues_identically(lambda: make(opt), 17, 25, tmp_path)


def test_save_and_load_float32(tmp_path):
    loaded = assert_continues_identically(lambda: make(dtype="float32"), 23, 40, tmp_path)
    assert all(v.dtype == np.float32 for v in loaded.model.params.values())


def test_save_and_load_regression(tmp_path):
    def build():
        return make("adam", ds=SINE, sizes=(1, 8, 1), batch_size=9)

    assert_continues_identically(build, 31, 40, tmp_path)


def test_save_and_load_multiclass(tmp_path):
    def build():
        return make("momentum", ds=BLOBS, sizes=(2, 8, 3), batch_size=8, l2=1e-3)

    loaded = assert_continues_identically(build, 25, 30, tmp_path)
    assert loaded.loss.name == "cross_entropy"


def test_save_and_load_after_a_setting_change_with_a_schedule(tmp_path):
    def build():
        return make("momentum", schedule=nw.schedules.StepLR(step_size=2, gamma=0.3))

    def change(tr):
        tr.lr = 0.17
        tr.configure(batch_size=5, l1=1e-3)

    bpe = make().batches_per_epoch
    loaded = assert_continues_identically(build, 2 * bpe + 3, 4 * bpe, tmp_path, change)
    assert loaded.schedule.config() == build().schedule.config()


def test_save_and_load_keep_a_divergence(tmp_path):
    tr = sine_diverging()
    while tr._step():
        pass
    loaded = nw.Trainer.load(tr.save(tmp_path / "diverged"))
    assert loaded.diverged and loaded.divergence == tr.divergence
    assert loaded.run_steps(3) == 0
    assert_same_run(loaded, tr)


@pytest.mark.parametrize(
    "labels",
    [
        ["cat", "dog", "cat", "bird"] * 10,
        np.array([True, False] * 20),
        np.array([b"no", b"yes"] * 20),
        [-3, 7] * 20,
        [2**62, 5] * 20,
        np.array([0.5, 1.5, 2.5, 3.5] * 10),  # regression
        np.arange(80).reshape(40, 2) * 0.5,  # regression, two outputs
    ],
)
def test_any_accepted_data_set_saves_and_loads(labels, tmp_path):
    X = np.random.default_rng(0).normal(size=(40, 3))
    ds = nw.Dataset.from_arrays(X, labels, seed=1)
    tr = nw.Trainer(nw.MLP([3, 4, ds.n_outputs], seed=0), ds, batch_size=6)
    steps(tr, 9)
    loaded = nw.Trainer.load(tr.save(tmp_path / "custom.npz"))
    assert_same_run(loaded, tr)
    if ds.classes is not None:
        np.testing.assert_array_equal(loaded.ds.classes, ds.classes)
        assert loaded.ds.classes.dtype == ds.classes.dtype
    np.testing.assert_array_equal(loaded.predict(X), tr.predict(X))


def test_labels_numpy_cannot_store_are_refused():
    X = np.random.default_rng(0).normal(size=(20, 2))
    with pytest.raises(ValueError, match="y labels must be numbers"):
        nw.Dataset.from_arrays(X, [10**30, 1] * 10)


def test_save_adds_the_npz_suffix_and_overwrites(tmp_path):
    tr = make()
    assert tr.save(tmp_path / "run") == tmp_path / "run.npz"
    steps(tr, 4)
    assert tr.save(tmp_path / "run.npz") == tmp_path / "run.npz"
    assert nw.Trainer.load(tmp_path / "run.npz").step_count == 4
    assert sorted(os.listdir(tmp_path)) == ["run.npz"]


def test_loaded_trainer_rewinds_within_its_own_checkpoints(tmp_path):
    tr = make()
    steps(tr, 10)
    loaded = nw.Trainer.load(tr.save(tmp_path / "run.npz"))
    with pytest.raises(ValueError, match="step 5 cannot be reached"):
        loaded.rewind(step=5)
    steps(loaded, 30)
    steps(tr, 30)
    loaded.rewind(step=25)
    tr.rewind(step=25)
    assert_same_run(loaded, tr)


# ------------------------------------------------------------------ bad files


def saved_file(tmp_path):
    tr = make()
    steps(tr, 9)
    return tr.save(tmp_path / "good.npz")


def arrays_of(path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}


def rewrite(path, arrays: dict, header: dict | None = None, raw_header: bytes | None = None):
    arrays = dict(arrays)
    if header is not None:
        raw_header = json.dumps(header).encode()
    if raw_header is not None:
        arrays["header"] = np.frombuffer(raw_header, dtype=np.uint8)
    np.savez(path, **arrays)
    return path


def header_of(arrays) -> dict:
    return json.loads(arrays["header"].tobytes().decode())


def load_fails(path, exc=ValueError, match=None):
    with pytest.raises(exc, match=match) as info:
        nw.Trainer.load(path)
    assert str(path) in str(info.value)
    return str(info.value)


class _Exploit:
    def __reduce__(self):
        return (exec, ("import builtins; builtins._nnw_unpickled = True",))


def test_object_arrays_are_refused_not_unpickled(tmp_path):
    good = saved_file(tmp_path)
    arrays = arrays_of(good)
    evil = np.empty(1, dtype=object)
    evil[0] = _Exploit()
    arrays["params/W0"] = evil
    path = tmp_path / "evil.npz"
    np.savez(path, **arrays)  # np.savez pickles object arrays
    load_fails(path, ValueError, "not a readable nnwidgets save file")
    assert not hasattr(builtins, "_nnw_unpickled")


@pytest.mark.parametrize("fraction", [0.0, 0.01, 0.3, 0.5, 0.9, 0.999])
def test_truncated_file_is_refused(tmp_path, fraction):
    data = saved_file(tmp_path).read_bytes()
    path = tmp_path / "truncated.npz"
    path.write_bytes(data[: int(len(data) * fraction)])
    load_fails(path)


def test_corrupted_bytes_are_refused(tmp_path):
    good = saved_file(tmp_path)
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as zf:
        info = zf.getinfo("params/W0.npy")
    start = info.header_offset + 30 + len(info.filename) + 200  # inside the stored data
    for i in range(start, start + 16):
        data[i] ^= 0xFF
    path = tmp_path / "flipped.npz"
    path.write_bytes(bytes(data))
    load_fails(path)


def test_header_that_is_not_json_is_refused(tmp_path):
    arrays = arrays_of(saved_file(tmp_path))
    path = rewrite(tmp_path / "bad.npz", arrays, raw_header=b"{not json")
    load_fails(path, match="corrupt header")
    path = rewrite(tmp_path / "bad.npz", arrays, raw_header=b"\xff\xfe\x00")
    load_fails(path, match="corrupt header")
    path = rewrite(tmp_path / "bad.npz", arrays, raw_header=b"[1, 2]")
    load_fails(path, match="not an nnwidgets save file")


def test_wrong_format_version_is_refused(tmp_path):
    arrays = arrays_of(saved_file(tmp_path))
    header = header_of(arrays)
    assert header["version"] == checkpoint_module.FORMAT_VERSION
    header["version"] = 999
    msg = load_fails(rewrite(tmp_path / "future.npz", arrays, header), match="version 999")
    assert f"reads version {checkpoint_module.FORMAT_VERSION}" in msg
    header["version"] = 1
    header["format"] = "something-else"
    load_fails(rewrite(tmp_path / "other.npz", arrays, header), match="not an nnwidgets")


def test_inconsistent_contents_are_refused(tmp_path):
    arrays = arrays_of(saved_file(tmp_path))
    header = header_of(arrays)
    no_state = {k: v for k, v in header.items() if k != "state"}
    load_fails(rewrite(tmp_path / "a.npz", arrays, no_state), match="inconsistent")
    missing = {k: v for k, v in arrays.items() if k != "params/W1"}
    load_fails(rewrite(tmp_path / "b.npz", missing), match="inconsistent")
    wrong_shape = {**arrays, "params/W0": np.zeros((3, 3))}
    load_fails(rewrite(tmp_path / "c.npz", wrong_shape), match="shape")
    no_data = {k: v for k, v in arrays.items() if k != "data/X_train"}
    load_fails(rewrite(tmp_path / "d.npz", no_data), match="X_train")


def test_foreign_and_non_archive_files_are_refused(tmp_path):
    rng = np.random.default_rng(0)
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, a=rng.normal(size=(3, 4)), b=rng.integers(0, 9, 5))
    load_fails(foreign, match="no header")
    text = tmp_path / "notes.npz"
    text.write_text("hello, not a zip file\n")
    load_fails(text, match="not an .npz archive")
    empty = tmp_path / "empty.npz"
    empty.write_bytes(b"")
    load_fails(empty)
    npy = tmp_path / "array.npy"
    np.save(npy, np.arange(5))
    load_fails(npy)
    zf_path = tmp_path / "plain.zip"
    with zipfile.ZipFile(zf_path, "w") as zf:
        zf.writestr("readme.txt", "hi")
    load_fails(zf_path)
    load_fails(tmp_path, ValueError)  # a folder
    load_fails(tmp_path / "missing.npz", FileNotFoundError, "does not exist")


def test_dashboard_load_failure_keeps_the_current_trainer(tmp_path):
    tr = make()
    dash = nw.Dashboard(tr)
    steps(tr, 6)
    before = copy_params(tr)
    bad = tmp_path / "bad.npz"
    bad.write_text("garbage")
    future = tmp_path / "future.npz"
    arrays = arrays_of(saved_file(tmp_path))
    rewrite(future, arrays, {**header_of(arrays), "version": 999})
    for path in (bad, future, tmp_path / "missing.npz", tmp_path):
        dash.controls.path.value = str(path)
        dash.controls.load.click()  # no exception
        assert str(path) in dash.controls.message.value
        assert dash.trainer is tr and dash.runner.trainer is tr
        assert tr.step_count == 6
        assert_params_equal(tr.model.params, before)
    dash.controls.path.value = str(tmp_path / "ok.npz")
    dash.controls.save.click()
    assert "Saved step 6" in dash.controls.message.value
    steps(tr, 3)
    dash.controls.load.click()
    assert "Loaded" in dash.controls.message.value
    assert dash.trainer is not tr and dash.trainer.step_count == 6
    assert_params_equal(dash.trainer.model.params, before)


def test_failed_save_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    tr = make()
    steps(tr, 5)
    path = tr.save(tmp_path / "run.npz")
    original = path.read_bytes()
    steps(tr, 5)
    real_savez = np.savez

    def failing_savez(file, **arrays):
        buf = io.BytesIO()
        real_savez(buf, **arrays)
        file.write(buf.getvalue()[: len(buf.getvalue()) // 2])  # half written, then the disk fills
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(checkpoint_module.np, "savez", failing_savez)
    with pytest.raises(OSError, match="No space left"):
        tr.save(path)
    assert path.read_bytes() == original
    assert sorted(os.listdir(tmp_path)) == ["run.npz"]
    dash = nw.Dashboard(tr)
    dash.controls.path.value = str(path)
    dash.controls.save.click()  # shown, not raised
    assert "No space left" in dash.controls.message.value
    assert path.read_bytes() == original
    assert sorted(os.listdir(tmp_path)) == ["run.npz"]
    monkeypatch.undo()
    assert nw.Trainer.load(path).step_count == 5
    tr.save(path)
    assert nw.Trainer.load(path).step_count == 10


def test_interrupted_save_leaves_no_temporary_file(tmp_path, monkeypatch):
    tr = make()

    def interrupted(file, **arrays):
        file.write(b"PK\x03\x04partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(checkpoint_module.np, "savez", interrupted)
    with pytest.raises(KeyboardInterrupt):
        tr.save(tmp_path / "run.npz")
    assert os.listdir(tmp_path) == []


# ------------------------------------------------------------------ divergence


def sine_diverging(momentum=0.0):
    model = nw.MLP([1, 16, 16, 1], activation="relu", init="he", seed=0)
    opt = nw.optim.SGD(lr=10.0, momentum=momentum)
    return nw.Trainer(model, SINE, optimizer=opt, batch_size=10)


def moons_diverging():
    model = nw.MLP([2, 8, 8, 1], activation="relu", init="he", seed=0)
    return nw.Trainer(model, MOONS, optimizer=nw.optim.SGD(lr=1e4), batch_size=10)


DIVERGING = {
    "sine": sine_diverging,
    "sine-momentum": lambda: sine_diverging(0.9),
    "moons": moons_diverging,
}


def run_until_diverged(tr, limit=500):
    kept = [copy_params(tr)]
    opt_states = [tr.optimizer.state_dict()]
    for _ in range(limit):
        if not tr._step():
            return kept, opt_states
        kept.append(copy_params(tr))
        opt_states.append(tr.optimizer.state_dict())
    raise AssertionError(f"no divergence within {limit} steps")


@pytest.mark.parametrize("name", sorted(DIVERGING))
def test_divergence_keeps_the_last_good_weights_and_refuses_steps(name):
    tr = DIVERGING[name]()
    kept, opt_states = run_until_diverged(tr)
    assert tr.diverged and "diverged at" in tr.divergence
    n = tr.step_count
    assert n < len(kept)
    assert_params_equal(tr.model.params, kept[n])
    assert all(np.isfinite(v).all() for v in tr.model.params.values())
    ref_opt = nw.optim.from_state_dict(opt_states[n])
    assert_optimizer_equal(tr.optimizer, ref_opt)
    assert len(tr.history) == n
    assert tr.history.epochs.count == tr.epoch + 1
    for call in (tr.step, tr.step_epoch, lambda: tr.run(1)):
        snap = call()
        assert snap.diverged and snap.step == n
    assert tr.run_steps(5) == 0
    assert_params_equal(tr.model.params, kept[n])
    tr.lr = tr.base_lr  # the same rate is no new attempt
    assert tr.diverged


@pytest.mark.parametrize("name", sorted(DIVERGING))
def test_lower_lr_after_divergence_continues_from_the_last_good_weights(name):
    tr = DIVERGING[name]()
    run_until_diverged(tr)
    n = tr.step_count
    ref = DIVERGING[name]()
    steps(ref, n)
    tr.lr = ref.lr = 1e-3
    assert not tr.diverged
    steps(tr, 20)
    steps(ref, 20)
    assert_same_run(tr, ref)


@pytest.mark.parametrize("name", sorted(DIVERGING))
def test_rewind_and_reset_clear_a_divergence(name):
    tr = DIVERGING[name]()
    run_until_diverged(tr)
    tr.rewind(step=0)
    assert not tr.diverged and tr.step_count == 0
    assert_same_run(tr, DIVERGING[name]())
    run_until_diverged(tr)
    tr.reset()
    assert not tr.diverged
    assert_same_run(tr, DIVERGING[name]())
    assert tr._step()


def test_settings_change_just_before_a_divergence_does_not_crash():
    # Each change comes between the last good step and the one that diverges.
    changes = {
        "optimizer by name": lambda tr: tr.configure(optimizer="adam"),
        "optimizer instance": lambda tr: tr.configure(optimizer=nw.optim.RMSprop(lr=1.0)),
        "batch size": lambda tr: tr.configure(batch_size=3),
        "penalty": lambda tr: tr.configure(l2=0.1),
        "lr": lambda tr: setattr(tr, "lr", 20.0),
    }
    kept = run_until_diverged(sine_diverging())[0]
    for label, change in changes.items():
        tr = sine_diverging()
        steps(tr, len(kept) - 1)
        change(tr)
        opt_before = tr.optimizer.state_dict()
        snap = tr.step()  # refused, never an exception
        assert snap.diverged, label
        assert_params_equal(tr.model.params, kept[tr.step_count])
        if label.startswith("optimizer"):  # the new optimizer is as it was
            assert_optimizer_equal(tr.optimizer, nw.optim.from_state_dict(opt_before))
        assert len(tr.history) == tr.step_count, label
        tr.lr = 1e-4
        steps(tr, 4)
        now = copy_params(tr)
        tr.rewind(step=tr.step_count - 3)
        steps(tr, 3)
        assert_params_equal(tr.model.params, now)


def test_checkpoint_count_is_bounded_and_keeps_first_and_last():
    ds = nw.datasets.moons(n_samples=40, noise=0.2, seed=0)
    tr = nw.Trainer(nw.MLP([2, 3, 1], seed=0), ds, batch_size=20)
    tr.run(2000)  # 2000 epoch ends, each a few hundred bytes: far under the byte budget
    steps = [s for s, _ in tr.checkpoints]
    assert len(steps) <= tr._checkpoints.max_count
    assert steps[0] == 0 and steps[-1] == tr.step_count
    assert steps == sorted(steps)
    target = steps[len(steps) // 2] + 1  # between two kept checkpoints: replayed exactly
    ref = {k: v.copy() for k, v in tr.model.params.items()}
    n = tr.step_count
    tr.rewind(step=target)
    tr.run_steps(n - target)
    for k, v in ref.items():
        np.testing.assert_array_equal(tr.model.params[k], v)


def test_weights_of_another_dtype_are_refused_by_name(tmp_path):
    """A float32 model's file with float64 weights beyond float32's range: refused with
    the array's name, not loaded through numpy's overflow-on-cast warning."""
    tr = make(dtype="float32")
    steps(tr, 3)
    arrays = arrays_of(tr.save(tmp_path / "f32.npz"))
    arrays["params/W1"] = np.full(arrays["params/W1"].shape, 1e300)
    path = rewrite(tmp_path / "f64-weights.npz", arrays)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning on the way to the refusal
        message = load_fails(path, ValueError, "params/W1 has dtype float64, expected float32")
    assert "inconsistent" in message


def test_class_labels_that_are_not_integers_are_refused_by_name(tmp_path):
    arrays = arrays_of(saved_file(tmp_path))
    arrays["data/y_train"] = arrays["data/y_train"].astype(float)
    arrays["data/y_train"][0] = np.nan
    path = rewrite(tmp_path / "float-labels.npz", arrays)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # refused before any cast warns
        load_fails(path, ValueError, "y_train must hold integer class labels")
