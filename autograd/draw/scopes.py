"""Group a drawing by module: nested clusters for scopes, one box per collapsed scope.

`record_scopes()` (in `context.py`) yields a dict {node: "layers.0.neurons.3"} that `nn`
modules fill. `draw_graph(root, scopes=...)` uses `Clusters` to put each node in a
``subgraph cluster_k`` per dotted prefix ("layers" ⊃ "layers.0" ⊃ ...), and
`draw_graph(root, scopes=..., collapse=["layers.0"])` uses `Boxes` to replace every
node under a prefix by one box that shows only what flows in and out.

    >>> from autograd.value import Value
    >>> a = Value(1.0); b = a * 2.0; c = b + 1.0
    >>> boxes = Boxes([a, b, c], {b: "layer.0", c: "layer.1"}, ["layer.0"])
    >>> boxes.box_of[b], len(boxes.inputs["layer.0"]), boxes.outputs["layer.0"] == [b]
    ('layer.0', 2, True)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

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


def parent_scope(scope: str) -> str | None:
    """The enclosing scope: ``"layers.0"`` → ``"layers"``; a top-level name → None."""
    return scope.rsplit(".", 1)[0] if "." in scope else None


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

    def box_label(self, prefix: str, describe_output: Sequence[str]) -> str:
        """The box's HTML-like label: its scope, size, and its single output if it has one."""
        inputs, outputs = self.inputs.get(prefix, []), self.outputs.get(prefix, [])
        lines = [
            f"{len(self.members[prefix])} nodes collapsed",
            f"{len(inputs)} in → {len(outputs)} out",
            *describe_output,
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


class Clusters:
    """Nested ``subgraph cluster_k`` blocks, one per dotted scope prefix, made on demand.

    Ask `target(scope)` for the graph to put a node in; call `close()` once at the end,
    which nests each cluster inside its parent (innermost first, so every cluster is
    complete when it is copied into its parent).
    """

    def __init__(self, top: graphviz.Digraph) -> None:
        self.top = top
        self.graphs: dict[str, graphviz.Digraph] = {}

    def target(self, scope: str | None) -> graphviz.Digraph:
        if not scope:
            return self.top
        for prefix in prefixes(scope):
            if prefix not in self.graphs:
                # Numbered by first appearance (topological order), so ids are stable.
                self.graphs[prefix] = graphviz.Digraph(
                    name=f"cluster_{len(self.graphs)}",
                    graph_attr={
                        "label": f"<<i>{html_text(prefix)}</i>>",
                        "style": "rounded,dashed",
                        "color": "#888888",
                        "labeljust": "l",
                    },
                )
        return self.graphs[scope]

    def close(self) -> None:
        ordered = sorted(self.graphs, key=lambda p: -p.count("."))
        for prefix in ordered:
            parent = parent_scope(prefix)
            host = self.graphs[parent] if parent is not None else self.top
            host.subgraph(self.graphs[prefix])


BOX_ATTRS = {"shape": "box3d", "style": "filled", "fillcolor": BOX_FILL, "margin": "0.2,0.12"}
