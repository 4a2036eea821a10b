"""Bad input: a ValueError or TypeError that names the argument, raised before any change."""

import math

import numpy as np
import pytest

import nnwidgets as nw
from nnwidgets.core.optim import OPTIMIZERS

MOONS = nw.datasets.moons(n_samples=40, noise=0.1, seed=0)
BLOBS = nw.datasets.gaussians(n_samples=60, n_classes=3, seed=0)  # multiclass, labels 0..2
SINE = nw.datasets.sine(n_samples=40, seed=0)
X_OK = np.random.default_rng(0).normal(size=(20, 2))
Y_OK = np.arange(20) % 2


def mlp(sizes=(2, 4, 1), **kwargs):
    return nw.MLP(list(sizes), **kwargs)


def trainer(model=None, ds=MOONS, **kwargs):
    return nw.Trainer(mlp() if model is None else model, ds, **kwargs)


def with_nan(X):
    X = X.copy()
    X[3, 1] = np.nan
    return X


def with_inf(X):
    X = X.copy()
    X[0, 0] = -np.inf
    return X


def set_lr(value):
    tr = trainer()
    tr.lr = value


def set_optimizer_lr(value):
    nw.optim.Adam().lr = value


# (id, call, exception type, regex the message must match: the argument's name)
CASES = [
    # -- MLP
    ("mlp-sizes-str", lambda: nw.MLP("2,4,1"), TypeError, r"\bsizes\b"),
    ("mlp-sizes-int", lambda: nw.MLP(3), TypeError, r"\bsizes\b"),
    ("mlp-sizes-none", lambda: nw.MLP(None), TypeError, r"\bsizes\b"),
    ("mlp-sizes-too-short", lambda: nw.MLP([2]), ValueError, r"\bsizes\b"),
    ("mlp-sizes-empty", lambda: nw.MLP([]), ValueError, r"\bsizes\b"),
    ("mlp-sizes-zero-width", lambda: nw.MLP([2, 0, 1]), ValueError, r"sizes\[1\]"),
    ("mlp-sizes-negative", lambda: nw.MLP([2, 4, -1]), ValueError, r"sizes\[2\]"),
    ("mlp-sizes-float", lambda: nw.MLP([2, 4.0, 1]), TypeError, r"sizes\[1\]"),
    ("mlp-sizes-bool", lambda: nw.MLP([2, True, 1]), TypeError, r"sizes\[1\]"),
    ("mlp-sizes-str-item", lambda: nw.MLP(["2", 1]), TypeError, r"sizes\[0\]"),
    ("mlp-activation-unknown", lambda: mlp(activation="swish"), ValueError, "activation"),
    ("mlp-activation-no-hidden", lambda: mlp((2, 1), activation="nope"), ValueError, "activation"),
    ("mlp-activation-type", lambda: mlp(activation=3), TypeError, "activation"),
    (
        "mlp-activation-list-short",
        lambda: mlp((2, 4, 4, 1), activation=["relu"]),
        ValueError,
        "activation",
    ),
    (
        "mlp-activation-list-long",
        lambda: mlp(activation=["relu", "tanh"]),
        ValueError,
        "activation",
    ),
    (
        "mlp-activation-list-unknown",
        lambda: mlp(activation=["relu2"]),
        ValueError,
        "activation",
    ),
    ("mlp-init-unknown", lambda: mlp(init="glorot"), ValueError, r"\binit\b"),
    ("mlp-init-type", lambda: mlp(init=None), TypeError, r"\binit\b"),
    ("mlp-dtype-int", lambda: mlp(dtype="int32"), ValueError, "dtype"),
    ("mlp-dtype-float16", lambda: mlp(dtype=np.float16), ValueError, "dtype"),
    ("mlp-dtype-nonsense", lambda: mlp(dtype="double-ish"), ValueError, "dtype"),
    ("mlp-dtype-number", lambda: mlp(dtype=5), TypeError, "dtype"),
    ("mlp-seed-negative", lambda: mlp(seed=-1), ValueError, r"\bseed\b"),
    ("mlp-seed-float", lambda: mlp(seed=1.5), TypeError, r"\bseed\b"),
    ("mlp-task-unknown", lambda: mlp(task="ranking"), ValueError, r"\btask\b"),
    # -- Trainer: what it trains
    ("trainer-model-not-mlp", lambda: nw.Trainer("mlp", MOONS), TypeError, r"\bmodel\b"),
    ("trainer-model-none", lambda: nw.Trainer(None, MOONS), TypeError, r"\bmodel\b"),
    ("trainer-ds-not-dataset", lambda: nw.Trainer(mlp(), (X_OK, Y_OK)), TypeError, r"\bds\b"),
    ("trainer-input-width", lambda: trainer(mlp((3, 4, 1))), ValueError, r"sizes\[0\]"),
    ("trainer-output-width-bce", lambda: trainer(mlp((2, 4, 2))), ValueError, r"sizes\[-1\]"),
    (
        "trainer-output-width-mse",
        lambda: trainer(mlp((1, 4, 2)), SINE),
        ValueError,
        r"sizes\[-1\]",
    ),
    ("trainer-loss-unknown", lambda: trainer(loss="hinge"), ValueError, "loss"),
    ("trainer-loss-type", lambda: trainer(loss=3), TypeError, "loss"),
    ("trainer-bce-multiclass", lambda: trainer(ds=BLOBS, loss="bce"), ValueError, "loss 'bce'"),
    (
        "trainer-mse-multiclass",
        lambda: trainer(mlp((2, 4, 3)), BLOBS, loss="mse"),
        ValueError,
        "loss 'mse'",
    ),
    (
        "trainer-ce-one-output",
        lambda: trainer(loss="cross_entropy"),
        ValueError,
        r"cross_entropy.*sizes\[-1\]",
    ),
    (
        "trainer-ce-labels-out-of-range",
        lambda: trainer(mlp((2, 4, 2)), BLOBS),
        ValueError,
        "labels.*cross_entropy",
    ),
    (
        "trainer-ce-regression",
        lambda: trainer(mlp((1, 4, 2)), SINE, loss="cross_entropy"),
        ValueError,
        "cross_entropy",
    ),
    ("trainer-optimizer-unknown", lambda: trainer(optimizer="lbfgs"), ValueError, "optimizer"),
    ("trainer-optimizer-number", lambda: trainer(optimizer=0.1), TypeError, "optimizer"),
    ("trainer-optimizer-class", lambda: trainer(optimizer=nw.optim.SGD), TypeError, "optimizer"),
    # -- Trainer: how it trains
    ("trainer-batch-size-zero", lambda: trainer(batch_size=0), ValueError, "batch_size"),
    ("trainer-batch-size-negative", lambda: trainer(batch_size=-5), ValueError, "batch_size"),
    ("trainer-batch-size-float", lambda: trainer(batch_size=10.0), TypeError, "batch_size"),
    ("trainer-batch-size-bool", lambda: trainer(batch_size=True), TypeError, "batch_size"),
    ("trainer-batch-size-str", lambda: trainer(batch_size="10"), TypeError, "batch_size"),
    ("trainer-shuffle-str", lambda: trainer(shuffle="yes"), TypeError, "shuffle"),
    ("trainer-shuffle-int", lambda: trainer(shuffle=1), TypeError, "shuffle"),
    ("trainer-seed-negative", lambda: trainer(seed=-3), ValueError, r"\bseed\b"),
    ("trainer-l1-negative", lambda: trainer(l1=-0.1), ValueError, r"\bl1\b"),
    ("trainer-l1-nan", lambda: trainer(l1=math.nan), ValueError, r"\bl1\b"),
    ("trainer-l1-str", lambda: trainer(l1="0.1"), TypeError, r"\bl1\b"),
    ("trainer-l2-negative", lambda: trainer(l2=-1), ValueError, r"\bl2\b"),
    ("trainer-l2-nan", lambda: trainer(l2=float("nan")), ValueError, r"\bl2\b"),
    ("trainer-l2-inf", lambda: trainer(l2=math.inf), ValueError, r"\bl2\b"),
    ("trainer-schedule-str", lambda: trainer(schedule="step"), TypeError, "schedule"),
    ("trainer-schedule-number", lambda: trainer(schedule=0.5), TypeError, "schedule"),
    (
        "trainer-schedule-class",
        lambda: trainer(schedule=nw.schedules.StepLR),
        TypeError,
        "schedule",
    ),
    (
        "trainer-divergence-factor-small",
        lambda: trainer(divergence_factor=0.5),
        ValueError,
        "divergence_factor",
    ),
    # -- Trainer methods
    ("run-epochs-negative", lambda: trainer().run(-1), ValueError, "epochs"),
    ("run-epochs-float", lambda: trainer().run(1.5), TypeError, "epochs"),
    ("run-steps-negative", lambda: trainer().run_steps(-2), ValueError, r"\bn\b"),
    ("reset-seed-negative", lambda: trainer().reset(seed=-1), ValueError, r"\bseed\b"),
    ("predict-wrong-width", lambda: trainer().predict(np.zeros((3, 5))), ValueError, r"\bX\b"),
    ("predict-nan", lambda: trainer().predict(with_nan(X_OK)), ValueError, r"\bX\b"),
    ("trainer-lr-zero", lambda: set_lr(0), ValueError, r"\blr\b"),
    ("trainer-lr-negative", lambda: set_lr(-0.1), ValueError, r"\blr\b"),
    ("trainer-lr-nan", lambda: set_lr(math.nan), ValueError, r"\blr\b"),
    ("trainer-lr-inf", lambda: set_lr(math.inf), ValueError, r"\blr\b"),
    ("trainer-lr-str", lambda: set_lr("0.1"), TypeError, r"\blr\b"),
    ("trainer-lr-bool", lambda: set_lr(True), TypeError, r"\blr\b"),
    ("trainer-lr-none", lambda: set_lr(None), TypeError, r"\blr\b"),
    ("optimizer-lr-setter", lambda: set_optimizer_lr(-1.0), ValueError, r"\blr\b"),
    # -- optimizers
    ("sgd-nesterov-no-momentum", lambda: nw.optim.SGD(nesterov=True), ValueError, "nesterov"),
    (
        "sgd-nesterov-dampening",
        lambda: nw.optim.SGD(momentum=0.9, dampening=0.1, nesterov=True),
        ValueError,
        "nesterov",
    ),
    ("sgd-nesterov-str", lambda: nw.optim.SGD(momentum=0.9, nesterov="1"), TypeError, "nesterov"),
    ("sgd-momentum-negative", lambda: nw.optim.SGD(momentum=-0.5), ValueError, "momentum"),
    (
        "sgd-weight-decay-nan",
        lambda: nw.optim.SGD(weight_decay=math.nan),
        ValueError,
        "weight_decay",
    ),
    ("adam-beta1-one", lambda: nw.optim.Adam(betas=(1.0, 0.999)), ValueError, r"betas\[0\]"),
    ("adam-beta2-above", lambda: nw.optim.Adam(betas=(0.9, 1.5)), ValueError, r"betas\[1\]"),
    ("adam-beta1-negative", lambda: nw.optim.Adam(betas=(-0.1, 0.9)), ValueError, r"betas\[0\]"),
    ("adam-betas-single", lambda: nw.optim.Adam(betas=(0.9,)), TypeError, r"\bbetas\b"),
    ("adam-betas-number", lambda: nw.optim.Adam(betas=0.9), TypeError, r"\bbetas\b"),
    ("adam-eps-negative", lambda: nw.optim.Adam(eps=-1e-8), ValueError, r"\beps\b"),
    ("adam-amsgrad-int", lambda: nw.optim.Adam(amsgrad=1), TypeError, "amsgrad"),
    ("adamw-beta2-one", lambda: nw.optim.AdamW(betas=(0.9, 1.0)), ValueError, r"betas\[1\]"),
    ("rmsprop-alpha-negative", lambda: nw.optim.RMSprop(alpha=-0.9), ValueError, r"\balpha\b"),
    ("rmsprop-centered-str", lambda: nw.optim.RMSprop(centered="no"), TypeError, "centered"),
    ("adagrad-lr-decay-negative", lambda: nw.optim.Adagrad(lr_decay=-1), ValueError, "lr_decay"),
    # -- schedules
    ("steplr-step-size-zero", lambda: nw.schedules.StepLR(0), ValueError, "step_size"),
    ("steplr-step-size-float", lambda: nw.schedules.StepLR(1.5), TypeError, "step_size"),
    ("steplr-gamma-negative", lambda: nw.schedules.StepLR(1, gamma=-0.5), ValueError, r"\bgamma\b"),
    (
        "exponential-gamma-nan",
        lambda: nw.schedules.ExponentialLR(math.nan),
        ValueError,
        r"\bgamma\b",
    ),
    ("cosine-tmax-zero", lambda: nw.schedules.CosineAnnealingLR(0), ValueError, "T_max"),
    # -- Dataset.from_arrays
    ("data-nan-in-X", lambda: nw.Dataset.from_arrays(with_nan(X_OK), Y_OK), ValueError, r"\bX\b"),
    ("data-inf-in-X", lambda: nw.Dataset.from_arrays(with_inf(X_OK), Y_OK), ValueError, r"\bX\b"),
    ("data-lengths", lambda: nw.Dataset.from_arrays(X_OK, Y_OK[:-1]), ValueError, r"\by\b"),
    ("data-empty", lambda: nw.Dataset.from_arrays(np.empty((0, 2)), []), ValueError, r"\bX\b"),
    (
        "data-no-columns",
        lambda: nw.Dataset.from_arrays(np.empty((5, 0)), Y_OK[:5]),
        ValueError,
        r"\bX\b",
    ),
    ("data-3d-X", lambda: nw.Dataset.from_arrays(np.zeros((20, 2, 2)), Y_OK), ValueError, r"\bX\b"),
    ("data-ragged-X", lambda: nw.Dataset.from_arrays([[1, 2], [3]], [0, 1]), ValueError, r"\bX\b"),
    ("data-str-X", lambda: nw.Dataset.from_arrays(X_OK.astype(str), Y_OK), TypeError, r"\bX\b"),
    (
        "data-multiclass-negative-label",
        lambda: nw.Dataset.from_arrays(X_OK, np.arange(20) % 3 - 1, task="multiclass"),
        ValueError,
        r"\by\b",
    ),
    (
        "data-multiclass-fractional-label",
        lambda: nw.Dataset.from_arrays(X_OK, (np.arange(20) % 3) + 0.5, task="multiclass"),
        ValueError,
        r"\by\b",
    ),
    (
        "data-binary-label-2",
        lambda: nw.Dataset.from_arrays(X_OK, np.arange(20) % 3, task="binary"),
        ValueError,
        r"\by\b",
    ),
    (
        "data-regression-nan-y",
        lambda: nw.Dataset.from_arrays(X_OK, np.where(Y_OK, np.nan, 0.5)),
        ValueError,
        r"\by\b",
    ),
    ("data-3d-y", lambda: nw.Dataset.from_arrays(X_OK, np.zeros((20, 1, 1))), ValueError, r"\by\b"),
    (
        "data-one-class",
        lambda: nw.Dataset.from_arrays(X_OK, np.ones(20, int)),
        ValueError,
        r"\by\b",
    ),
    (
        "data-task-unknown",
        lambda: nw.Dataset.from_arrays(X_OK, Y_OK, task="rank"),
        ValueError,
        r"\btask\b",
    ),
    (
        "data-test-fraction-one",
        lambda: nw.Dataset.from_arrays(X_OK, Y_OK, test_fraction=1.0),
        ValueError,
        "test_fraction",
    ),
    (
        "data-standardize-str",
        lambda: nw.Dataset.from_arrays(X_OK, Y_OK, standardize="yes"),
        TypeError,
        "standardize",
    ),
    (
        "data-seed-negative",
        lambda: nw.Dataset.from_arrays(X_OK, Y_OK, seed=-1),
        ValueError,
        r"\bseed\b",
    ),
    ("load-unknown-name", lambda: nw.datasets.load("swiss_roll"), ValueError, r"\bname\b"),
]


