"""What `nn.train.fit` checks before its first step, so a bad run fails before it changes
anything: every sample of the data, the optimizer against the model, the callbacks'
monitors against the numbers training will log.

A check that fails raises a `TypeError` (a value of the wrong kind) or a `ValueError`
(the right kind, a wrong value) naming the set and the sample:

    >>> from nn.data import Dataset
    >>> from nn.layers import MLP
    >>> check_dataset(Dataset([[0.0, 1.0], [float("nan"), 0.0]], [0, 1], 2), MLP(2, [1]),
    ...               "train")
    Traceback (most recent call last):
    ...
    ValueError: fit: train sample 1: feature 0 is nan; every feature must be finite.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Collection, Iterable
from typing import Any

from autograd.context import no_grad
from autograd.value import Value
from nn.callbacks import Callback, EarlyStopping
from nn.checks import is_number
from nn.data import Dataset
from nn.optim import Optimizer


def check_dataset(data: Any, model: Any, role: str) -> None:
    """Every row the same length (the model's ``nin``), every feature a finite number,
    every target a finite number or list of them, in range for the set's classes and for
    the model's outputs. `role` ("train", "val") names the set in messages."""
    where = f"fit: {role}"
    if not isinstance(data, Dataset):
        raise TypeError(f"{where} must be an nn.data.Dataset, got {type(data).__name__}.")
    if role == "train" and not len(data):
        raise ValueError(f"{where} is empty; fit needs at least one sample.")
    if hasattr(data.X, "shape"):  # a NumPy array (MNIST): checked as a whole
        _check_array(data.X, where)
    else:
        for i, row in enumerate(data.X):
            _check_row(row, i, where)
            if len(row) != len(data.X[0]):
                raise ValueError(f"{where} sample {i} has {len(row)} features; sample 0 "
                                 f"has {len(data.X[0])}.")
    nin = getattr(model, "nin", None)
    if len(data.X) and isinstance(nin, int) and len(data.X[0]) != nin:
        raise ValueError(f"{where} samples have {len(data.X[0])} features; the model takes "
                         f"{nin}.")
    outputs = _outputs(model, list(data.X[0])) if len(data.X) else 1
    for i, target in enumerate(data.y):
        _check_target(target, i, where, data.num_classes, outputs)


def check_optimizer(model: Any, optimizer: Any) -> None:
    """An `nn.optim` optimizer must hold at least one of the model's parameters: one
    built over another model's trains nothing. (Holding only some is fine: the rest are
    frozen.)"""
    if not isinstance(optimizer, Optimizer):
        return  # another library's optimizer: nothing known to compare
    mine = {id(p) for p in model.parameters()}
    if mine and not any(id(p) in mine for p in optimizer.params):
        raise ValueError(
            f"fit: the optimizer holds none of the model's {len(mine)} parameters (its "
            f"{len(optimizer.params)} belong to something else), so training would change "
            "nothing; build it from model.parameters()."
        )


def check_callbacks(callbacks: Iterable[Callback], logged: Collection[str]) -> None:
    """Each `EarlyStopping` must watch a number that training will log."""
    for callback in callbacks:
        if isinstance(callback, EarlyStopping):
            callback.check_monitor(logged)


def logged_names(metric_names: Iterable[str], has_val: bool) -> list[str]:
    """The numbers each epoch of `fit` logs: train and val loss and metrics, and the lr."""
    names = ["train_loss", *(f"train_{m}" for m in metric_names)]
    if has_val:
        names += ["val_loss", *(f"val_{m}" for m in metric_names)]
    return [*names, "lr"]


def _check_array(X: Any, where: str) -> None:
    import numpy as np

    if X.ndim != 2 or not np.issubdtype(X.dtype, np.number) or X.dtype == np.bool_:
        raise TypeError(f"{where} X must hold one row of numbers per sample, got an array "
                        f"of shape {X.shape} and dtype {X.dtype}.")
    finite = np.isfinite(X)
    if not finite.all():
        i, j = (int(k) for k in np.argwhere(~finite)[0])
        raise ValueError(f"{where} sample {i}: feature {j} is {float(X[i, j])!r}; every "
                         "feature must be finite.")


def _check_row(row: Any, i: int, where: str) -> None:
    if isinstance(row, str | bytes) or not hasattr(row, "__len__"):  # a list, a NumPy row
        raise TypeError(f"{where} sample {i} must be a list of numbers, got "
                        f"{type(row).__name__}.")
    for j, x in enumerate(row):
        if not is_number(x):
            raise TypeError(f"{where} sample {i}: feature {j} is {type(x).__name__} {x!r}, "
                            "not a number.")
        if not math.isfinite(x):
            raise ValueError(f"{where} sample {i}: feature {j} is {x!r}; every feature must "
                             "be finite.")


def _check_target(target: Any, i: int, where: str, classes: int | None, outputs: int) -> None:
    values = target if isinstance(target, list | tuple) else [target]
    for t in values:
        number = t.data if isinstance(t, Value) else t
        if not is_number(number):
            raise TypeError(f"{where} sample {i}: target is {type(t).__name__} {t!r}, not a "
                            "number.")
        if not math.isfinite(number):
            raise ValueError(f"{where} sample {i}: target {number!r} is not finite.")
    if isinstance(target, list | tuple):
        if classes is not None and len(target) != classes:
            raise ValueError(f"{where} sample {i}: target has {len(target)} entries for "
                             f"{classes} classes.")
        return
    label = target.data if isinstance(target, Value) else target
    if classes is not None and not (label in range(classes) or (classes == 2 and label == -1)):
        extra = "; -1 and +1 are hinge's labels" if classes == 2 else ""
        raise ValueError(f"{where} sample {i}: label {label!r} is not a class of this set "
                         f"(0 to {classes - 1}{extra}).")
    if outputs > 1 and isinstance(label, numbers.Integral) and not 0 <= int(label) < outputs:
        raise ValueError(f"{where} sample {i}: class index {label!r} is out of range for the "
                         f"model's {outputs} outputs.")


def _outputs(model: Any, row: Any) -> int:
    """How many numbers the model returns for one input (one forward pass, no graph)."""
    with no_grad():
        out = model(row)
    return len(out) if isinstance(out, list | tuple) else 1

