"""Operators written from formulas (`autograd.fastpath`) make exactly the nodes the op's
own functions describe: same data, same local derivatives, bit for bit, on every path."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, detect_anomaly, fastpath, no_grad, ops
from autograd.primitive import Op

FORMULA_OPS = [op for op in ops.ALL_OPS if op.formula is not None]
BINARY = {ops.ADD: "__add__", ops.SUB: "__sub__", ops.MUL: "__mul__"}
UNARY = {ops.NEG: "__neg__", ops.TANH: "tanh", ops.RELU: "relu", ops.SIGMOID: "sigmoid"}
floats = st.floats(-1e6, 1e6, allow_nan=False)


def test_the_formula_ops_are_the_ones_with_fast_operators() -> None:
    assert set(FORMULA_OPS) == set(BINARY) | set(UNARY)


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


@pytest.mark.parametrize("op", list(BINARY), ids=lambda op: op.name)
@given(x=floats, y=floats)
def test_binary_operators_match_the_ops_functions(op: Op, x: float, y: float) -> None:
    out = op.evaluate([x, y])
    dx, dy = op.local_grads([x, y], out)
    both = getattr(Value(x), BINARY[op])(Value(y))
    assert both.op is op and _same(both.data, out) and both.local_grads == (dx, dy)
    right = getattr(Value(x), BINARY[op])(y)       # x op 2.0: the number stays on the node
    assert right.op is op and _same(right.data, out) and right._dx == dx and right._dy == y
    name = "__r" + BINARY[op][2:]
    left = getattr(Value(y), name)(x)              # 2.0 op y
    assert left.op is op.swapped() and _same(left.data, out) and left._dx == dy
    assert left.local_grads == (dx, dy) and left.op is op   # asked for, the number is a leaf


@pytest.mark.parametrize("op", list(UNARY), ids=lambda op: op.name)
@given(x=floats)
def test_unary_operators_match_the_ops_functions(op: Op, x: float) -> None:
    out = op.evaluate([x])
    node = getattr(Value(x), UNARY[op])()
    assert node.op is op and _same(node.data, out) and node.local_grads == op.local_grads([x], out)


def test_the_slow_modes_go_through_the_generic_functions() -> None:
    x = Value(2.0)
    with no_grad():
        assert (x * 3.0).parents == () and x.tanh().op is None
    with detect_anomaly(), pytest.raises(FloatingPointError, match="mul produced inf"):
        _ = Value(1e200) * Value(1e200)
    with detect_anomaly(), pytest.raises(FloatingPointError, match="mul produced inf"):
        _ = Value(1e200) * 1e200
    assert (x * 3.0).local_grads == (3.0, 2.0)


def test_a_bad_operand_names_the_op() -> None:
    with pytest.raises(TypeError, match="mul: expected a real number"):
        _ = Value(1.0) * "2"
    with pytest.raises(TypeError, match="sub: expected a real number"):
        _ = "2" - Value(1.0)  # type: ignore[operator]


def test_only_formula_ops_have_fast_operators() -> None:
    with pytest.raises(ValueError, match="not a formula op"):
        fastpath.source(ops.DIV, 2)
    with pytest.raises(ValueError, match="one derivative per input"):
        Op.from_formula("bad", 2, "x + y", ["1.0"], {})
