"""Accessibility without a browser: what the Dashboard tells its accessibility widget
(figure texts, the paced status announcements), and the keyboard's follow picker.
What the page does with it is tested in tests/browser/test_accessibility.py."""

from __future__ import annotations

import re

import numpy as np
import pytest
from playing import play_for

import nnwidgets as nw
from nnwidgets.views import VIEWS
from nnwidgets.views.base import figures
from nnwidgets.views.follow_picker import FollowPicker
from nnwidgets.widgets.a11y import (
    ANNOUNCE_EVERY,
    NAMES,
    VALUE_TEXTS,
    Accessibility,
    Announcer,
    plain_text,
)


def moons_trainer(**kw):
    ds = nw.datasets.moons(n_samples=120, noise=0.15, seed=0)
    model = nw.MLP([2, 6, 5, 1], activation="tanh", seed=0)
    return nw.Trainer(model, ds, optimizer=nw.optim.SGD(lr=0.1), batch_size=10, **kw)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_plain_text_is_what_the_status_line_shows():
    line = "<b>viewing step 3</b> (training is at step 9; “Continue”) · epoch 0 &amp; more"
    assert plain_text(line) == "viewing step 3 (training is at step 9; “Continue”) · epoch 0 & more"
    assert plain_text("<span style='color:red'>a   b</span>") == "a b"


def test_announcer_speaks_at_once_when_asked_and_paces_the_rest():
    clock = Clock()
    widget = Accessibility()
    say = Announcer(widget, every=5.0, clock=clock)
    assert say.say("<b>one</b>") and widget.announcement == "one"
    clock.t += 1.0
    assert not say.say("two") and widget.announcement == "one"  # too soon while playing
    assert say.say("three", now=True) and widget.announcement == "three"  # a click
    clock.t += 4.9
    assert not say.say("four")
    clock.t += 0.2
    assert say.say("five") and widget.announcement == "five"


@pytest.mark.parametrize(
    "every, error", [(-1.0, ValueError), (float("nan"), ValueError), ("5", TypeError)]
)
def test_announcer_refuses_a_bad_interval(every, error):
    with pytest.raises(error, match="every"):
        Announcer(Accessibility(), every=every)


def test_the_dashboard_holds_one_accessibility_widget_with_its_formats():
    dash = nw.Dashboard(moons_trainer())
    assert dash.a11y in dash.children and "nnw-a11y" in dash.a11y._dom_classes
    assert dash.a11y.layout.display == "none"
    assert dash.a11y.value_texts == VALUE_TEXTS and dash.a11y.names == NAMES
    # the focus ring and the live region's hiding are scoped to our own widgets
    css = dash.a11y._css
    assert ".nnw-dashboard.nnw-dashboard :focus-visible" in css
    assert "outline: 2px solid var(--jp-brand-color1, #1976d2)" in css
    assert "export default" in dash.a11y._esm


def test_every_view_describes_each_of_its_figures_after_a_step():
    tr = moons_trainer()
    dash = nw.Dashboard(tr, views=tuple(VIEWS))
    dash.step()
    assert set(dash.a11y.figures) == set(VIEWS)
    for name, view in dash.views.items():
        texts = dash.a11y.figures[name]
        assert len(texts) == len(list(figures(view.widget))), name
        assert all(t.strip() for t in texts), (name, texts)
    assert dash.a11y.announcement == plain_text(dash.controls.status.value)
    assert "step 1" in dash.a11y.announcement


def test_the_loss_text_says_train_and_test_at_the_epoch():
    tr = moons_trainer()
    dash = nw.Dashboard(tr)
    dash.step_epoch()
    m = tr.evaluate()
    loss, accuracy = dash.a11y.figures["loss"]
    assert loss == (
        f"loss: train {m['train_loss']:.3g}, test {m['test_loss']:.3g} at epoch 1 "
        f"(step {tr.step_count}, batch loss {tr.snapshot().batch_loss:.3g})"
    )
    assert accuracy == f"accuracy: train {m['train_acc']:.0%}, test {m['test_acc']:.0%} at epoch 1"
    boundary = dash.a11y.figures["boundary"][0]
    assert boundary.startswith("Decision boundary: P(class 1): accuracy train ")


