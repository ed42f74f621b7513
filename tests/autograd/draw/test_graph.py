"""Drawing graphs with Graphviz: what the rendered SVG/PNG shows, options, and errors.

Every test that renders uses the real `dot` program; the missing-`dot` tests take it
off PATH with monkeypatch.
"""

import math
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

import graphviz
import pytest

from autograd.backward import topological_order
from autograd.draw.graph import (
    GraphvizNotFound,
    draw_graph,
    main,
    neuron,
    save_graph,
)
from autograd.draw.steps import backward_steps
from autograd.draw.style import CURRENT_BORDER, NAN_BORDER, NAN_FILL, GradScale
from autograd.value import Value

SVG = "{http://www.w3.org/2000/svg}"


# ---- reading the SVG that dot produced -------------------------------------------------------
def render_svg(graph: graphviz.Digraph) -> ET.Element:
    return ET.fromstring(graph.pipe(format="svg"))


def groups(svg: ET.Element, kind: str) -> dict[str, list[ET.Element]]:
    """{dot id or 'a->b': [<g> elements]} for class="node" / class="edge" groups."""
    found: dict[str, list[ET.Element]] = defaultdict(list)
    for g in svg.iter(f"{SVG}g"):
        if g.get("class") == kind:
            title = g.find(f"{SVG}title")
            assert title is not None and title.text is not None
            found[title.text].append(g)
    return found


def texts(element: ET.Element) -> list[str]:
    return [t.text or "" for t in element.iter(f"{SVG}text")]


def shape(node_group: ET.Element) -> ET.Element:
    """The path/polygon/ellipse that draws a node's outline and fill."""
    for tag in ("path", "polygon", "ellipse"):
        found = node_group.find(f".//{SVG}{tag}")
        if found is not None:
            return found
    raise AssertionError("node has no shape")


def node_ids(root: Value) -> dict[Value, str]:
    return {node: f"v{i}" for i, node in enumerate(topological_order(root))}


def trained_neuron() -> Value:
    out = neuron()
    out.backward()
    return out


# ---- what a drawing shows ---------------------------------------------------------------------
def test_svg_shows_each_value_label_data_and_grad() -> None:
    out = trained_neuron()
    nodes = groups(render_svg(draw_graph(out)), "node")
    for node, dot_id in node_ids(out).items():
        shown = texts(nodes[dot_id][0])
        assert f"data {format(node.data, '.4g')}" in shown
        assert f"grad {format(node.grad, '.4g')}" in shown
        if node.label:
            assert node.label in shown


def test_each_edge_into_an_op_is_labelled_with_the_local_derivative() -> None:
    x = Value(1.5, label="x")
    y = (x * x + x.sin()).tanh()  # x feeds one op twice: two edges, two labels
    y.backward()
    edges = groups(render_svg(draw_graph(y, fmt=".6g")), "edge")
    ids = node_ids(y)
    for node in ids:
        expected: dict[str, list[str]] = defaultdict(list)
        for parent, local in zip(node.parents, node.local_grads):
            expected[f"{ids[parent]}->{ids[node]}op"].append(format(local, ".6g"))
        for title, labels in expected.items():
            assert sorted(t for g in edges[title] for t in texts(g)) == sorted(labels)


def test_drawn_numbers_obey_the_chain_rule() -> None:
    # Read only the picture: each node's grad is the sum over its out-edges of
    # (edge derivative × grad of the value that op produces).
    a, b = Value(0.7, label="a"), Value(-1.3, label="b")
    c = a * b
    out = (c.tanh() * a + c.exp()).sigmoid()
    out.backward()
    svg = render_svg(draw_graph(out, fmt=".17g"))
    grad_of = {
        dot_id: float(next(t for t in texts(g[0]) if t.startswith("grad "))[5:])
        for dot_id, g in groups(svg, "node").items()
        if not dot_id.endswith("op")
    }
    received: dict[str, float] = defaultdict(float)
    for title, edge_groups in groups(svg, "edge").items():
        source, target = title.split("->")
        if target.endswith("op"):
            for g in edge_groups:
                received[source] += float(texts(g)[0]) * grad_of[target[:-2]]
    root_id = node_ids(out)[out]
    assert grad_of[root_id] == 1.0
    assert received  # the graph has edges to check
    for dot_id, total in received.items():
        assert total == pytest.approx(grad_of[dot_id], rel=1e-12)


def test_ops_are_their_own_nodes_showing_the_op_symbol() -> None:
    x = Value(2.0)
    y = (x**3.0).tanh()
    nodes = groups(render_svg(draw_graph(y)), "node")
    op_texts = {t for dot_id, g in nodes.items() if dot_id.endswith("op") for t in texts(g[0])}
    assert op_texts == {"tanh", "pow(3.0)"}


