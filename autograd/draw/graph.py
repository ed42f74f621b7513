"""Draw a computation graph with Graphviz: inline in Jupyter, or saved as SVG/PNG/PDF.

`draw_graph(root)` returns a `graphviz.Digraph`; a notebook shows it by itself and
``.render()`` saves it. `save_graph(root, "graph.svg")` writes exactly that file. Each
value is a box (label, ``data``, ``grad``), each op a small oval, and every edge into an
op carries the local derivative ∂out/∂in read from the node's ``local_grads``, so the
chain rule can be checked by eye: a node's grad is the sum, over its out-edges, of the
edge derivative times the grad of the value that op produces.

Options colour nodes by |grad| on a log scale (vanishing gradients fade out; NaN/inf
are always red), group nodes by module (``scopes=``: one column per layer, inputs on the
left; ``collapse=``: a layer as one box, coloured by the gradients inside it), show the
state after a given backprop step (``backward_step=``), and fall back to a summary, with
options that fit, for graphs beyond ``max_nodes``. A leaf without a label, in a graph
where other leaves have one, is a constant (the 2 of ``x * 2``, a loss's target): it is
drawn grey, without a grad. Without the `dot` program, rendering raises `GraphvizNotFound`
with install hints; `autograd.draw.text.print_graph` needs no `dot` at all.

    >>> from autograd.value import Value
    >>> x = Value(2.0, label="x")
    >>> y = (x * x).tanh()
    >>> y.backward()
    >>> g = draw_graph(y, fmt=".3g")      # shows inline when it is a cell's last line
    >>> g.source.count("->")              # x -> * (twice), * -> x*x, x*x -> tanh, tanh -> y
    5
    >>> save_graph(y, "y.svg")            # doctest: +SKIP
    PosixPath('y.svg')

``python -m autograd.draw [DIR]`` draws one neuron into DIR/neuron_graph.svg and .png.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import Any

import graphviz

from autograd.backward import topological_order
from autograd.draw.scopes import BOX_ATTRS, Boxes, Clusters, group_of
from autograd.draw.steps import BackwardStep, backward_steps
from autograd.draw.style import (
    CONSTANT_ATTRS,
    CURRENT_BORDER,
    DONE_BORDER,
    NAN_BORDER,
    NAN_FILL,
    OP_FILL,
    PLAIN_FILL,
    GradScale,
    constant_leaves,
    html_text,
    show_number,
    value_label,
)
from autograd.draw.summary import edge_labels_fit, layout_problem, summary_hints, summary_lines
from autograd.draw.text import NOT_COMPUTED, backward_has_run, check_fmt, grad_as_float
from autograd.value import Value

FORMATS = ("svg", "png", "pdf", "dot", "gv")  # what save_graph writes, by file extension
SUMMARY_COMMENT = "chainrule graph summary"  # the comment of a graph drawn as a summary
_RANKDIRS = ("LR", "TB", "RL", "BT")

_INSTALL_HINT = (
    "the Graphviz `dot` program was not found on PATH, so the graph cannot be rendered. "
    "Install it with `sudo apt-get install graphviz` (Debian/Ubuntu), "
    "`brew install graphviz` (macOS) or `conda install graphviz` (conda), then restart "
    "Python. Meanwhile `autograd.draw.text.print_graph(root)` shows the graph as text, "
    "and `draw_graph(root).source` gives the DOT text."
)


class GraphvizNotFound(graphviz.ExecutableNotFound):
    """Rendering needs the Graphviz `dot` program and it is not installed.

    A RuntimeError whose message gives the install commands; it subclasses graphviz's
    own ``ExecutableNotFound``, so code that already catches that keeps working.
    """

    def __init__(self) -> None:
        RuntimeError.__init__(self, _INSTALL_HINT)


@contextmanager
def _dot_required() -> Iterator[None]:
    try:
        yield
    except graphviz.ExecutableNotFound as missing:
        if isinstance(missing, GraphvizNotFound):
            raise
        raise GraphvizNotFound() from None


class GraphDrawing(graphviz.Digraph):
    """A `graphviz.Digraph` whose rendering (``pipe``, ``render``, Jupyter display)
    raises `GraphvizNotFound`, with install hints, when `dot` is missing."""

    def pipe(self, *args: Any, **kwargs: Any) -> Any:
        with _dot_required():
            return super().pipe(*args, **kwargs)

    def render(self, *args: Any, **kwargs: Any) -> Any:
        with _dot_required():
            return super().render(*args, **kwargs)


def draw_graph(
    root: Value,
    *,
    rankdir: str = "LR",
    show_grad: bool = True,
    show_edge_grads: bool = True,
    fmt: str = ".4g",
    color_by_grad: bool = False,
    max_nodes: int = 500,
    scopes: Mapping[Value, str] | None = None,
    collapse: Sequence[str] = (),
    backward_step: int | None = None,
) -> GraphDrawing:
    """Draw the graph that computed `root` (returns a `graphviz.Digraph`).

    Args:
        rankdir: ``"LR"`` (inputs on the left) or ``"TB"`` (inputs on top).
        show_grad: show each value's ``grad`` (``—`` until ``backward()`` has run).
        show_edge_grads: label each edge with the local derivative ∂out/∂in.
        fmt: number format, as in ``format(x, ".4g")``.
        color_by_grad: fill values by |grad| on a log10 scale, with a legend.
        max_nodes: beyond this many boxes, draw a one-box summary instead, so `dot`
            never hangs; also when long edges (an input reused far apart, like an RNN's
            shared weights) would cost dot as much as ``6 * max_nodes`` extra ranks.
        scopes: {node: "layers.0.neurons.3"} from ``autograd.context.record_scopes()``;
            each top-level module ("layers.0") becomes one column, inputs on the left.
        collapse: scope prefixes to draw as one box each (needs `scopes`); a box shows
            the mean |grad| inside it, and with `color_by_grad` is coloured by it.
        backward_step: draw the state after step k of ``backward_steps(root)``: grads
            accumulated so far, visited nodes and edges outlined, step k in orange.

        >>> from autograd.value import Value
        >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
        >>> c = a * b
        >>> draw_graph(c).source.count("->")   # a -> *, b -> *, * -> c
        3
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw_graph: expected a Value, got {type(root).__name__}.")
    if rankdir not in _RANKDIRS:
        raise ValueError(f"draw_graph: rankdir must be one of {_RANKDIRS}, got {rankdir!r}.")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"draw_graph: max_nodes must be a positive int, got {max_nodes!r}.")
    check_fmt(fmt, "draw_graph")
    if scopes is not None and not isinstance(scopes, Mapping):
        raise TypeError("draw_graph: scopes must be a mapping {node: scope} such as "
                        f"record_scopes() gives, got {type(scopes).__name__}.")
    scopes = scopes if scopes is not None else {}
    order = topological_order(root)
    boxes = Boxes(order, scopes, collapse)
    problem = layout_problem(order, boxes.box_of, max_nodes, len(boxes.members))
    if problem is not None:
        return _summary_graph(order, problem, max_nodes, rankdir, scopes)

    steps = _steps_until(root, backward_step) if backward_step is not None else []
    grads: dict[Value, float] | None = None  # the grads to show; None: not computed
    if steps:
        grads = {step.node: step.grad_after for step in steps}
    elif backward_has_run(root):
        grads = {node: grad_as_float(node) for node in order}
    if color_by_grad and grads is None:
        raise ValueError("draw_graph: color_by_grad needs gradients; call root.backward() first.")
    constants = constant_leaves(order)
    scale = None
    if color_by_grad and grads is not None:
        scale = GradScale(g for node, g in grads.items() if node not in constants)

    graph = GraphDrawing(
        graph_attr={"rankdir": rankdir, "labelloc": "b", "fontname": "Helvetica",
                    "fontsize": "12", "forcelabels": "true"},
        node_attr={"fontname": "Helvetica", "fontsize": "11"},
        edge_attr={"fontname": "Helvetica", "fontsize": "9", "fontcolor": "#555555"},
    )
    clusters = Clusters(graph, order, scopes)
    ids = {node: f"v{i}" for i, node in enumerate(order)}  # stable: position in the order
    current = steps[-1] if steps else None
    # Each module's nodes together, in the order they were made: dot starts from the
    # order of the DOT text, and a neuron's weights next to each other cross less.
    for node in sorted(order, key=lambda n: scopes.get(n, "")) if scopes else order:
        if node in boxes.box_of:
            continue
        where = clusters.target(scopes.get(node))
        grad = None if grads is None else grads.get(node)
        attrs = _value_attrs(node, grad, fmt, show_grad, scale, node in constants)
        if steps and grads is not None and node in grads:
            attrs.update(color=DONE_BORDER, penwidth="2")
        if current is not None and node is current.node:
            attrs.update(color=CURRENT_BORDER, penwidth="3")
        where.node(ids[node], **attrs)
        if node.op is not None:
            op = node.op
            text = op.display()
            where.node(ids[node] + "op", graphviz.escape(text), shape="ellipse", style="filled",
                       fillcolor=OP_FILL, height="0.3", margin="0.04,0.02",
                       tooltip=graphviz.escape(op.describe()))
            where.edge(ids[node] + "op", ids[node])
    for j, prefix in enumerate(boxes.members):
        ids_box = f"box{j}"
        lines = _single_output(boxes, prefix, grads, fmt)
        attrs = dict(BOX_ATTRS)
        if grads is not None:
            mean = boxes.mean_abs_grad(prefix, grads, constants)
            lines.append(f"mean |grad| inside {show_number(mean, fmt)}")
            if scale is not None and math.isfinite(mean):
                attrs.update(fillcolor=scale.fill(mean), fontcolor=scale.font(mean))
        clusters.box_target(prefix).node(ids_box, boxes.box_label(prefix, lines), **attrs)
        for member in boxes.members[prefix]:
            ids[member] = ids_box
    clusters.close(order, ids, constants, boxes.box_of)
    labels_fit = edge_labels_fit(order, boxes.box_of, max_nodes)
    _draw_edges(graph, order, ids, boxes, fmt, show_edge_grads, steps, labels_fit)
    has_edges = show_edge_grads and any(node not in boxes.box_of and node.edges for node in order)
    has_constants = show_grad and any(node not in boxes.box_of for node in constants)
    _caption(graph, show_grad and grads is None, has_edges, scale, current, has_constants)
    return graph


