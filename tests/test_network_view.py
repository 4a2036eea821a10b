"""The network diagram: edges follow the weights; neurons and edges can be selected."""

import numpy as np
import pytest

import nnwidgets as nw
from nnwidgets.views import ViewContext
from nnwidgets.views.network import MAX_EDGES, NetworkView


def make_dash():
    ds = nw.datasets.moons(n_samples=100, noise=0.2, seed=0)
    tr = nw.Trainer(nw.MLP([2, 5, 3, 1], seed=0), ds, optimizer=nw.optim.SGD(lr=0.1))
    return nw.Dashboard(tr, views=("network", "boundary"))


def test_edges_follow_weights_and_thumbnails_follow_neurons():
    dash = make_dash()
    dash.step()
    net = dash.views["network"]
    assert "nnw-view-network" in net.widget._dom_classes
    n_edges = 2 * 5 + 5 * 3 + 3 * 1
    assert np.asarray(net.edges.x).shape == (n_edges, 2)
    W = dash.trainer.model.params
    expected = np.concatenate([W[f"W{i}"].ravel() for i in range(3)])
    colors = np.asarray(net.edges.color)
    assert np.array_equal(np.sign(colors), np.sign(np.float32(expected)))
    # the strongest edge is drawn opaque, a small one faint
    strongest = int(np.argmax(np.abs(expected)))
    assert net.edges.opacities[strongest] == pytest.approx(1.0)
    assert min(net.edges.opacities) < 0.6
    # one heatmap per layer, inputs too: each neuron's thumbnail is a block of rows,
    # with two blank rows between neighbours
    from nnwidgets.views.network import THUMB, THUMB_STRIDE

    assert [np.asarray(hm.color).shape for hm in net.thumbnails] == [
        (n * THUMB_STRIDE - 2, THUMB) for n in (2, 5, 3, 1)
    ]
    hidden = np.asarray(net.thumbnails[1].color)
    assert np.all(hidden[THUMB : THUMB + 2] == 0)  # the gap between neurons 0 and 1
    assert np.abs(hidden[:THUMB]).max() == pytest.approx(1.0)  # each scaled to its peak
    rows = np.asarray(net.thumbnails[1].y)
    cells = np.diff(rows[:THUMB])
    assert np.allclose(cells, cells[0]) and rows[THUMB] - rows[THUMB - 1] == pytest.approx(cells[0])
    before = hidden[:THUMB].copy()
    dash.step_epoch()
    assert not np.array_equal(before, np.asarray(net.thumbnails[1].color)[:THUMB])


def test_selecting_a_neuron_shows_it_in_the_boundary_view():
    dash = make_dash()
    net, boundary = dash.views["network"], dash.views["boundary"]
    index = net.node_keys.index((1, 2))
    net.nodes.selected = [index]
    assert boundary.neuron == (1, 2)
    assert "neuron 2 in layer 1" in boundary.widget.title
    dash.step()
    hidden = dash.trainer.model.hidden_outputs(boundary.grid)[0][:, 2]
    expected = 0.5 + 0.5 * hidden / np.abs(hidden).max()
    np.testing.assert_allclose(np.asarray(boundary.heat.color).ravel(), expected, atol=1e-6)
    net.nodes.selected = [net.node_keys.index((0, 0))]  # an input: back to the prediction
    assert boundary.neuron is None and "Decision boundary" in boundary.widget.title


def test_clicking_an_edge_lets_a_student_set_that_weight():
    dash = make_dash()
    net = dash.views["network"]
    index = int(np.flatnonzero((net._drawn_edges == [1, 4, 2]).all(axis=1))[0])
    net.midpoints.selected = [index]
    editor = dash.weight_editor
    assert editor.layout.display == "flex" and "W1[4,2]" in editor.label.value
    assert editor.value.value == pytest.approx(dash.trainer.model.params["W1"][4, 2])
    editor.value.value = 1.75
    editor.button.click()
    assert dash.trainer.model.params["W1"][4, 2] == 1.75
    assert "set to 1.75" in dash.controls.message.value
    dash.step()  # training goes on from the edited weight
    assert dash.trainer.step_count == 1


def test_set_param_refuses_bad_input_without_change():
    tr = make_dash().trainer
    before = tr.model.params["W0"].copy()
    for key, index, value, exc in [
        ("W9", (0, 0), 1.0, ValueError),
        ("W0", (5, 0), 1.0, ValueError),
        ("W0", (0,), 1.0, ValueError),
        ("W0", (0, 0), float("nan"), ValueError),
        ("W0", (0, 0), "big", TypeError),
    ]:
        with pytest.raises(exc):
            tr.set_param(key, index, value)
    np.testing.assert_array_equal(tr.model.params["W0"], before)


def test_wide_networks_draw_only_the_strongest_edges():
    ds = nw.Dataset.from_arrays(np.random.default_rng(0).normal(size=(50, 40)), np.arange(50) % 3)
    tr = nw.Trainer(nw.MLP([40, 64, 3], seed=0), ds)
    view = NetworkView(ViewContext.from_trainer(tr))
    view.update(tr.snapshot(), tr.history)
    assert len(view._drawn_edges) <= MAX_EDGES
    assert not view.plane and view.thumbnails == []
