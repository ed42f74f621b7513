"""Stepping through backprop: `backward_steps` replays `backward()` one update at a time."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd.backward import topological_order
from autograd.draw.steps import BackwardStep, backward_steps
from autograd.lists import sum as value_sum
from autograd.testing import Expression, expressions
from autograd.value import Value

# A local strategy of random DAGs: each new node reads earlier ones, chosen freely, so
# intermediate nodes are reused (the case where contributions must add up).
_FLOATS = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False)
_KINDS = ("add", "sub", "mul", "tanh", "sin", "sigmoid", "square", "sum", "relu")


@st.composite
def shared_dags(draw: st.DrawFn) -> Value:
    nodes = [Value(draw(_FLOATS), label=f"x{i}") for i in range(draw(st.integers(1, 4)))]
    # At most 8 steps: even repeated squaring of 2.0 stays far below float overflow.
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(_KINDS))
        pick = st.sampled_from(nodes)
        if kind == "add":
            node = draw(pick) + draw(pick)
        elif kind == "sub":
            node = draw(pick) - draw(pick)
        elif kind == "mul":
            node = draw(pick) * draw(pick)
        elif kind == "square":
            node = draw(pick) ** 2
        elif kind == "sum":
            node = value_sum(draw(st.lists(pick, min_size=1, max_size=4)))
        else:
            node = getattr(draw(pick), kind)()
        nodes.append(node)
    return nodes[-1]


def sum_contributions(steps: list[BackwardStep]) -> dict[Value, float]:
    totals: dict[Value, float] = {}
    for step in steps:
        totals[step.node] = totals.get(step.node, 0.0) + step.contribution
    return totals


def same_float(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def check_steps_reproduce_backward(root: Value) -> None:
    steps = list(backward_steps(root))
    totals = sum_contributions(steps)
    root.backward()
    order = topological_order(root)
    assert set(totals) == set(order)
    for node in order:
        # Same additions in the same order as backward(): equal to the last bit.
        assert same_float(totals[node], node.grad)
    last = {step.node: step.grad_after for step in steps}
    assert all(same_float(last[node], node.grad) for node in order)


@given(shared_dags())
def test_contributions_sum_to_backward_grads_on_shared_dags(root: Value) -> None:
    check_steps_reproduce_backward(root)


@settings(max_examples=50)
@given(expressions(n_inputs=2, max_depth=3), st.tuples(_FLOATS, _FLOATS))
def test_contributions_sum_to_backward_grads_for_every_op(
    expr: Expression, inputs: tuple[float, float]
) -> None:
    check_steps_reproduce_backward(expr(Value(inputs[0]), Value(inputs[1])))


@given(shared_dags())
def test_each_step_is_edge_derivative_times_the_complete_upstream_grad(root: Value) -> None:
    steps = list(backward_steps(root))
    root.backward()
    for step in steps[1:]:
        assert step.from_node is not None
        assert step.node is step.from_node.parents[step.input_index]
        assert step.edge_derivative == step.from_node.local_grads[step.input_index]
        assert same_float(step.upstream_grad, step.from_node.grad)
        assert same_float(step.contribution, step.edge_derivative * step.upstream_grad)
    assert [s.index for s in steps] == list(range(len(steps)))


def test_steps_change_no_gradient() -> None:
    a, b = Value(1.5, label="a"), Value(-0.5, label="b")
    out = (a * b).tanh() + a
    nodes = topological_order(out)
    list(backward_steps(out))
    assert all(node.grad == 0.0 for node in nodes)
    out.backward()
    after = [node.grad for node in nodes]
    list(backward_steps(out))
    assert [node.grad for node in nodes] == after


def test_step_zero_seeds_the_root_with_one() -> None:
    x = Value(2.0, label="x")
    first = next(iter(backward_steps(x * 3.0)))
    assert (first.index, first.from_node, first.contribution, first.grad_after) == (0, None, 1.0,
                                                                                   1.0)
    assert [s.node for s in backward_steps(x)] == [x]  # a lone leaf: only the seed


def test_a_node_used_twice_by_one_op_gets_one_step_per_use() -> None:
    x = Value(3.0, label="x")
    y = x * x
    steps = list(backward_steps(y))
    assert [(s.node, s.input_index, s.contribution, s.grad_after) for s in steps[1:]] == [
        (x, 0, x.data, x.data),
        (x, 1, x.data, 2 * x.data),
    ]


def test_steps_print_as_chain_rule_updates() -> None:
    x = Value(3.0, label="x")
    lines = [str(s) for s in backward_steps((x * x).tanh())]
    assert lines[0] == "step 0: seed the root: grad = 1"
    assert lines[-1].startswith("step 3: x.grad += 3 × ")
    assert lines[-1].endswith("(input 1 of *)")


def test_backward_steps_rejects_a_non_value() -> None:
    with pytest.raises(TypeError, match="backward_steps: expected a Value"):
        backward_steps(1.0)  # type: ignore[arg-type]