def _value_attrs(
    node: Value, grad: float | None, fmt: str, show_grad: bool, scale: GradScale | None,
    constant: bool = False,
) -> dict[str, str]:
    lines = [f"data {show_number(node.data, fmt)}"]
    if show_grad and not constant:
        lines.append(f"grad {NOT_COMPUTED if grad is None else show_number(grad, fmt)}")
    attrs = {"label": value_label(node.label, lines), "shape": "box", "style": "rounded,filled",
             "fillcolor": PLAIN_FILL,
             "tooltip": graphviz.escape(" ".join([node.label or "", *lines]).strip())}
    if not math.isfinite(node.data) or (grad is not None and not math.isfinite(grad)):
        attrs.update(fillcolor=NAN_FILL, color=NAN_BORDER, penwidth="2")
    elif constant:
        attrs.update(CONSTANT_ATTRS)
    elif scale is not None:
        shade = grad if grad is not None else 0.0
        attrs.update(fillcolor=scale.fill(shade), fontcolor=scale.font(shade))
    return attrs


def _draw_edges(
    graph: graphviz.Digraph, order: Sequence[Value], ids: Mapping[Value, str], boxes: Boxes,
    fmt: str, show_edge_grads: bool, steps: Sequence[BackwardStep], labels_fit: bool,
) -> None:
    done = {(s.from_node, s.input_index) for s in steps if s.from_node is not None}
    current = steps[-1] if steps else None
    box_edges: set[tuple[str, str]] = set()
    for node in order:
        inside = boxes.box_of.get(node)
        for i, (parent, local) in enumerate(zip(node.parents, node.local_grads)):
            if inside is not None:
                # Edges within a box vanish; edges into it are drawn once per source.
                if boxes.box_of.get(parent) != inside:
                    pair = (ids[parent], ids[node])
                    if pair not in box_edges:
                        box_edges.add(pair)
                        graph.edge(*pair)
                continue
            attrs: dict[str, str] = {}
            if show_edge_grads and local is not None:  # None: made micrograd's way
                # A label dot lays out never overlaps a box; on graphs with many long
                # edges it is too slow (see summary.py), so xlabel, placed afterwards.
                attrs["label" if labels_fit else "xlabel"] = graphviz.escape(
                    show_number(local, fmt))
                attrs["tooltip"] = graphviz.escape(f"local derivative ∂out/∂in = {local!r}")
            if current is not None and current.from_node is node and current.input_index == i:
                attrs.update(color=CURRENT_BORDER, penwidth="2.5", fontcolor=CURRENT_BORDER)
            elif (node, i) in done:
                attrs.update(color=DONE_BORDER, penwidth="1.5")
            graph.edge(ids[parent], ids[node] + "op", **attrs)


