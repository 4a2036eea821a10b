"""The PyTorch adapter speaks the trainer protocol and trains like nw.Trainer."""

import os

import numpy as np
import pytest
from playing import play_for

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
        np.asarray(dash.views["weights"].heatmaps[0].mark.color)[:2, :6],
        net[0].weight.detach().numpy().T,
    )
    dash.controls.lr.value = 0.05
    assert tt.lr == pytest.approx(0.05)
    assert dash.controls.optimizer.disabled  # the optimizer is torch's own
    assert dash.controls.optimizer.value == "adam"  # ... and shown by its name
    assert dash.controls.opt_arg.value == pytest.approx(0.9)  # beta1
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


# ------------------------------------------------------- any torch module
ALL_VIEWS = ("loss", "weights", "gradients", "boundary", "activations", "network", "landscape")


def batchnorm_net(seed: int = 0):
    """Linear, BatchNorm, ReLU, Dropout and a nested block: not a plain chain."""
    torch.manual_seed(seed)
    nn = torch.nn
    return nn.Sequential(
        nn.Linear(2, 8),
        nn.BatchNorm1d(8),
        nn.ReLU(),
        nn.Dropout(0.2),
        nn.Sequential(nn.Linear(8, 6), nn.GELU()),
        nn.Linear(6, 1),
    )


class ConvOverFeatures(torch.nn.Module):
    """A custom module: a Conv1d over the features as a sequence, LayerNorm, SiLU."""

    def __init__(self, n_features: int = 2) -> None:
        super().__init__()
        self.conv = torch.nn.Conv1d(1, 3, kernel_size=2)
        self.norm = torch.nn.LayerNorm(3 * (n_features - 1))
        self.act = torch.nn.SiLU()
        self.out = torch.nn.Linear(3 * (n_features - 1), 1)

    def forward(self, x):
        h = self.conv(x.unsqueeze(1)).flatten(1)
        return self.out(self.act(self.norm(h)))


def eval_output(module, X) -> np.ndarray:
    was = module.training
    module.eval()
    with torch.no_grad():
        out = module(torch.as_tensor(X, dtype=torch.float32)).numpy()
    module.train(was)
    return out


def test_dashboard_watches_a_module_with_batchnorm_and_dropout():
    ds = nw.datasets.moons(n_samples=120, noise=0.2, seed=0)
    net = batchnorm_net()
    tt = TorchTrainer(net, ds, optimizer=torch.optim.Adam(net.parameters(), lr=0.02))
    assert not tt.chain
    dash = nw.Dashboard(tt, views=ALL_VIEWS)
    for _ in range(3):
        dash.controls.step.click()
    dash.controls.epoch.click()
    assert "epoch 1" in dash.controls.status.value
    assert tt.step_count == tt.batches_per_epoch
    # every layer with weights, named after its module path, N-D drawn in 2-D
    names = ["0.weight", "1.weight", "4.0.weight", "5.weight"]
    weights = dash.views["weights"]
    assert [fig.title.split(" ")[0] for fig in weights.heat_figs] == names
    snap = tt.snapshot()
    np.testing.assert_allclose(
        np.asarray(weights.heatmaps[0].mark.color), net[0].weight.detach().numpy()
    )  # (out, in): torch's own layout
    np.testing.assert_allclose(  # the BatchNorm gain: one row (and a blank one)
        np.asarray(weights.heatmaps[1].mark.color)[0], net[1].weight.detach().numpy()
    )
    assert dash.views["gradients"].flow.labels == names
    ratio_axis = dash.views["gradients"].ratio_fig.axes[0]  # names under the sticks
    assert list(ratio_axis.tick_labels.values()) == names
    ratio_axis = dash.views["gradients"].ratio_fig.axes[0]
    assert list(ratio_axis.tick_labels.values()) == names
    assert len(snap.grad_norms) == len(names) and all(g > 0 for g in snap.grad_norms)
    assert "running_mean" in "".join(snap.extra["buffers"])
    # the boundary comes from the real module in evaluation mode
    boundary = dash.views["boundary"]
    p = 1 / (1 + np.exp(-eval_output(net, boundary.grid)[:, 0]))
    np.testing.assert_allclose(np.asarray(boundary.field.values).ravel(), p, rtol=1e-5, atol=1e-6)
    acts = dash.views["activations"]
    assert len(acts.hists) == 2 and "relu" in acts.widget.children[0].children[0].title
    for name in ("network", "landscape"):  # said clearly, not drawn wrong
        assert "not available" in dash.views[name].widget.children[0].value
    dash.controls.reset.click()
    assert tt.step_count == 0


