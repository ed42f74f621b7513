"""Trace a function's Value graph once, then replay it compiled: `trace`.

    >>> from autograd import Value
    >>> w, b = Value(0.5, label="w"), Value(-1.0, label="b")
    >>> program = trace(lambda x: (w * x + b).relu(), 4.0)
    >>> program(4.0), program(1.0)          # new inputs, no Value objects made
    (1.0, 0.0)
    >>> program.backward(4.0)               # fills w.grad and b.grad like eager backward()
    1.0
    >>> w.grad, b.grad
    (4.0, 1.0)

How: `trace` calls the function once on fresh input Values and numbers the graph it
built into a flat tape (`autograd.compile.tape`, via `autograd.backward.topological_order`). From
the tape, `codegen` writes straight-line Python, one statement per node forward and one
per edge backward, with formulas read off each op's own `forward` and `rule`
(`symbolic`), compiled once; ``program.listing(scalar=True)`` shows it. Graphs beyond
`autograd.compile.program.MAX_STATEMENTS` statements run on the tape interpreter instead.
A whole mini-batch runs as a lowered tensor program (`lower`, `tensor`): a layer is one
matrix product and one array op, on NumPy or torch; ``program.listing()`` shows it.

Parameters and constants: a leaf the function reads that existed before the trace
(``model.parameters()``) is a parameter: every call reads its current ``.data`` and a
backward adds to its ``.grad``. A Value made during the trace (``x * 2``, ``Value(0.5)``
inside the function) is a constant. Pass ``params=[...]`` to choose; any other leaf is
then a constant.

What tracing freezes (as in JAX, Python ran once):

- Ops are never frozen: relu, abs, leaky_relu, sqrt at 0, the pow edge cases, which
  input of a `max` is largest (so the shift inside `logsumexp` and `softmax`) are
  evaluated on every input by the op's own formula.
- Python control flow on values is: ``if x > 0:``, ``max(x, 0)``, ``float(x)`` took one
  way while tracing and the program always takes it. The tracer sees comparisons and
  ``float()`` of Values that depend on inputs or parameters and warns with a
  `TracerWarning` naming the line (``strict=True`` raises `TracerError` instead).
- Reading ``.data`` is invisible to the tracer and frozen too: take a max with
  `autograd.lists.max`, not over ``.data``, and use `Program.check` on a few samples to
  confirm a program matches eager execution. The losses of `nn.losses` never branch on
  a target that is a Value, so targets can be inputs: one program for every label (a
  class index as a one-hot vector, as `fit` passes it).
- Static arguments (``static_argnums``) go to the function as they are and the program
  is specialised to their values; a function decorated with ``@trace`` keeps one
  program per value and groups a batch by them.

Errors: a program raises the op's own error (same type, same message) wherever eager
execution would. Only forward values raise; a local derivative too large for a float is
inf, in eager and compiled code alike (a program computes only the derivatives on paths
to inputs and parameters, so eager may hold an inf on an edge into a constant that the
program never computes).
"""

from __future__ import annotations

import functools
import sys
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from autograd import ops
from autograd.backward import topological_order
from autograd.compile.arguments import Spec, batch_size, spec_of
from autograd.compile.arguments import freeze as _freeze
from autograd.compile.eager import leaves, outputs_of
from autograd.compile.program import Program, TracerError
from autograd.compile.tape import Tape
from autograd.context import TRACING, enable_grad
from autograd.primitive import ClosureOp
from autograd.value import Value, apply_nary

__all__ = ["Program", "TracedFunction", "TracerError", "TracerWarning", "trace"]


class TracerWarning(UserWarning):
    """A traced function branched on a value; the program always takes the traced branch."""


def trace(fn: Callable[..., Any] | None = None, /, *example_inputs: Any,
          params: Iterable[Value] | None = None, static_argnums: Sequence[int] = (),
          strict: bool = False, compiler: str = "auto") -> Any:
    """Record the graph `fn` builds for `example_inputs`; return a `Program` that replays it.

    Inputs are numbers or (nested) lists of numbers; outputs a Value or a list of Values.
    Without example inputs (or as a decorator) returns a `TracedFunction`, which traces
    on its first call and again for each new input shape or static value.
    ``compiler`` is "auto" (code generation unless the graph is huge), "codegen" or "tape".

        >>> program = trace(lambda x, y: (x * y).sin(), 1.0, 2.0)
        >>> program.value_and_grad(0.0, 3.0)
        (0.0, (3.0, 0.0))
        >>> @trace
        ... def square(x):
        ...     return x * x
        >>> square(3.0)
        9.0
    """
    options: dict[str, Any] = dict(params=params, static_argnums=tuple(static_argnums),
                                   strict=strict, compiler=compiler)
    if fn is None:
        return lambda f: TracedFunction(f, **options)
    if not example_inputs:
        return TracedFunction(fn, **options)
    return record(fn, example_inputs, **options)