def _single_output(
    boxes: Boxes, prefix: str, grads: Mapping[Value, float] | None, fmt: str
) -> list[str]:
    outputs = boxes.outputs.get(prefix, [])
    if len(outputs) != 1:
        return []
    out = outputs[0]
    lines = [f"out: data {show_number(out.data, fmt)}"]
    if grads is not None and out in grads:
        lines.append(f"grad {show_number(grads[out], fmt)}")
    return lines


def _caption(
    graph: graphviz.Digraph, grads_missing: bool, edge_note: bool, scale: GradScale | None,
    current: BackwardStep | None, constants: bool = False,
) -> None:
    rows = []
    if edge_note:
        rows.append("<tr><td>edge number = local derivative ∂(op output)/∂(input)</td></tr>")
    if constants:
        rows.append("<tr><td>grey box = a constant (a number used in an op): no grad shown"
                    "</td></tr>")
    if current is not None:
        rows.append(f"<tr><td>{html_text(str(current))}</td></tr>")
    if grads_missing:
        rows.append(f"<tr><td>grad {NOT_COMPUTED} : backward() has not run yet</td></tr>")
    if scale is not None:
        rows.append(f"<tr><td>{scale.legend()}</td></tr>")
    if rows:
        graph.attr(label=f'<<table border="0">{"".join(rows)}</table>>')


