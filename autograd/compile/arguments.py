"""The arguments of a traced function: their shapes, and the numbers in them as input slots.

A program is traced on example arguments: numbers and (nested) lists of numbers. Each
argument's shape is kept as a spec (None for a number, a tuple of specs for a list);
every call is flattened into one list of numbers in slot order, checked against the
specs, and a gradient in slot order is built back into the arguments' shapes.

    >>> spec = spec_of([1.0, [2, 3.5]])
    >>> spec
    (None, (None, None))
    >>> flat: list[float] = []
    >>> flatten_arg([1.0, [2, 3.5]], spec, flat, 0)
    >>> flat, spec_width(spec)
    ([1.0, 2.0, 3.5], 3)
    >>> build_arg(spec, flat, [0])
    [1.0, [2.0, 3.5]]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from autograd.value import Value

Spec = Any  # None for a number, a tuple of specs for a list


def spec_of(x: Any) -> Spec:
    """The shape of an example input: None for a number, a tuple of specs for a list."""
    if hasattr(x, "tolist"):  # a NumPy array or scalar
        x = x.tolist()
    if isinstance(x, Value):
        return None
    if isinstance(x, bool) or not isinstance(x, int | float | list | tuple):
        raise TypeError(f"trace: inputs must be numbers or (nested) lists of numbers, got "
                        f"{type(x).__name__} {x!r}; pass other arguments as static_argnums.")
    if isinstance(x, list | tuple):
        return tuple(spec_of(v) for v in x)
    return None


def spec_width(spec: Spec) -> int:
    """How many numbers (input slots) an argument of this shape holds."""
    if spec is None:
        return 1
    return sum(spec_width(s) for s in spec)


def flatten_arg(x: Any, spec: Spec, out: list[float], k: int) -> None:
    """Append the numbers of argument `k` to `out`; raise if it does not have shape `spec`."""
    if spec is None:
        if isinstance(x, Value):
            x = x.data
        if isinstance(x, bool) or not isinstance(x, int | float):
            if hasattr(x, "item"):
                x = x.item()
            else:
                raise TypeError(f"program: argument {k} must be a number, got "
                                f"{type(x).__name__} {x!r}.")
        out.append(float(x))
        return
    if hasattr(x, "tolist"):
        x = x.tolist()
    if not isinstance(x, list | tuple) or len(x) != len(spec):
        size = len(x) if isinstance(x, list | tuple) else type(x).__name__
        raise ValueError(f"program: argument {k} was traced as a list of {len(spec)}, got "
                         f"{size}.")
    if all(s is None for s in spec) and all(type(v) is float for v in x):
        out.extend(x)  # the common case: a flat list of floats
        return
    for v, s in zip(x, spec):
        flatten_arg(v, s, out, k)


def build_arg(spec: Spec, flat: Sequence[Any], position: list[int]) -> Any:
    """The entries of `flat` from ``position[0]`` on, in shape `spec`; advances `position`."""
    if spec is None:
        position[0] += 1
        return flat[position[0] - 1]
    return [build_arg(s, flat, position) for s in spec]


_NAN = ("nan",)  # NaN as a static argument: equal to itself, so one program serves it


def freeze(x: Any) -> Any:
    """A hashable copy of a static argument (lists and arrays become tuples), to compare it.

    A NaN compares equal to a NaN here (a program traced with one serves the other); an
    unhashable argument (a dict, a set) is a clear TypeError.

        >>> freeze([1, float("nan")]) == freeze([1, float("nan")])
        True
    """
    if hasattr(x, "tolist"):
        x = x.tolist()
    if isinstance(x, list | tuple):
        return tuple(freeze(v) for v in x)
    if isinstance(x, float) and x != x:
        return _NAN
    try:
        hash(x)
    except TypeError:
        raise TypeError(f"trace: a static argument must be a number, a string, or a list "
                        f"or tuple of them, got {type(x).__name__} {x!r}; a program is "
                        "specialised to it, so it must be hashable.") from None
    return x


def batch_size(batched: Sequence[Sequence[Any]]) -> int:
    """The number of samples in a batch given one sequence per argument; they must agree."""
    sizes = {len(column) for column in batched}
    if len(sizes) > 1:
        raise ValueError(f"program: batched arguments have different lengths {sorted(sizes)}.")
    size = sizes.pop() if sizes else 0
    if size == 0:
        raise ValueError("program: a batch needs at least one sample.")
    return size
