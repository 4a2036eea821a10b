"""Every numeric axis of every view has explicit ticks whose labels, at the figure's size,
stay apart and share one number format: after 5 steps and after 10,000 epochs."""

from __future__ import annotations

import numpy as np
import pytest
from bqplot import LogScale, OrdinalScale
from test_axis_ticks import formats
from test_view_marks import features_data

import nnwidgets as nw
from nnwidgets.core.history import History
from nnwidgets.views import VIEWS
from nnwidgets.views.axis_ticks import (
    CHAR_PX,
    LABEL_GAP_PX,
    LINE_PX,
    axis_length_px,
    shown_labels,
)
from nnwidgets.views.protocol import figures

EPOCHS, PER_EPOCH = 10_000, 20  # the 2-8-8-1 moons demo plays 20 steps per epoch here


def moons_trainer(n_samples: int = 200, **kw):
    ds = nw.datasets.moons(n_samples=n_samples, noise=0.15, seed=0)
    model = nw.MLP([2, 8, 8, 1], activation="tanh", seed=0)
    return nw.Trainer(model, ds, optimizer=nw.optim.SGD(lr=0.1), batch_size=10, seed=0, **kw)


def long_history(tr, epochs: int = EPOCHS, per_epoch: int = PER_EPOCH) -> History:
    """A history of ``epochs`` epochs of ``per_epoch`` steps: falling losses with noise,
    rising accuracy, gradient norms over six decades."""
    h = History(tr.model.n_layers, classification=True)
    rng = np.random.default_rng(0)
    n = epochs * per_epoch
    steps = np.arange(1, n + 1, dtype=float)
    rows = np.full((n, len(h.step_columns)), 0.01)
    rows[:, 0] = 0.7 * np.exp(-steps / 3000) + 0.05 * rng.random(n)
    rows[:, 1] = 0.1
    grads = [i for i, name in enumerate(h.step_columns) if name.startswith("grad_norm")]
    rows[:, grads] = 10.0 ** rng.uniform(-7, -1, size=(n, len(grads)))
    for s, row in zip(steps, rows, strict=True):
        h.steps.append(s, row)
    for e in range(epochs + 1):
        loss = 0.7 * np.exp(-e * per_epoch / 3000) + 0.01
        acc = min(1.0, 0.5 + e / 200)
        metrics = {"train_loss": loss, "test_loss": 1.2 * loss, "penalty": 0.0}
        h.record_epoch(e, e * per_epoch, {**metrics, "train_acc": acc, "test_acc": acc})
    return h


def numeric_axes(view):
    """(figure, axis) of every axis of a view that shows numbers (not names or cells)."""
    for fig in figures(view.widget):
        for axis_ in fig.axes:
            if isinstance(axis_.scale, OrdinalScale):
                continue
            labels = axis_.tick_labels or {}
            if any(not formats_ok(text) for text in labels.values()):
                continue  # layer names under the ratio sticks, a one-cell heatmap side
            yield fig, axis_


def formats_ok(text: str) -> bool:
    try:
        formats([text])
    except AssertionError:
        return False
    return True


def assert_readable(fig, axis_, where: str) -> list[str]:
    """The labels of one axis, after checking them; ``where`` names it in failures."""
    assert axis_.tick_values is not None, f"{where}: d3's own ticks"
    values = np.asarray(axis_.tick_values, dtype=float)
    labels = shown_labels(axis_)
    assert len(formats(labels)) <= 1, f"{where}: mixed formats {labels}"
    assert len(set(labels)) == len(labels), f"{where}: repeated labels {labels}"
    scale = axis_.scale
    lo = scale.min if scale.min is not None else values.min()
    hi = scale.max if scale.max is not None else values.max()
    assert lo - 1e-9 * abs(hi - lo) <= values.min() and values.max() <= hi + 1e-9 * abs(hi - lo)
    if isinstance(scale, LogScale):
        pos = (np.log10(values) - np.log10(lo)) / (np.log10(hi) - np.log10(lo))
    else:
        pos = (values - lo) / ((hi - lo) or 1.0)
    px = pos * axis_length_px(fig, axis_)
    vertical = axis_.side in ("left", "right")
    if not vertical:  # the end labels stay inside the figure (its margins)
        margin = fig.fig_margin
        assert px[0] - CHAR_PX * len(labels[0]) / 2 >= -margin["left"], f"{where}: {labels[0]}"
        right = px[-1] + CHAR_PX * len(labels[-1]) / 2
        assert right <= axis_length_px(fig, axis_) + margin["right"], f"{where}: {labels[-1]}"
    for i in range(len(values) - 1):
        extent = LINE_PX if vertical else CHAR_PX * (len(labels[i]) + len(labels[i + 1])) / 2
        gap = abs(px[i + 1] - px[i]) - extent
        assert gap >= LABEL_GAP_PX, (
            f"{where}: {labels[i]!r} and {labels[i + 1]!r} {gap:.0f} px apart"
        )
    return labels


