"""`gradcheck`: compare backward's gradients with central finite differences.

    >>> from autograd import gradcheck
    >>> gradcheck(lambda x, y: (x * y).tanh(), 0.3, -1.2)   # quiet when they agree
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from autograd.context import no_grad
from autograd.value import Value, _to_float


class GradcheckError(AssertionError):
    """Backward and finite differences disagree; ``.mismatches`` lists (index, analytic,
    numeric) for every input that failed."""

    def __init__(self, message: str, mismatches: list[tuple[int, float, float]]) -> None:
        super().__init__(message)
        self.mismatches = mismatches


def numerical_grads(f: Callable[..., Any], inputs: list[float], eps: float) -> list[float]:
    """Central differences (f(x + eps) - f(x - eps)) / 2 eps, one input at a time."""
    eps = _setting("eps", eps, zero_allowed=False)
    grads = []
    with no_grad():
        for i in range(len(inputs)):
            up, down = list(inputs), list(inputs)
            up[i] += eps
            down[i] -= eps
            f_up = _scalar(f(*[Value(x) for x in up]))
            f_down = _scalar(f(*[Value(x) for x in down]))
            grads.append((f_up - f_down) / (2.0 * eps))
    return grads


def analytic_grads(f: Callable[..., Any], inputs: list[float]) -> list[float]:
    """The gradients backward computes for ``f(*inputs)``."""
    leaves = [Value(x) for x in inputs]
    out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: the function must return a Value, got {type(out).__name__}.")
    out.backward()
    return [float(leaf.grad) for leaf in leaves]


def gradcheck(
    f: Callable[..., Any],
    *inputs: float,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> None:
    """Raise `GradcheckError` unless backward matches central differences for every input.

    An input passes when ``|analytic - numeric| <= atol + rtol * |numeric|``. The error
    lists every failing input with both numbers. `eps` must be a finite number > 0 and
    the tolerances finite numbers >= 0, or a ValueError says which is not.

        >>> gradcheck(lambda x: x.relu() * x, 2.0)
    """
    eps = _setting("eps", eps, zero_allowed=False)
    atol, rtol = _setting("atol", atol), _setting("rtol", rtol)
    points = [_to_float(x, "gradcheck") for x in inputs]
    analytic = analytic_grads(f, points)
    numeric = numerical_grads(f, points, eps)
    mismatches = [
        (i, a, n) for i, (a, n) in enumerate(zip(analytic, numeric))
        if not abs(a - n) <= atol + rtol * abs(n)
    ]
    if mismatches:
        lines = "\n".join(
            f"  input {i} (= {points[i]!r}): backward {a!r}, finite differences {n!r}"
            for i, a, n in mismatches
        )
        raise GradcheckError(
            f"gradcheck: {len(mismatches)} of {len(points)} gradient(s) disagree "
            f"(eps={eps}, atol={atol}, rtol={rtol}):\n{lines}",
            mismatches,
        )


def _scalar(out: Any) -> float:
    if isinstance(out, Value):
        return out.data
    return _to_float(out, "gradcheck")


def _setting(name: str, value: Any, zero_allowed: bool = True) -> float:
    """A step or tolerance as a float: finite, and > 0 (or >= 0 when `zero_allowed`)."""
    number = _to_float(value, "gradcheck")
    if not math.isfinite(number) or number < 0 or (number == 0 and not zero_allowed):
        bound = ">= 0" if zero_allowed else "> 0"
        raise ValueError(f"gradcheck: {name} must be a finite number {bound}, got {value!r}.")
    return number
