"""Packed parameters: the flat arrays behind MLP.params and Optimizer.step_flat."""

from __future__ import annotations

import numpy as np
import pytest

import nnwidgets as nw
from nnwidgets.core.layout import ParamLayout

OPTIMIZERS = [
    lambda: nw.optim.SGD(lr=0.1),
    lambda: nw.optim.SGD(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01),
    lambda: nw.optim.SGD(lr=0.1, momentum=0.9, nesterov=True),
    lambda: nw.optim.Adagrad(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1),
    lambda: nw.optim.RMSprop(lr=0.01, momentum=0.5, centered=True, weight_decay=0.01),
    lambda: nw.optim.Adam(lr=0.01, amsgrad=True, weight_decay=0.01),
    lambda: nw.optim.AdamW(lr=0.01),
]


def model_and_grads(seed: int = 0):
    model = nw.MLP([3, 5, 4, 2], seed=seed)
    rng = np.random.default_rng(seed)
    grads = [rng.normal(size=model.layout.size) for _ in range(6)]
    return model, grads


def test_params_and_grads_are_views_of_the_flat_arrays():
    model = nw.MLP([2, 3, 1], seed=0)
    assert model.layout.size == 2 * 3 + 3 + 3 * 1 + 1
    for key in model.param_keys:
        assert np.shares_memory(model.params[key], model.flat_params)
        assert np.shares_memory(model.grads[key], model.flat_grads)
    model.params["W1"][2, 0] = 7.0
    assert model.flat_params[model.layout.slices["W1"]][2] == 7.0
    before = model.params["W0"]
    model.initialize(3)
    assert model.params["W0"] is before  # re-initialised in place
    assert np.array_equal(nw.MLP([2, 3, 1], seed=3).flat_params, model.flat_params)


def test_layout_sums_of_squares_per_array():
    layout = ParamLayout(["a", "b"], [(2, 2), (3,)])
    flat = np.arange(7, dtype=float)
    sums = layout.sums_of_squares(flat, np.empty_like(flat))
    assert sums == [0 + 1 + 4 + 9, 16 + 25 + 36]
    with pytest.raises(ValueError, match="flat"):
        layout.views(np.zeros(6))
    with pytest.raises(ValueError, match="shapes"):
        ParamLayout(["a"], [(0, 2)])


@pytest.mark.parametrize("make", OPTIMIZERS)
def test_step_flat_equals_step_per_parameter(make):
    packed_model, grads = model_and_grads()
    plain_model, _ = model_and_grads()
    packed, plain = make(), make()
    for g in grads:
        packed_model.flat_grads[...] = g
        plain_model.flat_grads[...] = g
        packed.step_flat(packed_model.flat_params, packed_model.flat_grads, packed_model.layout)
        plain.step(plain_model.params, plain_model.grads)
    assert np.array_equal(packed_model.flat_params, plain_model.flat_params)
    for key, names in plain.state.items():
        for name, arr in names.items():
            assert np.array_equal(packed.state[key][name], arr)
    assert packed.steps == plain.steps


@pytest.mark.parametrize("make", OPTIMIZERS)
def test_packed_backup_restore_and_state_dict(make):
    model, grads = model_and_grads()
    opt = make()
    for g in grads[:3]:
        model.flat_grads[...] = g
        opt.step_flat(model.flat_params, model.flat_grads, model.layout)
    saved = opt.state_dict()
    opt.backup()
    params = model.flat_params.copy()
    model.flat_grads[...] = grads[3]
    opt.step_flat(model.flat_params, model.flat_grads, model.layout)
    opt.restore()
    model.flat_params[...] = params
    after_restore = opt.state_dict()
    assert after_restore["steps"] == saved["steps"]
    for key, names in saved["state"].items():
        for name, arr in names.items():
            assert np.array_equal(after_restore["state"][key][name], arr)

    # Stepping on from the restored state equals stepping from a loaded copy.
    twin = make()
    twin.load_state_dict(saved)
    twin_params = model.flat_params.copy()
    for g in grads[3:]:
        model.flat_grads[...] = g
        opt.step_flat(model.flat_params, model.flat_grads, model.layout)
        twin.step(model.layout.views(twin_params), model.layout.views(g.copy()))
    assert np.array_equal(model.flat_params, twin_params)


