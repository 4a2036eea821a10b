"""What a student sees: every mark of every view against the Snapshot and History that fed it.

Each view is updated twice, after one step and after a long run (thousands of steps and
epochs, so that the history folds and the plotted series are decimated), and after each
update every mark's x, y, colour, histogram and text is compared with arrays computed here
from the snapshot and the history alone: a hand-written forward pass, ``history.series``,
``np.histogram``. A view that draws another series, keeps stale data, draws one quantity in
place of another or feeds a warning the wrong numbers fails here.
"""

from __future__ import annotations

import copy
import dataclasses
import functools

import numpy as np
import pytest

import nnwidgets as nw
from nnwidgets.views import (
    ActivationsView,
    BoundaryView,
    GradientsView,
    LandscapeView,
    LossView,
    NetworkView,
    WeightsView,
)
from nnwidgets.views import gradients as gradients_mod
from nnwidgets.views import loss as loss_mod
from nnwidgets.views.base import (
    SYMMETRIC_STEPS,
    compact_label,
    figures,
    nice_ceiling,
    shown_labels,
)

ACT = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0)}


# ------------------------------------------------------------------ runs
def _stages(tr: nw.Trainer, epochs: int):
    """``[(snapshot, history)]`` after one step and after a long run."""
    tr.step()
    first = (tr.snapshot(), copy.deepcopy(tr.history))
    tr.run(epochs)
    return tr, [first, (tr.snapshot(), tr.history)]


@functools.cache
def moons_run():
    """2-5-3-1 (tanh, relu) on 32 points, batch 16: 4200 steps, 2100 epochs in the long run,
    more than the history keeps unfolded (4096 steps, 1024 epochs)."""
    ds = nw.datasets.moons(n_samples=40, noise=0.2, seed=0)
    model = nw.MLP([2, 5, 3, 1], activation=["tanh", "relu"], seed=0)
    tr = nw.Trainer(model, ds, optimizer=nw.optim.SGD(lr=0.3), batch_size=16)
    tr, stages = _stages(tr, 2100)
    hist = stages[-1][1]
    assert len(hist.series("batch_loss", 10**9)[0]) > loss_mod.MAX_POINTS  # decimated
    assert len(hist.series("train_loss", 10**9)[0]) > loss_mod.MAX_POINTS
    assert len(hist.series("batch_loss", 10**9)[0]) < tr.step_count  # old steps folded
    assert len(hist.series("train_loss", 10**9)[0]) < tr.epoch + 1  # old epochs folded
    return tr, stages


def run_of(ds, sizes, epochs=60, **kw):
    model = nw.MLP(sizes, activation="tanh", seed=0)
    tr = nw.Trainer(model, ds, optimizer=nw.optim.SGD(lr=0.1), batch_size=8, **kw)
    return _stages(tr, epochs)


def features_data(n_features, task, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(60, n_features))
    if task == "regression":
        return nw.Dataset.from_arrays(X, X @ np.arange(1.0, n_features + 1) + 0.1 * X[:, 0] ** 2)
    if task == "binary":
        return nw.Dataset.from_arrays(X, (X[:, 0] + X[:, 1] > 0).astype(int))
    return nw.Dataset.from_arrays(X, np.digitize(X[:, 0], [-0.4, 0.4]))


# -------------------------------------------------------------- expected
def forward(snapshot, X):
    """``(hidden outputs, raw output)``: the forward pass written out, from the snapshot."""
    p, a, hidden = snapshot.params, np.asarray(X, dtype=float), []
    for i, name in enumerate(snapshot.activations):
        a = ACT[name](a @ p[f"W{i}"] + p[f"b{i}"])
        hidden.append(a)
    last = len(snapshot.activations)
    return hidden, a @ p[f"W{last}"] + p[f"b{last}"]


def plane_grid(ds, n, pad=0.15):
    """The points (n*n, 2) of an n x n grid over the data with a margin, row by row in y."""
    X = np.vstack([ds.X_train, ds.X_test])
    lo, hi = X.min(axis=0), X.max(axis=0)
    lo, hi = lo - pad * (hi - lo), hi + pad * (hi - lo)
    gx, gy = np.linspace(lo[0], hi[0], n), np.linspace(lo[1], hi[1], n)
    xx, yy = np.meshgrid(gx, gy)
    return gx, gy, np.column_stack([xx.ravel(), yy.ravel()])


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def drawn(values) -> np.ndarray:
    return np.asarray(values, dtype=float)


