"""A model's outputs on many inputs, as plain floats: `predict`.

Eager by default (one graph per input, under `no_grad`); ``compiled=True`` traces the
model once and runs every input through the traced program. Training, evaluation and
the plots all read predictions through here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from autograd.context import no_grad
from autograd.value import Value
from nn.compiled import compiled_predict


def predict(model: Any, X: Sequence[Sequence[float]], *, compiled: bool = False) -> list[Any]:
    """The model's outputs for each input, as floats (lists of floats for several outputs).

    ``compiled=True`` traces the model once (`nn.compiled.compiled_predict`) and runs all
    inputs through NumPy: much faster on many inputs, equal to rounding.

        >>> from nn.layers import MLP
        >>> len(predict(MLP(2, [3]), [[0.0, 1.0], [1.0, 0.0]])[0])
        3
    """
    if compiled:
        return compiled_predict(model, X)
    with no_grad():
        return [as_floats(model(x)) for x in X]


def as_floats(pred: Any) -> Any:
    """A prediction (a Value, or nested lists of them) as floats."""
    if isinstance(pred, Value):
        return pred.data
    if isinstance(pred, list | tuple):
        return [as_floats(p) for p in pred]
    return pred
