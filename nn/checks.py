"""Checks for the numeric arguments of `nn`'s functions and classes.

Each raises a `ValueError` whose one sentence names the owner, the argument and the value
it got, and returns the value in its plain type, so a bad setting fails where it is given.

    >>> int_at_least("batches", "batch_size", 16, 1)
    16
    >>> number_at_least("fit", "l2", -0.1)
    Traceback (most recent call last):
    ...
    ValueError: fit: l2 must be a number >= 0, got -0.1.
"""

from __future__ import annotations

from typing import Any


def int_at_least(owner: str, name: str, value: Any, minimum: int) -> int:
    """`value` if it is an int (not a bool) >= `minimum`; a clear ValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{owner}: {name} must be an int >= {minimum}, got {value!r}.")
    return value


def number_at_least(owner: str, name: str, value: Any, minimum: float = 0.0) -> float:
    """`value` as a float if it is a real number >= `minimum` (NaN is not); else ValueError."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= minimum:
        raise ValueError(f"{owner}: {name} must be a number >= {minimum:g}, got {value!r}.")
    return float(value)