def same(got, want, atol=1e-7) -> None:
    """What a mark holds (float32 on the wire) equals the expected values."""
    np.testing.assert_allclose(drawn(got), np.asarray(want, dtype=float), rtol=1e-6, atol=atol)


def same_row(row, want) -> None:
    """One line of a Lines mark of several: ``want``, then only copies of its last
    point (the padding of a shorter line; never NaN, which the browser reports)."""
    n = len(want)
    same(row[:n], want)
    assert (drawn(row[n:]) == drawn(row[n - 1])).all()


def check_histogram(hist, values, lo=None, hi=None) -> None:
    """The histogram holds ``values`` and its outline has their counts over its range,
    which is [lo, hi] when given, else symmetric about zero and covering the values."""
    values = np.asarray(values, dtype=float).ravel()
    same(np.asarray(hist.sample).ravel(), values)
    if lo is None:
        lim = hist.max
        assert hist.min == -lim and lim >= np.abs(values).max()
        lo, hi = -lim, lim
        assert hist.bins == int(np.clip(round(2 * np.sqrt(values.size)), 8, 30))
    else:
        assert (hist.min, hist.max) == pytest.approx((lo, hi))
    counts, edges = np.histogram(np.clip(values, lo, hi), bins=hist.bins, range=(lo, hi))
    y, x = drawn(hist.y), drawn(hist.x)
    np.testing.assert_array_equal(y[1:-1:2], counts)
    same(x[::2], edges, atol=1e-6)
    assert counts.sum() == values.size


def check_histogram_axis(x_axis, hist) -> None:
    """A symmetric histogram's x axis: ticks at half its range each side of zero, with
    short labels (symmetric_ticks), over a range of SYMMETRIC_STEPS."""
    lim = hist.max
    assert list(x_axis.tick_values) == pytest.approx([-lim / 2, 0, lim / 2])
    assert shown_labels(x_axis) == [compact_label(-lim / 2), "0", compact_label(lim / 2)]
    assert nice_ceiling(lim, SYMMETRIC_STEPS) == pytest.approx(lim)
    labels = shown_labels(hist.count_axis)
    assert labels[0] == "0" and len(labels) >= 2  # the corner is clear: zero is labelled


# ------------------------------------------------------------------ loss
def check_loss(view, snap, hist) -> None:
    sx, sy = hist.series("batch_loss", loss_mod.MAX_POINTS)
    same(view.batch_line.x, sx)
    same(view.batch_line.y, sy)
    assert list(view.batch_line.labels) == ["batch"]
    per_epoch = 2  # 32 training points in batches of 16: epoch e ends at step 2 e
    X, Y = drawn(view.epoch_lines.x), drawn(view.epoch_lines.y)
    assert X.shape[0] == 2 and list(view.epoch_lines.labels) == ["train", "test"]
    for row, name in enumerate(["train_loss", "test_loss"]):
        ex, ey = hist.series(name, loss_mod.MAX_POINTS)
        same_row(X[row], ex * per_epoch)
        same_row(Y[row], ey)
    AX, AY = drawn(view.acc_lines.x), drawn(view.acc_lines.y)
    assert list(view.acc_lines.labels) == ["train", "test"]
    for row, name in enumerate(["train_acc", "test_acc"]):
        ax, ay = hist.series(name, loss_mod.ACC_POINTS)
        same_row(AX[row], ax)
        same_row(AY[row], ay)
    assert view.loss_fig.title == "Loss" and view.acc_fig.title == "Accuracy"
    # the axes show all of it
    assert view.x.max >= sx[-1] and view.acc_x.max >= hist.series("train_acc")[0][-1]
    assert view.y_linear.max >= np.max(np.concatenate([sy, Y.ravel()]))
    if snap.step == 1:  # nothing decimated yet: the last points are the snapshot's
        assert sy[-1] == pytest.approx(snap.batch_loss, rel=1e-6)
        assert Y[0][-1] == pytest.approx(snap.metrics["train_loss"], rel=1e-6)
        assert Y[1][-1] == pytest.approx(snap.metrics["test_loss"], rel=1e-6)


def test_loss_view_draws_the_history():
    tr, stages = moons_run()
    view = LossView(tr.view_context())
    for snap, hist in stages:
        view.update(snap, hist)
        check_loss(view, snap, hist)


