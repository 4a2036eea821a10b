"""The PyTorch adapter speaks the trainer protocol and trains like nw.Trainer."""

import os

import numpy as np
import pytest

import nnwidgets as nw

if os.environ.get("CI"):
    import torch  # in CI the bench extra is installed: a missing torch is a failure
else:
    torch = pytest.importorskip("torch")

from nnwidgets.adapters.torch import TorchTrainer, describe_module

pytestmark = pytest.mark.torch


def twin_module(model: nw.MLP):
    """A torch Sequential with the same layers and weights as ``model``."""
    acts = {"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid}
    layers = []
    for i in range(model.n_layers):
        lin = torch.nn.Linear(model.sizes[i], model.sizes[i + 1]).double()
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(model.params[f"W{i}"].T.copy()))
            lin.bias.copy_(torch.from_numpy(model.params[f"b{i}"].copy()))
        layers.append(lin)
        if i < model.n_layers - 1:
            layers.append(acts[model.activation_names[i]]())
    return torch.nn.Sequential(*layers)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_torch_trainer_matches_numpy_trainer(activation):
    ds = nw.datasets.moons(n_samples=120, noise=0.2, seed=0)
    model = nw.MLP([2, 8, 8, 1], activation=activation, seed=0)
    net = twin_module(model)
    ours = nw.Trainer(model, ds, optimizer=nw.optim.SGD(lr=0.1, momentum=0.9), batch_size=10)
    theirs = TorchTrainer(
        net,
        ds,
        optimizer=torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9),
        batch_size=10,
    )
    ours.run(3)
    theirs.run(3)
    assert theirs.step_count == ours.step_count
    snap = theirs.snapshot()
    for key, value in ours.model.params.items():
        np.testing.assert_allclose(snap.params[key], value, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(
        theirs.history.series("batch_loss", 10**9)[1],
        ours.history.series("batch_loss", 10**9)[1],
        rtol=1e-9,
    )
    assert theirs.evaluate()["test_acc"] == pytest.approx(ours.evaluate()["test_acc"])


def test_dashboard_watches_a_torch_trainer():
    ds = nw.datasets.moons(n_samples=100, noise=0.2, seed=0)
    net = twin_module(nw.MLP([2, 6, 1], seed=0))
    tt = TorchTrainer(net, ds, optimizer=torch.optim.Adam(net.parameters(), lr=0.01))
    dash = nw.Dashboard(tt, views=("loss", "weights", "gradients", "boundary"))
    for _ in range(3):
        dash.controls.step.click()
    assert "step 3" in dash.controls.status.value
    np.testing.assert_allclose(
        np.asarray(dash.views["weights"].heatmaps[0].color)[:2, :6],
        net[0].weight.detach().numpy().T,
    )
    dash.controls.lr.value = 0.05
    assert tt.lr == pytest.approx(0.05)
    assert dash.controls.optimizer.disabled  # the optimizer is torch's own
    dash.controls.reset.click()
    assert tt.step_count == 0


def test_reset_restores_initial_weights():
    ds = nw.datasets.sine(n_samples=60, seed=0)
    net = torch.nn.Sequential(torch.nn.Linear(1, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    tt = TorchTrainer(net, ds, batch_size=8)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    tt.run(2)
    tt.reset()
    for k, v in net.state_dict().items():
        assert torch.equal(v, before[k])


def test_unsupported_modules_are_refused_clearly():
    with pytest.raises(ValueError, match="BatchNorm1d"):
        describe_module(
            torch.nn.Sequential(
                torch.nn.Linear(2, 4), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 1)
            )
        )
    with pytest.raises(ValueError, match="output layer"):
        describe_module(torch.nn.Sequential(torch.nn.Linear(2, 1), torch.nn.Sigmoid()))
    ds = nw.datasets.moons(n_samples=50)
    with pytest.raises(ValueError, match="input width"):
        TorchTrainer(torch.nn.Sequential(torch.nn.Linear(3, 1)), ds)
    with pytest.raises(TypeError, match="module"):
        TorchTrainer("not a module", ds)
    with pytest.raises(TypeError, match="optimizer"):
        TorchTrainer(torch.nn.Sequential(torch.nn.Linear(2, 1)), ds, optimizer="sgd")
