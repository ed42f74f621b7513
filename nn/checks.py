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

import numbers
from collections.abc import Mapping
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
