"""The op table: one line per op in `ops.ALL_OPS`, the single list every op test reads.

Each line says how a user calls the op on Values, the same computation in torch
(float64), an independent reference formula from `math`, and a hypothesis strategy for
points where the op is smooth (kinks and domain edges at least 1e-3 away), so central
finite differences are valid there. A point is ``(inputs, params)``: the inputs are
differentiated, the params are constants of the call (an exponent, a slope).

`tests/test_ops.py` fails if an op in `ops.ALL_OPS` has no line here, so adding an op
means adding its line.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from typing import Any

import torch
import torch.nn.functional as F
from hypothesis import strategies as st

from autograd import ops
from autograd.lists import max as value_max
from autograd.lists import sum as value_sum
from autograd.ops import Op

Point = tuple[tuple[float, ...], tuple[float, ...]]


@dataclass(frozen=True)
class OpCase:
    """One line of the table; every callable takes ``(*inputs, *params)``."""

    name: str  # the test id
    op: Op  # the op from ops.ALL_OPS this line exercises
    chainrule: Callable[..., Any]  # the user's spelling on Values
    torch: Callable[..., Any]  # the same on float64 tensors
    reference: Callable[..., float]  # the forward on floats, written independently
    points: st.SearchStrategy[Point]


def _reals(low: float = -5.0, high: float = 5.0) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def _away_from_zero(gap: float = 1e-3, high: float = 5.0) -> st.SearchStrategy[float]:
    return st.one_of(_reals(gap, high), _reals(-high, -gap))


def _unary(strategy: st.SearchStrategy[float]) -> st.SearchStrategy[Point]:
    return strategy.map(lambda x: ((x,), ()))


def _binary(left: st.SearchStrategy[float], right: st.SearchStrategy[float]) -> \
        st.SearchStrategy[Point]:
    return st.tuples(left, right).map(lambda xy: (xy, ()))


def _pow_const_points() -> st.SearchStrategy[Point]:
    # A whole exponent works for any base (a negative one needs the base away from 0);
    # any other exponent needs a positive base.
    whole = st.tuples(_reals(), st.sampled_from([0.0, 1.0, 2.0, 3.0, 4.0]))
    negative = st.tuples(_away_from_zero(0.1), st.sampled_from([-1.0, -2.0, -3.0]))
    real = st.tuples(_reals(0.1, 5.0), _reals(-3.0, 3.0))
    return st.one_of(whole, negative, real).map(lambda xa: ((xa[0],), (xa[1],)))


def _sum_points() -> st.SearchStrategy[Point]:
    return st.lists(_reals(), min_size=1, max_size=6).map(lambda xs: (tuple(xs), ()))


def _max_points() -> st.SearchStrategy[Point]:
    # The largest input leads the others by more than 1e-3, so a step of 1e-6 never
    # changes which one it is (ties are a kink; tests/test_lists.py covers them).
    def separated(xs: list[float]) -> bool:
        top = max(xs)
        return all(x == top or top - x > 1e-3 for x in xs) and xs.count(top) == 1

    return st.lists(_reals(), min_size=1, max_size=6).filter(separated) \
        .map(lambda xs: (tuple(xs), ()))


def _torch_max(*xs: Any) -> Any:
    return torch.amax(torch.stack(xs), 0)


def _torch_sum(*xs: Any) -> Any:
    # Left to right, like chainrule's SUM, so the rounding is the same.
    return reduce(lambda a, b: a + b, xs)


def _phi(x: float) -> float:
    """The standard normal CDF, through erfc: accurate in the far left tail."""
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


OP_TABLE: tuple[OpCase, ...] = (
    OpCase("add", ops.ADD, lambda x, y: x + y, lambda x, y: x + y, lambda x, y: x + y,
           _binary(_reals(), _reals())),
    OpCase("sub", ops.SUB, lambda x, y: x - y, lambda x, y: x - y, lambda x, y: x - y,
           _binary(_reals(), _reals())),
    OpCase("mul", ops.MUL, lambda x, y: x * y, lambda x, y: x * y, lambda x, y: x * y,
           _binary(_reals(), _reals())),
    OpCase("div", ops.DIV, lambda x, y: x / y, lambda x, y: x / y, lambda x, y: x / y,
           _binary(_reals(), _away_from_zero(0.1))),
    OpCase("pow", ops.POW, lambda x, y: x**y, lambda x, y: x**y, math.pow,
           _binary(_reals(0.1, 5.0), _reals(-3.0, 3.0))),
    OpCase("rpow", ops.POW, lambda x, base: base**x, lambda x, base: base**x,  # 2 ** x
           lambda x, base: math.pow(base, x),
           st.tuples(_reals(), st.one_of(st.just(2.0), _reals(0.1, 5.0)))
           .map(lambda xb: ((xb[0],), (xb[1],)))),
    OpCase("neg", ops.NEG, lambda x: -x, lambda x: -x, lambda x: -x, _unary(_reals())),
    OpCase("pow_const", ops.POW_CONST, lambda x, a: x**a, lambda x, a: x**a, math.pow,
           _pow_const_points()),
    OpCase("leaky_relu", ops.LEAKY_RELU, lambda x, s: x.leaky_relu(s),
           lambda x, s: F.leaky_relu(x, s), lambda x, s: max(x, 0.0) + s * min(x, 0.0),
           st.tuples(_away_from_zero(), _reals(0.0, 1.0)).map(lambda xs: ((xs[0],), (xs[1],)))),
    OpCase("sum", ops.SUM, lambda *xs: value_sum(xs), _torch_sum, lambda *xs: math.fsum(xs),
           _sum_points()),
    OpCase("max", ops.MAX, lambda *xs: value_max(xs), _torch_max, lambda *xs: sorted(xs)[-1],
           _max_points()),
    OpCase("exp", ops.EXP, lambda x: x.exp(), torch.exp, math.exp, _unary(_reals(-8.0, 8.0))),
    OpCase("log", ops.LOG, lambda x: x.log(), torch.log, lambda x: math.log1p(x - 1.0)
           if x > 0.5 else math.log(x), _unary(_reals(1e-3, 10.0))),
    OpCase("sqrt", ops.SQRT, lambda x: x.sqrt(), torch.sqrt, lambda x: math.pow(x, 0.5),
           _unary(_reals(1e-3, 10.0))),
    OpCase("abs", ops.ABS, lambda x: abs(x), torch.abs, math.fabs, _unary(_away_from_zero())),
    OpCase("sin", ops.SIN, lambda x: x.sin(), torch.sin, math.sin, _unary(_reals(-8.0, 8.0))),
    OpCase("cos", ops.COS, lambda x: x.cos(), torch.cos, math.cos, _unary(_reals(-8.0, 8.0))),
    OpCase("tanh", ops.TANH, lambda x: x.tanh(), torch.tanh, math.tanh,
           _unary(_reals(-8.0, 8.0))),
    OpCase("erf", ops.ERF, lambda x: x.erf(), torch.erf, math.erf, _unary(_reals(-5.0, 5.0))),
    OpCase("sigmoid", ops.SIGMOID, lambda x: x.sigmoid(), torch.sigmoid,
           lambda x: 0.5 * (1.0 + math.tanh(0.5 * x)), _unary(_reals(-8.0, 8.0))),
    OpCase("relu", ops.RELU, lambda x: x.relu(), torch.relu, lambda x: max(x, 0.0),
           _unary(_away_from_zero())),
    OpCase("silu", ops.SILU, lambda x: x.silu(), F.silu,
           lambda x: x * 0.5 * (1.0 + math.tanh(0.5 * x)), _unary(_reals(-8.0, 8.0))),
    OpCase("softplus", ops.SOFTPLUS, lambda x: x.softplus(),
           lambda x: torch.logaddexp(x, torch.zeros_like(x)),
           lambda x: math.log(1.0 + math.exp(x)), _unary(_reals(-8.0, 8.0))),
    OpCase("gelu", ops.GELU, lambda x: x.gelu(), lambda x: F.gelu(x, approximate="none"),
           lambda x: x * _phi(x), _unary(_reals(-8.0, 8.0))),
)


def cases_for(op: Op) -> list[OpCase]:
    """The table lines that exercise `op`."""
    return [case for case in OP_TABLE if case.op is op]


def torch_functions() -> dict[str, Callable[..., Any]]:
    """Torch implementations keyed by op name, for `Expression.evaluate`.

    Taken from the lines whose name is their op's name: they use the op's own calling
    convention (``pow`` gets ``(base, exponent)`` whether the exponent is a tensor, as
    for POW, or a float, as for POW_CONST; ``leaky_relu`` gets ``(x, slope)``).
    """
    functions: dict[str, Callable[..., Any]] = {}
    for case in OP_TABLE:
        if case.name == case.op.name:
            functions.setdefault(case.name, case.torch)
    return functions
