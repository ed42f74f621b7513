"""Network-sized drawings: a scoped MLP reads as columns, left to right, with short unique
names, grey constants, edge labels clear of the boxes, and collapsed layers coloured by
the gradients inside them. Geometry is read from the SVG that `dot` produced."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest

from autograd.backward import topological_order
from autograd.context import record_scopes
from autograd.draw.graph import SUMMARY_COMMENT, draw_graph
from autograd.draw.style import CONSTANT_ATTRS, GradScale
from autograd.value import Value
from nn import MLP, Neuron
from nn.losses import binary_cross_entropy_with_logits
from tests.autograd.draw.test_graph import SVG, groups, render_svg, shape, texts
from tests.autograd.draw.test_graph_summary import recurrent

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 (SVG y grows downwards)


def bbox(element: ET.Element) -> Box:
    """The bounding box of a node's or cluster's outline."""
    outline = shape(element)
    if outline.tag == f"{SVG}ellipse":
        cx, cy = float(outline.get("cx", 0)), float(outline.get("cy", 0))
        rx, ry = float(outline.get("rx", 0)), float(outline.get("ry", 0))
        return cx - rx, cy - ry, cx + rx, cy + ry
    numbers = [float(n) for n in re.findall(r"-?\d+\.?\d*", outline.get("points")
                                            or outline.get("d") or "")]
    xs, ys = numbers[0::2], numbers[1::2]
    return min(xs), min(ys), max(xs), max(ys)


def centre(box: Box) -> tuple[float, float]:
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def inside(point: tuple[float, float], box: Box, margin: float = 0.0) -> bool:
    x, y = point
    return box[0] + margin < x < box[2] - margin and box[1] + margin < y < box[3] - margin


def clusters_by_label(svg: ET.Element) -> dict[str, Box]:
    return {texts(g[0])[0]: bbox(g[0]) for g in groups(svg, "cluster").values()}


def node_boxes(svg: ET.Element) -> dict[str, Box]:
    return {dot_id: bbox(g[0]) for dot_id, g in groups(svg, "node").items()}


def scoped_mlp(nouts: tuple[int, ...] = (3, 3, 1)) -> tuple[Value, dict[Value, str]]:
    model = MLP(2, list(nouts), activation="tanh", rng=0)
    with record_scopes() as scopes:
        score = model([0.5, -1.5])
    loss = (score - 1.0) ** 2  # the 1.0 is a constant: the target
    loss.backward()
    return loss, scopes


def ids_of(root: Value) -> dict[Value, str]:
    return {node: f"v{i}" for i, node in enumerate(topological_order(root))}


# ---- columns -----------------------------------------------------------------------------------
def test_each_layer_is_one_flat_cluster_holding_its_own_nodes() -> None:
    loss, scopes = scoped_mlp()
    graph = draw_graph(loss, scopes=scopes)
    cluster_lines = [line for line in graph.source.splitlines() if "subgraph cluster_" in line]
    assert len(cluster_lines) == 3
    assert all(line.startswith("\tsubgraph") for line in cluster_lines)  # none nested
    svg = render_svg(graph)
    columns = clusters_by_label(svg)
    assert set(columns) == {"layers.0", "layers.1", "layers.2"}
    boxes = node_boxes(svg)
    for node, dot_id in ids_of(loss).items():
        if node in scopes:
            layer = ".".join(scopes[node].split(".")[:2])
            assert inside(centre(boxes[dot_id]), columns[layer]), (node.label, layer)


def test_layers_run_left_to_right_from_the_inputs_to_the_loss_without_a_staircase() -> None:
    loss, scopes = scoped_mlp()
    svg = render_svg(draw_graph(loss, scopes=scopes))
    columns = [clusters_by_label(svg)[f"layers.{i}"] for i in range(3)]
    for left, right in zip(columns, columns[1:]):
        assert left[2] < right[0]  # the columns do not overlap, in order
        assert left[1] < right[3] and right[1] < left[3]  # and share a height: no stairs
    boxes = node_boxes(svg)
    ids = ids_of(loss)
    inputs = [node for node in ids if node.label in ("x[0]", "x[1]")]
    assert len(inputs) == 2
    assert all(boxes[ids[x]][2] < columns[0][0] for x in inputs)
    assert boxes[ids[loss]][0] > columns[-1][2]


def test_each_weight_sits_in_the_rank_of_the_op_that_multiplies_it() -> None:
    loss, scopes = scoped_mlp()
    svg = render_svg(draw_graph(loss, scopes=scopes))
    boxes = node_boxes(svg)
    ids = ids_of(loss)
    weights = 0
    for node, dot_id in ids.items():
        for parent in node.parents:
            if parent.label and ".w" in parent.label:
                weights += 1
                weight_x = centre(boxes[ids[parent]])[0]
                assert weight_x == pytest.approx(centre(boxes[dot_id + "op"])[0], abs=1.0)
    assert weights == 2 * 3 + 3 * 3 + 3 * 1


def test_a_scope_collapsed_inside_a_layer_stays_in_that_layers_column() -> None:
    loss, scopes = scoped_mlp()
    source = draw_graph(loss, scopes=scopes, collapse=["layers.1.neurons.2"]).source
    layer_1 = source.split("subgraph cluster_1 {")[1].split("\t}")[0]
    assert "box0 [" in layer_1


# ---- names, numbers, constants ----------------------------------------------------------------
def test_inputs_and_parameters_have_short_unique_names() -> None:
    model = MLP(2, [4, 1], rng=0)
    loss = (model([0.0, 1.0]) - 1.0) ** 2
    loss.backward()
    svg = render_svg(draw_graph(loss))
    titles = [t.text for t in svg.iter(f"{SVG}text") if t.get("font-weight") == "bold"]
    expected = {"x[0]", "x[1]", "L1.n0.b", *(f"L1.n0.w{j}" for j in range(4))}
    expected |= {f"L0.n{j}.{p}" for j in range(4) for p in ("w0", "w1", "b")}
    assert sorted(titles) == sorted(expected)  # each once


def test_a_neuron_called_with_numbers_names_them_as_inputs_not_constants() -> None:
    out = Neuron(2, activation="tanh", rng=0)([2.0, 0.0])
    out.backward()
    nodes = groups(render_svg(draw_graph(out)), "node")
    for node, dot_id in ids_of(out).items():
        if not node.edges:
            assert node.label in ("x[0]", "x[1]", "w0", "w1", "b")
            assert any(t.startswith("grad ") for t in texts(nodes[dot_id][0]))


def test_negative_zero_is_drawn_as_zero() -> None:
    x, w = Value(0.0, label="x"), Value(-3.0, label="w")
    y = x * w
    assert math.copysign(1.0, y.data) == -1.0  # the premise: 0.0 * -3.0 is -0.0
    z = y * Value(-0.0, label="c")
    z.backward()
    shown = texts(render_svg(draw_graph(z)))
    assert "data 0" in shown and "grad 0" in shown
    assert not any(re.search(r"-0(?![.\d])", t) for t in shown)


def test_a_constant_is_grey_and_shows_no_grad() -> None:
    loss, scopes = scoped_mlp()
    ids = ids_of(loss)
    target = next(n for n in ids if not n.edges and not n.label)
    nodes = groups(render_svg(draw_graph(loss, scopes=scopes)), "node")
    assert texts(nodes[ids[target]][0]) == ["data 1"]
    assert shape(nodes[ids[target]][0]).get("fill") == CONSTANT_ATTRS["fillcolor"]
    for node, dot_id in ids.items():
        if node.label:
            assert any(t.startswith("grad ") for t in texts(nodes[dot_id][0]))
    assert "grey box = a constant" in draw_graph(loss).source


def test_a_graph_with_no_labels_has_no_constants() -> None:
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    c.backward()
    shown = texts(render_svg(draw_graph(c)))
    assert shown.count("grad 2") == 1 and shown.count("grad -3") == 1
    assert not any("constant" in t for t in shown)


def test_edge_labels_do_not_overlap_any_box() -> None:
    model = MLP(2, [4, 1], rng=0)
    loss = (model([0.0, 1.0]) - 1.0) ** 2
    loss.backward()
    svg = render_svg(draw_graph(loss))
    boxes = list(node_boxes(svg).values())
    labels = 0
    for edge in groups(svg, "edge").values():
        for text in edge[0].iter(f"{SVG}text"):
            labels += 1
            point = (float(text.get("x", 0)), float(text.get("y", 0)) - 3.0)  # mid-height
            assert not any(inside(point, box) for box in boxes), text.text
    assert labels > 40


def test_graphs_with_many_long_edges_place_labels_after_layout() -> None:
    # A real label adds a rank to every edge it crosses: too slow on a long RNN.
    long_rnn, short_rnn = recurrent(15), recurrent(3)
    assert "xlabel=" in draw_graph(long_rnn).source
    source = draw_graph(short_rnn).source
    assert "-> v2op [label=" in source and "xlabel=" not in source


# ---- collapsed layers ---------------------------------------------------------------------
def test_collapsed_layers_are_coloured_by_the_gradients_inside_them() -> None:
    narrow = MLP(2, [2, 2, 2, 2, 2, 1], activation="sigmoid", init="xavier", rng=1)
    with record_scopes() as scopes:
        out = narrow([0.5, -1.0])
    loss = binary_cross_entropy_with_logits(out, 1)
    loss.backward()
    layers = [f"layers.{i}" for i in range(6)]
    svg = render_svg(draw_graph(loss, scopes=scopes, collapse=layers, color_by_grad=True))
    box_of_layer = {texts(g[0])[0]: g[0] for dot_id, g in groups(svg, "node").items()
                    if dot_id.startswith("box")}
    order = topological_order(loss)
    labelled = [n for n in order if n.edges or n.label]  # the constant target left out
    scale = GradScale(float(n.grad) for n in labelled)
    means = []
    for layer in layers:
        members = [n for n in order if scopes.get(n, "").startswith(layer + ".")
                   or scopes.get(n) == layer]
        means.append(sum(abs(n.grad) for n in members) / len(members))
        box = box_of_layer[layer]
        assert shape(box).get("fill") == scale.fill(means[-1])
        assert f"mean |grad| inside {format(means[-1], '.4g')}" in texts(box)
    assert means[0] < means[-1] / 100  # the premise: the gradient vanishes going back
    assert scale.fill(means[0]) != scale.fill(means[-1])


# ---- a graph too big to draw ------------------------------------------------------------------
def batch_cost(scoped: bool) -> tuple[Value, dict[Value, str]]:
    model = MLP(2, [16, 16, 1], rng=0)
    with record_scopes() as scopes:
        cost = sum((model([i / 10, -i / 10]) - 1.0) ** 2 for i in range(20))
    assert isinstance(cost, Value)
    return cost, scopes if scoped else {}


def test_the_summary_of_a_scoped_graph_suggests_a_collapse_that_draws() -> None:
    cost, scopes = batch_cost(scoped=True)
    summary = draw_graph(cost, scopes=scopes)
    assert summary.comment == SUMMARY_COMMENT
    suggestion = "collapse=[f'layers.{i}' for i in range(3)]"
    assert any(suggestion in line for line in texts(render_svg(summary)))
    collapse = [f"layers.{i}" for i in range(3)]  # the suggestion, as written
    assert draw_graph(cost, scopes=scopes, collapse=collapse).comment != SUMMARY_COMMENT


def test_the_summary_of_an_unscoped_graph_shows_how_to_record_scopes() -> None:
    cost, _ = batch_cost(scoped=False)
    source = " ".join(texts(render_svg(draw_graph(cost))))
    assert "with record_scopes() as scopes: out = model(x)" in source
    assert "draw_network(model)" in source
    assert "scopes=record_scopes()" not in source
    assert not re.search(r"max_nodes=\d{4}", source)  # no hairball of thousands of boxes


def test_the_summary_of_a_graph_just_too_big_suggests_a_max_nodes_that_fits() -> None:
    x = Value(0.5, label="x")
    h = x
    for _ in range(8):
        h = h.tanh()
    n = len(topological_order(h))
    source = " ".join(texts(render_svg(draw_graph(h, max_nodes=n - 2))))
    assert f"draw_graph(root, max_nodes={n})" in source
    assert draw_graph(h, max_nodes=n).comment != SUMMARY_COMMENT