def test_loss_view_sends_the_epoch_lines_only_when_an_epoch_ended():
    """A refresh while playing sends the batch line; the per-epoch lines (and accuracy)
    only when an epoch ended since, and again after a reset."""
    ds = nw.datasets.moons(n_samples=40, noise=0.2, seed=0)  # as moons_run: 2 steps an epoch
    tr = nw.Trainer(nw.MLP([2, 4, 1], seed=0), ds, batch_size=16, seed=0)
    view = LossView(tr.view_context())
    sends = {"batch": 0, "epochs": 0, "acc": 0}
    for key, mark in (
        ("batch", view.batch_line),
        ("epochs", view.epoch_lines),
        ("acc", view.acc_lines),
    ):
        original = mark._send

        def count(msg, buffers=None, key=key, original=original):
            sends[key] += 1
            return original(msg, buffers)

        mark._send = count
    view.update(tr.snapshot(), tr.history)  # step 0: the epoch-0 evaluation is drawn
    sends.update(batch=0, epochs=0, acc=0)
    tr.step()  # within the first epoch
    view.update(tr.snapshot(), tr.history)
    assert sends == {"batch": 1, "epochs": 0, "acc": 0}
    tr.step()  # the epoch ends
    view.update(tr.snapshot(), tr.history)
    assert sends["epochs"] == 1 and sends["acc"] == 1
    check_loss(view, tr.snapshot(), tr.history)
    tr.reset()
    view.update(tr.snapshot(), tr.history)
    assert sends["epochs"] == 2  # back to what step 0 shows
    same_row(drawn(view.epoch_lines.y)[0], tr.history.series("train_loss")[1])


def test_loss_view_log_axis_hides_zero_losses():
    tr, stages = moons_run()
    view = LossView(tr.view_context())
    view.scale_toggle.value = "log"
    snap, hist = stages[0]
    view.update(snap, hist)
    same(view.batch_line.y, hist.series("batch_loss", loss_mod.MAX_POINTS)[1])
    assert view.batch_line.scales["y"] is view.y_log


# --------------------------------------------------------------- weights
def check_weights(view, snap) -> None:
    for i, hm in enumerate(view.heatmaps):
        W = np.asarray(snap.params[f"W{i}"])
        n_in, n_out = W.shape
        C = drawn(hm.mark.color)
        same(C[:n_in, :n_out], W)
        assert not C[n_in:].any() and not C[:, n_out:].any()  # blank padding only
        lim = hm.color_scale.max
        assert hm.color_scale.min == -lim and view.limits[i] == lim
        assert 1.0 <= lim / np.abs(W).max() <= 1.25 + 1e-9  # a round range just covering |W|
        assert view.heat_figs[i].title == f"W{i} ({n_in}→{n_out}), |w| ≤ {lim:.2g}"
        check_histogram(view.hists[i], W)
        fig = next(f for f in figures(view.widget) if view.hists[i] in f.marks)
        assert fig.title == f"W{i} values"
        check_histogram_axis(view.hist_axes[i], view.hists[i])


def test_weights_view_draws_each_layers_weights():
    tr, stages = moons_run()
    view = WeightsView(tr.view_context())
    (s1, h1), (s2, h2) = stages
    view.update(s1, h1)
    check_weights(view, s1)
    assert view.trace_hint.visible and drawn(view.trace_lines.x).size == 0
    view.follow(1, 2, 0)
    view.follow(0, 1, 4)
    view.update(s2, h2)
    check_weights(view, s2)
    assert not view.trace_hint.visible
    assert list(view.trace_lines.labels) == ["W1[2,0]", "W0[1,4]"]
    X, Y = drawn(view.trace_lines.x), drawn(view.trace_lines.y)
    same_row(X[0], [s1.step, s2.step])
    same_row(Y[0], [s1.params["W1"][2, 0], s2.params["W1"][2, 0]])
    same_row(Y[1], [s1.params["W0"][1, 4], s2.params["W0"][1, 4]])
    assert view.trace_x.min <= s1.step and view.trace_x.max >= s2.step


