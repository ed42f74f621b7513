"""Group a drawing by module: one column per layer, one box per collapsed scope.

`record_scopes()` (in `context.py`) yields a dict {node: "layers.0.neurons.3"} that `nn`
modules fill. `draw_graph(root, scopes=...)` uses `Clusters` to put each node in one
flat ``subgraph cluster_k`` per top-level module (`group_of`: "layers.0", "layers.1",
...), and `draw_graph(root, scopes=..., collapse=["layers.0"])` uses `Boxes` to replace
every node under a prefix by one box that shows only what flows in and out.

    >>> from autograd.value import Value
    >>> a = Value(1.0); b = a * 2.0; c = b + 1.0
    >>> boxes = Boxes([a, b, c], {b: "layer.0", c: "layer.1"}, ["layer.0"])
    >>> boxes.box_of[b], len(boxes.inputs["layer.0"]), boxes.outputs["layer.0"] == [b]
    ('layer.0', 2, True)
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import graphviz

from autograd.draw.style import BOX_FILL, html_text
from autograd.value import Value


def prefixes(scope: str) -> list[str]:
    """Every enclosing scope of a dotted name, outermost first.

        >>> prefixes("layers.0.neurons")
        ['layers', 'layers.0', 'layers.0.neurons']
    """
    parts = scope.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


class Boxes:
    """Which nodes `collapse` hides, and what flows into and out of each box.

    Attributes:
        box_of: node → the collapse prefix that swallows it (the outermost match).
        members / inputs / outputs: per prefix, in topological order: the nodes inside,
            the outside nodes they read, and the inside nodes read outside (or the root).
    """

    def __init__(
        self, order: Sequence[Value], scopes: Mapping[Value, str], collapse: Sequence[str]
    ) -> None:
        wanted = set(_check_collapse(collapse, scopes))
        self.box_of: dict[Value, str] = {}
        self.members: dict[str, list[Value]] = {}
        self.inputs: dict[str, list[Value]] = {}
        self.outputs: dict[str, list[Value]] = {}
        if not wanted:
            return
        for node in order:
            scope = scopes.get(node)
            if not scope:
                continue
            for prefix in prefixes(scope):
                if prefix in wanted:
                    self.box_of[node] = prefix
                    self.members.setdefault(prefix, []).append(node)
                    break
        missing = sorted(wanted - set(self.members))
        if missing:
            raise ValueError(
                f"draw_graph: collapse={missing!r} matches no node of this graph; "
                f"scopes here start with {_top_scopes(order, scopes)!r}."
            )
        seen_in: set[tuple[str, Value]] = set()
        seen_out: set[Value] = set()
        for node in order:
            inside = self.box_of.get(node)
            for parent in node.parents:
                source = self.box_of.get(parent)
                if inside is not None and source != inside and (inside, parent) not in seen_in:
                    seen_in.add((inside, parent))
                    self.inputs.setdefault(inside, []).append(parent)
                if source is not None and source != inside and parent not in seen_out:
                    seen_out.add(parent)
                    self.outputs.setdefault(source, []).append(parent)
        if order and order[-1] in self.box_of and order[-1] not in seen_out:
            self.outputs.setdefault(self.box_of[order[-1]], []).append(order[-1])

    def mean_abs_grad(
        self, prefix: str, grads: Mapping[Value, float], skip: Collection[Value] = ()
    ) -> float:
        """The mean |grad| of the nodes inside the box (those in `skip` left out)."""
        inside = [abs(grads[m]) for m in self.members[prefix] if m in grads and m not in skip]
        return sum(inside) / len(inside) if inside else 0.0

    def box_label(self, prefix: str, more: Sequence[str]) -> str:
        """The box's HTML-like label: its scope, its size, then the lines in `more`."""
        inputs, outputs = self.inputs.get(prefix, []), self.outputs.get(prefix, [])
        lines = [
            f"{len(self.members[prefix])} nodes collapsed",
            f"{len(inputs)} in → {len(outputs)} out",
            *more,
        ]
        body = "<br/>".join(html_text(line) for line in lines)
        return f"<<b>{html_text(prefix)}</b><br/>{body}>"