def test_drawing_before_backward_shows_no_grad_instead_of_zero() -> None:
    out = neuron()
    svg = render_svg(draw_graph(out))
    shown = texts(svg)
    assert shown.count("grad —") == len(topological_order(out))
    assert not any(t.startswith("grad 0") for t in shown)
    assert any("backward() has not run" in t for t in shown)


def test_show_grad_false_hides_grads() -> None:
    out = trained_neuron()
    shown = texts(render_svg(draw_graph(out, show_grad=False, show_edge_grads=False)))
    assert not any(t.startswith("grad") for t in shown)
    assert not any("∂" in t for t in shown)


def test_nan_and_inf_nodes_are_drawn_red_without_asking() -> None:
    x = Value(0.0, label="x")
    y = x.sqrt() * Value(float("nan"), label="bad")  # sqrt'(0) = inf
    y.backward()
    nodes = groups(render_svg(draw_graph(y)), "node")
    ids = node_ids(y)
    for node in ids:
        outline = shape(nodes[ids[node]][0])
        broken = not math.isfinite(node.data) or not math.isfinite(node.grad)
        assert (outline.get("fill") == NAN_FILL) == broken
        assert (outline.get("stroke") == NAN_BORDER) == broken
    assert not math.isfinite(x.grad)  # the case under test really has a non-finite grad


def test_color_by_grad_fades_vanishing_gradients_in_a_sigmoid_chain() -> None:
    x = Value(0.5, label="x")
    h = x
    for i in range(8):
        h = (h * Value(1.0, label=f"w{i}")).sigmoid()
    h.backward()
    assert abs(x.grad) < 1e-4  # the premise: the gradient vanishes on the way down
    svg = render_svg(draw_graph(h, color_by_grad=True))
    nodes = groups(svg, "node")
    ids = node_ids(h)
    scale = GradScale(n.grad for n in ids)
    for node in (x, h):
        assert shape(nodes[ids[node]][0]).get("fill") == scale.fill(node.grad)
    assert scale.fill(x.grad) != scale.fill(h.grad)
    assert scale.position(x.grad) < scale.position(h.grad)
    assert any("log10" in t for t in texts(svg))  # the legend names the scale


def test_color_by_grad_needs_a_backward_pass() -> None:
    with pytest.raises(ValueError, match="backward"):
        draw_graph(neuron(), color_by_grad=True)


def test_labels_with_dot_and_html_syntax_render_literally() -> None:
    labels = ["<x>", 'a"b', "a\\b", "&amp;", "</b>{|}", "x\\"]
    leaves = [Value(float(i), label=text) for i, text in enumerate(labels)]
    out = leaves[0]
    for leaf in leaves[1:]:
        out = out + leaf
    out.label = "<<root>>"
    shown = texts(render_svg(draw_graph(out)))
    for text in [*labels, "<<root>>"]:
        assert text in shown


def test_node_ids_are_positions_in_topological_order_and_reproducible() -> None:
    first, second = trained_neuron(), trained_neuron()
    source = draw_graph(first).source
    assert source == draw_graph(second).source  # separate objects, same DOT text
    n = len(topological_order(first))
    for i in range(n):
        assert f"\tv{i} [" in source
    assert f"\tv{n} [" not in source
    assert hex(id(first))[2:] not in source


def test_rankdir_and_number_format_are_applied() -> None:
    x = Value(math.pi, label="x")
    source = draw_graph(x * 2.0, rankdir="TB", fmt=".2f").source
    assert "rankdir=TB" in source
    assert "data 3.14" in source


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"rankdir": "XY"}, ValueError),
        ({"fmt": "%d"}, ValueError),
        ({"max_nodes": 0}, ValueError),
        ({"backward_step": -1}, ValueError),
        ({"collapse": "layers"}, TypeError),
    ],
)
def test_bad_options_raise_clear_errors(options: dict, error: type) -> None:
    with pytest.raises(error, match="draw_graph"):
        draw_graph(Value(1.0) * 2.0, **options)


def test_draw_graph_rejects_a_non_value() -> None:
    with pytest.raises(TypeError, match="draw_graph: expected a Value"):
        draw_graph(3.0)  # type: ignore[arg-type]


def test_gradients_that_are_values_are_drawn_as_numbers() -> None:
    x = Value(0.5, label="x")
    y = x.tanh()
    y.backward(create_graph=True)
    assert isinstance(x.grad, Value)
    assert f"grad {format(x.grad.data, '.4g')}" in texts(render_svg(draw_graph(y)))


# ---- scopes and collapse -----------------------------------------------------------------------
def scoped_network() -> tuple[Value, dict[Value, str]]:
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    scopes: dict[Value, str] = {}

    def tag(node: Value, scope: str) -> Value:
        scopes[node] = scope
        return node

    h0 = tag(tag(a * b, "layers.0.neurons.0").tanh(), "layers.0.neurons.0")
    h1 = tag(a + b, "layers.0.neurons.1")
    out = tag(tag(h0 * h1, "layers.1.neurons.0").relu(), "layers.1.neurons.0")
    out.backward()
    return out, scopes


