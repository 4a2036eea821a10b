"""Property tests: any input is either accepted (and valid) or refused with a clear
ValueError/TypeError before anything changes; dashboard controls never raise."""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from widget_log import widget_log

import nnwidgets as nw
from nnwidgets.core.activations import ACTIVATIONS
from nnwidgets.core.datasets import _as_features
from nnwidgets.core.optim import OPTIMIZERS
from nnwidgets.widgets.controls import PENALTY_RATES

MOONS = nw.datasets.moons(n_samples=60, noise=0.15, seed=0)
# NNW_FAST, NNW_SLOW and NNW_DASH set the example counts (higher for a long local hunt).
FAST = settings(
    max_examples=int(os.environ.get("NNW_FAST", 400)),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
SLOW = settings(
    max_examples=int(os.environ.get("NNW_SLOW", 150)),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)

# Anything a user might pass where a number, a name or a flag is expected.
ANY = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(),
    st.integers(min_value=10**300, max_value=10**400),  # too large for a float
    st.integers(min_value=-(10**400), max_value=-(10**300)),
    st.floats(width=32).map(np.float32),
    st.integers(-(2**63), 2**63 - 1).map(np.int64),
    st.text(max_size=8),
    st.none(),
    st.booleans(),
    st.lists(st.integers(-3, 3), max_size=2),
    st.sampled_from([np.nan, np.inf, -np.inf, 0, 0.0, -0.0, 1e-320, 1e308, np.bool_(True)]),
)


def mostly(valid, bad=ANY):
    """``valid`` about four times in five, otherwise ``bad``."""
    return st.integers(0, 4).flatmap(lambda i: valid if i else bad)


def refused_cleanly(exc: BaseException) -> None:
    assert isinstance(exc, ValueError | TypeError), f"{type(exc).__name__}: {exc}"
    assert str(exc).strip(), f"{type(exc).__name__} without a message"


def call(fn, *args, **kwargs):
    """(result, None) or (None, exception); only ValueError/TypeError may be raised."""
    try:
        result = fn(*args, **kwargs)
    except Exception as exc:  # checked here so that hypothesis shows the input
        refused_cleanly(exc)
        if currently_in_test_context():
            event(f"refused with {type(exc).__name__}")
        return None, exc
    if currently_in_test_context():
        event("accepted")
    return result, None


def is_int(v, low=None) -> bool:
    ok = isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_)
    return ok and (low is None or v >= low)


def is_real(v) -> bool:
    return isinstance(v, int | float | np.integer | np.floating) and not isinstance(
        v, bool | np.bool_
    )


def finite_at_least(v, low: float, strict: bool = False) -> bool:
    if not is_real(v):
        return False
    try:
        f = float(v)
    except OverflowError:
        return False
    return math.isfinite(f) and (f > low if strict else f >= low)


def fingerprint(tr) -> tuple:
    """Everything a refused input must leave alone."""
    opt = tr.optimizer.state_dict()
    return (
        tuple((k, v.dtype.str, v.shape, v.tobytes()) for k, v in tr.model.params.items()),
        tr.step_count,
        tr.epoch,
        tr._state.pos,
        tr.base_lr,
        tr.batch_size,
        tr.l1,
        tr.l2,
        tr.divergence,
        id(tr.optimizer),
        opt["name"],
        json.dumps(opt["hyperparameters"], sort_keys=True),
        opt["steps"],
        tuple((k, n, a.tobytes()) for k, s in sorted(opt["state"].items()) for n, a in s.items()),
        len(tr.history),
        tuple(tr.checkpoints),
        tr.model.task,
    )


def trained(opt="adam", steps=7):
    model = nw.MLP([2, 5, 1], "tanh", seed=0)
    tr = nw.Trainer(model, MOONS, optimizer=opt, batch_size=6, seed=1)
    tr.run_steps(steps)
    return tr


# ------------------------------------------------------------------ Dataset.from_arrays

DTYPES = ["float64", "float32", "int64", "int8", "uint8", "bool", "complex128", "<U3"]


