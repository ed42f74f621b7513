"""Checks for the numeric arguments of `nn`'s functions and classes.

Each raises an error whose one sentence names the owner, the argument and the value it
got, and returns the value in its plain type, so a bad setting fails where it is given.
Any real number is a number here (NumPy's ``int64`` and ``float32`` too), but not a bool.

    >>> int_at_least("batches", "batch_size", 16, 1)
    16
    >>> number_at_least("fit", "l2", -0.1)
    Traceback (most recent call last):
    ...
    ValueError: fit: l2 must be a number >= 0, got -0.1.
    >>> nonnegative("SGD", "lr", float("inf"))
    Traceback (most recent call last):
    ...
    ValueError: SGD: lr must be a finite number, got inf.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any


def int_at_least(owner: str, name: str, value: Any, minimum: int) -> int:
    """`value` as an int if it is an integer (not a bool) >= `minimum`; else ValueError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{owner}: {name} must be an int >= {minimum}, got {value!r}.")
    return int(value)


def number_at_least(owner: str, name: str, value: Any, minimum: float = 0.0) -> float:
    """`value` as a float if it is a finite real number >= `minimum`; else ValueError."""
    if not is_number(value) or not value >= minimum:
        raise ValueError(f"{owner}: {name} must be a number >= {minimum:g}, got {value!r}.")
    return _finite(owner, name, value, f" >= {minimum:g}")


def real(owner: str, name: str, value: Any) -> float:
    """`value` as a float: TypeError if it is not a real number, ValueError if not finite."""
    if not is_number(value):
        raise TypeError(
            f"{owner}: {name} must be a number, got {type(value).__name__} {value!r}."
        )
    return _finite(owner, name, value)


def nonnegative(owner: str, name: str, value: Any) -> float:
    """`real`, and >= 0 (a learning rate, a momentum, a weight decay)."""
    number = real(owner, name, value)
    if number < 0:
        raise ValueError(f"{owner}: {name} must be >= 0, got {value!r}.")
    return number


def positive(owner: str, name: str, value: Any) -> float:
    """`real`, and > 0 (an eps that a step divides by)."""
    number = real(owner, name, value)
    if not number > 0:
        raise ValueError(f"{owner}: {name} must be > 0, got {value!r}.")
    return number


def _finite(owner: str, name: str, value: Any, bound: str = "") -> float:
    try:
        number = float(value)
    except OverflowError:  # an int beyond a float
        number = math.inf
    if not math.isfinite(number):
        raise ValueError(f"{owner}: {name} must be a finite number{bound}, got {value!r}.")
    return number


def is_number(value: Any) -> bool:
    """True for ints and floats (and other real numbers), False for bools and the rest."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_names(expected: Mapping[str, Any], given: Mapping[str, Any], where: str) -> None:
    """Raise `ValueError` listing the missing and the unexpected names, if any."""
    missing = [name for name in expected if name not in given]
    extra = [name for name in given if name not in expected]
    if not missing and not extra:
        return
    parts = []
    if missing:
        parts.append(f"{len(missing)} missing ({_some(missing)})")
    if extra:
        parts.append(f"{len(extra)} unexpected ({_some(extra)})")
    raise ValueError(
        f"{where}: the parameter names do not match this model: {'; '.join(parts)}. "
        "Nothing was changed."
    )


def _some(names: list[str], limit: int = 5) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f", ... {len(names) - limit} more" if len(names) > limit else "")
