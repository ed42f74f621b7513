"""micrograd's habits work on chainrule's Value: `_backward`, its constructor, `_prev`/`_op`.

The first test is written the way the micrograd lecture proceeds, one cell at a time: a
neuron by hand, its gradient seeded at the output, then each node's ``_backward()``
called from the output down, checked against ``backward()``. The numbers are our own.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd import TracerError, Value, topological_order, trace
from autograd.draw.text import format_graph

# ---- cell by cell: backprop by hand ---------------------------------------------------------


def _neuron() -> dict[str, Value]:
    # cell 1: two inputs, two weights, a bias, a tanh, every node named
    i1, i2 = Value(1.5, label="i1"), Value(-0.5, label="i2")
    k1, k2 = Value(0.8, label="k1"), Value(2.0, label="k2")
    bias = Value(-0.3, label="bias")
    i1k1 = i1 * k1
    i1k1.label = "i1*k1"
    i2k2 = i2 * k2
    i2k2.label = "i2*k2"
    s = i1k1 + i2k2
    s.label = "s"
    pre = s + bias
    pre.label = "pre"
    out = pre.tanh()
    out.label = "out"
    return {v.label: v for v in (i1, i2, k1, k2, bias, i1k1, i2k2, s, pre, out)}


def test_manual_backprop_node_by_node_equals_backward() -> None:
    nodes = _neuron()
    # cell 2: seed the output, then call each node's _backward from the output down
    nodes["out"].grad = 1.0
    for name in ("out", "pre", "s", "i2*k2", "i1*k1"):
        nodes[name]._backward()
    # cell 3: what each step gave, written out as the chain rule
    t = nodes["out"].data
    assert nodes["pre"].grad == 1 - t**2
    assert nodes["bias"].grad == nodes["s"].grad == nodes["pre"].grad
    assert nodes["k1"].grad == nodes["i1"].data * nodes["i1*k1"].grad
    assert nodes["i2"].grad == nodes["k2"].data * nodes["i2*k2"].grad
    by_hand = {name: v.grad for name, v in nodes.items()}
    # cell 4: the same graph, backpropagated in one call
    again = _neuron()
    again["out"].backward()
    assert {name: v.grad for name, v in again.items()} == by_hand


def test_backward_of_a_leaf_does_nothing() -> None:
    x = Value(2.0)
    x.grad = 5.0
    x._backward()
    assert x.grad == 5.0


def test_backward_step_of_one_node_touches_only_its_parents() -> None:
    a, b = Value(3.0), Value(4.0)
    c = a * b
    d = c + 1.0
    d.grad = 2.0
    d._backward()
    assert (c.grad, a.grad, b.grad) == (2.0, 0.0, 0.0)
    c._backward()
    assert (a.grad, b.grad) == (8.0, 6.0)


def test_backward_step_of_a_node_with_a_number_constant() -> None:
    x = Value(3.0)
    for y, dx in ((x * 2.0, 2.0), (2.0 - x, -1.0), (1.0 / x, -1 / 9), (2.0**x, 8 * math.log(2))):
        x.grad = 0.0
        y.grad = 1.0
        y._backward()
        assert x.grad == pytest.approx(dx)


# ---- ops written micrograd's way -------------------------------------------------------------


def micrograd_tanh(x: Value) -> Value:
    """tanh the way micrograd's lecture adds an op: a node and a closure."""
    t = math.tanh(x.data)
    out = Value(t, (x,), "tanh")

    def _backward() -> None:
        x.grad += (1 - t**2) * out.grad

    out._backward = _backward
    return out


def test_an_op_made_with_children_and_a_closure_backpropagates() -> None:
    a, b = Value(0.4), Value(-1.1)
    out = micrograd_tanh(a * b) * 2.0 + a
    out.backward()
    assert out.data == 2.0 * math.tanh(0.4 * -1.1) + 0.4
    slope = 2.0 * (1 - math.tanh(-0.44) ** 2)
    assert a.grad == pytest.approx(slope * -1.1 + 1.0)
    assert b.grad == pytest.approx(slope * 0.4)


def test_the_closure_runs_once_per_backward_and_intermediates_are_recomputed() -> None:
    x = Value(0.5)
    h = micrograd_tanh(x)
    y = h * h
    y.backward()
    first = x.grad
    y.backward()
    assert h.grad == 2 * h.data  # recomputed, not doubled
    assert x.grad == 2 * first  # the leaf accumulates


def test_a_node_with_children_but_no_closure_passes_no_gradient() -> None:
    x = Value(1.0)
    y = Value(7.0, (x,), "mystery")
    y.backward()
    assert x.grad == 0.0
    assert y.parents == (x,) and y._prev == {x}


