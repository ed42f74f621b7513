"""How a node keeps its inputs, seen from outside: numbers need no leaf until asked for.

`x * 2.0` keeps 2.0 on the node as a plain number (the chain ``y = y * c`` costs no leaf
per op); whoever reads the graph (`parents`, `topological_order`, drawings, the tracer)
gets a leaf for it, made once and kept. These tests state that the view from outside is
the same as if every number had been a leaf all along.
"""

from __future__ import annotations

import copy
import math

import pytest

from autograd import Value, detect_anomaly, no_grad, sum, topological_order, trace


@pytest.mark.parametrize("make, value, slope", [
    (lambda x: x - 5.0, -2.0, 1.0),
    (lambda x: 5.0 - x, 2.0, -1.0),
    (lambda x: x / 4.0, 0.75, 0.25),
    (lambda x: 6.0 / x, 2.0, -6.0 / 9.0),
    (lambda x: 2.0 ** x, 8.0, 8.0 * math.log(2.0)),
    (lambda x: x ** Value(2.0), 9.0, 6.0),
    (lambda x: 3 * x, 9.0, 3.0),
], ids=["x-c", "c-x", "x/c", "c/x", "c**x", "x**y", "int*x"])
def test_a_number_on_either_side_gives_the_ops_value_and_slope(make, value, slope) -> None:  # type: ignore[no-untyped-def]
    x = Value(3.0)
    y = make(x)
    y.backward()
    assert y.data == pytest.approx(value) and x.grad == pytest.approx(slope)


def test_parents_list_the_number_in_the_place_it_was_written() -> None:
    x = Value(3.0)
    assert [p.data for p in (7.0 - x).parents] == [7.0, 3.0]
    assert [p.data for p in (x - 7.0).parents] == [3.0, 7.0]
    assert (7.0 - x).local_grads == (1.0, -1.0)
    y = 7.0 - x
    assert y.parents[0] is y.parents[0]  # one leaf, kept


def test_a_graph_read_before_backward_gives_its_numbers_gradients_as_leaves_do() -> None:
    x = Value(2.0)
    y = x * 3.0
    three = y.parents[1]
    y.backward()
    assert (three.grad, x.grad) == (2.0, 3.0)


def test_no_grad_and_anomaly_mode_handle_numbers() -> None:
    x = Value(2.0)
    with no_grad():
        y = x * 3.0 + 1.0
    assert y.data == 7.0 and y.parents == ()
    with detect_anomaly(), pytest.raises(FloatingPointError, match="mul produced nan from "
                                                                   "inputs inf, 0.0"):
        Value(math.inf) * 0.0


def test_the_tracer_sees_a_number_as_a_constant_not_a_parameter() -> None:
    w = Value(0.5)
    program = trace(lambda x: w * x * 3.0 + 1.0, 2.0)
    assert program(4.0) == 0.5 * 4.0 * 3.0 + 1.0
    assert program.backward(4.0) == 7.0 and w.grad == 12.0


def test_deepcopy_keeps_a_graph_working() -> None:
    a, b = Value(1.5, label="a"), Value(-2.0)
    out = sum([a * b, a * 2.0, 3.0 - b]).tanh()
    clone = copy.deepcopy(out)
    clone.backward()
    leaves = [n for n in topological_order(clone) if not n.parents]
    assert [leaf.data for leaf in leaves] == [1.5, -2.0, 2.0, 3.0]
    assert clone.data == out.data and leaves[0].label == "a"
    out.backward()
    assert a.grad == pytest.approx((1 - out.data ** 2) * (b.data + 2.0))