def test_dropout_is_reproducible_and_leaves_the_global_rng_alone():
    ds = nw.datasets.moons(n_samples=80, noise=0.2, seed=0)
    net = batchnorm_net()
    tt = TorchTrainer(net, ds, batch_size=8)
    torch.manual_seed(123)
    outside = torch.get_rng_state()
    first = tt.run(2)
    assert torch.equal(torch.get_rng_state(), outside)
    tt.reset()
    again = tt.run(2)
    assert again.batch_loss == first.batch_loss
    for k in first.params:
        np.testing.assert_array_equal(again.params[k], first.params[k])
    assert net.training  # steps train; evaluation switched to eval mode and back


def test_custom_module_with_a_convolution():
    ds = nw.datasets.circles(n_samples=100, noise=0.1, seed=0)
    net = ConvOverFeatures()
    tt = TorchTrainer(net, ds, optimizer=torch.optim.Adam(net.parameters(), lr=0.05))
    dash = nw.Dashboard(tt, views=ALL_VIEWS)
    dash.step_epoch()
    layers = {w.name: w.shape for w in tt.weight_layers}
    assert layers == {"conv.weight": (3, 2), "norm.weight": (1, 3), "out.weight": (1, 3)}
    hidden, out = tt.forward_for_views(tt.snapshot(), ds.X_test)
    np.testing.assert_allclose(out, eval_output(net, ds.X_test), rtol=1e-6)
    assert [h.shape for h in hidden] == [(len(ds.X_test), 3)]
    assert tt.hidden_names == ["module act"]
    titles = " ".join(f.title for f in dash.views["weights"].heat_figs)
    assert "conv.weight (3×2)" in titles


@pytest.mark.parametrize(
    "activation",
    ["Softplus", "SiLU", "Hardtanh", "LeakyReLU(0.2)", "GELU", "ELU(alpha=0.5)", "Mish"],
)
def test_any_elementwise_activation(activation):
    ds = nw.datasets.xor(n_samples=80, seed=0)
    torch.manual_seed(0)
    act = eval(f"torch.nn.{activation if '(' in activation else activation + '()'}")
    net = torch.nn.Sequential(torch.nn.Linear(2, 5), act, torch.nn.Linear(5, 1))
    tt = TorchTrainer(net, ds)
    tt.run(1)
    dash = nw.Dashboard(tt, views=("boundary", "activations", "weights"))
    boundary = dash.views["boundary"]
    p = 1 / (1 + np.exp(-eval_output(net, boundary.grid)[:, 0]))
    np.testing.assert_allclose(np.asarray(boundary.field.values).ravel(), p, rtol=1e-5, atol=1e-6)


