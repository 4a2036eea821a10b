"""Network view: neurons as nodes per layer, edges coloured by sign and faded by size.

For 2-D inputs every neuron carries a thumbnail of its output over the input
plane, so one sees features being built layer by layer. Selecting a neuron (a
click on its node, or its name in the list under the diagram, ``nnw-neuron-pick``)
calls ``on_select_neuron``; selecting an edge (a click on its midpoint marker, or
its layer and units under the diagram, ``nnw-edge-pick``) calls ``on_select_edge``.
The Dashboard wires those to the boundary view and to a hand-edit of that weight.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
from bqplot import ColorScale, LinearScale, Lines, Scatter
from ipywidgets import VBox

from ..core.features import expand
from ..core.history import History
from ..core.snapshot import Snapshot
from .base import View, figure, nice_ceiling, not_available, plot_array, set_changed
from .boundary import prediction_grid
from .field_image import RDBU, ColorRamp, FieldImage
from .follow_picker import WeightPicker
from .neuron_picker import NeuronPicker
from .theme import BACKGROUND, GUIDE, STRONG, TEXT

MAX_UNITS = 16  # nodes drawn per layer; wider layers show their first units
MAX_EDGES = 1200  # the strongest edges are drawn when a network has more
THUMB = 16  # thumbnail resolution
# edges: these colours at full strength, fading to transparent towards zero, so that a
# small weight is faint on any background (a scheme that fades to white, as RdBu does,
# draws small weights brightest on a dark one)
EDGE_COLORS = ["#d62728", "transparent", "#1f77b4"]
WIDE_EDGES = ((2.6, 0.4), (4.2, 0.75))  # (stroke width, |w| / max |w| from which it is used)
THUMB_STRIDE = THUMB + 2  # rows per unit in a layer's stacked thumbnails
#: thumbnail half-height, in units of the spacing between neurons: the rows of a layer's
#: thumbnails and of the two blank rows between them all one cell apart (one image)
THUMB_HALF = (THUMB - 1) / (2 * THUMB_STRIDE)


def thumbnail_rows(centres: np.ndarray) -> np.ndarray:
    """Row positions of one layer's thumbnails stacked in one image: ``THUMB`` rows
    around each unit's centre and, between two units, two blank rows; all one cell
    apart."""
    cell = 2 * THUMB_HALF / (THUMB - 1)
    rows = []
    for k, c in enumerate(centres):
        rows.extend(c + np.linspace(-THUMB_HALF, THUMB_HALF, THUMB))
        if k < len(centres) - 1:
            rows.extend([c + THUMB_HALF + cell, centres[k + 1] - THUMB_HALF - cell])
    return np.array(rows)


def layout(sizes) -> list[np.ndarray]:
    """y position of each drawn unit per layer (centred, spacing 1)."""
    return [np.arange(min(n, MAX_UNITS)) - (min(n, MAX_UNITS) - 1) / 2 for n in sizes]


class NetworkView(View):
    """The network as a diagram that changes as it trains."""

    name = "network"
    title = "Network"
    #: the playground's centrepiece, its weights changing as the boundary does; twice a
    #: second at a lesson pace (a redraw is six messages and 2 ms of a student's kernel),
    #: so that the boundary, the picture the lesson watches, gets most of the turns
    paced_hz = 2.0

    on_select_neuron: Callable[[int, int] | None, None] | None = None
    on_select_edge: Callable[[int, int, int], None] | None = None
    picker: NeuronPicker | None = None  # 2-D inputs only: thumbnails and a boundary plane
    edge_picker: WeightPicker | None = None  # None where the network is not a chain

    def build(self):
        if not self.context.chain:
            return not_available(
                "Network diagram",
                "It draws a chain of dense layers and activations; this network has other "
                "layers (or its own forward). The weights and gradients views show every "
                "layer that has weights.",
            )
        sizes = self.context.layer_sizes
        self.positions = layout(sizes)
        self.x, self.y = LinearScale(min=-0.5, max=len(sizes) - 0.5), LinearScale()
        span = max(len(p) for p in self.positions)
        self.y.min, self.y.max = -span / 2 - 0.2, span / 2 + 0.2
        self.edge_scale = ColorScale(colors=EDGE_COLORS, mid=0.0, min=-1.0, max=1.0)
        self.edges = Lines(
            x=np.zeros((2, 2)),
            y=np.zeros((2, 2)),
            color=np.zeros(2),
            scales={"x": self.x, "y": self.y, "color": self.edge_scale},
            stroke_width=1.5,
        )
        self._edge_index = self._all_edges()
        # one image per layer holds its neurons' thumbnails: one picture per layer and
        # refresh, not one per neuron
        self.thumbnails: list[FieldImage] = []
        self.thumb_ramp = ColorRamp(np.linspace(-1.0, 1.0, len(RDBU)), RDBU)
        # bqplot gives a Lines mark one stroke width: stronger edges are drawn again, wider
        self.wide_edges = [
            Lines(
                x=np.zeros(0),  # no line yet (NaN placeholders are errors in the browser)
                y=np.zeros(0),
                color=np.zeros(0),
                scales={"x": self.x, "y": self.y, "color": self.edge_scale},
                stroke_width=width,
            )
            for width, _ in WIDE_EDGES
        ]
        marks = [self.edges, *self.wide_edges]
        self.plane = self.context.ds.n_features == 2
        width = max(420, 150 * len(sizes))
        height = max(300, 46 * span + 80)
        if self.plane:
            _, _, self.grid = prediction_grid(self.context.ds, resolution=THUMB)
            # square thumbnails: the same number of pixels across as up
            x_per_px = len(sizes) / (width - 40)
            y_per_px = (span + 0.4) / (height - 56)
            half_w = THUMB_HALF * x_per_px / y_per_px
            for layer in range(len(sizes)):
                thumbs = FieldImage(
                    np.linspace(layer - half_w, layer + half_w, THUMB),
                    thumbnail_rows(self.positions[layer]),
                    {"x": self.x, "y": self.y},
                    self.thumb_ramp,
                )
                marks.append(thumbs.mark)
                self.thumbnails.append(thumbs)
        nodes_x = np.concatenate([np.full(len(p), i) for i, p in enumerate(self.positions)])
        nodes_y = np.concatenate(self.positions)
        self.node_keys = [(i, j) for i, p in enumerate(self.positions) for j in range(len(p))]
        self.nodes = Scatter(
            x=nodes_x,
            y=nodes_y,
            scales={"x": self.x, "y": self.y},
            colors=[TEXT],
            default_size=60 if not self.plane else 30,
            stroke=BACKGROUND,  # a halo: the node stands out on a thumbnail of any colour
            interactions={"click": "select"},
            selected_style={"fill": "#ffbf00", "stroke": STRONG},
            tooltip=None,
        )
        self.nodes.observe(self.context.on_main(self._on_node), names="selected")
        self.midpoints = Scatter(
            x=np.zeros(1),
            y=np.zeros(1),
            scales={"x": self.x, "y": self.y},
            colors=[GUIDE],
            default_size=12,
            opacities=[0.35],
            interactions={"click": "select"},
            selected_style={"fill": STRONG},
        )
        self.midpoints.observe(self.context.on_main(self._on_edge), names="selected")
        marks += [self.midpoints, self.nodes]
        self.on_select_neuron = None
        self.on_select_edge = None
        self._drawn_edges = np.zeros((0, 3), dtype=int)
        fig = figure(
            "Network: edges red < 0 < blue, thin and faint = small; click a neuron or an edge",
            marks,
            [],
            width=f"{width}px",
            height=f"{height}px",
            margin={"left": 20, "right": 20, "bottom": 20},
        )
        # the keyboard's ways to what a click on a node or an edge does (hidden until
        # show_pickers: the dashboard has a view to show the neuron in, an editor for
        # the weight)
        self.picker = (
            NeuronPicker(
                self.node_keys, self.context.n_layers, self.pick_neuron, self.context.on_main
            )
            if self.plane
            else None
        )
        self.edge_picker = WeightPicker(
            [f"W{layer}" for layer in range(len(sizes) - 1)],
            list(itertools.pairwise(sizes)),
            self.pick_edge,
            self.context.on_main,
            action="Edit weight",
            tooltip="set this weight by hand",
            done="editing",
            css="nnw-edge-pick",
            axes=("from", "to"),
        )
        pickers = [w for w in (self.picker, self.edge_picker) if w is not None]
        for picker in pickers:
            picker.layout.display = "none"
        return VBox([fig, *pickers])

    def _all_edges(self) -> np.ndarray:
        rows = []
        for layer in range(self.context.n_layers):
            n_in = len(self.positions[layer])
            n_out = len(self.positions[layer + 1])
            i, j = np.meshgrid(np.arange(n_in), np.arange(n_out), indexing="ij")
            rows.append(np.column_stack([np.full(i.size, layer), i.ravel(), j.ravel()]))
        return np.vstack(rows)

    # ------------------------------------------------------------ selection
    def pick_neuron(self, neuron: tuple[int, int] | None) -> None:
        """Select ``neuron`` (layer, unit) as a click on its node does; None: none."""
        index = self.node_keys.index(neuron) if neuron in self.node_keys else None
        self.nodes.selected = None if index is None else [index]

    def show_pickers(self, neurons: bool) -> None:
        """Show the keyboard pickers once their clicks are wired: the edge picker, and
        the neuron picker when ``neurons`` (a boundary plane shows the neuron picked)."""
        if self.edge_picker is not None:
            self.edge_picker.layout.display = "flex"
        if neurons and self.picker is not None:
            self.picker.layout.display = "flex"

    def pick_edge(self, layer: int, i: int, j: int) -> None:
        """Edit weight ``W{layer}[i, j]`` as a click on its edge's midpoint does."""
        if self.on_select_edge is not None:
            self.on_select_edge(layer, i, j)

    def _on_node(self, change) -> None:
        selected = change["new"]
        key = None
        if selected is not None and len(selected):
            key = self.node_keys[int(np.asarray(selected).ravel()[-1])]
            if key[0] == 0:
                key = None  # an input: show the prediction again
        if self.picker is not None:
            self.picker.show(key)
        if self.on_select_neuron is not None:
            self.on_select_neuron(key)

    def _on_edge(self, change) -> None:
        selected = change["new"]
        if selected is None or not len(selected):
            return
        index = int(np.asarray(selected).ravel()[-1])
        if index < len(self._drawn_edges) and self.on_select_edge is not None:
            layer, i, j = (int(v) for v in self._drawn_edges[index])
            self.on_select_edge(layer, i, j)

    # ---------------------------------------------------------------- update
    def update(self, snapshot: Snapshot, history: History) -> None:
        if not self.context.chain:
            return
        edges = self._edge_index
        weights = np.array([snapshot.params[f"W{layer}"][i, j] for layer, i, j in edges])
        if len(edges) > MAX_EDGES:
            keep = np.sort(np.argsort(-np.abs(np.nan_to_num(weights)))[:MAX_EDGES])
            edges, weights = edges[keep], weights[keep]
        x0 = edges[:, 0].astype(float)
        y0 = np.array([self.positions[layer][i] for layer, i, _ in edges])
        y1 = np.array([self.positions[layer + 1][j] for layer, _, j in edges])
        limit = float(np.nanmax(np.abs(weights))) if weights.size else 1.0
        limit = limit if np.isfinite(limit) and limit > 0 else 1.0
        strength = np.clip(np.abs(np.nan_to_num(weights)) / limit, 0.05, 1.0)
        self._drawn_edges = edges
        # the colour range moves in steps (a moved range is one more message and redraw)
        scale_limit = nice_ceiling(limit)
        with self.edge_scale.hold_sync():
            set_changed(self.edge_scale, min=-scale_limit, max=scale_limit)
        with self.edges.hold_sync():
            self.edges.x = plot_array(np.column_stack([x0, x0 + 1]))
            self.edges.y = plot_array(np.column_stack([y0, y1]))
            # fade small weights out (EDGE_COLORS) by shrinking their colour value
            self.edges.color = plot_array(np.sign(weights) * strength * limit)
            self.edges.opacities = [float(s) for s in 0.15 + 0.85 * strength]
        for mark, (_, threshold) in zip(self.wide_edges, WIDE_EDGES, strict=True):
            pick = strength >= threshold
            if pick.sum() == 0:  # nothing this strong: no line
                xs = ys = colors = np.zeros(0)
            else:
                xs = np.column_stack([x0[pick], x0[pick] + 1])
                ys = np.column_stack([y0[pick], y1[pick]])
                colors = np.sign(weights[pick]) * strength[pick] * limit
            with mark.hold_sync():
                mark.x, mark.y, mark.color = plot_array(xs), plot_array(ys), plot_array(colors)
        with self.midpoints.hold_sync():
            self.midpoints.x = plot_array(x0 + 0.5)
            self.midpoints.y = plot_array((y0 + y1) / 2)
        if self.plane:
            self._update_thumbnails(snapshot)

    def _update_thumbnails(self, snapshot: Snapshot) -> None:
        feats = self.context.features
        hidden, out = self.context.forward(snapshot, self.grid)
        outputs = [expand(self.grid, feats), *hidden, out]
        for layer, thumbs in enumerate(self.thumbnails):
            values = outputs[layer]
            last = layer == len(self.thumbnails) - 1
            n_units = len(self.positions[layer])
            color = np.zeros((len(thumbs.y), THUMB))  # gaps stay 0
            for unit in range(n_units):
                v = values[:, unit]
                if last:
                    v = self.context.loss.signed_output(values)[:, unit]
                peak = float(np.nanmax(np.abs(v))) if v.size else 1.0
                v = v / peak if np.isfinite(peak) and peak > 0 else v
                start = unit * THUMB_STRIDE
                color[start : start + THUMB] = np.nan_to_num(v).reshape(THUMB, THUMB)
            thumbs.show(color)