def check_views(views) -> dict:
    shown = {}
    for name, view in views.items():
        for fig, axis_ in numeric_axes(view):
            where = f"{name} / {fig.title} / {axis_.label}"
            shown[where] = assert_readable(fig, axis_, where)
    return shown


@pytest.fixture(scope="module")
def demo_views():
    tr = moons_trainer()
    views = {name: cls(tr.view_context()) for name, cls in VIEWS.items()}
    views["weights"].follow(0, 1, 2)
    return tr, views


def test_every_axis_reads_apart_after_five_steps(demo_views):
    tr, views = demo_views
    for _ in range(5):
        tr.run_steps(1)
        for view in views.values():
            view.update(tr.snapshot(), tr.history)
    shown = check_views(views)
    assert shown["loss / Loss / step"] == ["0", "5", "10"]  # 216 px of plot: 50 px apart
    assert shown["loss / Accuracy / epoch"] == ["0", "5", "10"]
    assert shown["loss / Accuracy / accuracy"] == ["0%", "20%", "40%", "60%", "80%", "100%"]
    assert shown["weights / Followed weights (click a heatmap cell) / step"] == [
        "2",
        "4",
        "6",
        "8",
        "10",
    ]
    assert len(shown) >= 20


def test_every_axis_reads_apart_after_ten_thousand_epochs(demo_views):
    tr, views = demo_views
    tr.run_steps(5)
    history = long_history(tr)
    for view in views.values():
        view.update(tr.snapshot(), history)
    weights = views["weights"]
    W = tr.model.params["W0"]
    for step in range(20, EPOCHS * PER_EPOCH + 1, 500):  # followed all along
        weights._record((0, 1, 2), step, W + 1e-6 * step)
    weights._draw_traces()
    shown = check_views(views)
    assert shown["loss / Loss / step"] == ["0", "50k", "100k", "150k", "200k"]
    assert shown["gradients / Gradient flow: |∇W| per layer / step"][-1] == "200k"
    assert shown["loss / Accuracy / epoch"] == ["0", "5k", "10k"]
    assert shown["weights / Followed weights (click a heatmap cell) / step"][-1] == "200k"
    loss = views["loss"]
    loss.scale_toggle.value = "log"
    loss.update(tr.snapshot(), history)
    labels = assert_readable(loss.loss_fig, loss.y_axis, "loss log axis")
    assert all(text.startswith("1e") for text in labels)


@pytest.mark.parametrize("epochs", [1, 7, 30, 120, 700, 2000, 4500])
def test_step_and_epoch_axes_at_every_length_of_play(epochs):
    """The issue's 2,000 epochs among them: '200' over '400' on the accuracy figure."""
    tr = moons_trainer(n_samples=40)
    view = VIEWS["loss"](tr.view_context())
    view.update(tr.snapshot(), long_history(tr, epochs=epochs, per_epoch=4))
    for fig, axis_ in numeric_axes(view):
        assert_readable(fig, axis_, f"{fig.title} / {axis_.label} after {epochs} epochs")


@pytest.mark.parametrize(
    "make",
    [
        lambda: (nw.datasets.sine(n_samples=40, seed=0), [1, 8, 1]),  # the fitted curve
        lambda: (nw.datasets.gaussians(n_samples=60, n_classes=3, seed=0), [2, 6, 3]),
        lambda: (features_data(3, "regression"), [3, 6, 1]),  # predicted against true
        lambda: (features_data(3, "multiclass"), [3, 6, 3]),  # a confusion matrix
    ],
)
def test_other_data_sets_read_apart(make):
    ds, sizes = make()
    tr = nw.Trainer(nw.MLP(sizes, seed=0), ds, batch_size=10, seed=0)
    views = {name: cls(tr.view_context()) for name, cls in VIEWS.items()}
    for _ in range(3):
        tr.run_steps(7)
        for view in views.values():
            view.update(tr.snapshot(), tr.history)
    check_views(views)


def test_legends_sit_outside_the_line_figures(demo_views):
    _, views = demo_views
    for name in ("loss", "gradients", "weights"):
        for fig in figures(views[name].widget):
            assert not any(getattr(m, "display_legend", False) for m in fig.marks), fig.title
    assert "train" in views["loss"].legend.value and "batch" in views["loss"].legend.value
    assert all(n in views["gradients"].legend.value for n in ("W0", "W1", "W2"))
    assert "W0[1,2]" in views["weights"].trace_legend.value


def test_boundary_legend_goes_to_the_corner_with_fewest_points():
    from nnwidgets.views.boundary import empty_corner

    rng = np.random.default_rng(0)
    xs, ys = rng.uniform(0.6, 1.0, 50), rng.uniform(0.6, 1.0, 50)  # crowding the top-right
    corner = empty_corner(xs, ys, (0, 1), (0, 1), (346, 322), (100, 60))
    assert corner != "top-right"
    assert empty_corner([], [], (0, 1), (0, 1), (346, 322), (100, 60)) == "top-right"
    view = VIEWS["boundary"](moons_trainer().view_context())
    assert view.widget.legend_location == "bottom-left"  # at 330x320 the moons leave it empty
