"""`Program`: a traced graph replayed on new numbers, one sample or a whole batch at a time.

A program reads its parameters' current ``.data`` on every call and, on a backward,
adds to their ``.grad`` exactly what eager ``backward()`` would, so any optimizer works
unchanged. It never makes a `Value`. Make one with `autograd.compile.trace.trace`.

    >>> from autograd import Value
    >>> from autograd.compile.trace import trace
    >>> w = Value(3.0)
    >>> program = trace(lambda x: w * x * x, 2.0)
    >>> program(1.5), program.backward(1.5), w.grad
    (6.75, 6.75, 2.25)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any

from autograd.compile.arguments import Spec, batch_size, build_arg, flatten_arg, freeze, spec_width
from autograd.compile.codegen import python_source
from autograd.compile.eager import call_eager
from autograd.compile.lower import Lowered, lower
from autograd.compile.symbolic import Templates
from autograd.compile.tape import Tape
from autograd.value import Value

# Compiling Python source costs about 20 µs and 3 KB per statement (measured with
# CPython 3.11): 50k statements take about a second and 200 MB, so bigger graphs run on
# the tape interpreter instead.
MAX_STATEMENTS = 50_000


if TYPE_CHECKING:  # tensor.py needs NumPy, which tracing and scalar replay do not
    from autograd.compile.tensor import TensorProgram

# What float arithmetic in generated code raises where an op's own function raises its
# own error (a domain error, a division by zero, an overflow) or handles it in a way
# symbols cannot follow (pow's slope beyond a float is inf, caught inside the op's rule).
# Only these: the call is then replayed on the tape, which runs the ops' own functions,
# so the result is the op's own error or the op's own answer. Any other exception from
# generated code (a NameError, a TypeError) is a compiler bug and propagates.
_FLOAT_ERRORS = (ArithmeticError, ValueError)


class TracerError(RuntimeError):
    """A program cannot stand in for its function (a frozen branch under strict=True, a
    failed `Program.check`)."""


class Program:
    """The compiled replay of one traced graph; see `autograd.compile.trace.trace`.

    Attributes: `params` (the parameter Values, in slot order), `mode` ("codegen" or
    "tape"), `num_nodes`, `static` (the static arguments it was traced with).
    """

    def __init__(self, fn: Callable[..., Any], tape: Tape, params: list[Value],
                 specs: list[Spec], static: dict[int, Any], single_output: bool,
                 compiler: str) -> None:
        self.fn = fn
        self.tape = tape
        self.params = params
        self.specs = specs  # one per argument; static arguments hold None and are skipped
        self.static = static
        self.single_output = single_output
        self._mode = compiler  # "auto" is decided on first use: counting costs a tape walk
        self.templates = Templates()
        self._compiled: dict[str, Callable[..., Any]] = {}
        self._sources: dict[str, str] = {}
        self._lowered: Lowered | None = None
        self._tensor: dict[tuple[str, str | None], TensorProgram] = {}

    @property
    def mode(self) -> str:
        """How one sample is replayed: "codegen" (generated Python) or "tape" (the
        interpreter, for graphs beyond `MAX_STATEMENTS`)."""
        if self._mode == "auto":
            self._mode = ("codegen" if self.tape.count_statements() <= MAX_STATEMENTS
                          else "tape")
        return self._mode

    @property
    def num_nodes(self) -> int:
        """How many nodes the traced graph has (leaves included)."""
        return len(self.tape)

    def __repr__(self) -> str:
        name = getattr(self.fn, "__name__", "function")
        return (f"<Program of {name}: {self.tape.n_inputs} inputs, {len(self.params)} "
                f"parameters, {self.num_nodes} nodes, {self.mode}>")

    # ---- inputs --------------------------------------------------------------------------
    def flatten(self, args: Sequence[Any]) -> list[float]:
        """The input numbers of one call, in slot order; checks shapes and static arguments."""
        if len(args) != len(self.specs):
            raise TypeError(f"program: traced with {len(self.specs)} argument(s), called with "
                            f"{len(args)}.")
        flat: list[float] = []
        for k, (arg, spec) in enumerate(zip(args, self.specs)):
            if k in self.static:
                self._check_static(k, arg)
                continue
            flatten_arg(arg, spec, flat, k)
        return flat

    def unflatten(self, flat: Sequence[float]) -> Any:
        """Per-argument structure for numbers in slot order (static arguments left out)."""
        position = [0]
        parts = [build_arg(spec, flat, position) for k, spec in enumerate(self.specs)
                 if k not in self.static]
        return parts[0] if len(parts) == 1 else tuple(parts)

    # ---- one sample ------------------------------------------------------------------------
    def function(self, kind: str) -> Callable[..., Any]:
        """The compiled function of one kind (see `autograd.compile.codegen.KINDS`), made once."""
        made = self._compiled.get(kind)
        if made is None:
            if self.mode == "codegen":
                generated = python_source(self.tape, self.templates, kind)
                self._sources[kind] = generated.source
                made = generated.compile()
            else:
                made = self._tape_function(kind)
            self._compiled[kind] = made
        return made

    def _tape_function(self, kind: str) -> Callable[..., Any]:
        tape = self.tape
        if kind == "forward":
            return lambda x, p, g: _one(tape.forward(x, p), len(tape.outputs))
        if kind == "backward":
            return lambda x, p, g: tape.backward(x, p, g)[:2]
        if kind == "backward_inputs":
            return lambda x, p, g: tape.backward(x, p, g, input_grads=True)

        def batch(rows: Sequence[Sequence[float]], p: list[float], g: list[Any],
                  seed: float) -> tuple[float, list[Any]]:
            total = 0.0
            for row in rows:
                out, g, _ = tape.backward(row, p, g, seed=seed)
                total += out
            return total, g

        return batch

    def listing(self, kind: str = "backward", scalar: bool = False) -> str:
        """The program as code: the lowered tensor program, or the per-node scalar one.

        By default one line per tensor operation (a layer's weighted sums are one ``@``,
        its activation one array op), each saying which scalar nodes it covers; kind is
        "forward" or "backward". ``scalar=True`` shows the straight-line program of one
        sample instead, one statement per node: the chain rule as code (`kind` is then
        one of `autograd.compile.codegen.KINDS`).

            >>> from autograd.compile.trace import trace
            >>> w = Value(2.0)
            >>> print(trace(lambda x: (w * x).tanh(), 1.0).listing(scalar=True))
            # chainrule program (backward): 1 inputs, 1 parameters, 4 nodes
            def program(X, P, G):
                v0, = P
                g0, = G
                v1, = X
                v2 = v0 * v1
                v3 = _m_tanh(v2)
                g3 = 1.0
                g2 = (1.0 - (v3 * v3)) * g3
                g0 += v1 * g2
                return v3, [g0]
        """
        if not scalar:
            if kind not in ("forward", "backward"):
                raise ValueError(f"program.listing: kind must be 'forward' or 'backward' for "
                                 f"the tensor program, got {kind!r}.")
            return self.tensor_program("numpy" if find_spec("numpy") else "torch").source(kind)
        if kind not in self._sources:
            self._sources[kind] = python_source(self.tape, self.templates, kind).source
        return self._sources[kind]

    def _param_data(self) -> list[float]:
        return [p.data for p in self.params]

    def __call__(self, *args: Any) -> Any:
        """The same as `forward`."""
        return self.forward(*args)

    def forward(self, *args: Any) -> Any:
        """The output for these inputs (a float, or a list for a list-valued function)."""
        x, p = self.flatten(args), self._param_data()
        try:
            return self.function("forward")(x, p, None)
        except _FLOAT_ERRORS:
            return _one(self.tape.forward(x, p), len(self.tape.outputs))  # see _FLOAT_ERRORS

    def backward(self, *args: Any) -> float:
        """Run forward and backward; add d(output)/d(param) to each param's ``.grad``.

        Returns the output. Like eager ``backward()``, gradients accumulate: call
        ``zero_grad`` (or your optimizer's) between steps.
        """
        self.need_scalar("backward")
        x, p = self.flatten(args), self._param_data()
        g = [param.grad for param in self.params]
        try:
            out, new = self.function("backward")(x, p, g)
        except _FLOAT_ERRORS:
            out, new, _ = self.tape.backward(x, p, g)
        self._store(new)
        return out

    def value_and_grad(self, *args: Any) -> tuple[float, Any]:
        """The output and its gradient with respect to the (non-static) inputs.

        Parameter gradients are accumulated into ``.grad`` as by `backward`. The input
        gradient has the inputs' shape: a float per number, a list per list, a tuple
        when there are several arguments.
        """
        self.need_scalar("value_and_grad")
        x, p = self.flatten(args), self._param_data()
        g = [param.grad for param in self.params]
        try:
            out, new, found = self.function("backward_inputs")(x, p, g)
        except _FLOAT_ERRORS:
            out, new, found = self.tape.backward(x, p, g, input_grads=True)
        self._store(new)
        return out, self.unflatten(found)

    def _store(self, grads: Sequence[Any]) -> None:
        for param, grad in zip(self.params, grads):
            param.grad = grad

    def need_scalar(self, what: str) -> None:
        if not self.single_output:
            raise ValueError(f"program.{what}: needs a function with one output; this one "
                             f"returns {len(self.tape.outputs)}.")

    # ---- a whole batch ---------------------------------------------------------------------
    def forward_batch(self, *batched: Sequence[Any], backend: str = "auto",
                      device: str | None = None) -> Any:
        """Outputs for a batch: each argument is a sequence with one entry per sample.

        Runs the lowered tensor program: on NumPy (``backend="numpy"``, the default when
        it is installed) the result is an array of shape (batch,) or (batch, outputs);
        ``backend="torch"`` (with ``device``) runs the same program on torch tensors and
        returns a tensor; ``"python"`` replays sample by sample and returns a list. A
        sample where eager execution would raise raises the same error.
        """
        backend, size = self.resolve_backend(backend), batch_size(batched)
        if backend == "python":
            return [self.forward(*sample) for sample in zip(*batched)]
        program = self.tensor_program(backend, device)
        matrix = self._matrix(batched, size)
        p = self._param_data()
        outs, arrays = program.forward(program.backend.array(matrix),
                                       program.backend.array(p))
        self.check_finite(program, matrix, p, arrays)
        if backend == "numpy":
            import numpy as np

            return outs[0] if self.single_output else np.stack(outs, axis=1)
        import torch

        return outs[0] if self.single_output else torch.stack(outs, dim=1)

    def backward_batch(self, *batched: Sequence[Any], reduce: str = "mean",
                       backend: str = "auto", device: str | None = None) -> float:
        """The mean (or sum) of the per-sample outputs, its gradient added to ``.grad``.

        The same as building ``cost = mean(fn(x_i, y_i))`` eagerly and calling
        ``cost.backward()``: parameter gradients accumulate the mean (or sum) over the
        batch. Each argument is a sequence with one entry per sample.

            >>> from autograd.compile.trace import trace
            >>> w = Value(1.0)
            >>> program = trace(lambda x, y: (w * x - y) ** 2, 0.0, 0.0)
            >>> program.backward_batch([1.0, 2.0], [0.0, 0.0], reduce="mean"), w.grad
            (2.5, 5.0)
        """
        if reduce not in ("mean", "sum"):
            raise ValueError(f"program.backward_batch: reduce must be 'mean' or 'sum', got "
                             f"{reduce!r}.")
        self.need_scalar("backward_batch")
        size = batch_size(batched)
        seed = 1.0 / size if reduce == "mean" else 1.0
        total = self.run_batch(batched, seed, self.resolve_backend(backend), device)
        return total / size if reduce == "mean" else total

    def run_batch(self, batched: Sequence[Sequence[Any]], seed: float, backend: str,
                  device: str | None = None) -> float:
        """Backward over a batch with each output's gradient seeded by `seed`; the sum."""
        p = self._param_data()
        g = [param.grad for param in self.params]
        if backend == "python":
            rows = [self.flatten(sample) for sample in zip(*batched)]
            try:
                total, new = self.function("batch_backward")(rows, p, g, seed)
            except _FLOAT_ERRORS:
                total, new = self._tape_function("batch_backward")(rows, p, g, seed)
            self._store(new)
            return float(total)
        matrix = self._matrix(batched, batch_size(batched))
        out, grads = self.run_arrays(matrix, p, seed, backend, device)
        self._store([grad + s for grad, s in zip(g, grads.tolist())])
        return float(out.sum())

    def run_arrays(self, matrix: Any, p: Any, seed: float, backend: str = "numpy",
                   device: str | None = None) -> tuple[Any, Any]:
        """Forward and backward on arrays: per-sample outputs and the flat parameter
        gradient (as NumPy arrays), leaving ``.grad`` alone. `matrix` holds one row per
        input slot and one column per sample; `p` the parameters' values in slot order.
        What training on arrays (`nn.compiled`) calls each step."""
        program = self.tensor_program(backend, device)
        b = program.backend
        out, grads, arrays = program.backward(b.array(matrix), b.array(p), seed)
        self.check_finite(program, matrix, p, arrays)
        return b.to_numpy(out), b.to_numpy(grads)

    def check_finite(self, program: TensorProgram, matrix: Any, p: Any,
                                 arrays: Sequence[Any]) -> None:
        """Arrays give inf or nan where a float op raises: replay the samples with a
        non-finite value anywhere through the tape, which runs the ops' own functions and
        raises their own error where eager execution would (and otherwise the batch
        result stands, inf and all, as eager would have it)."""
        import numpy as np

        bad = None
        for array in arrays:
            finite = np.isfinite(program.backend.to_numpy(array))
            if not finite.all():
                column = finite.all(axis=0)
                bad = ~column if bad is None else bad | ~column
        if bad is None:
            return
        columns = np.asarray(matrix)
        params = list(np.asarray(p, dtype=float).tolist())
        rows = np.flatnonzero(np.broadcast_to(bad, (columns.shape[1],)))
        for i in rows:
            self.tape.forward(columns[:, i].tolist(), params)

    def lowered(self) -> Lowered:
        """The graph grouped into tensor operations (`autograd.compile.lower`), made once."""
        if self._lowered is None:
            self._lowered = lower(self.tape)
        return self._lowered

    def tensor_program(self, backend: str = "numpy", device: str | None = None) -> \
            TensorProgram:
        """The lowered program as array code on `backend` ("numpy" or "torch", with
        `device`), made on first use."""
        key = (backend, device)
        made = self._tensor.get(key)
        if made is None:
            # Imported here: the array backends need NumPy, tracing and replay do not.
            from autograd.compile import backends
            from autograd.compile.tensor import TensorProgram

            made = self._tensor[key] = TensorProgram(self.lowered(), self.templates,
                                                     backends.resolve(backend, device))
        return made

    def to_torch(self, device: str = "cpu") -> Any:
        """A ``torch.nn.Module`` computing this program's outputs with torch's own autograd.

        Its one parameter is the flat vector of this program's parameters (copied now);
        call it on a (batch, inputs) tensor. Train it with `torch.optim` or wrap it in
        torch's data-parallel tools; `load_into_values()` writes the vector back into the
        Values. See `autograd.compile.torch_module`.
        """
        from autograd.compile.torch_module import TracedModule

        return TracedModule(self, device)

    def _matrix(self, batched: Sequence[Sequence[Any]], size: int) -> Any:
        import numpy as np

        if len(batched) != len(self.specs):
            raise TypeError(f"program: traced with {len(self.specs)} argument(s), got "
                            f"{len(batched)} batched argument(s).")
        columns = []
        for k, (column, spec) in enumerate(zip(batched, self.specs)):
            if k in self.static:
                for value in column:
                    self._check_static(k, value)
                continue
            width = spec_width(spec)
            array = np.asarray(column, dtype=float).reshape(size, -1)
            if array.shape[1] != width:
                raise ValueError(f"program: argument {k} has {array.shape[1]} numbers per "
                                 f"sample, but was traced with {width}.")
            columns.append(array)
        if not columns:
            return np.zeros((0, size))
        return np.ascontiguousarray(np.concatenate(columns, axis=1).T)

    def _check_static(self, k: int, value: Any) -> None:
        if freeze(value) != freeze(self.static[k]):
            raise ValueError(f"program: static argument {k} was {self.static[k]!r} when "
                             f"traced, got {value!r}; trace one program per value (a "
                             "function decorated with @trace does that for you).")

    def resolve_backend(self, backend: str) -> str:
        """ "auto" is "numpy" when NumPy is installed, else "python"."""
        if backend == "auto":
            return "numpy" if find_spec("numpy") is not None else "python"
        if backend not in ("numpy", "torch", "python"):
            raise ValueError(f"program: backend must be 'auto', 'numpy', 'torch' or 'python', "
                             f"got {backend!r}.")
        return backend

    # ---- checking ------------------------------------------------------------------------
    def check(self, *args: Any, rtol: float = 1e-9) -> None:
        """Raise `TracerError` unless the program matches eager execution on these inputs.

        Runs the original function on Values and compares the output and every
        parameter gradient; ``.grad`` is left as it was. Use it on a few samples whose
        branches differ from the traced one (another class, another sign).
        """
        saved = [p.grad for p in self.params]
        eager_out, eager_grads = call_eager(self, args)
        for p in self.params:
            p.grad = 0.0
        out = self.backward(*args) if self.single_output else self.forward(*args)
        grads = [p.grad for p in self.params]
        self._store(saved)
        pairs = [("output", eager_out, out)]
        pairs += [(f"gradient of parameter {k}", e, c)
                  for k, (e, c) in enumerate(zip(eager_grads, grads))]
        for what, expected, got in pairs:
            for e, c in zip(_as_list(expected), _as_list(got)):
                if abs(e - c) > rtol * max(1.0, abs(e)) and not (e != e and c != c):
                    raise TracerError(
                        f"program.check: the {what} is {c!r} compiled but {e!r} eager for "
                        f"inputs {args!r}; the function probably branches on data (.data, "
                        "float(), comparisons) that tracing froze. Make that argument static "
                        "(static_argnums) or write the branch with an op.")


def _as_list(x: Any) -> list[float]:
    return [float(v) for v in x] if isinstance(x, list | tuple) else [float(x)]


def _one(outs: list[Any], n: int) -> Any:
    return outs[0] if n == 1 else outs