def elements(dtype: str):
    if dtype.startswith("float"):
        return st.floats(allow_nan=True, allow_infinity=True, width=int(dtype[5:]))
    return None  # hypothesis' default for the dtype


@st.composite
def array_like(draw, n: int):
    """An array or list, usually with ``n`` rows, sometimes not."""
    rows = draw(mostly(st.just(n), st.integers(0, 6)))
    kind = draw(st.sampled_from(["good"] * 6 + ["array", "list", "ragged", "object", "scalar"]))
    if kind == "good":  # finite floats, 2-D
        cols = draw(st.integers(1, 3))
        return draw(hnp.arrays(np.float64, (rows, cols), elements=st.floats(-1e3, 1e3)))
    if kind == "scalar":
        return draw(ANY)
    if kind == "ragged":
        return draw(
            st.lists(st.lists(st.one_of(st.floats(), st.integers()), max_size=3), max_size=6)
        )
    if kind == "object":
        arr = np.empty(rows, dtype=object)
        for i in range(rows):
            arr[i] = draw(st.one_of(st.integers(), st.floats(), st.text(max_size=2), st.none()))
        return arr
    dtype = draw(st.sampled_from(DTYPES))
    ndim = draw(st.sampled_from([1, 2, 2, 2, 3, 0]))
    shape = () if ndim == 0 else (rows, *draw(st.lists(st.integers(0, 3), min_size=ndim - 1,
                                                            max_size=ndim - 1)))  # fmt: skip
    arr = draw(hnp.arrays(np.dtype(dtype), shape, elements=elements(dtype)))
    return arr.tolist() if kind == "list" else arr


@st.composite
def labels(draw, n: int):
    """Targets that are often valid: 0/1, small ints, floats or strings."""
    pick = draw(st.sampled_from(["01", "ints", "floats", "strings", "other"]))
    if pick == "01":
        return np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    if pick == "ints":
        return draw(st.lists(st.integers(-1, 4), min_size=n, max_size=n))
    if pick == "floats":
        return np.array(draw(st.lists(st.floats(allow_nan=True), min_size=n, max_size=n)))
    if pick == "strings":
        return draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=n, max_size=n))
    return draw(array_like(n))


def snapshot_of_input(obj):
    if isinstance(obj, np.ndarray):
        return ("array", obj.dtype.str, obj.shape, obj.tobytes() if obj.dtype != object else None)
    return ("other", repr(obj))


@FAST
@given(data=st.data())
def test_from_arrays_accepts_valid_data_or_refuses_cleanly(data):
    n = data.draw(st.integers(0, 12), label="n")
    X = data.draw(array_like(n), label="X")
    y = data.draw(labels(n), label="y")
    task = data.draw(mostly(st.none(), st.sampled_from([*nw.core.datasets.TASKS, "x", 1])))
    test_fraction = data.draw(mostly(st.floats(0, 0.6)), label="test_fraction")
    seed = data.draw(mostly(st.integers(0, 5)), label="seed")
    standardize = data.draw(mostly(st.booleans()), label="standardize")
    before = (snapshot_of_input(X), snapshot_of_input(y))
    ds, exc = call(
        nw.Dataset.from_arrays,
        X,
        y,
        task=task,
        test_fraction=test_fraction,
        seed=seed,
        standardize=standardize,
    )
    assert (snapshot_of_input(X), snapshot_of_input(y)) == before  # inputs untouched
    if exc is not None:
        return
    assert ds.task in nw.core.datasets.TASKS
    assert ds.X_train.dtype == np.float64 and ds.X_train.ndim == 2
    assert np.isfinite(ds.X_train).all() and np.isfinite(ds.X_test).all()
    assert ds.n_train >= 1 and ds.n_train + ds.n_test == len(_as_features(X))
    assert len(ds.y_train) == ds.n_train and len(ds.y_test) == ds.n_test
    if ds.task == "regression":
        assert np.isfinite(ds.y_train).all()
    else:
        assert ds.y_train.dtype == np.int64
        assert 0 <= ds.y_train.min() and ds.y_train.max() < ds.n_classes
        assert ds.classes is None or ds.classes.dtype != object
    assert is_int(seed, 0) or seed is None
    assert finite_at_least(test_fraction, 0.0) and float(test_fraction) < 1


