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
    # one image per layer, inputs too: each neuron's thumbnail is a block of rows,
    # with two blank rows between neighbours, every row one cell from the next
    from nnwidgets.views.network import THUMB, THUMB_STRIDE

    assert [t.values.shape for t in net.thumbnails] == [
        (n * THUMB_STRIDE - 2, THUMB) for n in (2, 5, 3, 1)
    ]
    hidden = net.thumbnails[1].values
    assert np.all(hidden[THUMB : THUMB + 2] == 0)  # the gap between neurons 0 and 1
    assert np.abs(hidden[:THUMB]).max() == pytest.approx(1.0)  # each scaled to its peak
    rows = net.thumbnails[1].y
    cells = np.diff(rows[:THUMB])
    assert np.allclose(np.diff(rows), cells[0])
    before = hidden[:THUMB].copy()
    dash.step_epoch()
    assert not np.array_equal(before, net.thumbnails[1].values[:THUMB])


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
    np.testing.assert_allclose(np.asarray(boundary.field.values).ravel(), expected, atol=1e-6)
    net.nodes.selected = [net.node_keys.index((0, 0))]  # an input: back to the prediction
    assert boundary.neuron is None and "Decision boundary" in boundary.widget.title


def test_the_neuron_list_does_what_a_click_on_a_node_does():
    dash = make_dash()  # 2-5-3-1 on moons, with a boundary view
    net, boundary = dash.views["network"], dash.views["boundary"]
    picker = net.picker
    assert "nnw-neuron-pick" in picker._dom_classes and picker.layout.display == "flex"
    assert picker in net.widget.children  # under the diagram, inside the view
    labels = [label for label, _ in picker.choice.options]
    assert labels[:2] == ["prediction", "hidden layer 1, neuron 0"]
    assert labels[-1] == "output, neuron 0" and len(labels) == 1 + 5 + 3 + 1  # no inputs
    assert picker.choice.index == 0 and picker.neurons[0] is None  # never blank
    # choosing a neuron selects its node and the boundary shows it
    picker.choice.value = picker.neurons.index((2, 1))
    assert list(net.nodes.selected) == [net.node_keys.index((2, 1))]
    assert boundary.neuron == (2, 1) and "neuron 1 in layer 2" in boundary.widget.title
    # a click on a node shows in the list, and picks once
    picked = []
    net.on_select_neuron = lambda key: (picked.append(key), boundary.show_neuron(key))
    net.nodes.selected = [net.node_keys.index((1, 4))]
    assert picker.neurons[picker.choice.value] == (1, 4) and picked == [(1, 4)]
    # a click on an input: the prediction again, in the view and in the list
    net.nodes.selected = [net.node_keys.index((0, 1))]
    assert picker.choice.value == 0 and boundary.neuron is None  # "prediction"
    picker.choice.value = picker.neurons.index((1, 0))
    picker.choice.value = 0
    assert net.nodes.selected is None and boundary.neuron is None
    assert "Decision boundary" in boundary.widget.title


def test_the_neuron_list_stays_hidden_where_nothing_would_show_the_neuron():
    ds = nw.datasets.moons(n_samples=60, noise=0.2, seed=0)
    tr = nw.Trainer(nw.MLP([2, 4, 1], seed=0), ds, optimizer=nw.optim.SGD(lr=0.1))
    alone = nw.Dashboard(tr, views=("network",))  # no boundary view to show it
    assert alone.views["network"].picker.layout.display == "none"
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    three = nw.Dataset.from_arrays(X, (X.sum(axis=1) > 0).astype(int), seed=0)
    tr3 = nw.Trainer(nw.MLP([3, 4, 1], seed=0), three, optimizer=nw.optim.SGD(lr=0.1))
    no_plane = nw.Dashboard(tr3, views=("network", "boundary"))  # 3 inputs: no plane
    assert no_plane.views["network"].picker is None


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


def test_an_edge_picked_by_its_layer_and_units_opens_the_same_editor():
    dash = make_dash()  # 2-5-3-1
    net, editor = dash.views["network"], dash.weight_editor
    picker = net.edge_picker
    assert "nnw-edge-pick" in picker._dom_classes and picker.layout.display == "flex"
    assert picker in net.widget.children and editor.layout.display == "none"
    assert [label for label, _ in picker.layer.options] == ["W0", "W1", "W2"]
    assert (picker.row.description, picker.column.description) == ("from", "to")
    picker.layer.value, picker.row.value, picker.column.value = 1, 4, 2
    picker.button.click()
    assert editor.layout.display == "flex" and "W1[4,2]" in editor.label.value
    assert editor.value.value == pytest.approx(dash.trainer.model.params["W1"][4, 2])
    assert picker.note.value == "editing W1[4,2]"
    editor.value.value = -0.5
    editor.button.click()
    assert dash.trainer.model.params["W1"][4, 2] == -0.5
    # W2 is 3 -> 1: unit 2 to unit 1 is not in it, and nothing changes
    picker.layer.value, picker.row.value, picker.column.value = 2, 2, 1
    picker.button.click()
    assert picker.note.value == "W2 has rows 0 to 2 and columns 0 to 0: [2,1] is not in it"
    assert "W1[4,2]" in editor.label.value


def test_without_a_weight_editor_the_edge_picker_stays_hidden():
    net = nw.Dashboard(moons_trainer_small(), views=("network",)).views["network"]
    assert net.edge_picker.layout.display == "flex"  # the dashboard always edits weights
    ctx = ViewContext.from_trainer(moons_trainer_small())
    alone = NetworkView(ctx)  # a view on its own: nothing to edit the weight with
    assert alone.edge_picker.layout.display == "none" and alone.picker.layout.display == "none"


def moons_trainer_small():
    ds = nw.datasets.moons(n_samples=60, noise=0.2, seed=0)
    return nw.Trainer(nw.MLP([2, 4, 1], seed=0), ds, optimizer=nw.optim.SGD(lr=0.1))


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