class _Recorder:
    """What the hooks in `autograd.value` report while a function is being traced."""

    __slots__ = ("made", "branches")

    def __init__(self) -> None:
        self.made: list[Value] = []
        self.branches: list[tuple[Value, str, Any, str]] = []

    def created(self, value: Value) -> None:
        self.made.append(value)

    def compared(self, value: Value, symbol: str, other: Any) -> None:
        # The code that compared: above _note_branch and Value.__lt__ (or its siblings).
        frame = sys._getframe(3)
        self.branches.append((value, symbol, other,
                              f"{frame.f_code.co_filename}:{frame.f_lineno}"))


def record(fn: Callable[..., Any], args: Sequence[Any], *, params: Iterable[Value] | None,
           static_argnums: tuple[int, ...], strict: bool, compiler: str) -> Program:
    """Trace `fn` on `args` and build its `Program` (what `trace` does with example inputs)."""
    if compiler not in ("auto", "codegen", "tape"):
        raise ValueError(f"trace: compiler must be 'auto', 'codegen' or 'tape', got "
                         f"{compiler!r}.")
    for k in static_argnums:
        if not 0 <= k < len(args):
            raise ValueError(f"trace: static_argnums {static_argnums!r} is out of range for "
                             f"{len(args)} argument(s).")
    static = {k: args[k] for k in static_argnums}
    specs: list[Spec] = [None if k in static else spec_of(a) for k, a in enumerate(args)]
    inputs: list[Value] = []
    call_args = [a if k in static else leaves(a, specs[k], inputs) for k, a in enumerate(args)]
    recorder = _Recorder()
    token = TRACING.set(recorder)
    try:
        with enable_grad():
            result = fn(*call_args)
            # Still recording: a plain number returned becomes a constant, not a parameter.
            outputs, single = outputs_of(result)
    finally:
        TRACING.reset(token)
    with enable_grad():
        # Several outputs: one temporary sum over them gives the single root the shared
        # walk needs; it is dropped again.
        root = outputs[0] if len(outputs) == 1 else apply_nary(ops.SUM, outputs)
        order = topological_order(root)
    if len(outputs) > 1:
        order.pop()
    for node in order:
        if isinstance(node.op, ClosureOp):
            raise TracerError(
                f"trace: the op {node.op.name!r} was written micrograd's way (Value(data, "
                "children, op) and a _backward closure), so it has no forward and rule the "
                "compiler can read; define it with autograd.op(name, forward, rule) to trace it."
            )
    made = set(recorder.made)
    input_set = set(inputs)
    if params is None:
        chosen = [n for n in order if not n.edges and n not in input_set and n not in made]
    else:
        chosen = _check_params(params)
    _warn_branches(fn, recorder, order, made, strict)
    index = {node: i for i, node in enumerate(order)}
    tape = Tape.from_order(order, inputs=inputs, params=chosen,
                           outputs=[index[o] for o in outputs])
    return Program(fn, tape, chosen, specs, static, single, compiler)


def _check_params(params: Iterable[Value]) -> list[Value]:
    chosen = list(params)
    for p in chosen:
        if not isinstance(p, Value):
            raise TypeError(f"trace: params must be Values, got {type(p).__name__} {p!r}.")
        if p.edges:
            raise ValueError(f"trace: params must be leaf Values (made with Value(...)), got "
                             f"{p!r}, which an op computed.")
    return chosen


def _warn_branches(fn: Callable[..., Any], recorder: _Recorder, order: list[Value],
                   made: set[Value], strict: bool) -> None:
    if not recorder.branches:
        return
    # A node depends on the inputs or parameters unless every leaf under it is a
    # constant made during the trace.
    live: dict[Value, bool] = {}
    for node in order:
        live[node] = any(live[p] for p in node.parents) if node.edges else node not in made
    sites: dict[str, str] = {}
    for value, symbol, other, site in recorder.branches:
        depends = [v for v in (value, other) if isinstance(v, Value)]
        if any(_is_live(v, live, made) for v in depends):
            text = f"float({value})" if other is None else f"{value} {symbol} {other}"
            sites.setdefault(site, text)
    if not sites:
        return
    name = getattr(fn, "__name__", "the function")
    where = "; ".join(f"{site} ({text})" for site, text in sites.items())
    message = (f"trace: {name} branched on a value that depends on its inputs or parameters "
               f"at {where}. The program always takes the branch taken while tracing; "
               "write the kink with an op (relu, abs, ...) or pass that input as a static "
               "argument" + ("." if strict else ", or ignore this if the branch cannot change."))
    if strict:
        raise TracerError(message)
    warnings.warn(message, TracerWarning, stacklevel=4)


