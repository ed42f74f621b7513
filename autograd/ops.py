"""Every differentiable operation, each in one place: its forward and its local-derivative rule.

An `Op` (`primitive.py`) pairs a forward function on plain floats with a rule that returns
the local derivatives ∂out/∂input, one per input. Rules use only arithmetic and the helper
functions below (`exp`, `log`, `cos`, ...) on whatever they are given, so the very same
rule serves three callers:

- the eager forward pass calls it with floats and stores the float local derivatives
  on the node, so the plain backward pass is a multiply-and-add per edge;
- `backward(create_graph=True)` calls it with `Value`s, so gradients are graphs that can
  be differentiated again (higher order for free);
- the tracer calls it with symbolic expressions to generate straight-line code.

Each op also declares its `Domain`, next to its forward and rule: where each input may
lie, where the op has a kink, and how large an input keeps the output moderate. The
error messages read it, and so do the hypothesis strategies (`autograd.testing`) and the
test table, so a domain is written once.

Adding an op is one local edit here, next to its siblings, plus a method on `Value`
(`value.py`) and a line in the test table (`tests/autograd/core/op_table.py`; a test
fails until it exists). Users add ops of their own with `autograd.op` (`extend.py`),
which builds the same `Op`.
Ops written as expressions (`Op.from_formula`) get operators with those expressions
written into their code (`fastpath.py`).

    >>> MUL.evaluate([2.0, 3.0]), MUL.local_grads([2.0, 3.0], 6.0)
    (6.0, (3.0, 2.0))
    >>> LOG.domain_of(0)
    Domain(text='x > 0', low=0.0, closed=False, nonzero=False, bound=inf, kinks=())
"""

from __future__ import annotations

import math
from typing import Any

# What an op is lives in primitive.py; the names stay importable from here.
from autograd.primitive import ANYWHERE, NONZERO, POSITIVE, Domain, Op

_SQRT_2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_NUMBER = (float, int)


# Helpers the rules use: a math function on floats, the matching op on anything else.
def exp(x: Any) -> Any:
    return math.exp(x) if isinstance(x, _NUMBER) else x.exp()


def log(x: Any) -> Any:
    return math.log(x) if isinstance(x, _NUMBER) else x.log()


def sin(x: Any) -> Any:
    return math.sin(x) if isinstance(x, _NUMBER) else x.sin()


def cos(x: Any) -> Any:
    return math.cos(x) if isinstance(x, _NUMBER) else x.cos()


def erf(x: Any) -> Any:
    return math.erf(x) if isinstance(x, _NUMBER) else x.erf()


def sigmoid(x: Any) -> Any:
    return _sigmoid(x, None) if isinstance(x, _NUMBER) else x.sigmoid()


def step(x: Any, below: float = 0.0) -> float:
    """1.0 where x > 0 else `below`: the derivative of a kink, constant on each side."""
    data = x if isinstance(x, _NUMBER) else x.data
    return 1.0 if data > 0 else below


def passes(x: Any) -> float:
    """0.0 where x <= 0, else 1.0, NaN included: torch's relu backward lets a NaN through."""
    data = x if isinstance(x, _NUMBER) else x.data
    return 0.0 if data <= 0 else 1.0


def sign(x: Any) -> float:
    data = x if isinstance(x, _NUMBER) else x.data
    return 1.0 if data > 0 else (-1.0 if data < 0 else 0.0)


# ---- binary ops --------------------------------------------------------------------------

ADD = Op.from_formula("add", 2, "x + y", ["1.0", "1.0"], globals(), symbol="+")
SUB = Op.from_formula("sub", 2, "x - y", ["1.0", "-1.0"], globals(), symbol="-")
MUL = Op.from_formula("mul", 2, "x * y", ["y", "x"], globals(), symbol="*")


def _div(x: float, y: float) -> float:
    if y == 0:
        raise ZeroDivisionError(f"div: division of {x!r} by zero.")
    return x / y


DIV = Op("div", 2, _div, lambda x, y, out: (1.0 / y, -out / y), symbol="/",
         domain=(ANYWHERE, NONZERO))


def _pow(x: float, y: float) -> float:
    if x == 0 and y < 0:
        raise ZeroDivisionError(f"pow: 0.0 cannot be raised to the negative power {y!r}.")
    if x < 0 and not float(y).is_integer():
        raise Domain(f"a negative base needs an integer exponent, got {y!r}").error("pow", x)
    try:
        return float(x**y)
    except OverflowError:
        raise OverflowError(f"pow: {x!r} ** {y!r} overflows a float.") from None


