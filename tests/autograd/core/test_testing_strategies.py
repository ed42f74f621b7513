"""The shipped strategies (`autograd.testing`): they cover every op, stay in domain, shrink,
read as formulas, and `assert_grads_match` catches wrong derivatives but not kinks."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable

from autograd import ops
from autograd.check import GradcheckError
from autograd.lists import max as value_max
from autograd.lists import sum as value_sum
from autograd.primitive import Op
from autograd.testing import (
    Apply,
    Constant,
    Expression,
    Input,
    assert_grads_match,
    expressions,
    guard,
    values,
)
from autograd.value import Value, apply, apply_unary

# SIN with a wrong derivative: sin(x) where cos(x) belongs.
BAD_SIN = Op("bad_sin", 1, ops.SIN.forward, lambda x, out, a: (ops.sin(x),))


def ops_in(expr: Expression) -> list[Op]:
    if isinstance(expr, Apply):
        return [expr.op] + [op for child in expr.children for op in ops_in(child)]
    return []


def inputs(n: int, bound: float = 2.0) -> st.SearchStrategy[tuple[float, ...]]:
    return st.tuples(*[st.floats(-bound, bound)] * n)


# ---- values -------------------------------------------------------------------------------


@given(values(-3.0, 0.5, label="w"))
def test_values_are_finite_leaves_in_range(v: Value) -> None:
    assert isinstance(v, Value) and v.op is None and v.parents == ()
    assert -3.0 <= v.data <= 0.5 and v.label == "w"


# ---- expressions: coverage and domains ----------------------------------------------------


def test_every_op_declares_a_domain_for_each_input() -> None:
    for op in ops.ALL_OPS:
        for k in range(max(op.arity, 1)):
            assert isinstance(op.domain_of(k), ops.Domain), op


@pytest.mark.parametrize("op, bad", [(ops.LOG, 0.0), (ops.SQRT, -1.0)])
def test_domain_errors_say_the_declared_domain(op: Op, bad: float) -> None:
    assert not op.domain_of(0).contains(bad)
    with pytest.raises(ValueError, match=re.escape(f"({op.domain_of(0).text})")):
        apply_unary(op, Value(bad))


def test_guard_reads_the_domain_a_bound_op_declares() -> None:
    # x ** 0.5 needs a positive base, x ** 2.0 takes any: the guard follows the exponent.
    assert guard(ops.POW_CONST.bind(2.0), (Input(0, 1),))[0].__class__ is Input
    assert repr(guard(ops.POW_CONST.bind(0.5), (Input(0, 1),))[0]) == "softplus(x0) + 0.1"


@pytest.mark.parametrize("op", ops.ALL_OPS, ids=[op.describe() for op in ops.ALL_OPS])
def test_expressions_can_draw_every_op(op: Op) -> None:
    # The shortest formula hypothesis finds whose root is `op`.
    found = find(expressions(n_inputs=2, max_depth=1), lambda e: ops_in(e)[0] is op,
                 settings=settings(max_examples=2000, database=None))
    assert isinstance(found, Apply) and found.op is op


@settings(max_examples=200)
@given(expressions(n_inputs=3, max_depth=4), inputs(3, bound=10.0))
def test_expressions_stay_in_every_ops_domain(expr: Expression, xs: tuple[float, ...]) -> None:
    leaves = [Value(x) for x in xs]
    out = expr(*leaves)  # no domain error is raised
    out.backward()
    assert math.isfinite(out.data)
    assert all(math.isfinite(leaf.grad) for leaf in leaves)


@given(expressions(n_inputs=2, max_depth=3))
def test_expression_depth_is_bounded_by_max_depth_plus_guards(expr: Expression) -> None:
    # Drawn ops nest at most max_depth deep; a guard adds at most two levels to each
    # (softplus(u) + 0.1, tanh(u) * 2.0), four for a domain bounded on both sides
    # (binary_cross_entropy's [0, 1]: tanh(softplus(u) + 0.1) * 0.9).
    def depth(e: Expression) -> int:
        if not isinstance(e, Apply):
            return 0
        return 1 + max(depth(child) for child in e.children)

    assert isinstance(expr, Apply)
    assert 1 <= depth(expr) <= 3 * (1 + 4)


@given(expressions(n_inputs=3))
def test_expression_knows_its_number_of_inputs(expr: Expression) -> None:
    assert expr.n_inputs == 3
    with pytest.raises(TypeError, match="expected 3 input"):
        expr(Value(1.0))


# ---- readable formulas ------------------------------------------------------------------


def test_repr_is_the_formula() -> None:
    x0, x1 = Input(0, 2), Input(1, 2)
    product = Apply(ops.MUL, None, (x0, x1))
    expr = Apply(ops.ADD, None, (Apply(ops.TANH, None, (product,)), Constant(2.0, 2)))
    assert repr(expr) == "tanh(x0 * x1) + 2.0"
    squared_neg = Apply(ops.POW_CONST, 2.0, (Apply(ops.NEG, None, (x0,)),))
    assert repr(squared_neg) == "(-x0) ** 2.0"
    assert repr(Apply(ops.LEAKY_RELU, 0.2, (x1,))) == "leaky_relu(x1, 0.2)"
    assert repr(Apply(ops.SUM, None, (x0, x1, Constant(-1.5, 2)))) == "sum(x0, x1, -1.5)"
    assert repr(Apply(ops.MAX, None, (x0, Constant(0.5, 2)))) == "max(x0, 0.5)"


def python_namespace(leaves: list[Value]) -> dict[str, Any]:
    """Names a formula's repr uses, each built from the op list, never listed by hand."""
    namespace: dict[str, Any] = {f"x{i}": leaf for i, leaf in enumerate(leaves)}
    for op in ops.ALL_OPS:
        if op.arity == 1 and op.symbol == op.name:
            namespace[op.name] = (
                lambda x, *attr, name=op.name: getattr(
                    x if isinstance(x, Value) else Value(x), name)(*attr)
            )
        elif op.arity == 2 and op.symbol == op.name:  # binary_cross_entropy(p, t)
            namespace[op.name] = lambda x, y, op=op: apply(op, [x, y])
    namespace["sum"] = lambda *xs: value_sum(xs)
    namespace["max"] = lambda *xs: value_max(xs)
    return namespace