def test_first_momentum_step_undone_leaves_no_buffer():
    model, grads = model_and_grads()
    opt = nw.optim.SGD(lr=0.1, momentum=0.9)
    opt.backup()
    model.flat_grads[...] = grads[0]
    opt.step_flat(model.flat_params, model.flat_grads, model.layout)
    assert "momentum_buffer" in opt.state["W0"]
    opt.restore()
    assert all("momentum_buffer" not in s for s in opt.state.values())
    # the next step starts the buffer afresh, as torch does on its first step
    fresh = nw.optim.SGD(lr=0.1, momentum=0.9)
    p = model.flat_params.copy()
    opt.step_flat(model.flat_params, model.flat_grads, model.layout)
    fresh.step(model.layout.views(p), model.grads)
    assert np.array_equal(model.flat_params, p)


@pytest.mark.parametrize("sizes", [[2, 3, 1], [64, 128, 10]])
def test_sums_of_squares_small_and_large_layouts(sizes):
    model = nw.MLP(sizes, seed=1)
    flat = model.flat_params
    sums = model.layout.sums_of_squares(flat, np.empty_like(flat))
    expected = [float(np.sum(model.params[k] ** 2)) for k in model.param_keys]
    np.testing.assert_allclose(sums, expected, rtol=1e-12)
    every_other = model.layout.sums_of_squares(flat, np.empty_like(flat), slice(0, None, 2))
    np.testing.assert_allclose(every_other, expected[::2], rtol=1e-12)
    # the large path keeps views of ``flat``: a changed array gives its new sums
    flat *= 2
    again = model.layout.sums_of_squares(flat, np.empty_like(flat))
    np.testing.assert_allclose(again, [4 * e for e in expected], rtol=1e-12)


def test_layout_copies_do_not_carry_the_views_of_the_original():
    import copy

    model = nw.MLP([64, 128, 10], seed=1)
    layout = model.layout
    layout.sums_of_squares(model.flat_params, np.empty_like(model.flat_params))
    assert layout._parts_of  # the large path kept its views
    twin = copy.deepcopy(layout)
    assert twin == layout and twin._parts_of == {}


def test_relu_kept_zeros_stay_zero_and_outputs_are_fresh():
    from nnwidgets.core.activations import get_activation

    relu = get_activation("relu")
    z = np.array([[-1.0, 2.0], [3.0, -4.0]])
    out = relu.forward(z, np.empty_like(z))
    assert out.tolist() == [[0.0, 2.0], [3.0, 0.0]]
    out[...] = 7  # writing to one output must not reach the zeros the next call compares with
    assert relu.forward(z, np.empty_like(z)).tolist() == [[0.0, 2.0], [3.0, 0.0]]
    delta = np.ones_like(z)
    relu.backward(z, out, delta)  # the derivative comes from z, not from the (changed) output
    assert delta.tolist() == [[0.0, 1.0], [1.0, 0.0]]


@pytest.mark.parametrize("make", OPTIMIZERS)
def test_deep_copied_trainer_keeps_its_views_and_trains_as_the_original(make):
    import copy

    ds = nw.datasets.moons(n_samples=60, noise=0.2, seed=0)
    tr = nw.Trainer(nw.MLP([2, 5, 1], seed=0), ds, optimizer=make(), batch_size=10)
    tr.run_steps(7)
    twins = [copy.deepcopy(tr), copy.deepcopy(copy.deepcopy(tr))]
    tr.run_steps(9)
    for twin in twins:
        model = twin.model
        assert all(np.shares_memory(v, model.flat_params) for v in model.params.values())
        assert all(np.shares_memory(v, model.flat_grads) for v in model.grads.values())
        packed = twin.optimizer._packed[1].values()
        for names in twin.optimizer.state.values():
            assert all(any(np.shares_memory(a, f) for f in packed) for a in names.values())
        twin.run_steps(9)
        assert np.array_equal(twin.model.flat_params, tr.model.flat_params)