@pytest.mark.parametrize("big", [1e308, 1.7e308, -1e308])
def test_from_arrays_with_huge_finite_values_stays_finite_or_is_refused(big):
    X = np.array([[big, 1.0], [-big, 2.0], [big, 3.0], [0.5, 4.0], [big, 5.0]])
    ds, exc = call(nw.Dataset.from_arrays, X, [0, 1, 0, 1, 1], test_fraction=0.2)
    if exc is None:
        assert np.isfinite(ds.X_train).all() and np.isfinite(ds.X_test).all()
        assert np.isfinite(ds.mean).all() and np.isfinite(ds.std).all()


@pytest.mark.parametrize(
    "y", [[0.0, 8.57e9], [0, 1, 2, 10**12], [0.0, 1e300], np.array([0, 2**63 - 1], dtype=np.uint64)]
)
def test_multiclass_labels_far_beyond_the_samples_are_refused(y):
    X = np.zeros((len(y), 1))
    with pytest.raises(ValueError, match="k at most the number of samples"):
        nw.Dataset.from_arrays(X, y, task="multiclass", test_fraction=0.0)


# ------------------------------------------------------------------ MLP

SIZE = st.one_of(
    st.integers(-3, 12),
    st.integers(-3, 12).map(np.int64),
    st.floats(-3, 12),
    st.booleans(),
    st.text(max_size=2),
    st.none(),
)
NAME = st.one_of(st.sampled_from(sorted(ACTIVATIONS)), st.text(max_size=8), ANY)


@FAST
@given(
    sizes=mostly(
        st.lists(st.integers(1, 6), min_size=2, max_size=4),
        st.one_of(st.lists(SIZE, max_size=5), st.tuples(SIZE, SIZE), ANY),
    ),
    activation=mostly(st.sampled_from(sorted(ACTIVATIONS)), st.one_of(NAME, st.lists(NAME))),
    init=mostly(st.sampled_from(["xavier", "he", "normal", "zeros"]), st.text(max_size=6)),
    seed=mostly(st.integers(0, 9)),
    dtype=mostly(st.sampled_from(["float32", "float64"]), st.one_of(st.just("float16"), ANY)),
    task=mostly(st.one_of(st.none(), st.sampled_from(["regression", "binary", "multiclass"]))),
)
def test_mlp_accepts_valid_arguments_or_refuses_cleanly(sizes, activation, init, seed, dtype, task):
    model, exc = call(
        nw.MLP, sizes, activation=activation, init=init, seed=seed, dtype=dtype, task=task
    )
    if exc is not None:
        return
    assert len(model.sizes) >= 2 and all(is_int(s, 1) for s in sizes)
    assert all(name in ACTIVATIONS for name in model.activation_names)
    assert len(model.activation_names) == len(model.sizes) - 2
    for i in range(model.n_layers):
        W, b = model.params[f"W{i}"], model.params[f"b{i}"]
        assert W.shape == (model.sizes[i], model.sizes[i + 1]) and b.shape == (model.sizes[i + 1],)
        assert W.dtype == b.dtype == model.dtype and model.dtype.name in ("float32", "float64")
        assert np.isfinite(W).all() and np.isfinite(b).all()


# ------------------------------------------------------------------ Trainer arguments


