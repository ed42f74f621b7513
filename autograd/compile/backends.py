"""Where a tensor program runs: NumPy arrays (the default) or torch tensors (any device).

A backend gives the generated code of `autograd.compile.tensor` the few names it calls
(gather and scatter, broadcasting, sums over samples) and the dialect its formulas are
spelled in (`np.where` or `torch.where`, ufuncs or torch functions). The program is the
same on both: only these names differ.

    >>> import numpy as np
    >>> b = numpy_backend()
    >>> b.helpers()["_sum_samples"](np.ones((2, 3))).tolist()
    [3.0, 3.0]
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Sequence
from typing import Any

from autograd.compile.numpy_dialect import NumpyDialect


class NumpyBackend:
    """Arrays of float64 in NumPy; what ``backend="numpy"`` runs on."""

    name = "numpy"

    def __init__(self) -> None:
        import numpy as np

        self.np = np

    def dialect(self) -> NumpyDialect:
        return NumpyDialect()

    def index(self, values: Sequence[Any]) -> Any:
        return self.np.array(values, dtype=self.np.intp)

    def column(self, values: Sequence[float]) -> Any:
        return self.np.array(values, dtype=float).reshape(-1, 1)

    def array(self, values: Any) -> Any:
        return self.np.ascontiguousarray(values, dtype=float)

    def to_numpy(self, x: Any) -> Any:
        return self.np.asarray(x)

    def quiet(self) -> contextlib.AbstractContextManager[Any]:
        # np.where evaluates both branches; the program checks for non-finite results
        # itself (`Program`), so NumPy's warnings would only be noise.
        return self.np.errstate(all="ignore")

    def helpers(self) -> dict[str, Callable[..., Any]]:
        np = self.np
        return {
            "_zeros_like": np.zeros_like,
            "_scatter": np.add.at,
            "_sum_samples": lambda a: a.sum(axis=1),
            "_full": lambda a, m, b: np.broadcast_to(a, (m, b)),
            "_column": lambda a, m: np.broadcast_to(a, (m, 1)),
            "_cat": lambda parts: np.concatenate(parts, axis=0),
            "_strided": lambda v, base, shape, steps: np.lib.stride_tricks.as_strided(
                v[base:], shape, tuple(step * v.itemsize for step in steps)),
        }


class TorchBackend:
    """float64 torch tensors on `device` ("cpu", "cuda", ...); ``backend="torch"``."""

    name = "torch"

    def __init__(self, device: str = "cpu") -> None:
        import torch

        self.torch = torch
        self.device = torch.device(device)

    def dialect(self) -> NumpyDialect:
        return TorchDialect(self)

    def index(self, values: Sequence[Any]) -> Any:
        return self.torch.tensor(values, dtype=self.torch.long, device=self.device)

    def column(self, values: Sequence[float]) -> Any:
        return self.array(values).reshape(-1, 1)

    def array(self, values: Any) -> Any:
        return self.torch.as_tensor(values, dtype=self.torch.float64, device=self.device)

    def to_numpy(self, x: Any) -> Any:
        return x.detach().cpu().numpy()

    def quiet(self) -> contextlib.AbstractContextManager[Any]:
        return contextlib.nullcontext()

    def helpers(self) -> dict[str, Callable[..., Any]]:
        torch = self.torch

        def full(a: Any, m: int, b: int) -> Any:
            if not isinstance(a, torch.Tensor):
                return torch.full((m, b), float(a), dtype=torch.float64, device=self.device)
            return a.expand(m, b) if a.dim() else a.reshape(1, 1).expand(m, b)

        def scatter(target: Any, index: Any, value: Any) -> None:
            target.index_put_((index,), value.expand(*index.shape, *target.shape[1:])
                              if value.dim() else value, accumulate=True)

        return {
            "_zeros_like": lambda a: torch.zeros(a.shape, dtype=torch.float64,
                                                 device=self.device),
            "_scatter": scatter,
            "_sum_samples": lambda a: a.sum(dim=1),
            "_full": full,
            "_column": lambda a, m: full(a, m, 1),
            "_cat": lambda parts: torch.cat(parts, dim=0),
            "_strided": lambda v, base, shape, steps: v.as_strided(shape, steps, base),
        }


class TorchDialect(NumpyDialect):
    """The NumPy dialect's formulas spelled with torch functions."""

    def __init__(self, backend: TorchBackend) -> None:
        super().__init__()
        torch = backend.torch
        self.torch = torch
        self.backend = backend
        self.namespace.update(
            _where=lambda c, a, b: torch.where(c.bool(), a, b), _and=torch.logical_and,
            _or=torch.logical_or, _not=torch.logical_not, _patch=self._patch,
            _vectorized=self._vectorized, _max=self._first_max, _method=self._method,
            _f64=lambda c: c.to(torch.float64),
        )

    def compare(self, symbol: str, a: str, b: str) -> tuple[str, bool]:
        # torch does no arithmetic on bool tensors (1.0 - (x < m) in max's rule): a
        # comparison is a float 0/1 tensor, and where() turns it back into a mask.
        return f"_f64({a} {symbol} {b})", True

    def operand_const(self, x: float) -> str:
        name = f"_k{len(self.namespace)}"
        self.namespace[name] = self.backend.array(x)
        return name

    def call(self, name: str, args: list[str]) -> str:
        function = getattr(self.torch, name, None)
        if function is None:  # math functions torch spells otherwise
            function = {"fabs": self.torch.abs}.get(name) or self._elementwise(name)
        self.namespace[f"_t_{name}"] = function
        return f"_t_{name}({', '.join(args)})"

    def _elementwise(self, name: str) -> Callable[..., Any]:
        real = getattr(math, name)
        return lambda *args: self._on_numpy(lambda *xs: _vectorize(real)(*xs), args)

    def _on_numpy(self, fn: Callable[..., Any], args: Sequence[Any]) -> Any:
        arrays = [self.backend.to_numpy(a) if isinstance(a, self.torch.Tensor) else a
                  for a in args]
        return self.backend.array(fn(*arrays))

    def _patch(self, result: Any, mask: Any, fn: Callable[..., float],
               operands: tuple[Any, ...]) -> Any:
        if not bool(self.torch.as_tensor(mask).any()):
            return result
        base = NumpyDialect().namespace["_patch"]
        return self._on_numpy(lambda r, m, *ops: base(r, m, fn, ops), (result, mask, *operands))

    def _vectorized(self, fn: Callable[..., float], operands: tuple[Any, ...]) -> Any:
        base = NumpyDialect().namespace["_vectorized"]
        return self._on_numpy(lambda *ops: base(fn, ops), operands)

    def _method(self, name: str, obj: Any, *args: Any) -> Any:
        base = NumpyDialect().namespace["_method"]
        return self._on_numpy(lambda *xs: base(name, *xs), (obj, *args))

    def _first_max(self, items: Sequence[Any]) -> Any:
        torch = self.torch
        tensors = [self.backend.array(i) if not isinstance(i, torch.Tensor) else i
                   for i in items]
        best = tensors[0]
        for item in tensors[1:]:
            best = torch.where(item > best, item, best)  # the first of the largest
        return best


def _vectorize(fn: Callable[..., float]) -> Callable[..., Any]:
    import numpy as np

    return np.vectorize(fn, otypes=[float])


def numpy_backend() -> NumpyBackend:
    """The NumPy backend (NumPy is the `fast` extra)."""
    return NumpyBackend()


def torch_backend(device: str = "cpu") -> TorchBackend:
    """The torch backend on `device`; torch is imported only here."""
    return TorchBackend(device)


def resolve(backend: str, device: str | None = None) -> Any:
    """A backend by name: "numpy" or "torch" (with `device`)."""
    if backend == "numpy":
        if device not in (None, "cpu"):
            raise ValueError(f"program: the numpy backend runs on the cpu, got device "
                             f"{device!r}; use backend='torch' for another device.")
        return numpy_backend()
    if backend == "torch":
        return torch_backend(device or "cpu")
    raise ValueError(f"program: backend must be 'numpy' or 'torch', got {backend!r}.")