# ------------------------------------------------------------- gradients
def check_gradients(view, snap, hist) -> None:
    names = ["W0", "W1", "W2"]
    X, Y = drawn(view.flow.x), drawn(view.flow.y)
    assert list(view.flow.labels) == names and X.shape[0] == 3
    for i in range(3):
        gx, gy = hist.series(f"grad_norm_{i}", gradients_mod.MAX_POINTS)
        same_row(X[i], gx)
        same_row(Y[i], np.clip(gy, 1e-12, None))
    sticks = drawn(view.ratio_sticks.y)
    same(sticks[:, 0], [1e-8] * 3)
    same(sticks[:, 1], np.clip(snap.update_ratios, 1e-8, 1.0))
    figs = list(figures(view.widget))
    assert [f.title for f in figs[:2]] == [
        "Gradient flow: |∇W| per layer",
        "Update / weight ratio (≈1e-3 is healthy)",
    ]
    for i, name in enumerate(names):
        assert figs[2 + i].title == f"∇{name} at this step" and figs[2 + i].marks == [view.hists[i]]
        check_histogram(view.hists[i], snap.grads[name])
        check_histogram_axis(view.hist_axes[i], view.hists[i])
    finite = Y[np.isfinite(Y)]
    assert view.flow_y.min <= finite.min() and view.flow_y.max >= finite.max()
    assert view.flow_x.max >= max(X[np.isfinite(X)])


def test_gradients_view_draws_gradient_norms_ratios_and_histograms():
    tr, stages = moons_run()
    view = GradientsView(tr.view_context())
    for snap, hist in stages:
        view.update(snap, hist)
        check_gradients(view, snap, hist)
        assert view.warning.value == ""  # healthy norms: no warning


@pytest.mark.parametrize(
    "norms, expected",
    [
        (
            (0.5, 3e-9, 4e3),
            ["W1: vanishing gradient (norm 3e-09", "W2: exploding gradient (norm 4e+03"],
        ),
        ((2e-8, 0.1, 0.1), ["W0: vanishing gradient (norm 2e-08"]),
        ((0.1, 0.1, 2e4), ["W2: exploding gradient (norm 2e+04"]),
        (
            (float("nan"), 0.1, float("inf")),
            ["W0: gradient is not finite", "W2: gradient is not finite"],
        ),
        ((0.1, 0.2, 0.3), []),
    ],
)
def test_gradient_warning_names_the_layer_with_those_norms(norms, expected):
    tr, stages = moons_run()
    view = GradientsView(tr.view_context())
    snap, hist = stages[0]
    view.update(dataclasses.replace(snap, grad_norms=norms), hist)
    text = view.warning.value
    lines = [line for line in text.split("⚠ ")[1:]]
    assert len(lines) == len(expected)
    for line, want in zip(lines, expected, strict=True):
        assert line.startswith(want)
    view.update(dataclasses.replace(snap, grad_norms=norms, step=0), hist)
    assert view.warning.value == ""  # before the first step, nothing to warn of


# ----------------------------------------------------------- activations
def check_activations(view, snap, ds) -> None:
    hidden, _ = forward(snap, ds.X_train)
    for i, (a, act, width) in enumerate(zip(hidden, ("tanh", "relu"), (5, 3), strict=True)):
        lo, hi = (-1.0, 1.0) if act == "tanh" else (a.min(), a.max())
        if hi <= lo:
            hi = lo + 1.0
        check_histogram(view.hists[i], a, lo, hi)
        fig = view.widget.children[i].children[0]
        assert fig.title == f"layer {i + 1} ({act}, {width} units)"
        if act == "tanh":
            near = (a <= -0.98) | (a >= 0.98)
            bad = int(np.sum(near.mean(axis=0) >= 0.95))
            text = f"{bad}/{width} saturated units"
        else:
            bad = int(np.sum(np.all(a <= 0, axis=0)))
            text = f"{bad}/{width} dead units"
        assert text in view.labels[i].value
        assert ("nnw-warning" in view.labels[i].value) == (bad / width >= 0.25)


def test_activations_view_draws_each_hidden_layers_outputs():
    tr, stages = moons_run()
    view = ActivationsView(tr.view_context())
    for snap, hist in stages:
        view.update(snap, hist)
        check_activations(view, snap, tr.ds)