@FAST
@given(
    batch_size=mostly(st.integers(1, 50)),
    l1=mostly(st.floats(0, 1)),
    l2=mostly(st.floats(0, 1)),
    lr=mostly(st.floats(1e-4, 1)),
    extra=st.sampled_from(["none", "optimizer", "loss", "seed", "shuffle", "budget", "factor"]),
    value=ANY,
)
def test_trainer_accepts_valid_arguments_or_refuses_cleanly(batch_size, l1, l2, lr, extra, value):
    model = nw.MLP([2, 4, 1], seed=0)
    params = {k: v.copy() for k, v in model.params.items()}
    kwargs = {"batch_size": batch_size, "l1": l1, "l2": l2}
    opt, exc = call(nw.optim.SGD, lr=lr)
    if exc is not None:
        assert not finite_at_least(lr, 0.0, strict=True)
        opt = nw.optim.SGD(lr=0.1)
    else:
        assert finite_at_least(lr, 0.0, strict=True) and opt.lr == float(lr)
    key = {
        "optimizer": "optimizer",
        "loss": "loss",
        "seed": "seed",
        "shuffle": "shuffle",
        "budget": "checkpoint_budget",
        "factor": "divergence_factor",
    }.get(extra)
    if key is not None:
        kwargs[key] = value
    kwargs.setdefault("optimizer", opt)
    tr, exc = call(nw.Trainer, model, MOONS, **kwargs)
    if exc is not None:
        assert model.task is None  # the model is untouched
        assert all(np.array_equal(params[k], v) for k, v in model.params.items())
        return
    assert is_int(batch_size, 1) and tr.batch_size == batch_size
    assert finite_at_least(l1, 0.0) and finite_at_least(l2, 0.0)
    assert (tr.l1, tr.l2) == (float(l1), float(l2))
    assert math.isfinite(tr.lr) and tr.lr > 0
    tr.run_steps(3)  # an accepted trainer trains
    assert all(np.isfinite(v).all() for v in tr.model.params.values()) or tr.diverged


# ------------------------------------------------------------------ settings of a live trainer

OPTIMIZER_ARG = st.one_of(
    st.sampled_from(sorted(OPTIMIZERS)),
    st.sampled_from(["ADAM", "Sgd", "adam ", "", "lbfgs"]),
    st.builds(lambda lr: nw.optim.Adam(lr=lr), st.floats(1e-4, 1)),
    ANY,
)


@FAST
@given(
    opt=st.sampled_from(["sgd", "adam", "rmsprop"]),
    diverged=st.booleans(),
    lr=st.one_of(st.floats(1e-4, 10), ANY),
)
def test_setting_lr_is_accepted_or_refused_without_a_change(opt, diverged, lr):
    tr = trained(opt)
    if diverged:
        tr.divergence = "diverged at step 7: test"
    before = fingerprint(tr)
    _, exc = call(setattr, tr, "lr", lr)
    if exc is not None:
        assert not finite_at_least(lr, 0.0, strict=True)
        assert fingerprint(tr) == before
        return
    assert finite_at_least(lr, 0.0, strict=True) and tr.base_lr == float(lr)
    assert tr.diverged == (diverged and float(lr) == before[4])


@FAST
@given(
    batch_size=mostly(st.one_of(st.none(), st.integers(1, 60))),
    l1=mostly(st.one_of(st.none(), st.floats(0, 1))),
    l2=mostly(st.one_of(st.none(), st.floats(0, 1))),
    optimizer=mostly(st.none(), OPTIMIZER_ARG),
)
def test_configure_applies_all_or_nothing(batch_size, l1, l2, optimizer):
    tr = trained()
    before = fingerprint(tr)
    base_lr = tr.base_lr
    _, exc = call(tr.configure, batch_size=batch_size, l1=l1, l2=l2, optimizer=optimizer)
    if exc is not None:
        assert fingerprint(tr) == before
        return
    assert batch_size is None or (is_int(batch_size, 1) and tr.batch_size == batch_size)
    assert l1 is None or (finite_at_least(l1, 0.0) and tr.l1 == float(l1))
    assert l2 is None or (finite_at_least(l2, 0.0) and tr.l2 == float(l2))
    if isinstance(optimizer, str):
        assert tr.optimizer.name == optimizer.lower() and tr.base_lr == base_lr
    elif optimizer is not None:
        assert tr.optimizer is optimizer and tr.base_lr == optimizer.lr
    assert tr.run_steps(2) == 2 or tr.diverged


