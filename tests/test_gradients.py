"""Analytic gradients against central finite differences, in float64."""

import numpy as np
import pytest

from nnwidgets.core.activations import ACTIVATIONS
from nnwidgets.core.losses import LOSSES, get_loss
from nnwidgets.core.model import MLP

REGULARISATION = [(0.0, 0.0), (0.01, 0.0), (0.0, 0.05), (0.02, 0.03)]


def _problem(loss_name: str, rng: np.random.Generator):
    X = rng.normal(size=(7, 3))
    if loss_name == "mse":
        return X, rng.normal(size=(7, 2)), 2
    if loss_name == "bce":
        return X, rng.integers(0, 2, size=(7, 1)).astype(float), 1
    return X, rng.integers(0, 4, size=7), 4


def _objective(model, X, y, loss, l1, l2):
    out = model.forward(X)
    return loss.value(out, y) + model.penalty(l1, l2)


@pytest.mark.parametrize("l1,l2", REGULARISATION)
@pytest.mark.parametrize("loss_name", sorted(LOSSES))
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_gradient_matches_finite_differences(activation, loss_name, l1, l2):
    rng = np.random.default_rng(0)
    X, y, n_out = _problem(loss_name, rng)
    model = MLP([3, 5, 4, n_out], activation=activation, init="normal", seed=1)
    for b in (k for k in model.params if k.startswith("b")):
        model.params[b][...] = rng.normal(scale=0.5, size=model.params[b].shape)
    loss = get_loss(loss_name)
    model.loss_and_grad(X, y, loss, l1, l2)
    analytic = {k: g.copy() for k, g in model.grads.items()}
    h = 1e-6
    for key, p in model.params.items():
        numeric = np.zeros_like(p)
        for i in np.ndindex(p.shape):
            old = p[i]
            p[i] = old + h
            plus = _objective(model, X, y, loss, l1, l2)
            p[i] = old - h
            minus = _objective(model, X, y, loss, l1, l2)
            p[i] = old
            numeric[i] = (plus - minus) / (2 * h)
        err = np.linalg.norm(analytic[key] - numeric) / max(
            np.linalg.norm(analytic[key]) + np.linalg.norm(numeric), 1e-12
        )
        assert err < 1e-6, f"{activation}/{loss_name}/l1={l1}/l2={l2}: {key} rel. error {err:.2e}"


def test_loss_and_grad_returns_objective_parts():
    rng = np.random.default_rng(3)
    X, y, _ = _problem("bce", rng)
    model = MLP([3, 4, 1], activation="relu", seed=2)
    data, penalty = model.loss_and_grad(X, y, get_loss("bce"), 0.1, 0.2)
    assert data == pytest.approx(get_loss("bce").value(model.forward(X), y))
    assert penalty == pytest.approx(model.penalty(0.1, 0.2))
    assert penalty > 0


def test_bce_is_stable_for_huge_logits():
    loss = get_loss("bce")
    out = np.array([[1000.0], [-1000.0]])
    y = np.array([[0.0], [1.0]])
    assert loss.value(out, y) == pytest.approx(1000.0)
    assert np.all(np.isfinite(loss.grad(out, y)))


def test_cross_entropy_is_stable_for_huge_logits():
    loss = get_loss("cross_entropy")
    out = np.array([[1000.0, 0.0, -1000.0]])
    assert loss.value(out, np.array([1])) == pytest.approx(1000.0)
    assert np.all(np.isfinite(loss.grad(out, np.array([2]))))


@pytest.mark.parametrize("scale", [1.0, 50.0, 1000.0])
@pytest.mark.parametrize("loss_name", sorted(LOSSES))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_value_and_grad_equals_value_and_grad_apart(loss_name, scale, dtype):
    rng = np.random.default_rng(3)
    _, y, width = _problem(loss_name, rng)
    out = (scale * rng.normal(size=(7, width))).astype(dtype)
    if loss_name != "cross_entropy":
        y = y.astype(dtype)
    loss = get_loss(loss_name)
    before = out.copy()
    value, grad = loss.value_and_grad(out, y)
    assert np.array_equal(out, before)  # the raw outputs are left as they were
    tol = 1e-5 if dtype == "float32" else 1e-12
    assert value == pytest.approx(loss.value(out, y), rel=tol)
    np.testing.assert_allclose(grad, loss.grad(out, y), rtol=tol, atol=tol * 1e-3)
    assert grad.dtype == out.dtype
    assert np.all(np.isfinite(grad)) and np.isfinite(value)