@pytest.mark.parametrize(
    "dataset, sizes",
    [
        (lambda: nw.datasets.sine(n_samples=80, noise=0.1, seed=0), [1, 8, 1]),
        (lambda: nw.datasets.spiral(n_samples=90, noise=0.1, seed=0), [2, 6, 1]),
    ],
)
def test_descriptions_fit_regression_and_other_networks(dataset, sizes):
    ds = dataset()
    tr = nw.Trainer(nw.MLP(sizes, seed=0), ds, batch_size=10, seed=0)
    dash = nw.Dashboard(tr, views=tuple(VIEWS))
    dash.step()
    for name, view in dash.views.items():
        assert len(dash.a11y.figures[name]) == len(list(figures(view.widget))), name
    if ds.task == "regression":
        assert dash.a11y.figures["loss"] == [dash.a11y.figures["loss"][0]]  # no accuracy
        assert re.search(r": loss train [0-9.e+-]+, test", dash.a11y.figures["boundary"][0])


def test_play_announces_at_most_every_few_seconds_and_at_once_on_pause():
    dash = nw.Dashboard(moons_trainer(), speed="max")
    said, described = [], []
    dash.a11y.observe(lambda c: said.append(c["new"]), names="announcement")
    dash.a11y.observe(lambda c: described.append(c["new"]), names="figures")
    statuses = []
    dash.controls.status.observe(lambda c: statuses.append(c["new"]), names="value")
    dash.step()  # a click: said at once
    assert len(said) == 1 and "step 1" in said[-1]
    assert ANNOUNCE_EVERY > 1.5
    play_for(dash, 1.5)
    assert len(statuses) > 3  # the status line followed play
    # nothing said while playing (the Step was said less than ANNOUNCE_EVERY ago), then
    # the stopped state at once; the figures' texts only at Step and at the end
    assert len(said) == 2, said
    assert said[-1] == plain_text(dash.controls.status.value)
    assert "steps/s" not in said[-1]
    assert len(described) == 2


def test_follow_picker_follows_the_weight_it_shows():
    dash = nw.Dashboard(moons_trainer())
    view = dash.views["weights"]
    picker = view.picker
    assert "nnw-follow" in picker._dom_classes
    shapes = [w.shape for w in (dash.trainer.model.params[f"W{i}"] for i in range(3))]
    assert shapes == [(2, 6), (6, 5), (5, 1)]
    # the fields' bounds are the largest layer's whatever the layer: bounds sent after a
    # layer change would reach the page after a row typed at once, and clamp it
    assert [picker.row.max, picker.column.max] == [5, 5]
    picker.row.value, picker.column.value = 3, 2
    picker.layer.value = 2  # W2 is 5 -> 1: column 2 is outside it
    assert [picker.row.max, picker.column.max] == [5, 5]
    assert [picker.row.value, picker.column.value] == [3, 2]  # nothing clamped
    picker.button.click()
    assert view.followed == []
    assert picker.note.value == "W2 has rows 0 to 4 and columns 0 to 0: [3,2] is not in it"
    picker.column.value = 0
    picker.button.click()
    assert view.followed == [(2, 3, 0)]
    assert picker.note.value == "following W2[3,0]" and "nnw-live" in picker.note._dom_classes
    dash.step()
    trace = dash.a11y.figures["weights"][-1]
    w = float(dash.trainer.model.params["W2"][3, 0])
    assert trace == f"Followed weights at step 1: W2[3,0] {w:.3g}"


def test_follow_picker_refuses_names_that_do_not_match_the_shapes():
    with pytest.raises(ValueError, match="names and shapes"):
        FollowPicker(["W0", "W1"], [(2, 3)], lambda *a: None)
    with pytest.raises(ValueError, match="names and shapes"):
        FollowPicker([], [], lambda *a: None)


def test_weight_and_gradient_texts_give_each_layers_range():
    dash = nw.Dashboard(moons_trainer())
    dash.step()
    snap = dash.trainer.snapshot()
    weights = dash.a11y.figures["weights"]
    W0 = np.asarray(snap.params["W0"])
    assert weights[0].startswith("W0 (2→6), |w| ≤ ")
    assert f"from {W0.min():.2g} to {W0.max():.2g}" in weights[0]
    assert weights[3].startswith("W0 values: histogram, from ")
    flow, ratio, *hists = dash.a11y.figures["gradients"]
    assert flow.startswith("Gradient flow") and f"W0 {snap.grad_norms[0]:.3g}" in flow
    assert f"W2 {snap.update_ratios[2]:.3g}" in ratio
    assert [h.split(":")[0] for h in hists] == [
        "∇W0 at this step",
        "∇W1 at this step",
        "∇W2 at this step",
    ]
