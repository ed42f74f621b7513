"""Draw a network as a network: neurons as nodes, weights as edges, layer by layer.

`draw_network(model)` reads the parameters of any model shaped like `nn.MLP` (a list
``layers``, each with a list ``neurons``, each with weights ``w`` and a bias ``b``, all
`Value`s), so the engine needs no import of `nn`. After ``loss.backward()`` each edge is
coloured by |∂loss/∂w| on a log scale (pale = vanishing) and as wide as |w|, and each
neuron is coloured by |∂loss/∂b|, the gradient reaching its weighted sum. Inputs are on
the left; a layer wider than `max_per_layer` shows its first neurons and one "… N more"
node, whose edges stand for the hidden weights (their mean |w| and mean |grad|).

    >>> from nn import MLP
    >>> model = MLP(2, [3, 1], rng=0)
    >>> loss = model([1.0, -1.0]) ** 2
    >>> loss.backward()
    >>> graph = draw_network(model)        # shows inline in Jupyter
    >>> graph.source.count(" -> ")         # one edge per weight: 2*3 + 3*1
    9
    >>> save_network(model, "network.svg")                            # doctest: +SKIP
    PosixPath('network.svg')

``python -m nn.figures`` draws notebook 7's deep sigmoid net for the README.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import graphviz

from autograd.draw.graph import GraphDrawing, write_drawing
from autograd.draw.style import NAN_FILL, GradScale, html_text
from autograd.value import Value

ZERO_GRAD_EDGE = "#d0d0d0"  # a weight whose gradient is exactly 0 (a dead ReLU, a 0 input)
_EDGE_FLOOR = 0.2  # the palette's first fifth is nearly white: invisible as a line
_COLUMN, _ROW = 2.2, 0.62  # inches between columns, and between units in a column


class _Column:
    """What one column shows: the first `shown` of `size` units, and whether "… more"."""

    def __init__(self, name: str, size: int, max_per_layer: int) -> None:
        self.name = name
        self.size = size
        self.shown = min(size, max_per_layer)
        self.hidden = size - self.shown

    def ids(self) -> list[str]:
        """The dot ids drawn, the "… more" node last."""
        return [f"{self.name}_{i}" for i in range(self.shown)] + (
            [f"{self.name}_more"] if self.hidden else [])

    def unit(self, i: int) -> str:
        """The dot id of unit i: itself if drawn, else the "… more" node."""
        return f"{self.name}_{i}" if i < self.shown else f"{self.name}_more"


def draw_network(model: Any, *, max_per_layer: int = 10, fmt: str = ".3g") -> GraphDrawing:
    """Neurons as nodes and weights as edges, coloured by gradient (a `graphviz.Digraph`).

    Args:
        model: an `nn.MLP` or `nn.Layer`, or anything with ``.layers`` of ``.neurons``
            that each hold weights ``.w`` and a bias ``.b``.
        max_per_layer: draw at most this many inputs or neurons per column; the rest
            become one "… N more" node.
        fmt: number format of the tooltips.

        >>> from nn import MLP
        >>> "… 56" in draw_network(MLP(64, [32, 10]), max_per_layer=8).source   # 64 - 8
        True
    """
    layers = _layers_of(model)
    if isinstance(max_per_layer, bool) or not isinstance(max_per_layer, int) \
            or max_per_layer < 1:
        raise ValueError(f"draw_network: max_per_layer must be a positive int, got "
                         f"{max_per_layer!r}.")
    columns = [_Column("x", len(layers[0][0].w), max_per_layer)]
    columns += [_Column(f"L{k}", len(neurons), max_per_layer) for k, neurons in
                enumerate(layers)]
    grads = [_grad(p) for neurons in layers for n in neurons for p in (*n.w, n.b)]
    has_grads = any(g != 0.0 for g in grads)
    scale = GradScale(_without_outliers(grads), floor=_EDGE_FLOOR)
    widest = max((abs(w.data) for neurons in layers for n in neurons for w in n.w
                  if math.isfinite(w.data)), default=1.0) or 1.0

    # Every position is known, so neato places the nodes where they are told (pos="x,y!")
    # and only draws the edges: columns in order, units in order, each column centred.
    graph = GraphDrawing(
        engine="neato",
        graph_attr={"splines": "line", "labelloc": "b", "fontname": "Helvetica",
                    "fontsize": "12", "outputorder": "edgesfirst"},
        node_attr={"fontname": "Helvetica", "fontsize": "10", "shape": "circle",
                   "fixedsize": "true", "width": "0.46", "style": "filled"},
        edge_attr={"arrowhead": "none"},
    )
    top = (max(len(c.ids()) for c in columns) - 1) * _ROW / 2
    for k, column in enumerate(columns):
        x = k * _COLUMN
        name, size = (("inputs", f"{column.size}") if k == 0
                      else _layer_title(model, k - 1, len(layers), column.size))
        graph.node(f"{column.name}_title", f"<<b>{html_text(name)}</b><br/>{html_text(size)}>",
                   shape="plaintext", fixedsize="false", style="", fontsize="12",
                   pos=f"{x},{top + 0.7}!")
        ids = column.ids()
        for i, dot_id in enumerate(ids):
            pos = f"{x},{(len(ids) - 1) * _ROW / 2 - i * _ROW}!"
            if i >= column.shown:
                graph.node(dot_id, f"… {column.hidden}\nmore", shape="box", fixedsize="false",
                           style="rounded,dashed", color="#999999", fontcolor="#555555",
                           tooltip=f"{column.hidden} more not drawn", pos=pos)
            elif k == 0:
                graph.node(dot_id, html_text(f"x[{i}]"), fillcolor="#f2f2f2", color="#999999",
                           tooltip=f"input x[{i}]", pos=pos)
            else:
                graph.node(dot_id, f"n{i}", pos=pos, **_neuron_attrs(
                    layers[k - 1][i], f"L{k - 1}.n{i}", scale, has_grads, fmt))
    for k, neurons in enumerate(layers):
        _draw_weights(graph, columns[k], columns[k + 1], neurons, k, scale, has_grads,
                      widest, fmt)
    _network_caption(graph, scale if has_grads else None)
    return graph


def save_network(model: Any, path: str | Path, **options: Any) -> Path:
    """Draw `model` with `draw_network` and write exactly `path` (.svg, .png, .pdf, .dot).

        >>> save_network(model, "network.png", max_per_layer=8)          # doctest: +SKIP
        PosixPath('network.png')
    """
    return write_drawing(draw_network(model, **options), path, caller="save_network")


def _layers_of(model: Any) -> list[list[Any]]:
    """The model's neurons, layer by layer; a clear TypeError for anything else."""
    layers = getattr(model, "layers", None)
    if layers is None and hasattr(model, "neurons"):
        layers = [model]  # a single Layer
    problem = _shape_problem(layers)
    if problem or layers is None:
        raise TypeError(
            f"draw_network: expected a model with .layers, each with .neurons, each with "
            f"weights .w and a bias .b (like nn.MLP or nn.Layer); {type(model).__name__} "
            f"{problem}."
        )
    result = [list(layer.neurons) for layer in layers]
    for k in range(1, len(result)):
        expected, got = len(result[k - 1]), {len(n.w) for n in result[k]}
        if got != {expected}:
            raise ValueError(
                f"draw_network: layer {k} has neurons with {sorted(got)} weights, but "
                f"layer {k - 1} has {expected} neurons; the layers do not chain."
            )
    return result