# -------------------------------------------------------------- boundary
def check_plane(view, snap, ds, loss) -> None:
    gx, gy, pts = plane_grid(ds, 60)
    same(view.field.x, gx, atol=1e-6)
    same(view.field.y, gy, atol=1e-6)
    _, raw = forward(snap, pts)
    if raw.shape[1] > 1:
        want = raw.argmax(axis=1)
    elif loss == "bce":
        want = sigmoid(raw[:, 0])
    else:
        want = np.clip(raw[:, 0], 0, 1)
    same(drawn(view.field.values).ravel(), want, atol=1e-6)
    for pts_mark, X, y in (
        (view.train_pts, ds.X_train, ds.y_train),
        (view.test_pts, ds.X_test, ds.y_test),
    ):
        same(pts_mark.x, X[:, 0])
        same(pts_mark.y, X[:, 1])
        same(pts_mark.color, np.ravel(y))
    assert list(view.train_pts.labels) == ["train"] and list(view.test_pts.labels) == ["test"]
    k = ds.n_classes or 2
    assert view.widget.title == (
        "Decision boundary: P(class 1)" if k == 2 else "Decision boundary: predicted class"
    )


@pytest.mark.parametrize("loss", ["bce", "mse"])
def test_boundary_plane_draws_the_probability_of_class_one(loss):
    ds = nw.datasets.moons(n_samples=40, noise=0.2, seed=1)
    tr, stages = run_of(ds, [2, 6, 1], loss=loss)
    view = BoundaryView(tr.view_context())
    assert view.mode == "plane"
    for snap, hist in stages:
        view.update(snap, hist)
        check_plane(view, snap, ds, loss)


def test_boundary_plane_draws_the_predicted_class_of_three():
    ds = nw.datasets.gaussians(n_samples=60, n_classes=3, seed=0)
    tr, stages = run_of(ds, [2, 6, 3])
    view = BoundaryView(tr.view_context())
    for snap, hist in stages:
        view.update(snap, hist)
        check_plane(view, snap, ds, "cross_entropy")


def test_boundary_shows_one_neurons_output():
    tr, stages = moons_run()
    view = BoundaryView(tr.view_context())
    _, _, pts = plane_grid(tr.ds, 60)
    view.show_neuron((2, 1))
    assert view.widget.title == "Output of neuron 1 in layer 2 (scaled)"
    for snap, hist in stages:
        view.update(snap, hist)
        h = forward(snap, pts)[0][1][:, 1]
        peak = np.abs(h).max() or 1.0
        same(drawn(view.field.values).ravel(), 0.5 + 0.5 * h / peak, atol=1e-6)
    view.show_neuron(None)
    check_plane(view, stages[-1][0], tr.ds, "bce")


def test_boundary_curve_draws_the_fitted_function():
    ds = nw.datasets.sine(n_samples=40, seed=0)
    tr, stages = run_of(ds, [1, 8, 1])
    view = BoundaryView(tr.view_context())
    assert view.mode == "curve" and view.widget.title == "Fitted curve"
    X = np.vstack([ds.X_train, ds.X_test])[:, 0]
    pad = 0.1 * (X.max() - X.min())
    xs = np.linspace(X.min() - pad, X.max() + pad, 300)
    for snap, hist in stages:
        view.update(snap, hist)
        same(view.curve.x, xs)
        same(view.curve.y, forward(snap, xs[:, None])[1][:, 0], atol=1e-6)
        same(view.train_pts.x, ds.X_train[:, 0])
        same(view.train_pts.y, ds.y_train[:, 0])
        same(view.test_pts.x, ds.X_test[:, 0])
        same(view.test_pts.y, ds.y_test[:, 0])
        assert list(view.curve.labels) == ["network"]


def test_boundary_fit_draws_predicted_against_true_test_values():
    ds = features_data(3, "regression")
    tr, stages = run_of(ds, [3, 6, 1])
    view = BoundaryView(tr.view_context())
    assert view.mode == "fit" and view.widget.title == "Predicted vs true (test)"
    for snap, hist in stages:
        view.update(snap, hist)
        same(view.pred_pts.x, ds.y_test[:, 0])
        same(view.pred_pts.y, forward(snap, ds.X_test)[1][:, 0], atol=1e-6)
        t = ds.y_test[:, 0]
        same(view.diag.x, [t.min(), t.max()])


