"""Classroom mode: hidden controls, configs that round-trip as JSON, features, exports."""

import json

import numpy as np
import pytest

import nnwidgets as nw
from nnwidgets.core.features import FEATURES, expand


def test_hide_controls_in_dashboard_and_playground():
    pg = nw.playground(hide=["optimizer", "l1", "l2", "look_back", "files", "noise", "features"])
    c = pg.dashboard.controls
    for widget in (c.optimizer, c.opt_arg, c.l1, c.l2, c.scrubber, c.rewind, c.save, c.load):
        assert widget.layout.display == "none"
    for widget in (c.step, c.play, c.lr, c.batch_size):
        assert widget.layout.display != "none"
    assert pg.noise.layout.display == "none" and pg.features.layout.display == "none"
    with pytest.raises(ValueError, match="unknown controls"):
        nw.playground(hide=["sliders"])
    with pytest.raises(TypeError, match="hide"):
        nw.Dashboard(pg.trainer, hide="optimizer")


def test_config_round_trips_through_json_to_the_same_start():
    pg = nw.playground(
        dataset="circles",
        hidden=(6, 4),
        activation="relu",
        noise=0.1,
        train_fraction=0.7,
        seed=3,
        features=["x1", "x2", "x1*x2"],
        hide=["l1"],
    )
    pg.dashboard.controls.optimizer.value = "adam"
    pg.dashboard.controls.lr.value = 0.02
    pg.dashboard.controls.batch_size.value = 16
    pg.dashboard.controls.l2.value = 0.001
    pg.regenerate.click()
    text = json.dumps(pg.config)
    again = nw.playground(config=json.loads(text))
    a, b = pg.trainer, again.trainer
    assert b.model.sizes == a.model.sizes == [3, 6, 4, 1]
    assert b.model.features == ("x1", "x2", "x1*x2")
    assert isinstance(b.optimizer, nw.optim.Adam) and b.lr == pytest.approx(0.02)
    assert (b.batch_size, b.l2, b.seed) == (16, 0.001, 3)
    np.testing.assert_array_equal(b.ds.X_train, a.ds.X_train)  # the regenerated sample
    for k in a.model.params:
        np.testing.assert_array_equal(b.model.params[k], a.model.params[k])
    a.run(2)
    b.run(2)
    for k in a.model.params:
        np.testing.assert_array_equal(b.model.params[k], a.model.params[k])
    assert again.hidden_controls == ("l1",)


def test_bad_configs_are_refused():
    with pytest.raises(ValueError, match="unknown keys"):
        nw.playground(config={"colour": "red"})
    with pytest.raises(ValueError, match="version"):
        nw.playground(config={"version": 99})
    with pytest.raises(TypeError, match="config"):
        nw.playground(config="moons")


def test_features_let_a_linear_model_separate_circles():
    ds = nw.datasets.circles(n_samples=200, noise=0.05, seed=0)
    plain = nw.Trainer(nw.MLP([2, 1], seed=0), ds, optimizer="adam")
    squares = nw.Trainer(
        nw.MLP([4, 1], seed=0, features=["x1", "x2", "x1^2", "x2^2"]),
        ds,
        optimizer=nw.optim.Adam(lr=0.05),
    )
    plain.run(30)
    squares.run(30)
    assert plain.evaluate()["test_acc"] < 0.75
    assert squares.evaluate()["test_acc"] > 0.95
    assert squares.predict(ds.X_test[:5]).shape == (5,)


def test_feature_table_and_errors():
    X = np.array([[1.0, 2.0], [0.5, -1.0]])
    out = expand(X, list(FEATURES))
    np.testing.assert_allclose(out[0], [1, 2, 1, 4, 2, np.sin(1), np.sin(2)])
    with pytest.raises(ValueError, match="unknown"):
        nw.MLP([1, 1], features=["x3"])
    with pytest.raises(ValueError, match="sizes\\[0\\]"):
        nw.MLP([3, 1], features=["x1", "x2"])
    with pytest.raises(ValueError, match="2-D data"):
        nw.Trainer(nw.MLP([2, 1], features=["x1", "x2"]), nw.datasets.sine(n_samples=20))


def test_history_csv_export(tmp_path):
    # the PNG and SVG exports are tested in test_export_image.py
    dash = nw.demo()
    dash.step_epoch()
    dash.controls.path.value = str(tmp_path / "lesson.npz")
    dash.controls.export_csv.click()
    text = (tmp_path / "lesson.csv").read_text()
    assert text.startswith("series,kind,x,value") and "batch_loss" in text
