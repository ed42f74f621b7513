"""Every op, from the one table in `tests/op_table.py`: derivatives and forward values."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from autograd import ops
from autograd.check import gradcheck
from autograd.value import Value
from tests.autograd.core.op_table import OP_TABLE, OpCase, cases_for

IDS = [case.name for case in OP_TABLE]


def test_every_op_has_a_line_in_the_table() -> None:
    missing = [op.describe() for op in ops.ALL_OPS if not cases_for(op)]
    assert missing == [], f"ops without a line in tests/op_table.py: {missing}"


def test_every_line_tests_an_op_from_all_ops() -> None:
    stale = [case.name for case in OP_TABLE if not any(case.op is op for op in ops.ALL_OPS)]
    assert stale == []


def test_every_unary_method_name_is_a_value_method_building_that_op() -> None:
    # UNARY_METHODS is keyed by name, and each key must be a Value method that builds it.
    for name, op in ops.UNARY_METHODS.items():
        assert op.name == name
        node = getattr(Value(0.5), name)()
        assert node.op is op


@pytest.mark.parametrize("case", OP_TABLE, ids=IDS)
@given(data=st.data())
def test_each_line_builds_a_node_of_its_op(case: OpCase, data: st.DataObject) -> None:
    inputs, params = data.draw(case.points)
    node = case.chainrule(*[Value(x) for x in inputs], *params)
    assert node.op is not None
    assert (node.op.name, node.op.arity) == (case.op.name, case.op.arity)
    assert len(node.parents) == len(node.local_grads) == (
        len(inputs) if case.op.arity == 0 else case.op.arity
    )


@pytest.mark.parametrize("case", OP_TABLE, ids=IDS)
@given(data=st.data())
def test_backward_equals_central_differences_on_the_ops_domain(
    case: OpCase, data: st.DataObject
) -> None:
    inputs, params = data.draw(case.points)
    gradcheck(lambda *xs: case.chainrule(*xs, *params), *inputs,
              eps=1e-6, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("case", OP_TABLE, ids=IDS)
@given(data=st.data())
def test_forward_equals_math_and_torch(case: OpCase, data: st.DataObject) -> None:
    inputs, params = data.draw(case.points)
    out = case.chainrule(*[Value(x) for x in inputs], *params).data
    expected_math = case.reference(*inputs, *params)
    tensors = [torch.tensor(x, dtype=torch.float64) for x in inputs]
    expected_torch = case.torch(*tensors, *params).item()
    assert out == pytest.approx(expected_math, rel=1e-12, abs=1e-13)
    assert out == pytest.approx(expected_torch, rel=1e-12, abs=1e-13)


@pytest.mark.parametrize("case", OP_TABLE, ids=IDS)
@given(data=st.data())
def test_float_and_value_rules_agree(case: OpCase, data: st.DataObject) -> None:
    # The same rule serves floats (eager backward) and Values (create_graph); the two
    # must give the same numbers.
    inputs, params = data.draw(case.points)
    leaves = [Value(x) for x in inputs]
    out = case.chainrule(*leaves, *params)
    out.backward()
    first = [leaf.grad for leaf in leaves]
    for leaf in leaves:
        leaf.grad = 0.0
    out.backward(create_graph=True)
    as_values = [g.data if isinstance(g, Value) else g for g in (leaf.grad for leaf in leaves)]
    assert as_values == pytest.approx(first, rel=1e-14, abs=1e-300)
    assert all(math.isfinite(g) for g in first)