@pytest.mark.parametrize(
    "task, sizes, loss",
    [("multiclass", [3, 6, 3], None), ("binary", [3, 6, 1], "bce"), ("binary", [3, 6, 1], "mse")],
)
def test_boundary_confusion_counts_test_predictions(task, sizes, loss):
    ds = features_data(3, task)
    tr, stages = run_of(ds, sizes, **({"loss": loss} if loss else {}))
    view = BoundaryView(tr.view_context())
    assert view.mode == "confusion" and view.widget.title == "Confusion matrix (test)"
    k = ds.n_classes
    for snap, hist in stages:
        view.update(snap, hist)
        raw = forward(snap, ds.X_test)[1]
        if raw.shape[1] > 1:
            pred = raw.argmax(axis=1)
        else:  # logits cross 0; an mse output crosses 0.5
            pred = (raw[:, 0] > (0.5 if loss == "mse" else 0.0)).astype(int)
        cm = np.zeros((k, k))
        for t, p in zip(np.ravel(ds.y_test).astype(int), pred, strict=True):
            cm[t, p] += 1
        same(view.cm.color, cm)
        assert view.cm_cs.max == max(cm.max(), 1)
    if task == "binary":  # the diagonal is the accuracy evaluate() reports
        acc = np.trace(drawn(view.cm.color)) / len(ds.y_test)
        assert acc == pytest.approx(tr.evaluate()["test_acc"])


# --------------------------------------------------------------- network
def check_network(view, snap, ds) -> None:
    sizes = (2, 5, 3, 1)
    pos = [np.arange(n) - (n - 1) / 2 for n in sizes]
    rows = [
        (layer, i, j)
        for layer in range(3)
        for i in range(sizes[layer])
        for j in range(sizes[layer + 1])
    ]
    w = np.array([snap.params[f"W{layer}"][i, j] for layer, i, j in rows])
    limit = np.abs(w).max()
    strength = np.clip(np.abs(w) / limit, 0.05, 1.0)
    x0 = np.array([layer for layer, _, _ in rows], dtype=float)
    y0 = np.array([pos[layer][i] for layer, i, _ in rows])
    y1 = np.array([pos[layer + 1][j] for layer, _, j in rows])
    same(view.edges.x, np.column_stack([x0, x0 + 1]))
    same(view.edges.y, np.column_stack([y0, y1]))
    same(view.edges.color, np.sign(w) * strength * limit, atol=1e-6)
    same(view.edges.opacities, 0.15 + 0.85 * strength)
    assert view.edge_scale.max >= limit and view.edge_scale.min == -view.edge_scale.max
    for mark, threshold in zip(view.wide_edges, (0.4, 0.75), strict=True):
        pick = strength >= threshold
        assert pick.any()
        same(mark.x, np.column_stack([x0[pick], x0[pick] + 1]))
        same(mark.y, np.column_stack([y0[pick], y1[pick]]))
        same(mark.color, np.sign(w[pick]) * strength[pick] * limit, atol=1e-6)
    same(view.midpoints.x, x0 + 0.5)
    same(view.midpoints.y, (y0 + y1) / 2)
    same(view.nodes.x, np.concatenate([np.full(n, i) for i, n in enumerate(sizes)]))
    same(view.nodes.y, np.concatenate(pos))
    # each neuron's thumbnail: its output over the plane, scaled to its peak
    _, _, pts = plane_grid(ds, 16)
    hidden, raw = forward(snap, pts)
    outputs = [pts, *hidden, 2 * sigmoid(raw) - 1]
    for layer, thumbs in enumerate(view.thumbnails):
        C = drawn(thumbs.values)
        for unit in range(sizes[layer]):
            v = outputs[layer][:, unit]
            block = C[unit * 18 : unit * 18 + 16]
            same(block, (v / np.abs(v).max()).reshape(16, 16), atol=1e-6)
            if unit + 1 < sizes[layer]:
                assert not C[unit * 18 + 16 : unit * 18 + 18].any()  # the gap


def test_network_view_draws_weights_and_neuron_outputs():
    tr, stages = moons_run()
    view = NetworkView(tr.view_context())
    for snap, hist in stages:
        view.update(snap, hist)
        check_network(view, snap, tr.ds)


