"""Functions over lists of Values: `sum`, `logsumexp`, `softmax`, `log_softmax`.

Each is numerically stable and builds a shallow graph, so a softmax over ten scores
is a handful of nodes deep, not ten.

    >>> from autograd import Value, softmax
    >>> [round(p.data, 3) for p in softmax([Value(1.0), Value(2.0), Value(1000.0)])]
    [0.0, 0.0, 1.0]
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence

from autograd import ops
from autograd.value import Number, Value, apply_nary, constant


def sum(values: Sequence[Value | Number]) -> Value:  # noqa: A001 - mirrors builtins.sum
    """The sum of many Values as one node with one edge per input.

    The built-in ``sum`` works too but makes a chain of n additions, n nodes deep.

        >>> sum([Value(1.0), Value(2.0), 3.0]).data
        6.0
    """
    values = list(values)
    if not values:
        return constant(0.0, ops.SUM)
    return apply_nary(ops.SUM, values)


def _max_data(values: Sequence[Value]) -> float:
    if not values:
        raise ValueError("logsumexp/softmax: needs at least one value, got an empty list.")
    return builtins.max(v.data for v in values)


def logsumexp(values: Sequence[Value]) -> Value:
    """log(Σ e**x), without overflow.

    The largest input m is taken out first: log Σ e**x = m + log Σ e**(x - m), so every
    exponent is <= 0. m is a constant here; its effect on the gradient cancels exactly.

        >>> logsumexp([Value(1000.0), Value(1000.0)]).data   # 1000 + log 2
        1000.6931471805599
    """
    values = _as_values(values)
    m = _max_data(values)
    return sum([(v - m).exp() for v in values]).log() + m


def softmax(values: Sequence[Value]) -> list[Value]:
    """Probabilities e**x / Σ e**x, stable for large inputs (max-subtraction)."""
    values = _as_values(values)
    m = _max_data(values)
    exps = [(v - m).exp() for v in values]
    total = sum(exps)
    return [e / total for e in exps]


def log_softmax(values: Sequence[Value]) -> list[Value]:
    """log(softmax(x)) = x - logsumexp(x), stable where softmax would underflow to 0."""
    values = _as_values(values)
    lse = logsumexp(values)
    return [v - lse for v in values]


def _as_values(values: Sequence[Value | Number]) -> list[Value]:
    return [v if isinstance(v, Value) else constant(v, ops.SUM) for v in values]
