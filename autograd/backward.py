"""The backward pass: order the graph topologically, then apply the chain rule.

`topological_order` is the one walk of the graph that the backward pass, the drawings
and the tracer all share.

Semantics of `backward(root)`:

- every intermediate node's ``.grad`` is recomputed from scratch and stays readable
  afterwards (to inspect or draw);
- leaves *accumulate*: a second ``backward()`` adds to what is there, so calling it twice
  on one graph doubles the leaf gradients; reset them with ``zero_grad``;
- a node used several times receives the sum of its contributions;
- with ``create_graph=True`` every node reached gets a `Value` gradient, constant
  derivatives included, so any of them can be differentiated again.

    >>> from autograd import Value
    >>> x = Value(3.0)
    >>> y = x * x + x
    >>> y.backward(); x.grad
    7.0
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from autograd.context import MODE

if TYPE_CHECKING:  # value.py imports this module: Value is only named in annotations here
    from autograd.value import Value


class _Many:
    """The `_x` of a node whose parents are a tuple in `_y` (see `Value`'s layout)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MANY"

    def __reduce__(self) -> str:
        return "MANY"  # pickle and deepcopy keep the one marker: nodes test it with `is`


MANY: Any = _Many()
_EMIT = object()  # on the walk's stack: "the node below me has all its parents emitted"


def topological_order(root: Value) -> list[Value]:
    """Every node `root` depends on, each listed after all of its parents.

    Iterative, so a chain a million nodes deep needs no recursion. A number an op keeps
    on its node (the 2.0 of ``x * 2.0``) is listed as a leaf of its own, as it is in
    drawings and traces.

        >>> from autograd import Value
        >>> a = Value(1.0); b = a * 2; [n.data for n in topological_order(b + a)]
        [1.0, 2.0, 2.0, 3.0]
    """
    return _walk(root)


def _walk(root: Value) -> list[Value]:
    # A depth-first walk on an explicit stack, in two phases per node: when first popped
    # it goes back on the stack under an _EMIT mark with its parents on top; when the mark
    # comes off again, its parents are all in `order`, and so it follows them.
    order: list[Value] = []
    emit = order.append
    visited: set[Value] = set()
    seen = visited.add
    stack: list[Any] = [root]
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        if node is _EMIT:
            emit(pop())
            continue
        if node in visited:
            continue
        seen(node)
        x = node._x
        if x is None:
            emit(node)
            continue
        push(node)
        push(_EMIT)
        # Inputs are pushed last first, so they are visited, and listed, in input order.
        if x is MANY:
            for parent in reversed(node._y):
                if parent not in visited:
                    push(parent)
            continue
        y = node._y
        if y is None:
            if node.op.arity != 2:
                if x not in visited:
                    push(x)
                continue
            node._number_as_leaf()
            x, y = node._x, node._y  # a number that came first comes first again
        if y not in visited:
            push(y)
        if x not in visited:
            push(x)
    return order


def _backward_order(root: Value) -> list[Value]:
    """The nodes that have parents, each after all of its parents: what the backward pass
    visits (a leaf has no chain rule to apply). Each node's grad is reset to 0.0 as it is
    reached, and which 0.0 it holds is the node's state in the walk: no set of visited
    nodes on the side (on a large graph, memory traffic is the cost)."""
    # Two floats made here, not the shared constant 0.0, so `grad is open_` and `grad is
    # done` hold for exactly the nodes this walk reached. A node is `open_` from when its
    # parents are pushed above it until it comes off the stack again, all of them listed:
    # then it is listed too, and `done`. Popping an `open_` node lists it, so the walk needs
    # no marks on the stack (`_walk`'s _EMIT). A node's first parent is walked into
    # straight away rather than pushed and popped: on a chain of ``+`` (micrograd's neuron)
    # that is most of them. Same order as `_walk`'s, leaves left out.
    open_, done = float("0"), float("0")
    order: list[Value] = []
    emit = order.append
    stack: list[Any] = [root]
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        grad = node.grad
        if grad is open_:
            node.grad = done
            emit(node)
            continue
        if grad is done:
            continue
        x = node._x
        while x is not None:
            node.grad = open_
            push(node)
            if x is MANY:
                for parent in reversed(node._y):
                    if parent._x is not None and parent.grad is not done:
                        push(parent)
                break
            y = node._y
            if y is not None and y._x is not None and y.grad is not done:
                push(y)
            grad = x.grad
            if grad is done or grad is open_:  # open_: only on a cycle, which must end
                break
            node = x
            x = node._x
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
    if getattr(root, "_x", _EMIT) is _EMIT:  # every Value sets _x when it is made
        raise TypeError(f"backward: expected a Value, got {type(root).__name__}.")
    order = _backward_order(root)
    seed: Any = type(root)(1.0) if create_graph else 1.0  # a Value leaf when create_graph
    root.grad = seed if root._x is not None else root.grad + seed
    anomaly = MODE.get().detect_anomaly
    if create_graph:
        _chain_rule_graph(order, anomaly)
    elif anomaly:
        for node in reversed(order):
            chain_rule((node,))
            for parent in node._operands()[0]:
                _check_grad(parent, node)
    else:
        chain_rule(order)


def chain_rule(order: Sequence[Value]) -> None:
    """``parent.grad += local * node.grad`` for every edge, nodes taken from the end of
    `order` (a topological order) back to its start; a leaf has nothing to add."""
    for node in reversed(order):
        x = node._x
        if x is None:
            continue
        g = node.grad
        if x is MANY:
            local_grads = node._dy
            if local_grads is None:  # an op written micrograd's way: its closure knows
                node._backward()
                continue
            for parent, local in zip(node._y, local_grads):
                parent.grad += local * g
            continue
        x.grad += node._dx * g
        y = node._y
        if y is not None:
            y.grad += node._dy * g


def local_grads_as_values(node: Value) -> tuple[Any, ...]:
    """The node's op rule evaluated on its inputs as `Value`s: differentiable edges, one
    per Value parent (a number the node keeps stays a number, and gets none)."""
    op = node.op
    if op is None or node._x is None:
        return ()
    if node._x is MANY and node._dy is None:
        raise TypeError(
            f"backward(create_graph=True): the op {op.name!r} was written micrograd's way "
            "(Value(data, children, op) and a _backward closure), so its derivative is not a "
            "formula that can be differentiated again; define it with autograd.op(...)."
        )
    parents, inputs = node._operands()
    return tuple(op.local_grads(inputs, node))[: len(parents)]


def _chain_rule_graph(order: list[Value], anomaly: bool) -> None:
    for node in reversed(order):
        if node._x is None:
            continue
        g = node.grad
        for parent, local in zip(node._operands()[0], local_grads_as_values(node)):
            parent.grad = parent.grad + local * g
            if anomaly:
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