# ------------------------------------------------------------- landscape
def check_landscape(view, ds, loss, points, centre_step) -> None:
    sl = view.slice
    n = len(sl.alphas)
    same(sl.alphas, np.linspace(-1, 1, n))
    same(view.field.x, sl.alphas)
    same(view.field.y, sl.alphas)
    keys = sorted(points[0][1].params)
    centre = np.concatenate([np.ravel(points[0][1].params[k]) for k in keys])
    np.testing.assert_allclose(sl.centre, centre)
    d1, d2 = sl.directions
    y = loss.targets(ds.y_train)
    want = np.full((n, n), np.nan)
    for i in range(sl.row):  # the rows computed so far; the others are blank
        for j in range(n):
            theta = centre + sl.alphas[j] * d1 + sl.alphas[i] * d2
            params, start = {}, 0
            for k in keys:
                shape = np.shape(points[0][1].params[k])
                params[k] = theta[start : start + int(np.prod(shape))].reshape(shape)
                start += int(np.prod(shape))
            snap = dataclasses.replace(points[0][1], params=params)
            want[i, j] = loss.value(forward(snap, ds.X_train)[1], y)
    same(view.field.values, np.log10(want), atol=1e-6)
    finite = want[np.isfinite(want)]
    lo, hi = view.color_range
    assert lo == pytest.approx(np.log10(finite.min()), rel=1e-9)
    assert hi == pytest.approx(np.log10(finite.max()), rel=1e-9)
    state = "complete" if sl.row == n else f"computing rows {sl.row}/{n}…"
    assert view.info.value == (
        f"slice centred on step {centre_step}; {state}; "
        f"loss from {finite.min():.3g} to {finite.max():.3g}"
    )
    # the path: every distinct point fed, in the slice's coordinates
    flat = np.array([np.concatenate([np.ravel(s.params[k]) for k in keys]) for _, s in points])
    coords = np.linalg.lstsq(np.stack([d1, d2]).T, (flat - centre).T, rcond=None)[0].T
    same(view.path.x, coords[:, 0], atol=1e-5)
    same(view.path.y, coords[:, 1], atol=1e-5)
    same(view.here.x, coords[-1:, 0], atol=1e-5)
    same(view.here.y, coords[-1:, 1], atol=1e-5)


def test_landscape_view_draws_the_loss_around_the_weights_and_the_path():
    ds = nw.datasets.moons(n_samples=40, noise=0.2, seed=0)
    tr = nw.Trainer(nw.MLP([2, 4, 1], seed=0), ds, optimizer=nw.optim.SGD(lr=0.2), batch_size=16)
    view = LandscapeView(tr.view_context())
    view.samples.value = len(ds.X_train)  # all of them: the mean does not depend on the pick
    view.resolution.value = 5
    view.follow = False
    points = []
    for epochs in (0, 1, 3):
        tr.run(epochs) if epochs else tr.step()
        snap = tr.snapshot()
        points.append((epochs, snap))
        view.update(snap, tr.history)
        check_landscape(view, ds, tr.loss, points, centre_step=1)
    while not view.slice.done:
        view.update(snap, tr.history)  # the same weights: the path does not grow
    check_landscape(view, ds, tr.loss, points, centre_step=1)
    # a new slice around the last weights; clear_path starts a new path there
    view.request()
    view.clear_path()
    view.update(snap, tr.history)
    check_landscape(view, ds, tr.loss, points[-1:], centre_step=snap.step)


# ------------------------------------------------------ edges of each view
def test_weights_view_fixed_range_is_shared_and_holds():
    tr, stages = moons_run()
    view = WeightsView(tr.view_context())
    (s1, h1), (s2, h2) = stages
    view.update(s1, h1)
    view.fixed.value = True
    biggest = max(np.abs(s1.params[f"W{i}"]).max() for i in range(3))
    limits = {hm.color_scale.max for hm in view.heatmaps}
    assert len(limits) == 1 and 1.0 <= limits.pop() / biggest <= 1.25 + 1e-9
    held = view.heatmaps[0].color_scale.max
    view.update(s2, h2)  # the weights grew: the fixed range holds, the maps clip
    assert all(hm.color_scale.max == held for hm in view.heatmaps)
    for i, hm in enumerate(view.heatmaps):
        W = np.asarray(s2.params[f"W{i}"])
        same(drawn(hm.mark.color)[: W.shape[0], : W.shape[1]], W)
        assert view.heat_figs[i].title.endswith(f"|w| ≤ {held:.2g}")
    view.fixed.value = False
    check_weights(view, s2)


def test_weights_view_traces_forget_the_future_after_a_rewind_and_keep_eight():
    tr, stages = moons_run()
    view = WeightsView(tr.view_context())
    (s1, h1), (s2, h2) = stages
    view.update(s1, h1)
    view.follow(0, 0, 0)
    view.update(s2, h2)
    view.update(s1, h1)  # back in time (a rewind): the later point goes
    same_row(np.atleast_2d(drawn(view.trace_lines.x))[0], [s1.step])
    same_row(np.atleast_2d(drawn(view.trace_lines.y))[0], [s1.params["W0"][0, 0]])
    for key in [(0, 1, 0), (0, 1, 1), (0, 1, 2), (1, 0, 0), (1, 1, 0), (1, 2, 0), (1, 3, 0)]:
        view.follow(*key)
    assert len(view.followed) == 8 and view.followed[0] == (0, 0, 0)
    view.follow(2, 2, 0)  # a ninth: the oldest is dropped
    assert view.followed[0] == (0, 1, 0) and len(drawn(view.trace_lines.y)) == 8
    assert list(view.trace_lines.labels)[-1] == "W2[2,0]"
    view.unfollow_all()
    assert view.trace_hint.visible and list(view.trace_lines.labels) == []