@pytest.mark.parametrize("call, exc, match", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_refused_with_a_named_argument(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_case_ids_are_unique_and_many():
    ids = [c[0] for c in CASES]
    assert len(ids) == len(set(ids)) >= 25


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize(
    "lr, exc",
    [
        (0, ValueError),
        (-0.01, ValueError),
        (math.nan, ValueError),
        (math.inf, ValueError),
        ("0.1", TypeError),
        (None, TypeError),
    ],
    ids=["zero", "negative", "nan", "inf", "str", "none"],
)
def test_optimizer_constructors_refuse_bad_lr(name, lr, exc):
    with pytest.raises(exc, match=r"\blr\b"):
        OPTIMIZERS[name](lr=lr)


# --------------------------------------------------- refusals change nothing


def copy_params(params):
    return {k: v.copy() for k, v in params.items()}


def same_params(a, b):
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize("bad", [-1, 0, math.nan, "fast"], ids=["negative", "zero", "nan", "str"])
def test_refused_lr_leaves_the_trainer_unchanged(bad):
    touched, untouched = trainer(seed=0), trainer(seed=0)
    touched.step()
    untouched.step()
    with pytest.raises((ValueError, TypeError), match=r"\blr\b"):
        touched.lr = bad
    assert touched.lr == untouched.lr == 0.03
    assert touched.optimizer.lr == untouched.optimizer.lr
    a, b = touched.step(), untouched.step()
    assert a.step == b.step == 2 and a.lr == b.lr
    assert same_params(touched.model.params, untouched.model.params)


def test_refused_lr_keeps_a_divergence():
    model = nw.MLP([2, 8, 8, 1], "relu", init="he", seed=0)
    tr = nw.Trainer(model, MOONS, optimizer=nw.optim.SGD(lr=1e300), batch_size=10)
    assert tr.step().diverged
    with pytest.raises(ValueError, match=r"\blr\b"):
        tr.lr = -1.0
    assert tr.diverged and tr.lr == 1e300


REFUSED_TRAINERS = {
    "loss": dict(loss="hinge"),
    "loss-task": dict(loss="cross_entropy"),
    "batch_size": dict(batch_size=0),
    "shuffle": dict(shuffle="no"),
    "optimizer": dict(optimizer="nope"),
    "l2": dict(l2=-1.0),
    "schedule": dict(schedule="cosine"),
    "seed": dict(seed=-1),
}


@pytest.mark.parametrize("kwargs", REFUSED_TRAINERS.values(), ids=REFUSED_TRAINERS.keys())
def test_refused_trainer_leaves_model_and_optimizer_unchanged(kwargs):
    model = nw.MLP([2, 4, 1], seed=3)
    opt = nw.optim.Adam(lr=0.01)
    first = nw.Trainer(model, MOONS, optimizer=opt, batch_size=8)
    first.run(1)  # model and optimizer now carry trained weights and Adam state
    params, grads = copy_params(model.params), copy_params(model.grads)
    opt_state = opt.state_dict()
    task = model.task
    kwargs = {"optimizer": opt, **kwargs}
    with pytest.raises((ValueError, TypeError)):
        nw.Trainer(model, MOONS, **kwargs)
    assert same_params(model.params, params) and same_params(model.grads, grads)
    assert model.task == task
    assert opt.steps == opt_state["steps"] and opt.lr == 0.01
    assert opt.state.keys() == opt_state["state"].keys()
    for key, arrays in opt_state["state"].items():
        for name, value in arrays.items():
            np.testing.assert_array_equal(opt.state[key][name], value)
    # the first trainer goes on exactly as an untouched one
    twin_model = nw.MLP([2, 4, 1], seed=3)
    twin = nw.Trainer(twin_model, MOONS, optimizer=nw.optim.Adam(lr=0.01), batch_size=8)
    twin.run(1)
    first.step()
    twin.step()
    assert same_params(model.params, twin_model.params)


def test_refused_trainer_on_a_fresh_model_leaves_it_untouched():
    model = nw.MLP([3, 4, 1], seed=0)
    params = copy_params(model.params)
    with pytest.raises(ValueError, match="sizes"):
        nw.Trainer(model, MOONS)
    assert same_params(model.params, params) and model.task is None


def test_refused_run_and_reset_change_nothing():
    tr = trainer()
    tr.step()
    params = copy_params(tr.model.params)
    with pytest.raises(ValueError):
        tr.run(-1)
    with pytest.raises(ValueError):
        tr.reset(seed=-1)
    with pytest.raises(TypeError):
        tr.run_steps(2.0)
    assert tr.step_count == 1 and tr.seed == 0
    assert same_params(tr.model.params, params)


def test_from_arrays_does_not_modify_the_callers_arrays():
    X = X_OK * 100 + 7
    y = Y_OK.copy()
    X_before, y_before = X.copy(), y.copy()
    nw.Dataset.from_arrays(X, y, standardize=True)
    with pytest.raises(ValueError):
        nw.Dataset.from_arrays(X, y[:-1])
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)
