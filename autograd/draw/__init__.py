"""Seeing a graph: Graphviz drawings, the text view, and backprop one step at a time.

- `graph`: `draw_graph` and `save_graph`; `style`, `scopes` and `summary` are its
  colours, module columns and boxes, and too-big summaries.
- `network`: `draw_network` and `save_network`, a model drawn as neurons and weights.
- `widget`: `step_through`, a Jupyter slider through backprop (needs ipywidgets).
- `steps`: `backward_steps`, the chain-rule updates in the order backward applies them.
- `text`: `print_graph`, an indented text tree for a terminal.

Everything here walks the graph through `autograd.backward.topological_order` and reads
each node's op from `autograd.ops`: no second copy of the chain rule.

    >>> from autograd.draw import print_graph
    >>> from autograd import Value
    >>> print_graph(Value(2.0, label="x") * 3)
    *  data=6  grad=—
    ├─ [∂ 3] x  data=2  grad=—
    └─ [∂ 2] leaf  data=3  grad=—
"""

from autograd.draw.steps import BackwardStep, backward_steps
from autograd.draw.text import print_graph

# graph.py, network.py and widget.py import graphviz: load them on first use, so
# `import autograd` stays light.
_DRAWING = {"draw_graph": "graph", "save_graph": "graph", "GraphvizNotFound": "graph",
            "draw_network": "network", "save_network": "network", "step_through": "widget"}


def __getattr__(name: str) -> object:
    if name in _DRAWING:
        import importlib

        return getattr(importlib.import_module(f"autograd.draw.{_DRAWING[name]}"), name)
    raise AttributeError(f"module 'autograd.draw' has no attribute {name!r}")


__all__ = ["BackwardStep", "GraphvizNotFound", "backward_steps", "draw_graph", "draw_network",
           "print_graph", "save_graph", "save_network", "step_through"]