def _is_live(value: Value, live: dict[Value, bool], made: set[Value]) -> bool:
    if value not in live:  # compared but not part of the output's graph
        for node in topological_order(value):
            if node not in live:
                live[node] = (any(live[p] for p in node.parents) if node.edges
                              else node not in made)
    return live[value]


class TracedFunction:
    """A function that traces itself on first use and replays the compiled program after.

    One program per input shape and static-argument value (kept by this object). Besides
    calling it, use the `Program` methods: `backward`, `value_and_grad`, `forward_batch`,
    `backward_batch` (which groups a batch by its static values).

        >>> @trace(static_argnums=(1,))
        ... def loss(x, label):
        ...     return x * x if label == 1 else -x
        >>> loss(3.0, 1), loss(3.0, 0)
        (9.0, -3.0)
    """

    def __init__(self, fn: Callable[..., Any], *, params: Iterable[Value] | None,
                 static_argnums: tuple[int, ...], strict: bool, compiler: str) -> None:
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.params = None if params is None else list(params)
        self.static_argnums = static_argnums
        self.strict = strict
        self.compiler = compiler
        self.programs: dict[Any, Program] = {}

    def program_for(self, *args: Any) -> Program:
        """The program for arguments like these, traced now if it is the first of its kind."""
        key = tuple(("static", _freeze(a)) if k in self.static_argnums else spec_of(a)
                    for k, a in enumerate(args))
        program = self.programs.get(key)
        if program is None:
            program = self.programs[key] = record(
                self.fn, args, params=self.params, static_argnums=self.static_argnums,
                strict=self.strict, compiler=self.compiler)
        return program

    def __call__(self, *args: Any) -> Any:
        return self.program_for(*args).forward(*args)

    def forward(self, *args: Any) -> Any:
        """See `Program.forward`."""
        return self.program_for(*args).forward(*args)

    def backward(self, *args: Any) -> float:
        """See `Program.backward`."""
        return self.program_for(*args).backward(*args)

    def value_and_grad(self, *args: Any) -> tuple[float, Any]:
        """See `Program.value_and_grad`."""
        return self.program_for(*args).value_and_grad(*args)

    def listing(self, *args: Any) -> str:
        """The generated source of the program for these arguments."""
        return self.program_for(*args).listing()

    def _groups(self, batched: Sequence[Sequence[Any]]) -> dict[Any, list[int]]:
        size = batch_size(batched)  # every argument must hold the same number of samples
        groups: dict[Any, list[int]] = {}
        for i in range(size):
            key = tuple(_freeze(batched[k][i]) for k in self.static_argnums)
            groups.setdefault(key, []).append(i)
        return groups

    def forward_batch(self, *batched: Sequence[Any], backend: str = "auto") -> Any:
        """See `Program.forward_batch`; samples are grouped by their static arguments."""
        size = batch_size(batched)  # every argument must hold the same number of samples
        parts = []
        for rows in self._groups(batched).values():
            part = [_take(column, rows) for column in batched]
            program = self.program_for(*(column[0] for column in part))
            parts.append((rows, program.forward_batch(*part, backend=backend)))
        if parts and hasattr(parts[0][1], "shape"):  # NumPy: one array, rows in order
            import numpy as np

            array = np.empty((size, *parts[0][1].shape[1:]))
            for rows, outs in parts:
                array[rows] = outs
            return array
        results: list[Any] = [None] * size
        for rows, outs in parts:
            for i, out in zip(rows, outs):
                results[i] = out
        return results

    def backward_batch(self, *batched: Sequence[Any], reduce: str = "mean",
                       backend: str = "auto") -> float:
        """See `Program.backward_batch`; samples are grouped by their static arguments."""
        if reduce not in ("mean", "sum"):
            raise ValueError(f"backward_batch: reduce must be 'mean' or 'sum', got {reduce!r}.")
        size = batch_size(batched)  # every argument must hold the same number of samples
        seed = 1.0 / size if reduce == "mean" else 1.0
        total = 0.0
        for rows in self._groups(batched).values():
            part = [_take(column, rows) for column in batched]
            program = self.program_for(*(column[0] for column in part))
            program.need_scalar("backward_batch")
            total += program.run_batch(part, seed, program.resolve_backend(backend))
        return total / size if reduce == "mean" else total


def _take(column: Any, rows: list[int]) -> Any:
    if hasattr(column, "shape") and hasattr(column, "__getitem__"):
        return column[rows]  # a NumPy array: one fancy-indexing copy
    return [column[i] for i in rows]
