"""Functions over lists of Values: `sum`, `max`, `logsumexp`, `softmax`, `log_softmax`.

Each is numerically stable and builds a shallow graph, so a softmax over ten scores
is a handful of nodes deep, not ten.

    >>> from autograd import Value, softmax
    >>> [round(p.data, 3) for p in softmax([Value(1.0), Value(2.0), Value(1000.0)])]
    [0.0, 0.0, 1.0]
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from autograd import ops
from autograd.value import Number, Value, _to_float, apply_nary, constant


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


def max(values: Sequence[Value | Number]) -> Value:  # noqa: A001 - mirrors builtins.max
    """The largest of many Values, as one node with one edge per input.

    The gradient goes to the largest input; inputs tied for the largest share it equally,
    as in ``torch.amax``. Which input is largest is decided on every evaluation, also in a
    traced program replayed on new inputs.

        >>> a, b = Value(1.0), Value(3.0)
        >>> m = max([a, b, 2.0])
        >>> m.backward(); m.data, a.grad, b.grad
        (3.0, 0.0, 1.0)
    """
    values = list(values)
    if not values:
        raise ValueError("max: needs at least one value, got an empty list.")
    return apply_nary(ops.MAX, values)


def logsumexp(values: Sequence[Value]) -> Value:
    """log(Σ e**x), without overflow.

    The largest input m is taken out first: log Σ e**x = m + log Σ e**(x - m), so every
    exponent is <= 0. m is a `max` node, so a traced program shifts by the max of the
    inputs it is replayed on; the gradient through m cancels (1 - Σ softmax = 0).

    When the largest input is ±inf (or a leading NaN), the result is that max, as in
    torch.logsumexp: inf if any input is inf, -inf if all are -inf. Its gradient is
    then the limit of softmax (1/k to each of the k largest inputs) where torch gives NaN.
    A traced program follows the finite path it was traced on (see `autograd.trace`).

        >>> logsumexp([Value(1000.0), Value(1000.0)]).data   # 1000 + log 2
        1000.6931471805599
        >>> logsumexp([Value(float("-inf")), Value(float("-inf"))]).data
        -inf
    """
    values = _as_values(values, "logsumexp")
    m = max(values)
    if not math.isfinite(m.data):  # x - m would be inf - inf = nan
        return m
    return m + sum([(v - m).exp() for v in values]).log()


def softmax(values: Sequence[Value]) -> list[Value]:
    """Probabilities e**x / Σ e**x, stable for large inputs (the max is subtracted first).

        >>> [round(p.data, 4) for p in softmax([Value(0.0), Value(1.0)])]
        [0.2689, 0.7311]
    """
    values = _as_values(values, "softmax")
    m = max(values)
    exps = [(v - m).exp() for v in values]
    total = sum(exps)
    return [e / total for e in exps]


def log_softmax(values: Sequence[Value]) -> list[Value]:
    """log(softmax(x)) = x - logsumexp(x), stable where softmax would underflow to 0."""
    values = _as_values(values, "log_softmax")
    lse = logsumexp(values)
    return [v - lse for v in values]


def _as_values(values: Sequence[Value | Number], name: str) -> list[Value]:
    leaves = [v if isinstance(v, Value) else Value(_to_float(v, name)) for v in values]
    if not leaves:
        raise ValueError(f"{name}: needs at least one value, got an empty list.")
    return leaves