def _check_collapse(collapse: Sequence[str], scopes: Mapping[Value, str]) -> list[str]:
    if isinstance(collapse, str):
        raise TypeError(
            f"draw_graph: collapse must be a list of scope prefixes, got the str "
            f"{collapse!r}; write collapse=[{collapse!r}]."
        )
    collapse = list(collapse)
    for prefix in collapse:
        if not isinstance(prefix, str) or not prefix:
            raise TypeError(f"draw_graph: collapse entries must be scope names, got {prefix!r}.")
    if collapse and not scopes:
        raise ValueError(
            "draw_graph: collapse needs scopes=...; record them with "
            "`with autograd.context.record_scopes() as scopes:` around the forward pass."
        )
    return collapse


def _top_scopes(order: Sequence[Value], scopes: Mapping[Value, str]) -> list[str]:
    found = {scopes[node].split(".")[0] for node in order if scopes.get(node)}
    return sorted(found)[:8]


def group_of(scope: str) -> str:
    """The column a scope is drawn in: its top-level module, or one element of a top-level
    list of modules.

        >>> group_of("layers.2.neurons.3"), group_of("head.neurons.0"), group_of("encoder")
        ('layers.2', 'head', 'encoder')
    """
    parts = scope.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 and parts[1].isdigit() else parts[0]


class Clusters:
    """One flat ``subgraph cluster_k`` per group (`group_of`): a network reads as columns,
    one per layer, rather than as boxes nested four deep (``layers > layers.0 >
    layers.0.neurons > layers.0.neurons.3``).

    Ask `target(scope)` for the graph to put a node in and `box_target(prefix)` for a
    collapsed box; call `close()` once at the end to line the columns up and add them to
    the drawing.
    """

    def __init__(
        self, top: graphviz.Digraph, order: Sequence[Value], scopes: Mapping[Value, str]
    ) -> None:
        self.top = top
        self.graphs: dict[str, graphviz.Digraph] = {}
        self.column = {node: group_of(scopes[node]) for node in order if scopes.get(node)}

    def target(self, scope: str | None) -> graphviz.Digraph:
        if not scope:
            return self.top
        group = group_of(scope)
        if group not in self.graphs:
            # Numbered by first appearance (topological order), so ids are stable.
            self.graphs[group] = graphviz.Digraph(
                name=f"cluster_{len(self.graphs)}",
                graph_attr={
                    "label": f"<<i>{html_text(group)}</i>>",
                    "style": "rounded,dashed",
                    "color": "#888888",
                    "labeljust": "l",
                },
            )
        return self.graphs[group]

    def box_target(self, prefix: str) -> graphviz.Digraph:
        """Where a collapsed box goes: inside its group's column, unless it is the group."""
        return self.top if len(prefix) <= len(group_of(prefix)) else self.target(prefix)

    def close(self, order: Sequence[Value], ids: Mapping[Value, str],
              constants: Collection[Value], hidden: Collection[Value]) -> None:
        """Line the columns up (`_align`), then add them to the drawing."""
        if self.column:
            self._align(order, ids, constants, hidden)
        for graph in self.graphs.values():
            self.top.subgraph(graph)

    def _align(self, order: Sequence[Value], ids: Mapping[Value, str],
               constants: Collection[Value], hidden: Collection[Value]) -> None:
        """Columns that do not overlap: the network's inputs first, and each weight beside
        (in the rank of) the op that multiplies it with a value from the previous column.

        Dot stacks clusters that share a rank, and routes an edge round a cluster that
        spans the ranks it crosses. With each weight a rank before its op, a layer began
        one rank before the previous one ended, and a scoped MLP climbed the page like a
        staircase. `hidden` are the nodes inside collapsed boxes.
        """
        column = self.column
        feeds: set[Value] = set()
        for node in order:
            where = column.get(node)
            if where is None:
                continue
            feeds.update(node.parents)
            if node in hidden or not any(column.get(p) != where for p in node.parents):
                continue
            beside = [ids[p] for p in node.parents if not p.edges and column.get(p) == where
                      and p not in constants and p not in hidden]
            if beside:
                self.graphs[where].body.append(
                    "\t{rank=same; " + "; ".join([*beside, ids[node] + "op"]) + "}\n")
        first = [ids[node] for node in order if not node.edges and node in feeds
                 and node not in column and node not in constants and node not in hidden]
        if first:
            self.top.body.append("\t{rank=min; " + "; ".join(first) + "}\n")


BOX_ATTRS = {"shape": "box3d", "style": "filled", "fillcolor": BOX_FILL, "margin": "0.2,0.12"}
