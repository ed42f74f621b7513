"""See a computation graph as indented text: no Graphviz `dot` program needed.

`print_graph(root)` prints the root at the top and each node's inputs indented below
it, with the local derivative ∂consumer/∂input on every line, so the chain rule can be
followed in a terminal. A node used more than once is printed in full the first time,
numbered (``#1``), and later referred to as ``↑ see #1``, so heavily shared graphs
stay small. The walk is iterative and cut at `max_depth` and `max_lines` with a clear
marker, so a 100 000-node chain prints a few lines instead of crashing.

    >>> from autograd.value import Value
    >>> x = Value(0.5, label="x")
    >>> y = (x * x).tanh()
    >>> y.label = "y"
    >>> print_graph(y)
    y = tanh  data=0.2449  grad=—
    └─ [∂ 0.94] *  data=0.25  grad=—
       ├─ [∂ 0.5] #1 x  data=0.5  grad=—
       └─ [∂ 0.5] ↑ see #1 (x)
"""

from __future__ import annotations

import sys
from typing import TextIO

from autograd.backward import topological_order
from autograd.value import Value

NOT_COMPUTED = "—"  # shown instead of a grad before backward() has run


def grad_as_float(node: Value) -> float:
    """The node's gradient as a float (a `Value` gradient from create_graph gives its data)."""
    grad = node.grad
    return float(grad.data) if isinstance(grad, Value) else float(grad)


def backward_has_run(root: Value) -> bool:
    """True once ``root.backward()`` has run: it sets the root's gradient to 1, never 0."""
    return grad_as_float(root) != 0.0


def node_name(node: Value) -> str:
    """How listings name a node: ``out = tanh``, ``x1``, ``*``, or ``leaf`` for a constant."""
    symbol = node.op.display() if node.op is not None else None
    if node.label and symbol:
        return f"{node.label} = {symbol}"
    return node.label or symbol or "leaf"


def format_graph(
    root: Value,
    *,
    fmt: str = ".4g",
    show_grad: bool = True,
    max_depth: int = 50,
    max_lines: int = 500,
) -> str:
    """The text `print_graph` prints, as a string.

        >>> format_graph(Value(2.0, label="a"))
        'a  data=2  grad=—'
    """
    if not isinstance(root, Value):
        raise TypeError(f"print_graph: expected a Value, got {type(root).__name__}.")
    for name, limit in (("max_depth", max_depth), ("max_lines", max_lines)):
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"print_graph: {name} must be a positive int, got {limit!r}.")
    check_fmt(fmt, "print_graph")
    order = topological_order(root)
    uses: dict[Value, int] = {}
    for node in order:
        for parent in node.parents:
            uses[parent] = uses.get(parent, 0) + 1
    with_grad = backward_has_run(root)

    def describe(node: Value) -> str:
        text = f"{node_name(node)}  data={format(node.data, fmt)}"
        if show_grad:
            text += "  grad=" + (format(grad_as_float(node), fmt) if with_grad else NOT_COMPUTED)
        return text

    lines: list[str] = []
    numbers: dict[Value, int] = {}  # shared nodes already printed, by their #number
    printed = 0
    cut_depth = False
    # An explicit stack instead of recursion: (node, text before it on its line, indent
    # for its inputs, depth). Inputs are pushed in reverse so they pop in input order.
    stack: list[tuple[Value, str, str, int]] = [(root, "", "", 0)]
    while stack and len(lines) < max_lines:
        node, head, indent, depth = stack.pop()
        if node in numbers:
            lines.append(f"{head}↑ see #{numbers[node]} ({node_name(node)})")
            continue
        mark = ""
        if uses.get(node, 0) > 1:
            numbers[node] = len(numbers) + 1
            mark = f"#{numbers[node]} "
        lines.append(f"{head}{mark}{describe(node)}")
        printed += 1
        if not node.edges:
            continue
        if depth + 1 >= max_depth:
            cut_depth = True
            lines.append(f"{indent}└─ … inputs deeper than max_depth={max_depth} not shown")
            continue
        parents, local_grads = node.parents, node.local_grads
        for i in reversed(range(len(parents))):
            # A node made micrograd's way knows no local derivative: show no number.
            edge = "" if local_grads[i] is None else f"[∂ {format(local_grads[i], fmt)}] "
            if i == len(parents) - 1:
                stack.append((parents[i], f"{indent}└─ {edge}", indent + "   ", depth + 1))
            else:
                stack.append((parents[i], f"{indent}├─ {edge}", indent + "│  ", depth + 1))
    if stack or cut_depth:
        lines.append(
            f"… truncated: {printed} of {len(order)} nodes shown (max_depth={max_depth}, "
            f"max_lines={max_lines}); raise them, or draw_graph(root) for the picture"
        )
    return "\n".join(lines)


def print_graph(
    root: Value,
    *,
    fmt: str = ".4g",
    show_grad: bool = True,
    max_depth: int = 50,
    max_lines: int = 500,
    file: TextIO | None = None,
) -> None:
    """Print the graph under `root` as an indented tree (root first, inputs below).

    Each line shows the node (its label and op), ``data``, ``grad`` (``—`` until
    ``backward()`` has run) and, in brackets, the edge derivative ∂consumer/∂input.
    Shared nodes print once as ``#k`` and are referred to as ``↑ see #k`` after that.

        >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
        >>> c = a * b; c.label = "c"; c.backward()
        >>> print_graph(c)
        c = *  data=-6  grad=1
        ├─ [∂ -3] a  data=2  grad=-3
        └─ [∂ 2] b  data=-3  grad=2
    """
    text = format_graph(root, fmt=fmt, show_grad=show_grad, max_depth=max_depth,
                        max_lines=max_lines)
    print(text, file=file if file is not None else sys.stdout)


def check_fmt(fmt: str, caller: str) -> None:
    """Raise a ValueError naming `caller` unless `fmt` formats a float (``".4g"``)."""
    try:
        format(1.0, fmt)
    except (ValueError, TypeError):
        raise ValueError(
            f"{caller}: fmt={fmt!r} is not a float format spec; use one like '.4g' or '.3f'."
        ) from None
