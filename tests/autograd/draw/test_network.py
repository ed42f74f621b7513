"""`draw_network`: neurons as nodes, weights as edges, coloured by |grad|, layer by layer."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import pytest

from autograd.draw.network import ZERO_GRAD_EDGE, draw_network, save_network
from autograd.value import Value
from nn import MLP
from nn.figures import deep_sigmoid_network, main
from tests.autograd.draw.test_graph import SVG, groups, texts


def edges_of(source: str) -> dict[tuple[str, str], dict[str, str]]:
    """{(tail, head): attributes} of the drawn (visible) edges in DOT source."""
    found = {}
    for tail, head, attrs in re.findall(r"\t(\w+) -> (\w+) \[(.*)\]", source):
        found[(tail, head)] = dict(re.findall(r'(\w+)="?([^" ]*)"?', attrs))
    return found


def trained(model: MLP, x: list[float]) -> MLP:
    out = model(x)
    loss = out if isinstance(out, Value) else out[0]
    (loss * loss).backward()
    return model


def test_one_node_per_neuron_and_input_and_one_edge_per_weight() -> None:
    model = trained(MLP(3, [4, 2], rng=0), [1.0, -1.0, 0.5])
    source = draw_network(model).source
    for name in ("x_0", "x_1", "x_2", *(f"L0_{j}" for j in range(4)), "L1_0", "L1_1"):
        assert re.search(rf"\t{name} \[", source), name
    assert "more" not in source
    edges = edges_of(source)
    assert len(edges) == 3 * 4 + 4 * 2
    assert ("x_2", "L0_3") in edges and ("L0_3", "L1_1") in edges


def test_edge_colour_follows_the_gradient_and_width_follows_the_weight() -> None:
    model = MLP(2, [2], rng=0)
    (w_big, w_small), (w_tiny, w_zero) = model.layers[0].neurons[0].w, \
        model.layers[0].neurons[1].w
    w_big.data, w_small.data, w_tiny.data, w_zero.data = 2.0, 0.1, 1.0, 1.0
    w_big.grad, w_small.grad, w_tiny.grad, w_zero.grad = 1.0, 1.0, 1e-6, 0.0
    edges = edges_of(draw_network(model).source)
    big, small = edges[("x_0", "L0_0")], edges[("x_1", "L0_0")]
    tiny, zero = edges[("x_0", "L0_1")], edges[("x_1", "L0_1")]
    assert float(big["penwidth"]) > float(small["penwidth"])
    assert big["color"] == small["color"] != tiny["color"]
    assert zero["color"] == ZERO_GRAD_EDGE


def luminance(colour: str) -> float:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.299 * r + 0.587 * g + 0.114 * b


def test_vanishing_gradients_of_a_deep_sigmoid_net_show_as_pale_early_layers() -> None:
    model = deep_sigmoid_network()
    first = [abs(w.grad) for n in model.layers[0].neurons for w in n.w]
    last = [abs(w.grad) for n in model.layers[5].neurons for w in n.w]
    assert sum(first) / len(first) < sum(last) / len(last) / 10  # the premise
    edges = edges_of(draw_network(model).source)
    into = {k: [luminance(a["color"]) for (_, head), a in edges.items()
                if head.startswith(f"L{k}_")] for k in range(7)}
    # Brightness on white: the weights into the first layer fade, into the last are dark.
    assert sum(into[0]) / len(into[0]) > sum(into[5]) / len(into[5]) + 60


def test_large_layers_show_their_first_units_and_one_node_for_the_rest() -> None:
    model = MLP(64, [32, 10], rng=0)
    source = draw_network(model, max_per_layer=8).source
    assert "… 56" in source and "… 24" in source and "… 2" in source
    edges = edges_of(source)
    assert len(edges) == 9 * 9 + 9 * 9  # 8 units and one "… more" per column
    bundle = edges[("x_more", "L0_more")]
    assert bundle["style"] == "dashed"
    assert re.search(r'x_more -> L0_more \[.*tooltip="1344 weights', source)


def test_the_columns_run_left_to_right_and_units_top_to_bottom() -> None:
    svg = ET.fromstring(draw_network(MLP(2, [3, 2], rng=0)).pipe(format="svg"))
    where = {}
    for dot_id, group in groups(svg, "node").items():
        shape = group[0].find(f".//{SVG}ellipse")
        if shape is not None:
            where[dot_id] = (float(shape.get("cx", 0)), float(shape.get("cy", 0)))
    assert where["x_0"][0] < where["L0_0"][0] < where["L1_0"][0]
    assert where["L0_0"][1] < where["L0_1"][1] < where["L0_2"][1]  # SVG y grows down
    shown = texts(svg)
    assert "inputs" in shown and "L1 (output)" in shown


def test_before_backward_the_caption_asks_for_it() -> None:
    source = draw_network(MLP(2, [2, 1], rng=0)).source
    assert "call loss.backward() first" in source
    assert {a["color"] for a in edges_of(source).values()} == {ZERO_GRAD_EDGE}


def test_any_object_shaped_like_an_mlp_can_be_drawn() -> None:
    def neuron(*weights: float) -> SimpleNamespace:
        return SimpleNamespace(w=[Value(v) for v in weights], b=Value(0.0))

    model = SimpleNamespace(layers=[SimpleNamespace(neurons=[neuron(1.0, 2.0)] * 3),
                                    SimpleNamespace(neurons=[neuron(1.0, 1.0, 1.0)])])
    assert len(edges_of(draw_network(model).source)) == 2 * 3 + 3
    layer = SimpleNamespace(neurons=[neuron(1.0)])
    assert len(edges_of(draw_network(layer).source)) == 1


def test_draw_network_rejects_what_is_not_a_network() -> None:
    with pytest.raises(TypeError, match="draw_network: expected a model with .layers"):
        draw_network(Value(1.0))
    broken = SimpleNamespace(layers=[SimpleNamespace(neurons=[SimpleNamespace(w=[1.0])])])
    with pytest.raises(TypeError, match="without Value weights"):
        draw_network(broken)
    model = MLP(2, [3, 1], rng=0)
    model.layers[1].neurons[0].w.pop()
    with pytest.raises(ValueError, match="layer 1 has neurons with \\[2\\] weights"):
        draw_network(model)
    with pytest.raises(ValueError, match="max_per_layer"):
        draw_network(MLP(2, [1]), max_per_layer=0)


def test_save_network_writes_exactly_that_file(tmp_path: Path) -> None:
    path = save_network(MLP(2, [2, 1], rng=0), tmp_path / "net.png")
    assert path.read_bytes().startswith(b"\x89PNG")
    assert [p.name for p in tmp_path.iterdir()] == ["net.png"]
    with pytest.raises(ValueError, match="save_network: cannot tell the format"):
        save_network(MLP(2, [1]), tmp_path / "net.bmp2")


def test_python_m_nn_figures_writes_the_readme_picture(tmp_path: Path) -> None:
    main([str(tmp_path)])
    assert (tmp_path / "network.png").read_bytes().startswith(b"\x89PNG")
    shown = texts(ET.fromstring((tmp_path / "network.svg").read_text()))
    assert "L6 (output)" in shown and "8 sigmoid" in shown
