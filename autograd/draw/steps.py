"""Step through backpropagation one chain-rule update at a time.

`backward_steps(root)` replays what `root.backward()` would do, in the same order, and
yields one `BackwardStep` per update ``node.grad += edge_derivative * from_node.grad``.
It computes on the side: no ``.grad`` is changed, so it can run before or after
``backward()`` and as often as you like (a notebook can print or animate it, and
``draw_graph(root, backward_step=k)`` draws the state after step k).

    >>> from autograd.value import Value
    >>> x = Value(3.0, label="x")
    >>> y = x * x
    >>> for step in backward_steps(y):
    ...     print(step)
    step 0: seed the root: grad = 1
    step 1: x.grad += 3 × 1 = 3  (input 0 of *)
    step 2: x.grad += 3 × 1 = 6  (input 1 of *)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from autograd.backward import topological_order
from autograd.primitive import ClosureOp
from autograd.value import Value


@dataclass(frozen=True, slots=True)
class BackwardStep:
    """One chain-rule update: ``node.grad += edge_derivative * grad of from_node``.

    Attributes:
        index: position in the sequence; step 0 seeds the root's gradient with 1.
        node: the Value whose gradient receives the contribution.
        contribution: ``edge_derivative * upstream_grad``.
        edge_derivative: ∂from_node/∂node at this point, read from ``from_node.local_grads``
            (1.0 for the seed).
        from_node: the consumer the gradient flows back from (None for the seed).
        upstream_grad: ``from_node``'s gradient, already complete when this step runs
            (1.0 for the seed).
        input_index: which input of ``from_node`` this edge is (-1 for the seed); a node
            used twice by one op (``x * x``) gets one step per use.
        grad_after: ``node``'s accumulated gradient after this step.

        >>> x = Value(2.0); y = x * 5.0
        >>> last = list(backward_steps(y))[-1]      # the constant 5.0 comes last
        >>> last.edge_derivative, last.contribution
        (2.0, 2.0)
    """

    index: int
    node: Value
    contribution: float
    edge_derivative: float
    from_node: Value | None
    upstream_grad: float
    input_index: int
    grad_after: float

    def __str__(self) -> str:
        name = _name(self.node)
        if self.from_node is None:
            return f"step {self.index}: seed the root: grad = {self.grad_after:.4g}"
        op = self.from_node.op.display() if self.from_node.op is not None else "?"
        return (
            f"step {self.index}: {name}.grad += {self.edge_derivative:.4g}"
            f" × {self.upstream_grad:.4g}"
            f" = {self.grad_after:.4g}  (input {self.input_index} of {op})"
        )


def _name(node: Value) -> str:
    if node.label:
        return node.label
    if node.op is not None:
        return f"[{node.op.display()}]"
    return f"leaf({node.data:.4g})"


def backward_steps(root: Value) -> Iterator[BackwardStep]:
    """Yield the chain-rule updates of ``root.backward()`` in the order it applies them.

    Gradients are accumulated in a private dict, starting from zero everywhere, so the
    result matches ``backward()`` on a graph whose leaf gradients are zero, and no
    ``.grad`` attribute is touched. The contributions a node receives sum to its
    gradient.

        >>> a, b = Value(2.0, label="a"), Value(-1.0, label="b")
        >>> out = (a * b).tanh()
        >>> [s.node.label for s in backward_steps(out)][-2:]
        ['a', 'b']
    """
    if not isinstance(root, Value):
        raise TypeError(f"backward_steps: expected a Value, got {type(root).__name__}.")
    return _steps(root)


def _steps(root: Value) -> Iterator[BackwardStep]:
    order = topological_order(root)
    grads: dict[Value, float] = {root: 1.0}
    yield BackwardStep(0, root, 1.0, 1.0, None, 1.0, -1, 1.0)
    index = 1
    # Same walk as backward's chain rule: consumers before their inputs, and each
    # node's inputs in edge order, so step k here is update k there.
    for node in reversed(order):
        if not node.edges:
            continue
        upstream = grads.get(node, 0.0)
        if isinstance(node.op, ClosureOp):
            raise TypeError(
                f"backward_steps: the op {node.op.name!r} was written micrograd's way (its "
                "chain rule is a _backward closure), so its steps cannot be listed; define "
                "it with autograd.op(...) to step through it."
            )
        for i, (parent, local) in enumerate(zip(node.parents, node.local_grads)):
            contribution = local * upstream
            after = grads.get(parent, 0.0) + contribution
            grads[parent] = after
            yield BackwardStep(index, parent, contribution, local, node, upstream, i, after)
            index += 1
