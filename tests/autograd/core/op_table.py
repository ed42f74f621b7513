"""The op table: one line per op in `ops.ALL_OPS`, the single list every op test reads.

Each line says how a user calls the op on Values, the same computation in torch
(float64), an independent reference formula from `math`, and a hypothesis strategy for
points where the op is smooth, so central finite differences are valid there. The
points are read off the domain each op declares in `autograd.ops` (`domain_points`):
edges of the domain at least 0.1 away, kinks at least 1e-3 away. A point is
``(inputs, params)``: the inputs are differentiated, the params are constants of the
call (an exponent, a slope).

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
from autograd.primitive import Domain, Op
from autograd.value import apply_binary

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


def smooth_inputs(domain: Domain, limit: float = 5.0) -> st.SearchStrategy[float]:
    """Floats inside `domain` (and |x| <= its bound), 0.1 from its edges, 1e-3 from kinks."""
    low = max(domain.low + 0.1, -limit) if domain.low > -math.inf else -limit
    high = min(limit, domain.bound)
    floats = _reals(low, high)
    if domain.nonzero:
        floats = floats.filter(lambda x: abs(x) >= 0.1)
    if domain.kinks:
        floats = floats.filter(lambda x: all(abs(x - k) >= 1e-3 for k in domain.kinks))
    return floats


def domain_points(op: Op) -> st.SearchStrategy[Point]:
    """Points of a unary or binary op inside its declared domain; its constant, if it
    takes one, drawn from its ``attr_examples`` (the domain may depend on it)."""
    if op.attr_examples:
        def at(attr: float) -> st.SearchStrategy[Point]:
            bound = op.bind(attr)
            return smooth_inputs(bound.domain_of(0)).map(lambda x: ((x,), (attr,)))

        return st.sampled_from(op.attr_examples).flatmap(at)
    inputs = [smooth_inputs(op.domain_of(k)) for k in range(op.arity)]
    return st.tuples(*inputs).map(lambda xs: (tuple(xs), ()))


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
           domain_points(ops.ADD)),
    OpCase("sub", ops.SUB, lambda x, y: x - y, lambda x, y: x - y, lambda x, y: x - y,
           domain_points(ops.SUB)),
    OpCase("mul", ops.MUL, lambda x, y: x * y, lambda x, y: x * y, lambda x, y: x * y,
           domain_points(ops.MUL)),
    OpCase("div", ops.DIV, lambda x, y: x / y, lambda x, y: x / y, lambda x, y: x / y,
           domain_points(ops.DIV)),
    OpCase("pow", ops.POW, lambda x, y: x**y, lambda x, y: x**y, math.pow,
           domain_points(ops.POW)),
    OpCase("rpow", ops.POW, lambda x, base: base**x, lambda x, base: base**x,  # 2 ** x
           lambda x, base: math.pow(base, x),
           st.tuples(_reals(), st.one_of(st.just(2.0), _reals(0.1, 5.0)))
           .map(lambda xb: ((xb[0],), (xb[1],)))),
    OpCase("binary_cross_entropy", ops.BCE, lambda p, t: apply_binary(ops.BCE, p, t),
           lambda p, t: F.binary_cross_entropy(p, t),
           lambda p, t: -(t * math.log(p) + (1.0 - t) * math.log1p(-p)),
           domain_points(ops.BCE)),
    OpCase("neg", ops.NEG, lambda x: -x, lambda x: -x, lambda x: -x, domain_points(ops.NEG)),
    OpCase("pow_const", ops.POW_CONST, lambda x, a: x**a, lambda x, a: x**a, math.pow,
           domain_points(ops.POW_CONST)),
    OpCase("leaky_relu", ops.LEAKY_RELU, lambda x, s: x.leaky_relu(s),
           lambda x, s: F.leaky_relu(x, s), lambda x, s: max(x, 0.0) + s * min(x, 0.0),
           domain_points(ops.LEAKY_RELU)),
    OpCase("sum", ops.SUM, lambda *xs: value_sum(xs), _torch_sum, lambda *xs: math.fsum(xs),
           _sum_points()),
    OpCase("max", ops.MAX, lambda *xs: value_max(xs), _torch_max, lambda *xs: sorted(xs)[-1],
           _max_points()),
    OpCase("exp", ops.EXP, lambda x: x.exp(), torch.exp, math.exp, domain_points(ops.EXP)),
    OpCase("log", ops.LOG, lambda x: x.log(), torch.log, lambda x: math.log1p(x - 1.0)
           if x > 0.5 else math.log(x), domain_points(ops.LOG)),
    OpCase("sqrt", ops.SQRT, lambda x: x.sqrt(), torch.sqrt, lambda x: math.pow(x, 0.5),
           domain_points(ops.SQRT)),
    OpCase("abs", ops.ABS, lambda x: abs(x), torch.abs, math.fabs, domain_points(ops.ABS)),
    OpCase("sin", ops.SIN, lambda x: x.sin(), torch.sin, math.sin, domain_points(ops.SIN)),
    OpCase("cos", ops.COS, lambda x: x.cos(), torch.cos, math.cos, domain_points(ops.COS)),
    OpCase("tanh", ops.TANH, lambda x: x.tanh(), torch.tanh, math.tanh,
           domain_points(ops.TANH)),
    OpCase("erf", ops.ERF, lambda x: x.erf(), torch.erf, math.erf, domain_points(ops.ERF)),
    OpCase("sigmoid", ops.SIGMOID, lambda x: x.sigmoid(), torch.sigmoid,
           lambda x: 0.5 * (1.0 + math.tanh(0.5 * x)), domain_points(ops.SIGMOID)),
    OpCase("relu", ops.RELU, lambda x: x.relu(), torch.relu, lambda x: max(x, 0.0),
           domain_points(ops.RELU)),
    OpCase("silu", ops.SILU, lambda x: x.silu(), F.silu,
           lambda x: x * 0.5 * (1.0 + math.tanh(0.5 * x)), domain_points(ops.SILU)),
    OpCase("softplus", ops.SOFTPLUS, lambda x: x.softplus(),
           lambda x: torch.logaddexp(x, torch.zeros_like(x)),
           lambda x: math.log(1.0 + math.exp(x)), domain_points(ops.SOFTPLUS)),
    OpCase("gelu", ops.GELU, lambda x: x.gelu(), lambda x: F.gelu(x, approximate="none"),
           lambda x: x * _phi(x), domain_points(ops.GELU)),
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
