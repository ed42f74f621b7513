"""Differential operators on plain Python functions: `grad`, `value_and_grad`, `hessian`,
and forward mode, `jvp`.

Write ``f`` as ordinary arithmetic; call the result with floats and get floats back.
As in torch.func, `argnums` names each argument at most once (negative numbers count
from the end); naming one twice is a ValueError rather than a wrong second entry.

    >>> from autograd import grad, jvp
    >>> grad(lambda x, y: x * y + y)(2.0, 3.0)
    3.0
    >>> grad(lambda x, y: x * y + y, argnums=(0, 1))(2.0, 3.0)
    (3.0, 3.0)
    >>> jvp(lambda x, y: x * y + y, (2.0, 3.0), (1.0, 0.0))   # d/dx only: forward mode
    (9.0, 3.0)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from autograd.backward import topological_order
from autograd.value import Value, _to_float

ArgNums = int | tuple[int, ...]


def value_and_grad(f: Callable[..., Any], argnums: ArgNums = 0) -> Callable[..., Any]:
    """``f(*args)`` and its gradient with respect to the arguments in `argnums`.

    The gradient is a float for an int `argnums`, a tuple of floats for a tuple.

        >>> value_and_grad(lambda x: x ** 3)(2.0)
        (8.0, 12.0)
    """

    def wrapped(*args: Any) -> tuple[float, Any]:
        leaves, out = _call(f, "value_and_grad", args, argnums)
        out.backward()
        return out.data, _pick(argnums, [leaf.grad for leaf in leaves])

    return wrapped


def grad(f: Callable[..., Any], argnums: ArgNums = 0) -> Callable[..., Any]:
    """The gradient of a scalar function, as a function of the same floats.

        >>> import math
        >>> grad(lambda x: x.sin())(0.0)
        1.0
    """
    with_value = value_and_grad(f, argnums)
    return lambda *args: with_value(*args)[1]


def hessian(f: Callable[..., Any], argnums: ArgNums = 0) -> Callable[..., Any]:
    """Second derivatives: a float for an int `argnums`, a tuple of rows for a tuple.

    Built by differentiating the gradient graph that ``backward(create_graph=True)`` makes.

        >>> hessian(lambda x, y: x * x * y, argnums=(0, 1))(1.0, 2.0)
        ((4.0, 2.0), (2.0, 0.0))
    """

    def wrapped(*args: Any) -> Any:
        leaves, out = _call(f, "hessian", args, argnums)
        out.backward(create_graph=True)
        first = [leaf.grad for leaf in leaves]
        rows = []
        for g in first:
            for leaf in leaves:
                leaf.grad = 0.0
            if isinstance(g, Value):
                g.backward()
            rows.append(tuple(_as_float(leaf.grad) for leaf in leaves))
        if isinstance(argnums, int):
            return rows[0][0]
        return tuple(rows)

    return wrapped


def jvp(f: Callable[..., Any], primals: Sequence[float], tangents: Sequence[float],
        ) -> tuple[float, float]:
    """Forward mode: ``f(*primals)`` and its derivative in the direction `tangents`.

    Returns ``(value, Σ_i ∂f/∂x_i · tangents[i])``, as ``torch.func.jvp`` and JAX's
    ``jvp`` do. The derivative flows front to back: calling ``f`` records the graph,
    then each node's tangent is the sum over its parents of (local derivative × the
    parent's tangent), in topological order. Those are the same local derivatives
    ``backward()`` multiplies from back to front, so no rule is written twice. One call
    gives one direction: the full gradient of n inputs takes n calls, where backward
    takes one (reverse mode wins for many inputs and one output, as in training).

        >>> jvp(lambda x: x * x * x, (2.0,), (1.0,))          # 3 x² at x = 2
        (8.0, 12.0)
        >>> jvp(lambda x, y: x * y, (2.0, 3.0), (1.0, 1.0))   # ∂/∂x + ∂/∂y = y + x
        (6.0, 5.0)
    """
    for name, given in (("primals", primals), ("tangents", tangents)):
        if not isinstance(given, tuple | list):
            raise TypeError(f"jvp: {name} must be a tuple of numbers, one per argument of "
                            f"f, such as (2.0,); got {type(given).__name__} {given!r}.")
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: got {len(primals)} primals but {len(tangents)} tangents; "
                         "give one tangent per argument.")
    directions = [_to_float(t, "jvp") for t in tangents]
    leaves, out = _call(f, "jvp", tuple(primals), tuple(range(len(primals))))
    tangent: dict[Value, float] = dict(zip(leaves, directions))
    for node in topological_order(out):
        if node.edges:  # a leaf keeps its own tangent: its direction, or 0 for a constant
            tangent[node] = sum(local * tangent.get(parent, 0.0)
                                for parent, local in zip(node.parents, node.local_grads))
    return out.data, float(tangent.get(out, 0.0))


def _call(f: Callable[..., Any], name: str, args: tuple[Any, ...],
          argnums: ArgNums) -> tuple[list[Value], Value]:
    indices = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for i in indices:
        if not -len(args) <= i < len(args):
            raise ValueError(f"{name}: argnums {argnums!r} is out of range for {len(args)} "
                             "argument(s).")
    # As torch.func: each argument once. (0, -2) of two arguments names the first twice.
    positions = [i % len(args) for i in indices]
    if len(set(positions)) != len(positions):
        raise ValueError(f"{name}: argnums {argnums!r} names the same argument more than once "
                         f"(positions {positions}); list each argument once.")
    call_args = list(args)
    leaves = []
    for i in indices:
        leaf = Value(_to_float(args[i], name))
        call_args[i] = leaf
        leaves.append(leaf)
    out = f(*call_args)
    if not isinstance(out, Value):
        raise TypeError(f"{name}: the function must return a Value (a scalar built from its "
                        f"inputs), got {type(out).__name__}.")
    return leaves, out


def _pick(argnums: ArgNums, grads: list[Any]) -> Any:
    floats = [_as_float(g) for g in grads]
    return floats[0] if isinstance(argnums, int) else tuple(floats)


def _as_float(g: Any) -> float:
    return g.data if isinstance(g, Value) else float(g)
