"""The optimizer race: identical starts, one set of controls, overlaid curves."""

import numpy as np
import pytest
from playing import play_for

import nnwidgets as nw

OPTIMIZERS = {
    "SGD": nw.optim.SGD(lr=0.1),
    "momentum": nw.optim.SGD(lr=0.05, momentum=0.9),
    "Adam": nw.optim.Adam(lr=0.01),
}


def make_race(**kw):
    ds = nw.datasets.moons(n_samples=120, noise=0.2, seed=0)
    return nw.compare(lambda: nw.MLP([2, 8, 1], seed=0), ds, optimizers=dict(OPTIMIZERS), **kw)


def test_race_starts_from_identical_weights_and_batches():
    race = make_race()
    first = race.trainers[0].model.params
    for t in race.trainers[1:]:
        for k, v in t.model.params.items():
            np.testing.assert_array_equal(v, first[k])
    race.step()
    losses = [t.history.series("batch_loss")[1][0] for t in race.trainers]
    assert losses[0] == losses[1] == losses[2]  # same weights, same first batch
    assert len({t.model.params["W0"].tobytes() for t in race.trainers}) == 3


def test_controls_step_every_trainer_and_draw_one_line_each():
    race = make_race()
    race.step_button.click()
    race.epoch_button.click()
    assert {t.epoch for t in race.trainers} == {1}
    assert np.asarray(race.batch_lines.y).shape[0] == 3
    assert race.test_lines.labels == ["SGD", "momentum", "Adam"]
    for name in OPTIMIZERS:
        assert name in race.status.value
    race.reset_button.click()
    assert all(t.step_count == 0 for t in race.trainers)


def test_race_plays_and_pauses():
    race = make_race()

    play_for(race, 0.3)
    counts = {t.step_count for t in race.trainers}
    assert len(counts) == 1 and counts.pop() > 0  # in lockstep


def test_compare_existing_trainers_and_bad_input():
    ds = nw.datasets.moons(n_samples=60)
    a = nw.Trainer(nw.MLP([2, 4, 1], seed=0), ds)
    b = nw.Trainer(nw.MLP([2, 4, 1], seed=0), ds, optimizer="adam")
    race = nw.compare([a, b])
    race.step()
    assert a.step_count == b.step_count == 1
    with pytest.raises(ValueError, match="identical initial weights"):
        seeds = iter(range(5))
        nw.compare(lambda: nw.MLP([2, 4, 1], seed=next(seeds)), ds, optimizers=dict(OPTIMIZERS))
    with pytest.raises(ValueError, match="optimizer"):
        nw.compare(lambda: nw.MLP([2, 4, 1]), ds)
    with pytest.raises(TypeError, match="trainer protocol"):
        nw.compare([object()])


def test_every_path_is_drawn_on_one_landscape():
    race = make_race()
    for _ in range(6):
        race.step_epoch()
    assert race.landscape is not None
    assert "nnw-view-landscape" in race.landscape.widget._dom_classes
    assert len(race.paths) == 3
    lengths = [len(np.asarray(p.x)) for p in race.paths]
    assert all(n >= 6 for n in lengths), lengths
    # every path starts at the same point: the shared initial weights
    starts = {
        (round(float(np.asarray(p.x)[0]), 4), round(float(np.asarray(p.y)[0]), 4))
        for p in race.paths
    }
    assert len(starts) == 1
    # and ends where its trainer is now
    view = race.landscape
    for p, t in zip(race.paths, race.trainers, strict=True):
        from nnwidgets.views.landscape import flatten

        here = view.project(flatten(t.model.params, race._keys)[None, :])[0]
        assert np.allclose([np.asarray(p.x)[-1], np.asarray(p.y)[-1]], here, atol=1e-4)


def test_the_race_speaks_as_the_dashboard_does():
    from nnwidgets.widgets.a11y import Accessibility, plain_text

    race = make_race()
    assert isinstance(race.a11y, Accessibility) and race.a11y in race.children
    race.step_button.click()
    figures = race.a11y.figures
    # the race's curves: each trainer's loss at the step shown
    (race_text,) = figures["race"]
    assert race_text.startswith(race.loss_fig.title + ". At step 1: SGD test loss ")
    assert "; momentum test loss " in race_text and "; Adam test loss " in race_text
    # one text per boundary, each its own trainer's (distinct classes in the page)
    for i, (name, view) in enumerate(zip(OPTIMIZERS, race.boundaries, strict=True)):
        assert f"nnw-view-boundary-{i}" in view.widget._dom_classes
        (text,) = figures[f"boundary-{i}"]
        assert text.startswith(f"{name}: accuracy ") and text.endswith("at epoch 0")
    assert figures["landscape"] and all(figures["landscape"])
    # the status is announced at once after a click: a sentence per trainer
    said = race.a11y.announcement
    assert said == plain_text(race.status.value.replace("<br>", "; "))
    assert said.startswith("SGD: epoch 0 · step 1") and "; Adam: epoch 0 · step 1" in said
