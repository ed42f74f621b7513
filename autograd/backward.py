"""The backward pass: order the graph topologically, then apply the chain rule.

`topological_order` is the one walk of the graph that the backward pass, the drawings
and the tracer all share.

Semantics of `backward(root)`:

- every intermediate node's ``.grad`` is recomputed from scratch and stays readable
  afterwards (to inspect or draw);
- leaves *accumulate*: a second ``backward()`` adds to what is there, so calling it twice
  on one graph doubles the leaf gradients; reset them with ``zero_grad``;
- a node used several times receives the sum of its contributions.

    >>> from autograd import Value
    >>> x = Value(3.0)
    >>> y = x * x + x
    >>> y.backward(); x.grad
    7.0
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from autograd.context import MODE

if TYPE_CHECKING:  # value.py imports this module: Value is only named in annotations here
    from autograd.value import Value


def topological_order(root: Value) -> list[Value]:
    """Every node `root` depends on, each listed after all of its parents.

    Iterative, so a chain a million nodes deep needs no recursion. Two phases: first
    count, for every node, how many of its consumers lie in this graph; then emit nodes
    from the root down, a node becoming ready once all its consumers are emitted
    (Kahn's algorithm), and reverse the list.

        >>> from autograd import Value
        >>> a = Value(1.0); b = a * 2; [n.data for n in topological_order(b + a)]
        [1.0, 2.0, 2.0, 3.0]
    """
    consumers: dict[Value, int] = {root: 0}
    stack = [root]
    while stack:
        edges = stack.pop().edges
        for i in range(len(edges) >> 1):
            parent = edges[i]
            if parent in consumers:
                consumers[parent] += 1
            else:
                consumers[parent] = 1
                stack.append(parent)
    order = []
    ready = [root]
    while ready:
        node = ready.pop()
        order.append(node)
        edges = node.edges
        for i in range(len(edges) >> 1):
            parent = edges[i]
            left = consumers[parent] - 1
            consumers[parent] = left
            if left == 0:
                ready.append(parent)
    order.reverse()
    return order


def backward(root: Value, create_graph: bool = False) -> None:
    """Set ``.grad`` on every node `root` depends on to d(root)/d(node).

    With ``create_graph=True`` the gradients are themselves `Value`s built from the op
    rules, so they can be differentiated again (second derivatives, Hessian-vector
    products).

        >>> from autograd import Value
        >>> x = Value(0.5)
        >>> y = x.tanh()
        >>> y.backward(create_graph=True)
        >>> dydx = x.grad             # a Value: 1 - tanh(x)**2
        >>> x.grad = 0.0
        >>> dydx.backward()           # x.grad is now d²y/dx²
    """
    if not isinstance(getattr(root, "edges", None), tuple):
        raise TypeError(f"backward: expected a Value, got {type(root).__name__}.")
    order = topological_order(root)
    for node in order:
        if node.edges:
            node.grad = 0.0
    if root.edges:
        root.grad = 1.0
    else:
        root.grad = root.grad + 1.0
    anomaly = MODE.get().detect_anomaly
    if create_graph:
        _chain_rule_graph(order, anomaly)
    elif anomaly:
        _chain_rule_checked(order)
    else:
        _chain_rule(order)


def _chain_rule(order: list[Value]) -> None:
    # edges = (parents..., local_grads...); the one- and two-parent cases are unrolled
    # because they are nearly every node.
    for node in reversed(order):
        edges = node.edges
        n = len(edges)
        if n == 4:
            a, b, da, db = edges
            g = node.grad
            a.grad += da * g
            b.grad += db * g
        elif n == 2:
            a, da = edges
            a.grad += da * node.grad
        elif n:
            g = node.grad
            half = n >> 1
            for i in range(half):
                edges[i].grad += edges[half + i] * g


def local_grads_as_values(node: Value) -> tuple[Any, ...]:
    """The node's op rule evaluated on its parents as `Value`s: differentiable edges."""
    op = node.op
    if op is None:
        return ()
    return op.local_grads(node.parents, node)


def _chain_rule_graph(order: list[Value], anomaly: bool) -> None:
    for node in reversed(order):
        if not node.edges:
            continue
        g = node.grad
        for parent, local in zip(node.parents, local_grads_as_values(node)):
            parent.grad = parent.grad + local * g
            if anomaly:
                _check_grad(parent, node)


def _chain_rule_checked(order: list[Value]) -> None:
    for node in reversed(order):
        g = node.grad
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad += local * g
            _check_grad(parent, node)


def _check_grad(parent: Value, node: Value) -> None:
    grad = parent.grad if isinstance(parent.grad, float | int) else parent.grad.data
    if not math.isfinite(grad):
        op = node.op.describe() if node.op else "leaf"
        name = f" ({parent.label})" if parent.label else ""
        raise FloatingPointError(
            f"detect_anomaly: backward through {op} gave gradient {grad!r} to input "
            f"{parent.data!r}{name}."
        )
