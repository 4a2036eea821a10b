"""A loss knows what raw outputs mean: one accuracy for one model, wherever it is read."""

import os

import numpy as np
import pytest

import nnwidgets as nw
from nnwidgets.core.losses import LOSSES, get_loss
from nnwidgets.views.boundary import BoundaryView


def three_feature_binary(n=160, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] + 0.5 * X[:, 1] - X[:, 2] > 0).astype(int)
    return nw.Dataset.from_arrays(X, y, test_fraction=0.25, seed=seed)


def test_labels_and_proba_follow_each_loss():
    raw = np.array([[-1.0], [0.25], [0.75]])
    assert get_loss("bce").labels(raw).tolist() == [0, 1, 1]
    assert get_loss("mse").labels(raw).tolist() == [0, 0, 1]  # a value loss: 0.5 splits
    np.testing.assert_allclose(get_loss("mse").proba(raw), [0.0, 0.25, 0.75])
    np.testing.assert_allclose(get_loss("bce").proba(raw), 1 / (1 + np.exp(-raw[:, 0])))
    two = np.array([[2.0, 1.0], [0.0, 3.0]])
    assert get_loss("cross_entropy").labels(two).tolist() == [0, 1]
    np.testing.assert_allclose(get_loss("cross_entropy").proba(two).sum(axis=1), 1.0)


def test_targets_are_encoded_by_the_loss():
    y = np.array([0, 1, 1])
    assert get_loss("cross_entropy").targets(y).dtype == np.int64
    assert get_loss("bce").targets(y, np.float32).shape == (3, 1)
    assert get_loss("bce").targets(y, np.float32).dtype == np.float32


def test_every_loss_refuses_what_does_not_fit_with_its_name():
    for name, loss in LOSSES.items():
        with pytest.raises(ValueError, match=name):
            loss.check_fits("regression" if loss.logits else "multiclass", 1, 0, 1)


def test_mse_on_binary_labels_one_accuracy_everywhere():
    ds = three_feature_binary()
    tr = nw.Trainer(
        nw.MLP([3, 8, 1], seed=0), ds, loss="mse", optimizer=nw.optim.SGD(lr=0.05), batch_size=8
    )
    tr.run(3)
    acc = tr.evaluate()["test_acc"]
    assert acc > 0.6
    view = BoundaryView(tr.view_context())
    assert view.mode == "confusion"
    view.update(tr.snapshot(), tr.history)
    cm = np.asarray(view.cm.color)
    assert cm.sum() == len(ds.y_test)
    assert np.trace(cm) / cm.sum() == pytest.approx(acc)


def test_mse_binary_accuracy_agrees_with_the_torch_adapter():
    if os.environ.get("CI"):
        import torch
    else:
        torch = pytest.importorskip("torch")
    from nnwidgets.adapters.torch import TorchTrainer

    ds = three_feature_binary()
    model = nw.MLP([3, 8, 1], seed=0)
    lin0, lin1 = torch.nn.Linear(3, 8).double(), torch.nn.Linear(8, 1).double()
    with torch.no_grad():
        for lin, i in ((lin0, 0), (lin1, 1)):
            lin.weight.copy_(torch.from_numpy(model.params[f"W{i}"].T.copy()))
            lin.bias.copy_(torch.from_numpy(model.params[f"b{i}"].copy()))
    net = torch.nn.Sequential(lin0, torch.nn.Tanh(), lin1)
    ours = nw.Trainer(model, ds, loss="mse", optimizer=nw.optim.SGD(lr=0.05), batch_size=8)
    theirs = TorchTrainer(
        net, ds, loss="mse", optimizer=torch.optim.SGD(net.parameters(), lr=0.05), batch_size=8
    )
    ours.run(3)
    theirs.run(3)
    for part in ("train_acc", "test_acc"):
        assert theirs.evaluate()[part] == pytest.approx(ours.evaluate()[part])
    # an mse output sits near 0.5, not near 0: the threshold matters
    raw = ours.model.forward(ds.X_test)
    assert np.any((raw[:, 0] > 0) != (raw[:, 0] > 0.5))