def test_collapse_draws_each_scope_as_one_box_with_its_inputs_and_outputs() -> None:
    out, scopes = scoped_network()
    graph = draw_graph(out, scopes=scopes, collapse=["layers.0"])
    source = graph.source
    assert source.count("box3d") == 1
    ids = node_ids(out)
    hidden = [node for node, scope in scopes.items() if scope.startswith("layers.0")]
    for node in hidden:
        assert f"\t{ids[node]} [" not in source
    a, b = (n for n in ids if n.label in ("a", "b"))
    assert f"{ids[a]} -> box0" in source and f"{ids[b]} -> box0" in source
    assert source.count("box0 -> ") == 2  # both neurons' outputs feed layer 1
    shown = texts(render_svg(graph))
    assert "layers.0" in shown
    assert f"{len(hidden)} nodes collapsed" in shown
    assert "2 in → 2 out" in shown


def test_collapse_errors_name_the_problem() -> None:
    out, scopes = scoped_network()
    with pytest.raises(ValueError, match="needs scopes"):
        draw_graph(out, collapse=["layers.0"])
    with pytest.raises(ValueError, match=r"matches no node.*layers"):
        draw_graph(out, scopes=scopes, collapse=["encoder"])


# ---- backprop step-through in the drawing -------------------------------------------------------
def test_backward_step_draws_partial_grads_and_marks_the_current_step() -> None:
    out = trained_neuron()
    steps = list(backward_steps(out))
    ids = node_ids(out)
    k = 3
    nodes = groups(render_svg(draw_graph(out, backward_step=k)), "node")
    touched = {s.node: s.grad_after for s in steps[: k + 1]}
    for node, dot_id in ids.items():
        shown = texts(nodes[dot_id][0])
        if node in touched:
            assert f"grad {format(touched[node], '.4g')}" in shown
        else:
            assert "grad —" in shown
    assert shape(nodes[ids[steps[k].node]][0]).get("stroke") == CURRENT_BORDER


def test_last_backward_step_shows_the_final_gradients() -> None:
    out = trained_neuron()
    last = len(list(backward_steps(out))) - 1
    nodes = groups(render_svg(draw_graph(out, backward_step=last)), "node")
    for node, dot_id in node_ids(out).items():
        assert f"grad {format(node.grad, '.4g')}" in texts(nodes[dot_id][0])
    with pytest.raises(ValueError, match=f"only {last + 1} steps"):
        draw_graph(out, backward_step=last + 1)


# ---- files, Jupyter, and a missing dot --------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "magic"),
    [("g.png", b"\x89PNG\r\n\x1a\n"), ("g.svg", b"<?xml"), ("g.pdf", b"%PDF"),
     ("g.dot", b"digraph")],
)
def test_save_graph_writes_exactly_that_file(tmp_path: Path, name: str, magic: bytes) -> None:
    path = save_graph(trained_neuron(), tmp_path / name, rankdir="TB")
    assert path == tmp_path / name
    assert path.read_bytes().startswith(magic)
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_save_graph_rejects_an_unknown_extension(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.svg"):
        save_graph(Value(1.0), tmp_path / "graph.bmp2")
    assert list(tmp_path.iterdir()) == []


def test_jupyter_display_is_an_svg() -> None:
    bundle = draw_graph(trained_neuron())._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"]


def test_missing_dot_raises_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = trained_neuron()
    monkeypatch.setenv("PATH", str(tmp_path))  # a directory with no `dot` in it
    with pytest.raises(GraphvizNotFound) as caught:
        save_graph(out, tmp_path / "graph.svg")
    message = str(caught.value)
    for hint in ("apt-get install graphviz", "brew install graphviz",
                 "conda install graphviz", "print_graph"):
        assert hint in message
    assert isinstance(caught.value, RuntimeError)
    assert not (tmp_path / "graph.svg").exists()
    with pytest.raises(GraphvizNotFound):
        draw_graph(out)._repr_mimebundle_()
    with pytest.raises(GraphvizNotFound):
        draw_graph(out).render(tmp_path / "g", format="png")
    # The DOT text needs no `dot`.
    assert save_graph(out, tmp_path / "graph.dot").read_text().startswith("digraph")


def test_python_m_autograd_graph_writes_the_readme_figures(tmp_path: Path) -> None:
    main([str(tmp_path / "figures")])
    svg = (tmp_path / "figures" / "neuron_graph.svg").read_text()
    png = (tmp_path / "figures" / "neuron_graph.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    shown = texts(ET.fromstring(svg))
    out = trained_neuron()
    for node in topological_order(out):
        assert node.label in shown
        assert f"grad {format(node.grad, '.4g')}" in shown