def _d_power_d_base(x: Any, y: Any) -> Any:
    """d/dx x**y = y x**(y-1); unbounded (+inf) at x == 0 when 0 < y < 1, 0 when y == 0."""
    base = x if isinstance(x, _NUMBER) else x.data
    exponent = y if isinstance(y, _NUMBER) else y.data
    if exponent == 0:
        return 0.0
    if base == 0 and exponent < 1:
        return math.inf
    try:
        return y * x ** (y - 1.0)
    except OverflowError:
        # A slope beyond a float is ±inf, as a product would give, not an error:
        # Value(1e-200) ** -1 is a fine forward value. x**(y-1) < 0 only for x < 0 and
        # an even y (the exponent y - 1 is then odd).
        negative = (exponent < 0) != (base < 0 and exponent % 2 == 0)
        return -math.inf if negative else math.inf


def _pow_rule(x: Any, y: Any, out: Any) -> tuple[Any, Any]:
    # d/dy x**y = x**y log(x); at x == 0 the limit is 0, for x < 0 it is undefined.
    base = x if isinstance(x, _NUMBER) else x.data
    d_exponent = out * log(x) if base > 0 else (0.0 if base == 0 else math.nan)
    return (_d_power_d_base(x, y), d_exponent)


# Tests draw a positive base for a real exponent, and exponents up to 2 in size.
POW = Op("pow", 2, _pow, _pow_rule, symbol="**",
         domain=(POSITIVE, Domain(bound=2.0)))

# Binary cross-entropy of a probability p against a target t, both in [0, 1], as torch
# computes it: each log floored at -100 (a finite loss at p = 0 or 1), and the slope in p
# (p - t) / max(p (1 - p), eps) with torch's eps, a float32 1e-12 (-1e12 at p = 0, t = 1).
# One op rather than a formula of logs, so a traced program computes the boundary the
# same way eager execution does, with no branch on the data frozen into it.
_BCE_EPS = 9.999999960041972e-13
# Valid on [0, 1]; tests draw inside 0.9, where finite differences still see a smooth loss.
_UNIT = Domain("0 <= x <= 1", low=0.0, closed=True, bound=0.9)


def _bce(p: float, t: float) -> float:
    for x in (p, t):
        if not 0.0 <= x <= 1.0:
            raise _UNIT.error("binary_cross_entropy", x)
    log_p = max(math.log(p), -100.0) if p > 0 else -100.0
    log_not_p = max(math.log1p(-p), -100.0) if p < 1 else -100.0
    return -(t * log_p + (1.0 - t) * log_not_p)


def _bce_rule(p: Any, t: Any, out: Any) -> tuple[Any, Any]:
    slope = (p - t) / max(p * (1.0 - p), _BCE_EPS)
    # d/dt = log(1 - p) - log(p), unfloored as in torch: +inf at p = 0, -inf at p = 1.
    log_p = log(p) if p > 0 else -math.inf
    log_not_p = log(1.0 - p) if p < 1 else -math.inf
    return (slope, log_not_p - log_p)


BCE = Op("binary_cross_entropy", 2, _bce, _bce_rule, domain=(_UNIT, _UNIT))

# ---- unary ops (forward(x, attr), rule(x, out, attr)) -------------------------------------

NEG = Op.from_formula("neg", 1, "-x", ["-1.0"], globals(), symbol="-")


def _pow_const(x: float, a: float) -> float:
    return _pow(x, a)


def _pow_const_domain(exponent: float | None) -> tuple[Domain, ...]:
    # A whole exponent >= 0 works for any base, a whole negative one for any base but 0;
    # any other exponent needs a positive base.
    if exponent is not None and float(exponent).is_integer():
        return (ANYWHERE,) if exponent >= 0 else (NONZERO,)
    return (POSITIVE,)


POW_CONST = Op("pow", 1, _pow_const, lambda x, out, a: (_d_power_d_base(x, a),),
               symbol="**", domain=_pow_const_domain,
               attr_examples=(2.0, 3.0, -1.0, 0.5, 1.5, -2.0))


def _exp(x: float, a: None) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        raise OverflowError(f"exp: exp({x!r}) overflows a float.") from None


EXP = Op("exp", 1, _exp, lambda x, out, a: (out,), domain=(Domain(bound=3.0),))


def _log(x: float, a: None) -> float:
    if x <= 0:
        raise LOG.domain_of(0).error("log", x)
    return math.log(x)


LOG = Op("log", 1, _log, lambda x, out, a: (1.0 / x,), domain=(POSITIVE,))


def _sqrt(x: float, a: None) -> float:
    if x < 0:
        raise SQRT.domain_of(0).error("sqrt", x)
    return math.sqrt(x)


# The slope of sqrt is unbounded at 0: report +inf there, as math would, not a crash
# (and NaN at NaN, as torch).
SQRT = Op("sqrt", 1, _sqrt, lambda x, out, a: (0.5 / out if passes(out) else math.inf,),
          domain=(Domain("x >= 0", low=0.0, closed=True),))