def _shape_problem(layers: Any) -> str:
    if not isinstance(layers, Sequence) or not layers:
        return "has no non-empty list .layers"
    for k, layer in enumerate(layers):
        neurons = getattr(layer, "neurons", None)
        if not isinstance(neurons, Sequence) or not neurons:
            return f"has a layer {k} without a non-empty list .neurons"
        for neuron in neurons:
            w, b = getattr(neuron, "w", None), getattr(neuron, "b", None)
            if not isinstance(b, Value) or not isinstance(w, Sequence) or not w \
                    or not all(isinstance(x, Value) for x in w):
                return f"has a neuron in layer {k} without Value weights .w and bias .b"
    return ""


def _without_outliers(grads: list[float]) -> list[float]:
    """The nonzero finite |grad|s from the 10th percentile up: the scale starts there.

    A few weights with a tiny gradient (an input near 0) would otherwise stretch the
    scale over decades where almost nothing lies, and a layer-by-layer fade would use
    only a sliver of the colours. Smaller gradients get the palest colour.
    """
    sizes = sorted(abs(g) for g in grads if g != 0.0 and math.isfinite(g))
    return sizes[len(sizes) // 10:]


def _grad(p: Value) -> float:
    grad = p.grad
    return float(grad.data) if isinstance(grad, Value) else float(grad)


def _layer_title(model: Any, k: int, count: int, width: int) -> tuple[str, str]:
    """``("L0", "8 sigmoid")``, ``("L6 (output)", "1 linear")``: the column's two lines."""
    describe = getattr(getattr(model, "layers", [model])[k], "describe", None)
    activation = describe().get("activation") if callable(describe) else None
    name = f"L{k} (output)" if k == count - 1 and count > 1 else f"L{k}"
    return name, f"{width} {activation}" if activation else f"{width} neurons"


def _neuron_attrs(neuron: Any, name: str, scale: GradScale, has_grads: bool,
                  fmt: str) -> dict[str, str]:
    grad = _grad(neuron.b)
    tip = f"{name}: bias {format(neuron.b.data, fmt)}, ∂loss/∂b = {format(grad, fmt)}"
    attrs = {"tooltip": graphviz.escape(tip), "color": "#555555", "fillcolor": "#ffffff"}
    if not math.isfinite(grad):
        attrs.update(fillcolor=NAN_FILL, color="red")
    elif has_grads:
        attrs.update(fillcolor=scale.fill(grad), fontcolor=scale.font(grad))
    return attrs


def _draw_weights(
    graph: graphviz.Digraph, inputs: _Column, outputs: _Column, neurons: list[Any], k: int,
    scale: GradScale, has_grads: bool, widest: float, fmt: str,
) -> None:
    """One edge per drawn weight; an edge to or from a "… more" node stands for the
    weights it hides and is drawn dashed with their mean |w| and mean |grad|."""
    bundles: dict[tuple[str, str], list[tuple[str, Value]]] = {}
    for j, neuron in enumerate(neurons):
        for i, w in enumerate(neuron.w):
            pair = (inputs.unit(i), outputs.unit(j))
            bundles.setdefault(pair, []).append((f"L{k}.n{j}.w{i}", w))
    for (tail, head), weights in bundles.items():
        size = sum(abs(w.data) for _, w in weights) / len(weights)
        grad = sum(abs(_grad(w)) for _, w in weights) / len(weights)
        if len(weights) == 1:
            name, w = weights[0]
            tip = f"{name} = {format(w.data, fmt)}, ∂loss/∂w = {format(_grad(w), fmt)}"
        else:
            tip = (f"{len(weights)} weights: mean |w| {format(size, fmt)}, "
                   f"mean |∂loss/∂w| {format(grad, fmt)}")
        colour = ZERO_GRAD_EDGE
        if not math.isfinite(grad):
            colour = NAN_FILL
        elif has_grads and grad != 0.0:
            colour = scale.fill(grad)
        width = 0.4 + 3.6 * min(size / widest, 1.0) if math.isfinite(size) else 1.0
        graph.edge(tail, head, color=colour, penwidth=f"{width:.2f}",
                   style="dashed" if len(weights) > 1 else "solid",
                   tooltip=graphviz.escape(tip))


def _network_caption(graph: graphviz.Digraph, scale: GradScale | None) -> None:
    rows = ["<tr><td>edge = a weight w, as wide as |w| · circle = a neuron, coloured by "
            "|∂loss/∂b|: the gradient reaching its weighted sum</td></tr>"]
    if scale is None:
        rows.append("<tr><td>all gradients are 0: call loss.backward() first to colour "
                    "by |grad|</td></tr>")
    else:
        rows.append(f"<tr><td>{scale.legend('colour = |∂loss/∂w| and |∂loss/∂b|')}</td></tr>")
    graph.attr(label=f'<<table border="0">{"".join(rows)}</table>>')
