"""The playground as TensorFlow Playground: the play row on top, then data | network |
output; per-layer neuron counts (+/−) and add/remove layer; its lesson pace."""

import json

import numpy as np
import pytest

import nnwidgets as nw
from nnwidgets.views.protocol import figures
from nnwidgets.widgets.architecture import MAX_HIDDEN_LAYERS, MAX_NEURONS, MIN_NEURONS
from nnwidgets.widgets.pace import LESSON_SPEED
from nnwidgets.widgets.playground import (
    NETWORK_PX,
    PLAYGROUND_VIEWS,
    fit_network_figure,
)


def classes(widget) -> tuple[str, ...]:
    return tuple(widget._dom_classes)


def descendants(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from descendants(child)


@pytest.fixture
def pg():
    return nw.playground()


def test_three_columns_under_the_play_row(pg):
    dash = pg.dashboard
    controls, columns, *rest = dash.children
    assert "nnw-controls" in classes(controls) and columns is pg.columns
    assert "nnw-primary" in classes(controls.children[0])  # the play row on top
    data, network, output = columns.children
    assert [classes(c)[-1] for c in columns.children] == [
        "nnw-column-data",
        "nnw-column-network",
        "nnw-column-output",
    ]
    for widget in (pg.dataset, pg.noise, pg.train_fraction, pg.regenerate, pg.features):
        assert widget in data.children
    inside = list(descendants(network))
    for widget in (pg.layers, pg.neurons, pg.activation, dash.views["network"].widget):
        assert widget in inside
    assert pg.architecture.add_layer_button in inside and pg.architecture.plus[0] in inside
    assert dash.weight_editor in network.children
    views = [c for c in output.children if "nnw-view" in classes(c)]
    assert views == [dash.views["boundary"].widget, dash.views["loss"].widget]
    # the other views under the columns, in one wrapping grid
    grid = [c for c in rest if "nnw-views" in classes(c)]
    assert len(grid) == 1
    assert list(grid[0].children) == [dash.views["weights"].widget, dash.views["gradients"].widget]
    # every view shown once, nothing else lost
    shown = [w for w in descendants(pg) if "nnw-view" in classes(w)]
    assert len(shown) == len(set(map(id, shown))) == len(PLAYGROUND_VIEWS)
    # the other settings stay behind the closed disclosure
    assert dash.controls.more.selected_index is None
    assert dash.controls.optimizer in list(descendants(dash.controls.more))


def test_network_view_on_by_default_and_fitted_to_its_column(pg):
    assert pg.dashboard.view_names == PLAYGROUND_VIEWS
    fig = next(figures(pg.dashboard.views["network"].widget))
    width = float(fig.layout.width.removesuffix("px"))
    assert width <= NETWORK_PX
    # one count cell per layer, as wide as that layer's column of the figure
    cells = [c for c in pg.architecture.cells if c.layout.display != "none"]
    assert len(cells) == len(pg.trainer.model.sizes) == 4
    cell = float(cells[0].layout.width.removesuffix("px"))
    assert cell == pytest.approx((width - 40) / 4, abs=1)
    text = [lab.value for lab in pg.architecture.labels]
    assert "2 inputs" in text[0] and "8 neurons" in text[1] and "1 output" in text[-1]
    assert "2 hidden layers" in pg.architecture.layers_label.value


def test_fit_network_figure_keeps_the_plot_area_aspect():
    from bqplot import Figure

    fig = Figure(
        fig_margin={"top": 36, "bottom": 20, "left": 20, "right": 20},
        layout={"width": "600px", "height": "448px"},
    )
    assert fit_network_figure(fig, 300, 1000) == 300
    w, h = (float(getattr(fig.layout, k).removesuffix("px")) for k in ("width", "height"))
    assert (h - 56) / (w - 40) == pytest.approx((448 - 56) / (600 - 40), rel=0.01)
    fit_network_figure(fig, 2000, 200)
    assert float(fig.layout.height.removesuffix("px")) == 200


def test_plus_and_minus_change_one_layer_and_rebuild(pg):
    pg.dashboard.controls.lr.value = 0.05
    pg.step()
    pg.step()
    first, old_view = pg.trainer, pg.dashboard.views["network"]
    pg.architecture.plus[1].click()  # + on the second hidden layer
    assert pg.hidden == [8, 9] and pg.trainer.model.sizes == [2, 8, 9, 1]
    assert pg.trainer is not first and pg.trainer.step_count == 0
    assert pg.trainer.lr == pytest.approx(0.05)  # the settings carry over
    view = pg.dashboard.views["network"]
    assert view is not old_view  # redrawn for the new network and its new weights
    assert len(view.nodes.x) == 2 + 8 + 9 + 1
    assert len(view.edges.color) == 2 * 8 + 8 * 9 + 9 * 1
    assert "9 neurons" in pg.architecture.labels[2].value
    assert "step 0" in pg.dashboard.controls.status.value
    pg.architecture.minus[0].click()
    assert pg.trainer.model.sizes == [2, 7, 9, 1]
    assert pg.trainer.model.params["W0"].shape == (2, 7)
    assert pg.dashboard.views["network"].widget in list(descendants(pg.network_column))


def test_add_and_remove_layers(pg):
    pg.architecture.add_layer_button.click()
    assert pg.trainer.model.sizes == [2, 8, 8, 8, 1]  # as wide as the last
    assert pg.architecture.cells[3].layout.display == "flex"
    assert "3 hidden layers" in pg.architecture.layers_label.value
    for _ in range(3):
        pg.architecture.remove_layer_button.click()
    assert pg.hidden == [] and pg.trainer.model.sizes == [2, 1]  # a linear model
    assert all(c.layout.display == "none" for c in pg.architecture.cells[1:-1])
    pg.architecture.add_layer_button.click()
    assert pg.trainer.model.sizes == [2, 4, 1]
    pg.hidden = [6, 3]
    assert pg.trainer.model.sizes == [2, 6, 3, 1]
    with pytest.raises(ValueError, match="hidden"):
        pg.hidden = [8] * (MAX_HIDDEN_LAYERS + 1)
    assert pg.trainer.model.sizes == [2, 6, 3, 1]


def test_limits_are_refused_with_a_message_not_an_exception():
    pg = nw.playground(hidden=[MAX_NEURONS, MIN_NEURONS])
    message = pg.dashboard.controls.message
    first = pg.trainer
    pg.architecture.plus[0].click()
    assert "16 neurons" in message.value and "nnw-error" in message.value
    pg.architecture.minus[1].click()
    assert "fewest" in message.value
    assert pg.trainer is first and pg.hidden == [MAX_NEURONS, MIN_NEURONS]
    assert pg.add_neuron(0) is False and pg.remove_neuron(1) is False
    assert pg.add_neuron(5) is False and "no hidden layer 6" in message.value
    assert pg.remove_neuron(0) is True and message.value == ""
    for _ in range(MAX_HIDDEN_LAYERS - 2):
        assert pg.add_layer() is True
    assert len(pg.hidden) == MAX_HIDDEN_LAYERS
    # eight layers' cells are narrow: each count on two lines, within the figure's width
    assert "<br>neurons" in pg.architecture.labels[1].value
    fig = next(figures(pg.dashboard.views["network"].widget))
    cells = [c for c in pg.architecture.cells if c.layout.display != "none"]
    total = sum(float(c.layout.width.removesuffix("px")) for c in cells) + 40
    assert total == pytest.approx(float(fig.layout.width.removesuffix("px")), abs=1)
    pg.architecture.add_layer_button.click()
    assert f"{MAX_HIDDEN_LAYERS} hidden layers" in message.value
    assert len(pg.trainer.model.sizes) == MAX_HIDDEN_LAYERS + 2
    empty = nw.playground(hidden=())
    assert (
        empty.remove_layer() is False
        and "no hidden layer" in empty.dashboard.controls.message.value
    )
    # the constructor checks the widths; wider layers than the buttons reach still load
    with pytest.raises(ValueError, match="hidden"):
        nw.playground(hidden=[8] * (MAX_HIDDEN_LAYERS + 1))
    with pytest.raises(ValueError, match="hidden"):
        nw.playground(hidden=[0])
    with pytest.raises(TypeError, match="hidden"):
        nw.playground(hidden=[2.5])
    assert nw.playground(hidden=np.array([3, 2])).hidden == [3, 2]
    wide = nw.playground(hidden=[32])
    assert wide.add_neuron(0) is False and wide.remove_neuron(0) is True
    assert wide.trainer.model.sizes == [2, 31, 1]


def test_per_layer_widths_round_trip_through_config(pg):
    for _ in range(2):
        pg.remove_neuron(0)
    for _ in range(5):
        pg.remove_neuron(1)
    assert pg.trainer.model.sizes == [2, 6, 3, 1]
    pg.speed = 200
    text = json.dumps(pg.config)
    again = nw.playground(config=json.loads(text))
    assert again.trainer.model.sizes == [2, 6, 3, 1] and again.hidden == [6, 3]
    assert again.speed == 200 and again.config["speed"] == 200
    assert "3 neurons" in again.architecture.labels[2].value
    for k, v in pg.trainer.model.params.items():
        np.testing.assert_array_equal(again.trainer.model.params[k], v)
    # a config of one width everywhere, from before per-layer counts and pace, still loads
    old = json.loads(text)
    old["model"]["sizes"] = [2, 8, 8, 1]
    del old["speed"]
    del old["views"]
    older = nw.playground(config=old)
    assert older.hidden == [8, 8] and older.speed == LESSON_SPEED
    assert older.dashboard.view_names == PLAYGROUND_VIEWS
    # a dashboard's config (without the playground's keys) too
    dash = nw.demo()
    assert nw.playground(config=dash.config).trainer.model.sizes == [2, 8, 8, 1]


def test_lesson_pace_and_speed_argument():
    assert nw.playground().speed == LESSON_SPEED
    assert nw.playground(speed="max").speed == "max"
    assert nw.playground(speed=5).dashboard.runner.speed == 5
    assert nw.playground(speed=500, max_speed=100).speed == 100
    for bad in (0, -1, float("nan"), "fast"):
        with pytest.raises(ValueError, match="speed"):
            nw.playground(speed=bad)
    with pytest.raises(TypeError, match="speed"):
        nw.playground(speed=True)
    pg = nw.playground(speed=10)
    pg.add_layer()  # a rebuild keeps the pace
    assert pg.speed == 10 and pg.dashboard.runner.speed == 10


def test_hide_layers_and_neurons():
    pg = nw.playground(hide=["noise"])
    assert pg.noise.layout.display == "none"
    assert pg.dataset.layout.display != "none" and pg.train_fraction.layout.display != "none"
    pg = nw.playground(hide=["neurons"])
    assert pg.neurons.layout.display == "none" and pg.layers.layout.display != "none"
    assert "nnw-neurons" in classes(pg.neurons) and "nnw-layers" in classes(pg.layers)
    pg.architecture.add_layer_button.click()
    assert pg.neurons.layout.display == "none"  # still hidden after a rebuild
    assert pg.neurons in pg.network_column.children
    pg = nw.playground(hide=["layers", "activation"])
    assert pg.layers.layout.display == "none" and pg.neurons.layout.display != "none"
    assert pg.activation.layout.display == "none"
    assert pg.config["hide"] == ["layers", "activation"]
    again = nw.playground(config=pg.config)
    assert again.layers.layout.display == "none"


def test_views_the_columns_do_not_hold_and_a_reload():
    pg = nw.playground(views=("loss", "boundary"))
    network_views = [w for w in descendants(pg.network_column) if "nnw-view" in classes(w)]
    assert network_views == []
    assert pg.layers in pg.network_header.children  # the controls stay
    grids = [c for c in pg.dashboard.children if "nnw-views" in classes(c)]
    assert grids == []  # no other views: no empty grid
    # the dashboard rebuilding its views (a loaded run) keeps the columns
    pg = nw.playground()
    other = nw.playground(hidden=[3]).trainer
    pg.dashboard.set_trainer(other)
    assert pg.columns in pg.dashboard.children
    assert pg.dashboard.views["network"].widget in list(descendants(pg.network_column))
    assert pg.hidden == [3] and "3 neurons" in pg.architecture.labels[1].value


def test_other_data_sets_and_features_fill_the_columns():
    pg = nw.playground(dataset="sine", hidden=[4])
    assert pg.trainer.model.sizes == [1, 4, 1]
    assert "1 input" in pg.architecture.labels[0].value
    pg = nw.playground(dataset="gaussians", features=["x1", "x2", "x1*x2"])
    sizes = pg.trainer.model.sizes
    assert "3 inputs" in pg.architecture.labels[0].value
    assert f"{sizes[-1]} output" in pg.architecture.labels[-1].value
    pg.add_neuron(0)
    assert pg.trainer.model.sizes == [3, 9, 8, sizes[-1]]


def page_shows(dash) -> None:
    """What the page's accessibility widget says once it has shown the dashboard."""
    dash.a11y._on_page_message(dash.a11y, {"event": "shown"}, [])


def test_first_screen_first_adds_the_other_views_once_a_page_has_shown_it():
    """A served page fetches every widget before it draws any: the views below the
    columns are built only once the page has shown the rest."""
    from ipywidgets.widgets.widget import _instances

    before = len(_instances)
    pg = nw.playground(first_screen_first=True)
    lean = len(_instances) - before
    dash = pg.dashboard
    assert list(dash.views) == ["network", "boundary", "loss"]
    assert not any("nnw-views" in classes(c) for c in dash.children)
    assert pg.config["views"] == list(PLAYGROUND_VIEWS)  # those on their way too
    pg.add_neuron(0)  # a rebuild before the page: still the first screen only
    assert list(dash.views) == ["network", "boundary", "loss"]

    page_shows(dash)
    assert list(dash.views) == list(PLAYGROUND_VIEWS)
    (grid,) = [c for c in dash.children if "nnw-views" in classes(c)]
    assert dash.children.index(grid) == dash.children.index(pg.columns) + 1
    assert [classes(c) for c in grid.children] == [
        ("nnw-view-weights", "nnw-view"),
        ("nnw-view-gradients", "nnw-view"),
    ]
    assert dash.views["weights"].describe(dash.look_back.snapshot(), dash.trainer.history)
    assert set(dash.a11y.figures) == set(PLAYGROUND_VIEWS)  # their texts are there too
    page_shows(dash)  # a second page (or a re-render) adds nothing more
    assert len(grid.children) == 2
    dash.step()
    pg.add_neuron(0)  # a rebuild keeps them, in the grid under the columns
    assert list(dash.views) == list(PLAYGROUND_VIEWS)
    assert pg.config["views"] == list(PLAYGROUND_VIEWS)

    before = len(_instances)
    nw.playground()
    assert lean < len(_instances) - before - 100  # the page's first fetch is that much less


def test_add_view_and_on_shown():
    dash = nw.Dashboard(nw.demo().trainer, views=("loss",))
    seen = []
    dash.on_shown(lambda: seen.append(1))
    assert seen == []  # no page yet: never
    page_shows(dash)
    assert seen == [1]
    dash.on_shown(lambda: seen.append(2))  # once shown: at once
    assert seen == [1, 2]
    view = dash.add_view("gradients")
    assert dash.views["gradients"] is view and dash.view_names == ("loss", "gradients")
    assert view.widget in dash._grid.children
    dash.add_view("boundary")  # parts of the dashboard's around it: a rebuild
    assert dash.view_names == ("loss", "gradients", "boundary")
    assert dash.config["views"] == ["loss", "gradients", "boundary"]
    with pytest.raises(ValueError, match="repeat"):
        dash.add_view("loss")
    with pytest.raises(ValueError, match="unknown"):
        dash.add_view("histogram")
    with pytest.raises(TypeError, match="name"):
        dash.add_view(3)
    assert dash.view_names == ("loss", "gradients", "boundary")  # nothing changed
