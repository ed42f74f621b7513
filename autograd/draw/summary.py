"""Is a graph too big to draw? If so, describe it in a few lines instead.

Two things make `dot` slow: many boxes, and long edges. An edge from a value to an op
many ranks away (an RNN's weight used at every time step) becomes one hidden node per
rank it crosses, and dot's crossing minimisation grows much faster than linearly with
them: a 124-node RNN with three shared weights took 3 s, a 184-node one over a minute.
`layout_problem` measures both, in one pass each, and names the limit that was hit;
`summary_lines` then describes the graph (size, ops, depth, leaves) for the summary box.

    >>> from autograd.backward import topological_order
    >>> from autograd.value import Value
    >>> order = topological_order((Value(1.0) * 2.0).tanh())    # 4 nodes
    >>> layout_problem(order, {}, max_nodes=3)
    '4 boxes to draw (max_nodes=3)'
    >>> layout_problem(order, {}, max_nodes=10) is None
    True
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from autograd.value import Value

# Hidden ranks (long-edge crossings) allowed per allowed box: measured so that a graph
# at the default max_nodes lays out in about a second (see the module docstring).
RANKS_PER_NODE = 6
# Edge labels that dot places itself (``label``) never overlap a box, but each adds a
# rank to every edge it crosses: an RNN of 15 steps (2,520 hidden ranks) took 2.7 s with
# them and 0.5 s with ``xlabel``, one of 10 steps (1,080) 0.4 s. Beyond this many hidden
# ranks per allowed box, labels are placed after layout instead (``xlabel``).
LABELLED_RANKS_PER_NODE = 2


def hidden_ranks(order: Sequence[Value], box_of: Mapping[Value, str]) -> int:
    """How many ranks the drawn edges cross beyond their first: dot's hidden nodes.

    Ranks follow the drawing: value, op, value, ... so an op is one rank before its
    output. A leaf sits just before its first consumer (dot puts it there), so a leaf
    used once costs nothing; a leaf used again much later costs the distance. Edges
    touching a collapsed box are not counted.
    """
    rank: dict[Value, int] = {}
    for node in order:  # parents first, so their ranks are known
        if node.edges and node not in box_of:
            rank[node] = 2 + max((rank[p] for p in node.parents if p in rank), default=0)
    leaf_rank: dict[Value, int] = {}
    for node, r in rank.items():
        for parent in node.parents:
            if parent not in rank and parent not in box_of:
                leaf_rank[parent] = min(leaf_rank.get(parent, r - 2), r - 2)
    crossed = 0
    for node, r in rank.items():
        for parent in node.parents:
            start = rank.get(parent, leaf_rank.get(parent))
            if start is not None:
                crossed += r - 2 - start  # the edge ends at the op, rank r - 1
    return crossed


def layout_problem(
    order: Sequence[Value], box_of: Mapping[Value, str], max_nodes: int,
    n_boxes: int = 0,
) -> str | None:
    """Why the graph is too big to draw with this `max_nodes`, or None if it is fine."""
    drawn = len(order) - len(box_of) + n_boxes
    if drawn > max_nodes:
        return f"{drawn:,} boxes to draw (max_nodes={max_nodes})"
    crossed = hidden_ranks(order, box_of)
    if crossed > RANKS_PER_NODE * max_nodes:
        return (
            f"long edges: inputs reused far apart (like an RNN's shared weights) cross "
            f"{crossed:,} ranks (limit {RANKS_PER_NODE} × max_nodes = "
            f"{RANKS_PER_NODE * max_nodes:,}); dot would take minutes"
        )
    return None


def edge_labels_fit(order: Sequence[Value], box_of: Mapping[Value, str], max_nodes: int) -> bool:
    """Can dot lay out real edge labels (which never overlap a box) quickly enough?"""
    return hidden_ranks(order, box_of) <= LABELLED_RANKS_PER_NODE * max_nodes


def summary_hints(
    order: Sequence[Value], groups: Sequence[str], collapsed_fits: bool, max_nodes: int
) -> list[str]:
    """What to try instead, each a call that works: group and collapse by module (with
    the graph's own group names when it has scopes), draw the network, draw less.

        >>> summary_hints([], ["layers.0", "layers.1"], True, 500)[0]
        "draw_graph(root, scopes=scopes, collapse=[f'layers.{i}' for i in range(2)])"
    """
    if groups:
        collapse = _collapse_list(groups)
        hint = f"draw_graph(root, scopes=scopes, collapse={collapse})"
        hints = [hint if collapsed_fits else f"{hint}, on the graph of fewer examples"]
    else:
        hints = ["group it by module: `with record_scopes() as scopes: out = model(x)`, "
                 "then draw_graph(out, scopes=scopes, "
                 "collapse=[f'layers.{i}' for i in range(len(model.layers))])"]
    hints.append("draw_network(model): one node per neuron, weights and their grads")
    hints.append("the graph of one example, model(x), instead of a whole batch's cost")
    if len(order) <= 2 * max_nodes:
        hints.append(f"draw_graph(root, max_nodes={len(order)}) (slower to lay out)")
    hints.append("print_graph(root, max_depth=20)")
    return hints


def _collapse_list(groups: Sequence[str]) -> str:
    """``['layers.0', 'layers.1']`` as short Python: a comprehension for a numbered run."""
    name = groups[0].split(".")[0]
    if [f"{name}.{i}" for i in range(len(groups))] == list(groups) and len(groups) > 1:
        return f"[f'{name}.{{i}}' for i in range({len(groups)})]"
    return repr(list(groups))


def summary_lines(order: Sequence[Value], reason: str, hints: Sequence[str]) -> list[str]:
    """The summary box's lines: why, size, op histogram, depth, leaves, what to try.

        >>> x = Value(1.0); y = x * x
        >>> summary_lines([x, y], "too big", ["print_graph(root)"])[1:3]
        ['2 value nodes · ops: mul 1', 'depth: 1 ops · leaves: 1']
    """
    depth: dict[Value, int] = {}
    leaves = 0
    for node in order:  # parents first, so their depths are known
        parents = node.parents
        if parents:
            depth[node] = 1 + max(depth[p] for p in parents)
        else:
            depth[node] = 0
            leaves += 1
    ops = Counter(node.op.describe() for node in order if node.op is not None)
    top = ", ".join(f"{name} {count:,}" for name, count in ops.most_common(8))
    if len(ops) > 8:
        top += f", … ({len(ops) - 8} more kinds)"
    return [
        reason,
        f"{len(order):,} value nodes · ops: {top or 'none'}",
        f"depth: {max(depth.values(), default=0):,} ops · leaves: {leaves:,}",
        *(("try: " if i == 0 else "or: ") + hint for i, hint in enumerate(hints)),
    ]