def _steps_until(root: Value, k: int) -> list[BackwardStep]:
    if isinstance(k, bool) or not isinstance(k, int) or k < 0:
        raise ValueError(f"draw_graph: backward_step must be an int >= 0, got {k!r}.")
    steps = list(islice(backward_steps(root), k + 1))
    if len(steps) <= k:
        raise ValueError(
            f"draw_graph: backward_step={k} but this graph's backward pass has only "
            f"{len(steps)} steps (0 to {len(steps) - 1})."
        )
    return steps


def _summary_graph(
    order: Sequence[Value], reason: str, max_nodes: int, rankdir: str,
    scopes: Mapping[Value, str],
) -> GraphDrawing:
    """One box describing a graph too large to draw: why, counts, ops, depth, what to try."""
    # layers.2 before layers.10: numbered parts compare as numbers.
    groups = sorted({group_of(scopes[n]) for n in order if scopes.get(n)},
                    key=lambda g: [(0, int(p), "") if p.isdigit() else (1, 0, p)
                                   for p in g.split(".")])
    fits = False
    if groups:
        boxes = Boxes(order, scopes, groups)
        fits = layout_problem(order, boxes.box_of, max_nodes, len(boxes.members)) is None
    hints = summary_hints(order, groups, fits, max_nodes)
    graph = GraphDrawing(comment=SUMMARY_COMMENT, graph_attr={"rankdir": rankdir})
    graph.node("summary", value_label("graph too large to draw",
                                      summary_lines(order, reason, hints), left=True),
               shape="box", style="rounded,filled", fillcolor="#fff7dc", fontname="Helvetica")
    return graph


def save_graph(root: Value, path: str | Path, **options: Any) -> Path:
    """Draw `root`'s graph and write exactly `path`, as its extension says; returns it.

    Extensions: ``.svg``, ``.png``, ``.pdf`` (rendered by `dot`), ``.dot``/``.gv`` (the
    DOT text). `options` are `draw_graph`'s. No other file is left behind.

        >>> save_graph(y, "graph.svg", color_by_grad=True)   # doctest: +SKIP
        PosixPath('graph.svg')
    """
    return write_drawing(draw_graph(root, **options), path)


def write_drawing(graph: graphviz.Digraph, path: str | Path, caller: str = "save_graph") -> Path:
    """Write a drawing to exactly `path`, in the format its extension names (see
    `save_graph`); returns the path. `caller` names the function in errors."""
    path = Path(path)
    kind = path.suffix.lower().lstrip(".")
    if kind not in FORMATS:
        raise ValueError(
            f"{caller}: cannot tell the format from {str(path)!r}; "
            f"end the name with one of {', '.join('.' + f for f in FORMATS)}."
        )
    # pipe() returns the bytes, so nothing but `path` is written (render() would also
    # leave the DOT source file next to it).
    data = graph.source.encode("utf-8") if kind in ("dot", "gv") else graph.pipe(format=kind)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def neuron() -> Value:
    """The classic single neuron, out = tanh(x1*w1 + x2*w2 + b), with every node labelled."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1, x2w2 = x1 * w1, x2 * w2
    x1w1.label, x2w2.label = "x1*w1", "x2*w2"
    total = x1w1 + x2w2
    total.label = "x1*w1 + x2*w2"
    n = total + b
    n.label = "n"
    out = n.tanh()
    out.label = "out"
    return out


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m autograd.draw [DIR]``: draw a neuron after backward into DIR (SVG, PNG)."""
    parser = argparse.ArgumentParser(
        prog="python -m autograd.draw",
        description="Draw one neuron's graph, with gradients and edge derivatives.",
    )
    parser.add_argument("directory", nargs="?", default="notebooks/figures",
                        help="where to write neuron_graph.svg and neuron_graph.png")
    args = parser.parse_args(argv)
    out = neuron()
    out.backward()
    graph = draw_graph(out, fmt=".4g")
    for kind in ("svg", "png"):
        if kind == "png":
            graph.attr(dpi="144")  # crisp in a README; the SVG scales by itself
        print(write_drawing(graph, Path(args.directory) / f"neuron_graph.{kind}"))


if __name__ == "__main__":
    main()