@SLOW
@given(
    call_name=st.sampled_from(["rewind_step", "rewind_epoch", "run", "run_steps", "reset"]),
    value=st.one_of(st.integers(-2, 40), ANY),
)
def test_trainer_methods_refuse_bad_arguments_without_a_change(call_name, value):
    tr = trained(steps=20)
    before = fingerprint(tr)
    fn = {
        "rewind_step": lambda v: tr.rewind(step=v),
        "rewind_epoch": lambda v: tr.rewind(epoch=v),
        "run": lambda v: tr.run(v) if not is_int(v) or v <= 3 else None,
        "run_steps": lambda v: tr.run_steps(v) if not is_int(v) or v <= 50 else None,
        "reset": lambda v: tr.reset(v),
    }[call_name]
    _, exc = call(fn, value)
    if exc is not None:
        assert fingerprint(tr) == before


# ------------------------------------------------------------------ corrupt save files


@pytest.fixture(scope="module")
def good_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("saved")
    binary = trained("adam", steps=13)
    blobs = nw.datasets.gaussians(n_samples=50, n_classes=3, seed=0)
    model = nw.MLP([2, 4, 3], "relu", seed=0, dtype="float32")
    opt = nw.optim.SGD(lr=0.1, momentum=0.9)
    schedule = nw.schedules.StepLR(step_size=1, gamma=0.5)
    multi = nw.Trainer(model, blobs, optimizer=opt, batch_size=7, l2=0.01, schedule=schedule)
    multi.run_steps(15)
    return [binary.save(folder / "binary.npz"), multi.save(folder / "multi.npz")]


JSON = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.integers(10**300, 10**400),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=6),
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=6,
)


def paths_in(obj, prefix=()):
    """Every key path into a JSON object."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield (*prefix, k)
            yield from paths_in(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield (*prefix, i)
            yield from paths_in(v, (*prefix, i))


@SLOW
@given(data=st.data())
def test_corrupt_header_values_are_refused_or_load_a_working_trainer(good_files, data):
    good_file = data.draw(st.sampled_from(good_files), label="file")
    with np.load(good_file, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    header = json.loads(arrays["header"].tobytes().decode())
    paths = sorted(paths_in(header), key=repr)
    for _ in range(data.draw(st.integers(1, 3), label="n_changes")):
        where = data.draw(st.sampled_from(paths), label="where")
        node = header
        try:
            for k in where[:-1]:
                node = node[k]
            node[where[-1]] = data.draw(JSON, label="value")
        except (KeyError, IndexError, TypeError):
            pass  # an earlier change replaced the parent
    arrays["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    load_refused_or_working(arrays)


def load_refused_or_working(arrays: dict) -> None:
    """Save ``arrays`` as a trainer file and load it: either a ValueError naming the
    file, or a trainer that works."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mutated.npz"
        np.savez(path, **arrays)
        tr, exc = call(nw.Trainer.load, path)
        if exc is not None:
            assert isinstance(exc, ValueError) and str(path) in str(exc)
            return
        check_works(tr, tmp)


def check_works(tr, tmp: str) -> None:
    """A loaded trainer must work, not fail later."""
    tr.step()
    tr.evaluate()
    tr.snapshot().status_line()
    for name in tr.history.names:
        tr.history.series(name)
    tr.rewind(step=tr.step_count)
    tr.save(Path(tmp) / "again.npz")


@SLOW
@given(data=st.data())
def test_replaced_arrays_are_refused_or_load_a_working_trainer(good_files, data):
    good_file = data.draw(st.sampled_from(good_files), label="file")
    with np.load(good_file, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    key = data.draw(st.sampled_from(sorted(k for k in arrays if k != "header")), label="key")
    old = arrays[key]
    dtype = data.draw(st.sampled_from([old.dtype.str, "<f8", "<f4", "<i8", "|b1", "<U2"]))
    shape = data.draw(
        st.one_of(
            st.just(old.shape),
            hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5),
            st.just((*old.shape[:-1], old.shape[-1] + 1) if old.ndim else (2,)),
        ),
        label="shape",
    )
    arrays[key] = data.draw(hnp.arrays(np.dtype(dtype), shape), label="new")
    load_refused_or_working(arrays)


