"""Forward mode, `jvp`: the directional derivative, checked against reverse mode, finite
differences and torch."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograd import ops
from autograd.functional import jvp, value_and_grad
from autograd.testing import Expression, expressions
from autograd.value import Value
from tests.autograd.core.op_table import torch_functions

TORCH = torch_functions()
coordinates = st.floats(-2.0, 2.0)
pairs = st.tuples(coordinates, coordinates)
# Ops whose derivative jumps somewhere: finite differences across the jump are not a
# derivative, so the finite-difference law is stated on the smooth ops only.
KINKED = {ops.RELU, ops.ABS, ops.LEAKY_RELU, ops.MAX}
SMOOTH_OPS = tuple(op for op in ops.ALL_OPS if op not in KINKED)


def close(a: float, b: float, rel: float = 1e-9, abs_: float = 1e-12) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


@settings(max_examples=300)
@given(expressions(n_inputs=2, max_depth=4), pairs, pairs)
def test_jvp_equals_the_gradient_dotted_with_the_tangent(
    expr: Expression, point: tuple[float, float], direction: tuple[float, float]
) -> None:
    value, derivative = jvp(expr, point, direction)
    reverse_value, gradient = value_and_grad(expr, argnums=(0, 1))(*point)
    dot = gradient[0] * direction[0] + gradient[1] * direction[1]
    # Both sweeps multiply the same local derivatives, so they agree up to the order of
    # the additions; inf/nan there (an unbounded slope) makes "equal" meaningless.
    assume(math.isfinite(dot) and math.isfinite(derivative))
    assert value == reverse_value
    assert close(derivative, dot, abs_=1e-9 * (1.0 + sum(abs(g) for g in gradient)))


@settings(max_examples=300)
@given(expressions(n_inputs=2, max_depth=3, ops_to_use=SMOOTH_OPS), pairs, pairs)
def test_jvp_equals_central_differences_along_the_tangent(
    expr: Expression, point: tuple[float, float], direction: tuple[float, float]
) -> None:
    eps = 1e-6
    value, derivative = jvp(expr, point, direction)
    try:
        ahead = expr(*(x + eps * t for x, t in zip(point, direction))).data
        behind = expr(*(x - eps * t for x, t in zip(point, direction))).data
    except (ValueError, ZeroDivisionError, OverflowError):
        assume(False)  # the shifted point left an op's domain (sqrt near 0, say)
        raise
    # Rounding error of the difference grows with |f|; past 1e4 it swamps the check.
    assume(all(math.isfinite(v) and abs(v) < 1e4 for v in (value, ahead, behind, derivative)))
    estimate = (ahead - behind) / (2 * eps)
    assert derivative == pytest.approx(estimate, rel=1e-4, abs=1e-4)


@settings(max_examples=100, deadline=None)
@given(expressions(n_inputs=2, max_depth=3), pairs, pairs)
def test_jvp_matches_torch_func_jvp_on_random_formulas(
    expr: Expression, point: tuple[float, float], direction: tuple[float, float]
) -> None:
    value, derivative = jvp(expr, point, direction)
    assume(math.isfinite(value) and math.isfinite(derivative))

    def reference(*xs: torch.Tensor) -> torch.Tensor:
        return expr.evaluate(xs, TORCH, constant=lambda c: torch.tensor(c, dtype=torch.float64))

    primals = tuple(torch.tensor(x, dtype=torch.float64) for x in point)
    tangents = tuple(torch.tensor(t, dtype=torch.float64) for t in direction)
    their_value, their_derivative = torch.func.jvp(reference, primals, tangents)
    assert value == pytest.approx(float(their_value), rel=1e-12, abs=1e-12)
    assert derivative == pytest.approx(float(their_derivative), rel=1e-9, abs=1e-12)


def test_jvp_of_a_neuron_matches_torch_autograd_functional_jvp() -> None:
    def neuron(x1, x2, w1, w2, b):  # type: ignore[no-untyped-def]
        return (x1 * w1 + x2 * w2 + b).tanh()

    point = (2.0, 0.0, -3.0, 1.0, 6.8813735870195432)
    direction = (0.5, -1.0, 0.25, 2.0, 1.0)
    value, derivative = jvp(neuron, point, direction)
    primals = tuple(torch.tensor(x, dtype=torch.float64) for x in point)
    tangents = tuple(torch.tensor(t, dtype=torch.float64) for t in direction)
    their_value, their_derivative = torch.autograd.functional.jvp(neuron, primals, tangents)
    assert value == pytest.approx(float(their_value), rel=1e-14)
    assert derivative == pytest.approx(float(their_derivative), rel=1e-12)


def test_jvp_along_a_basis_vector_is_one_partial_derivative() -> None:
    def f(x: Value, y: Value) -> Value:
        return x * x * y + y.sin()

    assert jvp(f, (1.5, 0.5), (1.0, 0.0)) == (1.5 * 1.5 * 0.5 + math.sin(0.5), 2 * 1.5 * 0.5)
    assert jvp(f, (1.5, 0.5), (0.0, 1.0))[1] == pytest.approx(1.5 * 1.5 + math.cos(0.5))


def test_jvp_is_linear_in_the_tangent() -> None:
    def f(x: Value, y: Value) -> Value:
        return (x * y).exp() / (1.0 + y * y)

    point = (0.3, -0.7)
    u, v = (1.0, 2.0), (-0.5, 0.25)
    both = jvp(f, point, (u[0] + 3 * v[0], u[1] + 3 * v[1]))[1]
    assert both == pytest.approx(jvp(f, point, u)[1] + 3 * jvp(f, point, v)[1], rel=1e-12)


def test_jvp_handles_reused_inputs_constants_and_the_identity() -> None:
    assert jvp(lambda x: x * x + x, (3.0,), (1.0,)) == (12.0, 7.0)
    assert jvp(lambda x: x, (3.0,), (2.0,)) == (3.0, 2.0)
    assert jvp(lambda x, y: x * 2.0, (3.0, 5.0), (1.0, 1.0)) == (6.0, 2.0)  # y unused


def test_jvp_returns_floats() -> None:
    value, derivative = jvp(lambda x: x * 2, (1,), (1,))
    assert type(value) is float and type(derivative) is float


@pytest.mark.parametrize(
    ("primals", "tangents", "error", "match"),
    [
        (2.0, (1.0,), TypeError, "primals must be a tuple"),
        ((2.0,), 1.0, TypeError, "tangents must be a tuple"),
        ((2.0, 1.0), (1.0,), ValueError, "2 primals but 1 tangents"),
        ((2.0,), ("a",), TypeError, "jvp"),
    ],
)
def test_jvp_rejects_bad_arguments_with_a_clear_error(
    primals: object, tangents: object, error: type, match: str
) -> None:
    with pytest.raises(error, match=match):
        jvp(lambda x: x * x, primals, tangents)  # type: ignore[arg-type]


def test_jvp_needs_f_to_return_a_value() -> None:
    with pytest.raises(TypeError, match="jvp: the function must return a Value"):
        jvp(lambda x: 3.0, (1.0,), (1.0,))
