"""``backward(create_graph=True)`` gives every node it reaches a `Value` gradient.

Constant local derivatives included (``x + 1``, ``-x``, ``abs(x)``, ``relu``): each
gradient is a graph that can be differentiated again, even when that graph does not
depend on x (its derivative is then 0).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from autograd import Value, max, sum, topological_order

CONSTANT_SLOPES: dict[str, tuple[Callable[[Value], Value], float]] = {
    "x + 1": (lambda x: x + 1, 1.0),
    "1 + x": (lambda x: 1 + x, 1.0),
    "x - 2": (lambda x: x - 2, 1.0),
    "2 - x": (lambda x: 2 - x, -1.0),
    "x * 3": (lambda x: x * 3, 3.0),
    "-x": (lambda x: -x, -1.0),
    "abs(x)": (lambda x: abs(x), -1.0),
    "relu": (lambda x: x.relu(), 0.0),
    "leaky_relu": (lambda x: x.leaky_relu(0.2), 0.2),
    "sum": (lambda x: sum([x, x, 1.0]), 2.0),
    "max": (lambda x: max([x, -5.0]), 1.0),
    "x itself": (lambda x: x, 1.0),
}


@pytest.mark.parametrize("name", CONSTANT_SLOPES)
def test_a_constant_derivative_is_a_value_that_differentiates_again(name: str) -> None:
    f, slope = CONSTANT_SLOPES[name]
    x = Value(-1.5)
    f(x).backward(create_graph=True)
    first = x.grad
    assert isinstance(first, Value) and first.data == slope
    x.grad = 0.0
    first.backward()  # a constant slope: the second derivative is 0
    assert x.grad == 0.0


def test_every_node_reached_gets_a_value_gradient() -> None:
    x, y = Value(0.7), Value(-0.2)
    out = ((x * y + 1).relu() - abs(y) * 2 + x.tanh()).exp()
    out.backward(create_graph=True)
    assert all(isinstance(node.grad, Value) for node in topological_order(out))


def test_second_derivatives_still_follow_the_rules() -> None:
    x = Value(0.5)
    y = x * x * x + abs(x) + 3 * x
    y.backward(create_graph=True)
    first = x.grad
    assert first.data == pytest.approx(3 * 0.25 + 1 + 3)
    x.grad = 0.0
    first.backward()
    assert x.grad == pytest.approx(6 * 0.5)
