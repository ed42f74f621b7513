"""The NumPy dialect: how the compiler's expressions read on arrays, and the run-time
helpers the generated array code calls.

A node's array holds one entry per sample: ``a if c else b`` becomes ``np.where(c, a,
b)``, ``max`` picks its largest input per sample, and entries where an op would raise
(or that symbols could not express) are recomputed by the op's own function on floats
(`_patch`), which raises the op's own error. The tensor programs of
`autograd.compile.tensor` are written in it (`autograd.compile.backends` respells it for
torch).

    >>> from autograd.compile.symbolic import Templates
    >>> from autograd import ops
    >>> statements("v2", Templates().get(ops.RELU, 1).forward, ["v1"], "_e", NumpyDialect())
    ['v2 = _where(v1 > 0.0, v1, 0.0)']
"""

from __future__ import annotations

import builtins
import functools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd.compile.codegen import PythonDialect, render
from autograd.compile.symbolic import ESCAPE, Expr, escape_paths, has_escape


class NumpyDialect(PythonDialect):
    """Expressions on arrays: `np.where` for branches, ufuncs for `math` functions."""

    def __init__(self) -> None:
        super().__init__()
        self.namespace.update(
            _where=np.where, _and=np.logical_and, _or=np.logical_or, _not=np.logical_not,
            _patch=_patch, _vectorized=_vectorized, _method=_method, _sum=builtins.sum,
            _max=_first_max,
        )

    def operand_const(self, x: float) -> str:
        # A NumPy scalar, not a float literal: np.where evaluates both branches, and
        # Python floats raise (0.0 ** -1.0) where NumPy gives inf as arrays do.
        name = f"_k{len(self.namespace)}"
        self.namespace[name] = np.float64(x)
        return name

    def call(self, name: str, args: list[str]) -> str:
        ufunc = getattr(np, name, None)
        if isinstance(ufunc, np.ufunc):
            self.namespace[f"_np_{name}"] = ufunc
        else:  # no ufunc (erf): the math function, element by element
            self.namespace[f"_np_{name}"] = np.vectorize(getattr(math, name), otypes=[float])
        return f"_np_{name}({', '.join(args)})"

    def method(self, name: str, obj: str, args: list[str]) -> str:
        return f"_method({name!r}, {', '.join([obj, *args])})"

    def select(self, cond: str, yes: str, no: str) -> str:
        return f"_where({cond}, {yes}, {no})"


# ---- run-time helpers the generated code calls ---------------------------------------------
def _patch(result: Any, mask: Any, fn: Callable[..., float], operands: tuple[Any, ...]) -> Any:
    """`result` with the entries under `mask` recomputed by the op's own function on floats.

    Those are the entries where the op raises (``log`` of a negative number) or that the
    symbolic formula could not express; the op's function raises its own error there.
    """
    if not np.any(mask):
        return result
    shape = np.broadcast_shapes(np.shape(result), np.shape(mask), *map(np.shape, operands))
    out = np.array(np.broadcast_to(result, shape), dtype=float)
    where = np.broadcast_to(mask, shape)
    columns = [np.broadcast_to(o, shape) for o in operands]
    flat = out.reshape(-1)
    for i in np.flatnonzero(where):
        flat[i] = fn(*(float(c.flat[i]) for c in columns))
    return out


def _vectorized(fn: Callable[..., float], operands: tuple[Any, ...]) -> Any:
    """An op with no symbolic formula, computed element by element with its own forward."""
    return _patch(math.nan, True, fn, operands)


def _first_max(items: Sequence[Any]) -> Any:
    """Python's max, sample by sample: the first of the largest, so ties (and nans) pick
    the same input as `ops.MAX` does on floats.

        >>> _first_max((np.array([1.0, 5.0]), np.float64(2.0))).tolist()
        [2.0, 5.0]
    """
    best = functools.reduce(np.maximum, items)
    if np.isnan(best).any():  # np.maximum spreads a nan; Python's max keeps it only first
        best = items[0]
        for item in items[1:]:
            best = np.where(item > best, item, best)
    return best


def _method(name: str, obj: Any, *args: Any) -> Any:
    """A float method (``is_integer``) applied element by element."""
    call = np.vectorize(lambda o, *a: getattr(float(o), name)(*a), otypes=[float])
    return call(obj, *args)


def _args(names: Sequence[str]) -> str:
    return f"({', '.join(names)},)" if names else "()"


def statements(target: str, expr: Expr, args: Sequence[str], escape: str,
               dialect: NumpyDialect, n_operands: int | None = None) -> list[str]:
    """``target = expr`` on arrays, then the entries that need the op's own function
    (called on the first `n_operands` of `args`, all of them by default)."""
    operands = _args(args[:n_operands])
    if expr == ESCAPE:
        return [f"{target} = _vectorized({escape}, {operands})"]
    lines = [f"{target} = {render(expr, args, dialect)}"]
    if has_escape(expr):
        paths = []
        for path in escape_paths(expr):
            conds = [render(c, args, dialect) if yes else f"_not({render(c, args, dialect)})"
                     for c, yes in path]
            paths.append(conds[0] if len(conds) == 1 else _fold("_and", conds))
        mask = paths[0] if len(paths) == 1 else _fold("_or", paths)
        lines.append(f"{target} = _patch({target}, {mask}, {escape}, {operands})")
    return lines


def _fold(fn: str, items: list[str]) -> str:
    text = items[0]
    for item in items[1:]:
        text = f"{fn}({text}, {item})"
    return text
