"""The Dashboard's parts: a new optimizer is one class, the race reuses the Dashboard's
controls, pacing and refresh schedule, and widgets speak to trainers through protocols."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

import nnwidgets as nw
from nnwidgets.core.optim import OPTIMIZERS, Argument, Optimizer
from nnwidgets.widgets import runner as runner_mod


@pytest.fixture
def sign_sgd():
    """A toy optimizer defined here, with no edit anywhere else."""

    class SignSGD(Optimizer):
        """Steps by the sign of the gradient, scaled."""

        name = "signsgd"
        label = "signSGD"
        main_argument = Argument("scale", "scale", 0.0, 2.0)

        def __init__(self, lr: float = 0.01, scale: float = 1.0) -> None:
            super().__init__(lr)
            self.scale = scale

        def update(self, p, g, state):
            p -= self.lr * self.scale * np.sign(g)

    yield SignSGD
    OPTIMIZERS.pop("signsgd")


def test_a_new_optimizer_class_is_in_the_dashboard_with_its_argument(sign_sgd):
    assert OPTIMIZERS["signsgd"] is sign_sgd
    assert sign_sgd(lr=0.1, scale=0.5).hyperparameters() == {"scale": 0.5}
    ds = nw.datasets.moons(n_samples=60, noise=0.1, seed=0)
    tr = nw.Trainer(nw.MLP([2, 4, 1], seed=0), ds, optimizer=nw.optim.SGD(lr=0.05))
    dash = nw.Dashboard(tr, views=("loss",))
    c = dash.controls
    assert ("signSGD", "signsgd") in c.optimizer.options
    c.optimizer.value = "signsgd"
    assert isinstance(tr.optimizer, sign_sgd) and tr.lr == pytest.approx(0.05)
    assert c.opt_arg.description == "scale" and c.opt_arg.max == 2.0
    assert c.opt_arg.layout.visibility == "visible"
    c.opt_arg.value = 1.5
    assert tr.optimizer.scale == pytest.approx(1.5)
    before = tr.snapshot().params["W0"]
    dash.step()
    step = np.abs(tr.snapshot().params["W0"] - before)
    np.testing.assert_allclose(step[step > 0], 0.05 * 1.5)  # its own update rule ran
    c.optimizer.value = "adagrad"  # no main argument: the control hides
    assert c.opt_arg.layout.visibility == "hidden"
    c.optimizer.value = "sgd"
    assert c.opt_arg.layout.visibility == "visible" and c.opt_arg.description == "momentum"


def test_dashboard_labels_and_arguments_come_from_the_classes():
    dash = nw.demo()
    c = dash.controls
    assert [label for label, _ in c.optimizer.options][:5] == [
        "SGD",
        "Adam",
        "AdamW",
        "RMSprop",
        "Adagrad",
    ]
    c.optimizer.value = "adamw"
    assert c.opt_arg.description == "β1" and c.opt_arg.max == 0.999
    c.opt_arg.value = 0.7
    assert dash.trainer.optimizer.betas == (0.7, 0.999)  # beta2 keeps its default
    c.optimizer.value = "rmsprop"
    assert c.opt_arg.description == "momentum"
    c.opt_arg.value = 0.5
    assert dash.trainer.optimizer.momentum == pytest.approx(0.5)


def make_race(**kw):
    ds = nw.datasets.moons(n_samples=80, noise=0.2, seed=0)
    return nw.compare(lambda: nw.MLP([2, 6, 1], seed=0), ds, **kw)


def test_race_reuses_the_dashboard_controls():
    race = make_race(optimizers={"SGD": nw.optim.SGD(lr=0.1), "Adam": nw.optim.Adam(lr=0.01)})
    c = race.controls
    shown = [c.step, c.epoch, c.play, c.reset, c.status]
    for widget, css in zip(shown, ["step", "epoch", "play", "reset", "status"], strict=True):
        assert f"nnw-{css}" in widget._dom_classes and widget.layout.display != "none"
    for widget in (c.optimizer, c.batch_size, c.scrubber, c.save, c.stop_after):
        assert widget.layout.display == "none"
    assert c.lr.layout.display == "none"  # the rates differ: no one rate to show
    same = make_race(optimizers={"a": nw.optim.SGD(lr=0.1), "b": nw.optim.Adam(lr=0.1)})
    assert same.controls.lr.layout.display != "none"
    same.controls.lr.value = 0.02
    assert [t.lr for t in same.trainers] == pytest.approx([0.02, 0.02])


def test_race_is_paced_by_the_page_and_slow_views_take_turns():
    race = make_race(optimizers={"SGD": nw.optim.SGD(lr=0.1), "Adam": nw.optim.Adam(lr=0.01)})
    assert race.runner.refresh_hz is None
    assert race.runner.target_hz == runner_mod.FALLBACK_HZ
    race._frames.back.value = 1  # a page acknowledged a refresh
    assert race.runner.target_hz == runner_mod.AUTO_HZ
    updated = []
    for i, view in enumerate([*race.boundaries, race.landscape]):
        original = view.update

        def spy(snapshot, history, i=i, original=original):
            updated.append(i)
            original(snapshot, history)

        view.update = spy
    turns = []
    for _ in range(3):
        updated.clear()
        race.lockstep.run_steps(2)
        race.refresh_playing()
        assert len(updated) <= 1  # at most one slow view per refresh
        turns += updated
        assert np.asarray(race.batch_lines.x).shape[-1] == race.lockstep.step_count
    assert sorted(turns) == [0, 1, 2]
    updated.clear()
    race.refresh()
    assert sorted(updated) == [0, 1, 2]


def test_play_task_and_reset_of_the_race():
    race = make_race(optimizers={"SGD": nw.optim.SGD(lr=0.1)})
    assert race.runner.task is None
    race.step_epoch()
    race.reset()
    assert race.trainers[0].step_count == 0
    assert len(np.asarray(race.paths[0].x)) == 1  # the path starts again


def test_widgets_speak_protocols_not_privates():
    """No hasattr/getattr probes and no private attribute of another object."""
    root = Path(nw.__file__).parent / "widgets"
    found = []
    for path in sorted(root.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            probe = isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            if probe and node.func.id in ("getattr", "hasattr"):
                found.append(f"{path.name}:{node.lineno} {ast.unparse(node)}")
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
            ):
                found.append(f"{path.name}:{node.lineno} {ast.unparse(node)}")
    assert found == []


def test_dashboard_refuses_what_is_no_trainer():
    with pytest.raises(TypeError, match="trainer protocol"):
        nw.Dashboard(object())
