"""`grad`, `value_and_grad`, `hessian` (against torch) and `gradcheck`."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from autograd.check import GradcheckError, gradcheck
from autograd.functional import grad, hessian, value_and_grad
from autograd.primitive import Op
from autograd.value import Value, apply_unary

# x**2 with a wrong derivative: 3x where 2x belongs.
BAD_SQUARE = Op("bad_square", 1, lambda x, a: x * x, lambda x, out, a: (3.0 * x,))


def bad_square(x: Value) -> Value:
    return apply_unary(BAD_SQUARE, x)


# ---- grad and value_and_grad -----------------------------------------------------------


def test_grad_with_an_int_argnum_returns_a_float() -> None:
    x, y = 2.0, 3.0
    dx = grad(lambda a, b: a * b + b)(x, y)
    assert type(dx) is float and dx == y


def test_grad_with_a_tuple_of_argnums_returns_a_tuple_of_floats() -> None:
    x, y = 2.0, 3.0
    grads = grad(lambda a, b: a * b + b, argnums=(0, 1))(x, y)
    assert type(grads) is tuple and all(type(g) is float for g in grads)
    assert grads == (y, x + 1.0)


def test_grad_accepts_negative_argnums() -> None:
    assert grad(lambda a, b: a * b * b, argnums=-1)(2.0, 3.0) == 2.0 * 2 * 3.0


def test_value_and_grad_returns_the_value_as_a_float() -> None:
    value, dx = value_and_grad(lambda a: a.sin())(0.5)
    assert type(value) is float and value == math.sin(0.5)
    assert dx == math.cos(0.5)


def test_value_and_grad_with_tuple_argnums() -> None:
    value, (dx, dz) = value_and_grad(lambda a, b, c: a * b + c * c, argnums=(0, 2))(
        1.5, -2.0, 4.0
    )
    assert value == 1.5 * -2.0 + 16.0
    assert (dx, dz) == (-2.0, 8.0)


def test_arguments_not_differentiated_are_passed_through_unchanged() -> None:
    seen: list[Any] = []

    def f(x: Value, power: int, name: str) -> Value:
        seen.extend([power, name])
        return x**power

    assert grad(f)(3.0, 2, "square") == 6.0
    assert seen == [2, "square"] and type(seen[0]) is int


def test_grad_is_zero_for_an_argument_f_ignores() -> None:
    assert grad(lambda a, b: a * 2.0, argnums=(0, 1))(1.0, 5.0) == (2.0, 0.0)


def test_grad_rejects_argnums_out_of_range() -> None:
    with pytest.raises(ValueError, match=r"grad: argnums 2 is out of range for 2"):
        grad(lambda a, b: a * b, argnums=2)(1.0, 2.0)


def test_grad_rejects_a_function_that_does_not_return_a_value() -> None:
    with pytest.raises(TypeError, match="must return a Value.*float"):
        grad(lambda a: 3.0)(1.0)


def test_grad_rejects_a_non_number_argument_to_differentiate() -> None:
    with pytest.raises(TypeError, match="value_and_grad: expected a real number"):
        grad(lambda a: a)("1.0")


@given(st.floats(-3.0, 3.0), st.floats(-3.0, 3.0))
def test_grad_matches_torch(x: float, y: float) -> None:
    def f(a: Any, b: Any) -> Any:
        return (a * b).tanh() + (a - b).sin() * b

    ours = grad(f, argnums=(0, 1))(x, y)
    ta = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(y, dtype=torch.float64, requires_grad=True)
    f(ta, tb).backward()
    assert ta.grad is not None and tb.grad is not None
    assert ours == pytest.approx((ta.grad.item(), tb.grad.item()), rel=1e-12, abs=1e-14)


# ---- hessian ------------------------------------------------------------------------------

FUNCTIONS: list[tuple[str, Callable[..., Any], tuple[float, ...]]] = [
    ("cubic", lambda x, y: x**3 * y + y * y, (1.5, -0.5)),
    ("tanh_of_product", lambda x, y: (x * y).tanh() + x.exp(), (0.3, -1.2)),
    ("log_sigmoid", lambda x, y, z: (x * y + z).sigmoid().log() * z, (0.4, 1.1, -0.7)),
    ("linear", lambda x, y: 2.0 * x - y, (3.0, 4.0)),
]


@pytest.mark.parametrize("name, f, point", FUNCTIONS, ids=[c[0] for c in FUNCTIONS])
def test_hessian_matches_torch(name: str, f: Callable[..., Any], point: tuple[float, ...]) -> None:
    ours = hessian(f, argnums=tuple(range(len(point))))(*point)
    tensors = tuple(torch.tensor(x, dtype=torch.float64) for x in point)
    theirs = torch.autograd.functional.hessian(f, tensors)
    expected = [[float(theirs[i][j]) for j in range(len(point))] for i in range(len(point))]
    assert [list(row) for row in ours] == [pytest.approx(row, rel=1e-12, abs=1e-14)
                                           for row in expected]


def test_hessian_with_an_int_argnum_is_a_float() -> None:
    x = 0.7
    second = hessian(lambda a: a.sin())(x)
    assert type(second) is float and second == pytest.approx(-math.sin(x), rel=1e-15)


def test_hessian_leaves_other_arguments_alone() -> None:
    # d²/dx² (x^3 * c) = 6 x c with c held fixed.
    assert hessian(lambda x, c: x**3 * c, argnums=0)(2.0, 5.0) == 6 * 2.0 * 5.0


# ---- gradcheck ----------------------------------------------------------------------------


def test_gradcheck_returns_quietly_when_gradients_are_right() -> None:
    result = gradcheck(lambda x, y: (x * y).tanh() + x.log(), 0.3, -1.2)  # type: ignore[func-returns-value]
    assert result is None


def test_gradcheck_lists_every_failing_input_with_both_numbers() -> None:
    x, y, z = 1.5, 0.25, -2.0
    with pytest.raises(GradcheckError) as failure:
        gradcheck(lambda a, b, c: bad_square(a) + b + bad_square(c), x, y, z)
    mismatches = failure.value.mismatches
    assert [index for index, _, _ in mismatches] == [0, 2]
    for (index, analytic, numeric), point in zip(mismatches, (x, z)):
        assert analytic == 3.0 * point
        assert numeric == pytest.approx(2.0 * point, rel=1e-6)
        assert f"input {index} (= {point!r}): backward {analytic!r}, " \
               f"finite differences {numeric!r}" in str(failure.value)
    assert "input 1" not in str(failure.value)
    assert "2 of 3 gradient(s) disagree" in str(failure.value)


def test_gradcheck_error_is_an_assertion_error() -> None:
    # so pytest reports it as a failed check, not a crash
    with pytest.raises(AssertionError):
        gradcheck(bad_square, 1.0)


def test_gradcheck_rejects_a_function_that_does_not_return_a_value() -> None:
    with pytest.raises(TypeError, match="gradcheck: the function must return a Value"):
        gradcheck(lambda x: 1.0, 1.0)