@given(expressions(n_inputs=2, max_depth=4), inputs(2))
def test_repr_evaluates_as_python_to_the_same_number(
    expr: Expression, xs: tuple[float, ...]
) -> None:
    leaves = [Value(x) for x in xs]
    again = eval(repr(expr), python_namespace(leaves))  # noqa: S307 - our own formula
    assert float(again) == expr(*leaves).data


def test_evaluate_names_a_missing_function() -> None:
    expr = Apply(ops.SIN, None, (Input(0, 1),))
    with pytest.raises(KeyError, match="sin"):
        expr.evaluate([1.0], {})
    assert expr.evaluate([0.0], {"sin": math.sin}) == 0.0


# ---- assert_grads_match -----------------------------------------------------------------


@settings(max_examples=200)
@given(expressions(n_inputs=2, max_depth=3), inputs(2))
def test_backward_matches_finite_differences_on_random_formulas(
    expr: Expression, xs: tuple[float, ...]
) -> None:
    assert_grads_match(expr, xs)


def test_assert_grads_match_is_quiet_when_right() -> None:
    assert_grads_match(lambda x, y: (x * y).tanh() + x.relu(), [0.7, -1.3])


KINKS = [
    (lambda x: x.relu(), 0.0, "relu"),
    (lambda x: x.relu(), 1e-8, "relu"),
    (lambda x: abs(x - 0.25) * 3.0, 0.25 + 1e-9, "abs"),  # the kink is inside the graph
    (lambda x: x.leaky_relu(0.1) + x, -1e-7, "leaky_relu"),
    (lambda x: x if x > 0 else -x, 1e-9, "different graph"),  # a Python branch on data
    (lambda x: x.sqrt(), 1e-9, "domain"),  # the shift to x - eps leaves sqrt's domain
]
KINK_IDS = ["relu_at_0", "relu_near_0", "abs_inside", "leaky_relu", "python_branch", "sqrt"]


@pytest.mark.parametrize("f, x, where", KINKS, ids=KINK_IDS)
def test_assert_grads_match_discards_points_next_to_a_kink(f: Any, x: float, where: str) -> None:
    @settings(database=None)
    @given(st.just(x))
    def check(point: float) -> None:
        assert_grads_match(f, [point])

    # Every example was discarded, none failed.
    with pytest.raises(Unsatisfiable):
        check()


@pytest.mark.parametrize("f, x, where", KINKS, ids=KINK_IDS)
def test_outside_hypothesis_a_kink_is_a_value_error_naming_it(
    f: Any, x: float, where: str
) -> None:
    with pytest.raises(ValueError, match=where):
        assert_grads_match(f, [x])


def test_assert_grads_match_raises_for_inputs_outside_the_domain() -> None:
    with pytest.raises(ValueError, match="log: input -1.0"):
        assert_grads_match(lambda x: x.log(), [-1.0])


def test_assert_grads_match_accepts_points_just_beyond_the_window() -> None:
    assert_grads_match(lambda x: x.relu() * x, [1e-3])


def test_wrong_derivative_is_caught_by_a_given_test() -> None:
    @settings(max_examples=100, database=None)
    @given(values(-3.0, 3.0))
    def check_bad_sin(x: Value) -> None:
        assert_grads_match(lambda v: apply_unary(BAD_SIN, v), [x])

    with pytest.raises(GradcheckError, match="backward") as failure:
        check_bad_sin()
    # hypothesis reports the shrunk input; sin(x) vs cos(x) disagree already at 0.
    notes = "\n".join(getattr(failure.value, "__notes__", []))
    assert "Falsifying example" in notes or "Failing test case" in notes


def test_wrong_derivative_shrinks_to_the_smallest_formula() -> None:
    expr, xs = find(
        st.tuples(expressions(n_inputs=1, max_depth=3, ops_to_use=(*ops.ALL_OPS, BAD_SIN)),
                  inputs(1)),
        lambda drawn: fails_gradcheck(*drawn),
        settings=settings(max_examples=2000, database=None),
    )
    assert repr(expr) == "bad_sin(x0)"
    assert expr.size() == 2
    assert xs == (0.0,)


def fails_gradcheck(expr: Expression, xs: tuple[float, ...]) -> bool:
    try:
        assert_grads_match(expr, xs)
    except GradcheckError:
        return True
    return False