def test_a_custom_module_that_is_a_plain_chain_keeps_the_full_views():
    class Wrapped(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = torch.nn.Sequential(
                torch.nn.Linear(2, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1)
            )

        def forward(self, x):
            return self.net(x)

    class Residual(Wrapped):
        def forward(self, x):
            return self.net(x) + x[:, :1]

    ds = nw.datasets.moons(n_samples=60, seed=0)
    tt = TorchTrainer(Wrapped(), ds)
    assert tt.chain and set(tt.snapshot().params) == {"W0", "b0", "W1", "b1"}
    nw.Dashboard(tt, views=("network", "landscape")).step()
    tr = TorchTrainer(Residual(), ds)  # same layers, its own forward: run for real
    assert not tr.chain
    _, out = tr.forward_for_views(tr.snapshot(), ds.X_train)
    np.testing.assert_allclose(out, eval_output(tr.module, ds.X_train), rtol=1e-6)


def test_modules_that_cannot_work_are_refused_before_any_change():
    nn = torch.nn
    ds = nw.datasets.moons(n_samples=50, seed=0)  # 40 training samples
    net = batchnorm_net()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    with pytest.raises(ValueError, match="batch_size"):
        TorchTrainer(net, ds, batch_size=3)  # 40 = 13 * 3 + 1: BatchNorm cannot train on one
    with pytest.raises(ValueError, match="output width 2"):
        TorchTrainer(nn.Sequential(nn.Linear(2, 4), nn.BatchNorm1d(4), nn.Linear(4, 2)), ds)
    with pytest.raises(ValueError, match="output layer"):
        TorchTrainer(
            nn.Sequential(nn.Linear(2, 4), nn.LayerNorm(4), nn.Linear(4, 1), nn.Sigmoid()), ds
        )
    with pytest.raises(ValueError, match="input width"):
        TorchTrainer(nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 1)), ds)
    with pytest.raises(ValueError, match="shape"):
        TorchTrainer(nn.Sequential(nn.Linear(2, 1), nn.Flatten(0)), ds)
    with pytest.raises(ValueError, match="no parameters"):
        TorchTrainer(nn.Sequential(nn.ReLU()), ds)
    with pytest.raises(ValueError, match="cross_entropy"):
        TorchTrainer(net, nw.datasets.sine(n_samples=40), loss="cross_entropy")
    assert net.training
    for k, v in net.state_dict().items():
        assert torch.equal(v, before[k])


def test_race_of_general_modules():
    ds = nw.datasets.moons(n_samples=80, noise=0.2, seed=0)
    a, b = batchnorm_net(), batchnorm_net()
    race = nw.compare(
        [
            TorchTrainer(a, ds, optimizer=torch.optim.SGD(a.parameters(), lr=0.1)),
            TorchTrainer(b, ds, optimizer=torch.optim.Adam(b.parameters(), lr=0.01)),
        ]
    )
    assert race.names == ["SGD(lr=0.1)", "Adam(lr=0.01)"]  # short names for torch's optimizers
    race.step_epoch()
    assert {t.epoch for t in race.trainers} == {1}
    assert race.landscape is None
    for t, view in zip(race.trainers, race.boundaries, strict=True):
        p = 1 / (1 + np.exp(-eval_output(t.module, view.grid)[:, 0]))
        np.testing.assert_allclose(np.asarray(view.field.values).ravel(), p, rtol=1e-5, atol=1e-6)


def test_following_a_weight_and_playing_a_general_module():
    ds = nw.datasets.moons(n_samples=100, noise=0.2, seed=0)
    net = batchnorm_net()
    tt = TorchTrainer(net, ds, optimizer=torch.optim.Adam(net.parameters(), lr=0.01))
    dash = nw.Dashboard(tt, views=("loss", "weights", "gradients", "activations"))
    weights = dash.views["weights"]
    weights.follow(1, 0, 3)  # the BatchNorm gain of feature 3
    dash.step()
    assert weights.trace_lines.labels == ["1.weight[0,3]"]
    assert np.asarray(weights.trace_lines.y).ravel()[1] == pytest.approx(
        float(net[1].weight[3].detach())
    )

    play_for(dash, 0.3)
    assert tt.step_count > 1 and not dash.runner.playing
    assert "Play stopped" not in dash.controls.message.value


def test_functional_activations_are_named_not_hidden():
    class Functional(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a, self.b = torch.nn.Linear(2, 4), torch.nn.Linear(4, 1)

        def forward(self, x):
            return self.b(torch.nn.functional.softplus(self.a(x)))

    ds = nw.datasets.moons(n_samples=60, seed=0)
    tt = TorchTrainer(Functional(), ds)
    assert not tt.chain and [w.name for w in tt.weight_layers] == ["a.weight", "b.weight"]
    dash = nw.Dashboard(tt, views=("activations", "boundary"))
    dash.step()
    assert "functions" in dash.views["activations"].widget.children[0].value