def test_activations_view_says_when_every_relu_unit_is_dead():
    tr, stages = moons_run()
    view = ActivationsView(tr.view_context())
    snap, hist = stages[0]
    params = dict(snap.params)
    params["W1"] = np.zeros_like(params["W1"])
    params["b1"] = np.full_like(params["b1"], -1.0)  # relu layer: 0 everywhere
    view.update(dataclasses.replace(snap, params=params), hist)
    check_histogram(view.hists[1], np.zeros(len(tr.ds.X_train) * 3), 0.0, 1.0)
    assert "3/3 dead units" in view.labels[1].value and "nnw-warning" in view.labels[1].value


def test_activations_view_draws_a_sample_of_a_large_training_set():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1500, 2))
    ds = nw.Dataset.from_arrays(X, (X[:, 0] > 0).astype(int), test_fraction=0.1)
    tr = nw.Trainer(nw.MLP([2, 4, 1], seed=0), ds)
    view = ActivationsView(tr.view_context())
    tr.step()
    view.update(tr.snapshot(), tr.history)
    rows = ds.X_train[np.random.default_rng(0).choice(len(ds.X_train), 1000, replace=False)]
    check_histogram(view.hists[0], forward(tr.snapshot(), rows)[0][0], -1.0, 1.0)


def test_network_view_of_zero_weights_draws_every_edge_faint_and_none_wide():
    ds = nw.datasets.moons(n_samples=40, seed=0)
    tr = nw.Trainer(nw.MLP([2, 3, 1], init="zeros", seed=0), ds)
    view = NetworkView(tr.view_context())
    view.update(tr.snapshot(), tr.history)
    assert not drawn(view.edges.color).any()
    same(view.edges.opacities, [0.15 + 0.85 * 0.05] * 9)
    for mark in view.wide_edges:  # no wide line: empty arrays, never NaN placeholders
        assert drawn(mark.x).size == 0 and drawn(mark.y).size == 0


def test_landscape_recentres_when_the_weights_leave_the_slice():
    ds = nw.datasets.moons(n_samples=40, noise=0.2, seed=0)
    tr = nw.Trainer(nw.MLP([2, 4, 1], seed=0), ds, optimizer=nw.optim.SGD(lr=0.5), batch_size=8)
    view = LandscapeView(tr.view_context())
    view.samples.value = len(ds.X_train)
    view.resolution.value = 5
    tr.step()
    first = tr.snapshot()
    while view.slice is None or not view.slice.done:
        view.update(first, tr.history)
    tr.run(200)  # far from the first weights
    far = tr.snapshot()
    view.update(far, tr.history)
    assert np.abs(drawn(view.here.x)).max() > 1 or np.abs(drawn(view.here.y)).max() > 1
    view.update(far, tr.history)  # the next update centres a new slice on them
    assert view.info.value.startswith(f"slice centred on step {far.step};")
    same(view.here.x, [0.0], atol=1e-6)
    same(view.here.y, [0.0], atol=1e-6)
    assert len(drawn(view.path.x)) == 2  # the path goes on: first and far


def test_landscape_path_starts_again_for_a_network_of_another_size():
    tr, stages = moons_run()
    view = LandscapeView(tr.view_context())
    snap, hist = stages[0]
    view.update(snap, hist)
    other = nw.Trainer(nw.MLP([2, 7, 3, 1], activation=["tanh", "relu"], seed=0), tr.ds)
    view.request()
    view.update(other.snapshot(), other.history)
    assert len(drawn(view.path.x)) == 1


def test_boundary_show_neuron_outside_the_plane_changes_nothing():
    ds = nw.datasets.sine(n_samples=40, seed=0)
    tr, _ = run_of(ds, [1, 8, 1], epochs=1)
    view = BoundaryView(tr.view_context())
    view.show_neuron((1, 0))
    assert view.neuron is None and view.widget.title == "Fitted curve"