# ------------------------------------------------------------------ dashboard controls


def is_error(dash) -> bool:
    return "nnw-error" in dash.controls.message.value


SAFE_PATH = st.text(
    alphabet=st.characters(blacklist_characters="/\\", blacklist_categories=["Cs"]), max_size=12
).filter(lambda s: ".." not in s and not s.startswith("~"))

EVENTS = st.one_of(
    st.tuples(st.just("lr"), st.floats(allow_nan=True, allow_infinity=True)),
    st.tuples(st.just("batch_size"), st.integers(-(10**20), 10**20)),
    st.tuples(st.just("stop_after"), st.integers(-(10**20), 10**20)),
    st.tuples(st.just("opt_arg"), st.floats(allow_nan=True, allow_infinity=True)),
    st.tuples(st.just("optimizer"), st.sampled_from(sorted(OPTIMIZERS))),
    st.tuples(st.just("l1"), st.sampled_from(PENALTY_RATES)),
    st.tuples(st.just("l2"), st.sampled_from(PENALTY_RATES)),
    st.tuples(st.just("path_save"), SAFE_PATH),
    st.tuples(st.just("path_load"), SAFE_PATH),
    st.tuples(st.just("scrub"), st.integers(0, 10)),
    st.tuples(st.just("button"), st.sampled_from(["step", "epoch", "reset", "rewind"])),
)


@settings(
    max_examples=int(os.environ.get("NNW_DASH", 60)),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(events=st.lists(EVENTS, min_size=1, max_size=12))
def test_dashboard_controls_never_raise_and_refusals_change_nothing(events):
    model = nw.MLP([2, 5, 1], "tanh", seed=0)
    tr = nw.Trainer(model, MOONS, optimizer=nw.optim.SGD(lr=0.1), batch_size=6)
    dash = nw.Dashboard(tr, views=("loss",))
    c = dash.controls
    with tempfile.TemporaryDirectory() as tmp, contextlib.chdir(tmp), widget_log() as logged:
        for kind, value in events:
            before, trainer_before = fingerprint(dash.trainer), dash.trainer
            stop_before = dash.runner.stop_after_epochs
            if kind == "button":
                getattr(c, value).click()
            elif kind == "scrub":
                options = [v for _, v in c.scrubber.options]
                old = c.scrubber.value
                c.scrubber.value = options[value % len(options)]
                if c.scrubber.value == old:  # no change, no event
                    continue
            elif kind in ("path_save", "path_load"):
                c.path.value = value
                (c.save if kind == "path_save" else c.load).click()
            else:
                widget = getattr(c, kind)
                old = widget.value
                widget.value = value  # an exception here fails the test
                if widget.value == old:  # the same value again: no change, no event
                    assert fingerprint(dash.trainer) == before
                    continue
            assert logged == [], (kind, value)
            if kind not in ("path_save", "path_load"):  # only these values are refused:
                bad = (kind == "stop_after" and value < 0) or (
                    kind in ("lr", "opt_arg") and math.isnan(value)
                )
                assert is_error(dash) == bad, (kind, value, c.message.value)
            if is_error(dash):
                assert dash.trainer is trainer_before, kind
                assert fingerprint(dash.trainer) == before, (kind, value)
                assert dash.runner.stop_after_epochs == stop_before
                assert c.message.value.strip()
                continue
            tr = dash.trainer
            assert all(np.isfinite(v).all() for v in tr.model.params.values())
            if kind == "lr":
                assert tr.base_lr == c.lr.value
            elif kind == "batch_size":
                assert tr.batch_size == c.batch_size.value
            elif kind in ("l1", "l2"):
                assert getattr(tr, kind) == value
            elif kind == "stop_after":
                assert value >= 0 and dash.runner.stop_after_epochs == value
            elif kind == "optimizer":
                assert tr.optimizer.name == value and tr.base_lr == before[4]
            elif kind == "path_load":
                assert "Loaded" in c.message.value and tr is not trainer_before
        assert len(dash.trainer.history) == dash.trainer.step_count
        assert not dash.runner.playing