KINK_AT_0 = (Domain(kinks=(0.0,)),)
ABS = Op("abs", 1, lambda x, a: abs(x), lambda x, out, a: (sign(x),), domain=KINK_AT_0)


def _sin(x: float, a: None) -> float:
    if abs(x) == math.inf:  # math says only "math domain error"
        raise Domain("x finite").error("sin", x)
    return math.sin(x)


def _cos(x: float, a: None) -> float:
    if abs(x) == math.inf:
        raise Domain("x finite").error("cos", x)
    return math.cos(x)


SIN = Op("sin", 1, _sin, lambda x, out, a: (cos(x),))
COS = Op("cos", 1, _cos, lambda x, out, a: (-sin(x),))
TANH = Op.from_formula("tanh", 1, "math.tanh(x)", ["1.0 - out * out"], globals())
ERF = Op("erf", 1, lambda x, a: math.erf(x),
         lambda x, out, a: (_TWO_OVER_SQRT_PI * exp(-(x * x)),))


def _sigmoid(x: float, a: None) -> float:
    # Two branches so that exp never overflows: for x < 0 use e^x / (1 + e^x).
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


SIGMOID = Op.from_formula("sigmoid", 1, "_sigmoid(x, a)", ["out * (1.0 - out)"], globals())

# "0 where x <= 0", not "x where x > 0": a NaN stays NaN, as in torch, rather than
# vanishing into a 0.0 that hides it from the loss.
RELU = Op.from_formula("relu", 1, "0.0 if x <= 0 else x", ["passes(x)"], globals(),
                       domain=KINK_AT_0)
LEAKY_RELU = Op("leaky_relu", 1, lambda x, a: x if x > 0 else a * x,
                lambda x, out, a: (step(x, a),), attr=0.01, domain=KINK_AT_0,
                attr_examples=(0.0, 0.01, 0.1, 0.25, 0.5))

# x * sigmoid(x); derivative s + x s (1 - s).
SILU = Op("silu", 1, lambda x, a: x * _sigmoid(x, None),
          lambda x, out, a: (sigmoid(x) * (1.0 + x * (1.0 - sigmoid(x))),))


def _softplus(x: float, a: None) -> float:
    # log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no overflow at large |x|.
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


SOFTPLUS = Op("softplus", 1, _softplus, lambda x, out, a: (sigmoid(x),))

# Exact GELU, x Φ(x) with Φ the standard normal CDF; derivative Φ(x) + x φ(x).
GELU = Op("gelu", 1, lambda x, a: 0.5 * x * (1.0 + math.erf(x / _SQRT_2)),
          lambda x, out, a: (0.5 * (1.0 + erf(x * (1.0 / _SQRT_2)))
                             + x * _INV_SQRT_2PI * exp(-0.5 * (x * x)),))

# ---- n-ary ops (forward(xs), rule(xs, out)) -----------------------------------------------

SUM = Op("sum", 0, lambda xs: sum(xs), lambda xs, out: (1.0,) * len(xs), symbol="Σ")


def _max(xs: list[float]) -> float:
    if not xs:
        raise ValueError("max: needs at least one input, got an empty list.")
    return max(xs)  # Python's max: the first of the largest (a nan wins only in first place)


def _max_rule(xs: list[Any], out: Any) -> tuple[Any, ...]:
    # 1 for the largest input, 0 for the others; k tied maxima get 1/k each, as torch.amax
    # and torch.max(t) share the gradient (checked against torch 2.13), so the total
    # slope is 1 and max(x, x) has derivative 1 like x. "Not below the max" rather than
    # "equal to it": always at least one hit, even when out is nan, so never 0 / 0.
    # Reads .data like `step`; no branch, so the tracer re-evaluates it on every input.
    top = out if isinstance(out, _NUMBER) else out.data
    hits = [1.0 - float((x if isinstance(x, _NUMBER) else x.data) < top) for x in xs]
    ties = sum(hits)
    return tuple(hit / ties for hit in hits)


MAX = Op("max", 0, _max, _max_rule)

# Unary ops that a user reaches as a method named like the op (`x.tanh()`).
UNARY_METHODS: dict[str, Op] = {
    op.name: op
    for op in (EXP, LOG, SQRT, ABS, SIN, COS, TANH, ERF, SIGMOID, RELU, SILU, SOFTPLUS, GELU)
}

ALL_OPS: tuple[Op, ...] = (
    ADD, SUB, MUL, DIV, POW, BCE, NEG, POW_CONST, LEAKY_RELU, SUM, MAX, *UNARY_METHODS.values()
)