def test_constructor_takes_micrograds_arguments_by_position() -> None:
    a, b = Value(1.0), Value(2.0)
    c = Value(3.0, (a, b), "+", "c")
    assert (c.label, c._op, c.parents) == ("c", "+", (a, b))
    assert c.local_grads == (None, None)


def test_children_must_be_values() -> None:
    with pytest.raises(TypeError, match="_children must be the Values"):
        Value(1.0, (2.0,), "+")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="_op must be a str"):
        Value(1.0, (), 3)  # type: ignore[arg-type]


def test_a_micrograd_style_op_is_drawn_with_its_name_and_no_edge_numbers() -> None:
    from autograd.draw import draw_graph

    x = Value(0.5, label="x")
    out = micrograd_tanh(x * 3.0)
    out.backward()
    text = format_graph(out)
    assert text.splitlines()[0].startswith("tanh")
    assert "└─ *" in text  # the edge into tanh has no [∂ ...] number
    assert "[∂ 3]" in text  # the built-in op's edges still have theirs
    source = draw_graph(out).source
    assert "label=tanh" in source
    numbered = [line for line in source.splitlines() if "->" in line and "label=" in line]
    assert len(numbered) == 2  # the two edges into *, none into tanh


def test_the_tracer_refuses_a_micrograd_style_op_by_name() -> None:
    w = Value(0.3)
    with pytest.raises(TracerError, match="'tanh' was written micrograd's way"):
        trace(lambda x: micrograd_tanh(w * x), 1.0)


def test_create_graph_refuses_a_micrograd_style_op_by_name() -> None:
    x = Value(0.2)
    with pytest.raises(TypeError, match="'tanh' was written micrograd's way"):
        micrograd_tanh(x).backward(create_graph=True)


# ---- small differences that micrograd code notices -------------------------------------------


def test_values_take_attributes_of_their_own() -> None:
    p = Value(1.0)
    p.m, p.v = 0.0, 0.0  # Adam's moments, as the course rewrite keeps them
    y = p * 2.0
    y._vis_color = "red"
    y.backward()
    assert (p.m, p.v, y._vis_color, p.grad) == (0.0, 0.0, "red", 2.0)
    with pytest.raises(AttributeError):
        _ = Value(1.0).m


def test_a_weight_drawn_with_numpy_is_a_python_float() -> None:
    # Lecture-style code draws a bias as Value(np.random.uniform(-1, 1)): a NumPy scalar.
    b = Value(np.float64(0.25))
    w = Value(np.float32(0.5))
    out = (w * 4.0 + b).tanh()
    out.backward()
    assert type(b.data) is float and type(w.data) is float and type(out.data) is float
    assert b.grad == pytest.approx(1.0 - math.tanh(2.25) ** 2)
    assert w.grad == pytest.approx(4.0 * (1.0 - math.tanh(2.25) ** 2))


def test_label_defaults_to_the_empty_string_and_may_be_positional() -> None:
    assert Value(1.0).label == "" and (Value(1.0) * 2).label == ""
    assert Value(1.0, "x").label == "x"  # the constructor's old second argument
    assert Value(1.0, label=None).label == ""
    assert Value(2.0, label="x").detach().label == "x"


def test_op_names_the_exponent_of_a_power() -> None:
    x = Value(2.0)
    assert [(x**2)._op, (x**-1)._op, (x**0.5)._op, (x**2.5)._op] == ["**2", "**-1", "**0.5",
                                                                        "**2.5"]
    assert [(x + 1)._op, (x * x)._op, x.relu()._op, x._op] == ["+", "*", "relu", ""]
    assert x.leaky_relu(0.1)._op == "leaky_relu(0.1)"


def test_number_constants_are_leaves_to_whoever_reads_the_graph() -> None:
    x = Value(3.0, label="x")
    y = (2.0 - x) * 5.0
    y.backward()
    order = topological_order(y)
    assert [n.data for n in order if not n.parents] == [2.0, 3.0, 5.0]
    two = order[0]
    assert y.parents[0].parents == (two, x)  # the number first, as written
    assert two.grad == 5.0  # what backward gives a leaf used once
    assert topological_order(y) == order  # made once, then the same leaf every time
    assert y._prev == {order[2], order[3]} and order[3].data == 5.0
    assert x.grad == -5.0


def test_a_second_backward_accumulates_into_leaves_only() -> None:
    # The one intended difference from micrograd, whose intermediates accumulate too.
    x = Value(2.0)
    h = x * x
    y = h * 3.0
    y.backward()
    y.backward()
    assert (x.grad, h.grad, y.grad) == (24.0, 3.0, 1.0)
