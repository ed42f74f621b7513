"""Loss functions: one sample's prediction and target in, a `Value` out; `cost` averages them.

Every loss is built from `Value` ops, so its gradient comes from the same op rules as the
model's. The ones that take logits are stable at any magnitude: `cross_entropy` uses
log-sum-exp with max-subtraction and `binary_cross_entropy_with_logits` uses softplus.

    >>> from autograd import Value
    >>> from nn.losses import cost, mse
    >>> preds = [Value(1.0), Value(3.0)]
    >>> cost(mse, preds, [0.0, 1.0]).data     # (1 + 4) / 2
    2.5
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from autograd import lists, ops
from autograd.value import Number, Value, apply_binary
from nn.checks import is_number
from nn.module import Module

Prediction = Value | Number | Sequence[Value | Number]
Target = Value | Number | Sequence[Value | Number]


def mse(pred: Prediction, target: Target) -> Value:
    """Squared error (pred - target)**2; for lists, the mean over the components.

        >>> mse(Value(3.0), 1.0).data
        4.0
    """
    preds, targets = _pair(pred, target, "mse")
    if len(preds) == 1:
        return (preds[0] - targets[0]) ** 2
    return lists.sum([(p - t) ** 2 for p, t in zip(preds, targets)]) / len(preds)


def mae(pred: Prediction, target: Target) -> Value:
    """Absolute error |pred - target|; for lists, the mean over the components.

        >>> mae(Value(-1.0), 1.0).data
        2.0
    """
    preds, targets = _pair(pred, target, "mae")
    if len(preds) == 1:
        return abs(preds[0] - targets[0])
    return lists.sum([abs(p - t) for p, t in zip(preds, targets)]) / len(preds)


def binary_cross_entropy(prob: Value | Number, target: Value | Number) -> Value:
    """-(t log p + (1 - t) log(1 - p)) for a probability p in [0, 1] and a target t in [0, 1].

    At the boundary it is torch's: each log is floored at -100, so p = 0 or 1 gives a
    finite loss, and where p (1 - p) < 1e-12 the gradient is torch's (p - t) / 1e-12
    (-1e12 at p = 0, t = 1). Prefer `binary_cross_entropy_with_logits` on a raw score:
    it is exact where this one saturates.

        >>> round(binary_cross_entropy(Value(0.5), 1.0).data, 4)
        0.6931
        >>> p = Value(0.0); binary_cross_entropy(p, 1.0).backward(); p.grad
        -1000000003995.8029
    """
    p = _as_value(prob, "binary_cross_entropy", "prob")
    t = _target_number(target, "binary_cross_entropy")
    if not 0.0 <= p.data <= 1.0:
        raise ValueError(
            f"binary_cross_entropy: prob must lie in [0, 1], got {p.data!r}; pass raw scores "
            "to binary_cross_entropy_with_logits instead."
        )
    _check_unit_interval(t, "binary_cross_entropy")
    # One op (`autograd.ops.BCE`): torch's floored logs and boundary slope, and no
    # branch on the data for a traced program to freeze.
    return apply_binary(ops.BCE, p, target)


def binary_cross_entropy_with_logits(logit: Value | Number, target: Value | Number) -> Value:
    """Binary cross-entropy of sigmoid(logit), computed as softplus(z) - t z.

    log(1 + e**z) never overflows in softplus, so the loss and its gradient
    sigmoid(z) - t stay finite for any logit (±1000 included).

        >>> binary_cross_entropy_with_logits(Value(1000.0), 0.0).data
        1000.0
    """
    z = _as_value(logit, "binary_cross_entropy_with_logits", "logit")
    t = _target_number(target, "binary_cross_entropy_with_logits")
    _check_unit_interval(t, "binary_cross_entropy_with_logits")
    return z.softplus() - target * z


def cross_entropy(
    logits: Sequence[Value | Number], target: int | Sequence[Value | Number]
) -> Value:
    """Softmax cross-entropy from raw scores; the target is a class index or a probability list.

    With an index c: logsumexp(z) - z_c. With probabilities t: -Σ t_i log_softmax(z)_i
    (a one-hot t gives the same as its index). Stable for logits of any size. At
    infinite logits it is torch's (NaN when every logit is -inf, or when the target's
    logit is the inf one), except that an inf logit against another target gives inf,
    the limit, where torch's log_softmax gives NaN.

        >>> round(cross_entropy([Value(0.0), Value(0.0)], 1).data, 4)    # log 2
        0.6931
    """
    zs = _as_values(logits, "cross_entropy", "logits")
    if _is_index(target):
        index = _check_index(target, len(zs), "cross_entropy")
        return lists.logsumexp(zs) - zs[index]
    if not isinstance(target, Sequence) or isinstance(target, str):
        raise TypeError(
            f"cross_entropy: target must be a class index or a list of {len(zs)} "
            f"probabilities, got {type(target).__name__} {target!r}."
        )
    if len(target) != len(zs):
        raise ValueError(
            f"cross_entropy: {len(zs)} logits but a target of length {len(target)}."
        )
    log_probs = lists.log_softmax(zs)
    # Number weights of 0 drop their term; Value weights (traced inputs) never do.
    terms = [t * lp for t, lp in zip(target, log_probs) if not _is_constant(t, 0.0)]
    return -lists.sum(terms)


def nll(log_probs: Sequence[Value | Number], target: int | Sequence[Value | Number]) -> Value:
    """Negative log-likelihood -log_probs[target] (pair it with `autograd.log_softmax`).

    The target is a class index, or probabilities t (one-hot, say): then -Σ t_i log_probs_i,
    which a traced program computes without branching on the target.

        >>> nll([Value(-0.1), Value(-2.3)], 1).data
        2.3
        >>> nll([Value(-0.1), Value(-2.3)], [0.0, 1.0]).data
        2.3
    """
    values = _as_values(log_probs, "nll", "log_probs")
    if _is_index(target):
        return -values[_check_index(target, len(values), "nll")]
    if not isinstance(target, Sequence) or isinstance(target, str):
        raise TypeError(f"nll: target must be a class index (int) or a list of "
                        f"{len(values)} probabilities, got {type(target).__name__}.")
    if len(target) != len(values):
        raise ValueError(f"nll: {len(values)} log-probabilities but a target of length "
                         f"{len(target)}.")
    terms = [t * lp for t, lp in zip(target, values) if not _is_constant(t, 0.0)]
    return -lists.sum(terms)


def hinge(score: Value | Number, target: int | float) -> Value:
    """max(0, 1 - t s) for a raw score s and a label t in {-1, +1} (an SVM's loss).

        >>> hinge(Value(0.25), 1).data
        0.75
    """
    s = _as_value(score, "hinge", "score")
    label = target.data if isinstance(target, Value) else target
    if not is_number(label) or label not in (-1, 1):
        raise ValueError(f"hinge: target must be -1 or +1, got {target!r}.")
    # A Value target (a traced input) stays in the graph: no branch on its data.
    return (1.0 - (target if isinstance(target, Value) else float(target)) * s).relu()


def l2(params: Iterable[Value] | Module, alpha: float = 1e-4) -> Value:
    """alpha * Σ p**2 over the parameters (a Module or any Values), as in micrograd's demo.

        >>> l2([Value(1.0), Value(2.0)], alpha=0.5).data
        2.5
    """
    values = params.parameters() if isinstance(params, Module) else list(params)
    if not is_number(alpha):
        raise TypeError(f"l2: alpha must be a number, got {type(alpha).__name__} {alpha!r}.")
    for p in values:
        if not isinstance(p, Value):
            raise TypeError(f"l2: expected parameters (Values), got {type(p).__name__} {p!r}.")
    return alpha * lists.sum([p * p for p in values])


def cost(
    loss_fn: Callable[[Any, Any], Value], preds: Sequence[Any], targets: Sequence[Any]
) -> Value:
    """The mean of ``loss_fn(pred, target)`` over a batch (one n-ary sum node).

        >>> cost(mae, [Value(1.0), Value(-1.0)], [0.0, 0.0]).data
        1.0
    """
    if len(preds) != len(targets):
        raise ValueError(f"cost: {len(preds)} predictions but {len(targets)} targets.")
    if not preds:
        raise ValueError("cost: needs at least one prediction, got an empty batch.")
    return lists.sum([loss_fn(p, t) for p, t in zip(preds, targets)]) / len(preds)


# The losses by name, for a command line or a config file.
LOSSES: dict[str, Callable[..., Value]] = {
    "mse": mse,
    "mae": mae,
    "binary_cross_entropy": binary_cross_entropy,
    "bce": binary_cross_entropy,
    "binary_cross_entropy_with_logits": binary_cross_entropy_with_logits,
    "bce_with_logits": binary_cross_entropy_with_logits,
    "cross_entropy": cross_entropy,
    "nll": nll,
    "hinge": hinge,
}


# ---- helpers ---------------------------------------------------------------------------------


def _is_constant(t: Value | Number, number: float) -> bool:
    """Whether `t` is the plain number `number` (a Value never is: it may change)."""
    return not isinstance(t, Value) and float(t) == number


def _target_number(target: Any, where: str) -> float:
    if isinstance(target, Value):
        return target.data
    if not is_number(target):
        raise TypeError(
            f"{where}: target must be a number, got {type(target).__name__} {target!r}."
        )
    return float(target)


def _check_unit_interval(t: float, where: str) -> None:
    if not 0.0 <= t <= 1.0:
        raise ValueError(f"{where}: target must lie in [0, 1], got {t!r}.")


def _as_value(x: Any, where: str, what: str) -> Value:
    if isinstance(x, Value):
        return x
    if is_number(x):
        return Value(x)
    raise TypeError(f"{where}: {what} must be a Value or a number, got {type(x).__name__} {x!r}.")


def _as_values(xs: Any, where: str, what: str) -> list[Value]:
    if isinstance(xs, Value) or is_number(xs) or not isinstance(xs, Sequence):
        raise TypeError(f"{where}: {what} must be a list of Values, got {type(xs).__name__}.")
    if not xs:
        raise ValueError(f"{where}: {what} is empty.")
    return [_as_value(x, where, what) for x in xs]


def _pair(pred: Any, target: Any, where: str) -> tuple[list[Value], list[Value | float]]:
    """Predictions and targets as equal-length lists (a scalar is a list of one)."""
    preds = [pred] if isinstance(pred, Value) or is_number(pred) else pred
    targets = [target] if isinstance(target, Value) or is_number(target) else target
    if not isinstance(preds, Sequence) or not isinstance(targets, Sequence):
        raise TypeError(f"{where}: expected numbers, Values or lists of them, "
                        f"got {type(pred).__name__} and {type(target).__name__}.")
    if len(preds) != len(targets) or not preds:
        raise ValueError(f"{where}: prediction has {len(preds)} entries, target {len(targets)}.")
    for t in targets:
        if not isinstance(t, Value) and not is_number(t):
            raise TypeError(
                f"{where}: target entries must be numbers, got {type(t).__name__} {t!r}."
            )
    return [_as_value(p, where, "pred") for p in preds], list(targets)


def _is_index(target: Any) -> bool:
    # numbers.Integral admits numpy's integers, which datasets often hand out.
    return isinstance(target, numbers.Integral) and not isinstance(target, bool)


def _check_index(target: Any, n: int, where: str) -> int:
    if not 0 <= target < n:
        raise ValueError(f"{where}: class index {target} is out of range for {n} classes.")
    return int(target)
