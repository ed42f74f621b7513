"""Replay a program traced on one sample over a whole mini-batch at once, with NumPy.

The generated code is the scalar program's, with every node holding an array of one
entry per sample: ``v5 = v3 * v4`` multiplies two arrays, a branch ``a if c else b``
becomes ``np.where(c, a, b)``, ``max`` picks its largest input per sample, and each
parameter's gradient is summed over the batch.
Weighted sums that read the same inputs with different parameters (the neurons of a
layer: ``sum(w_ij * x_j)`` for each i) are fused into one matrix product, so a layer's
forward is ``W @ X`` and its backward ``G @ X.T`` and ``W.T @ G``.

What differs from the scalar path, by design:

- ``np.where`` evaluates both branches, so floating-point warnings are silenced inside;
  overflow gives inf where a float op would raise. When the loss or a summed gradient
  is not finite, `Program.backward_batch` replays the batch sample by sample through the
  exact scalar tape, which raises the op's own error where eager execution would (and
  otherwise keeps the batched result, inf and all, as eager would have it).
- sums may be added in another order (matrix products), so results agree with eager to
  rounding (1e-12 relative), not bit for bit.

Graphs too big to compile run on the tape instead (`autograd.batched_tape`). NumPy is
imported by these two modules only; `autograd.program` imports them on first batched use.

    >>> from autograd import Value
    >>> from autograd.backward import topological_order
    >>> from autograd.tape import Tape
    >>> x, w = Value(2.0), Value(3.0)
    >>> order = topological_order((x * w).relu())
    >>> tape = Tape.from_order(order, inputs=[x], params=[w], outputs=[3])
    >>> run = Batched(tape, Templates(), "codegen")
    >>> out, grads = run.backward(np.array([[1.0, -1.0, 2.0]]), [3.0], seed=1.0)
    >>> out.tolist(), grads.tolist()
    ([3.0, 0.0, 6.0], [3.0])
"""

from __future__ import annotations

import builtins
import functools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd import ops
from autograd.codegen import Emitter, Generated, PythonDialect, render
from autograd.symbolic import ESCAPE, Expr, Template, Templates, escape_paths, has_escape
from autograd.tape import INPUT, PARAM, Tape


class NumpyDialect(PythonDialect):
    """Expressions on arrays: `np.where` for branches, ufuncs for `math` functions."""

    def __init__(self) -> None:
        super().__init__()
        self.namespace.update(
            _where=np.where, _and=np.logical_and, _or=np.logical_or, _not=np.logical_not,
            _patch=_patch, _vectorized=_vectorized, _stack=_stack,
            _zeros=np.zeros, _add_at=np.add.at, _method=_method, _sum=builtins.sum,
            _reduce=accumulate_param_grads, _max=_first_max,
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


def _stack(rows: Sequence[Any], batch: int) -> Any:
    """Rows of a matrix, each an array over the batch (a scalar row is repeated)."""
    try:
        matrix = np.stack(rows)
        if matrix.shape == (len(rows), batch):
            return matrix
    except ValueError:  # rows of different shapes
        pass
    return np.stack([np.broadcast_to(r, (batch,)) for r in rows])


def accumulate_param_grads(total: Any, slots: list[int], grads: list[Any], batch: int) -> Any:
    """Add each parameter's gradient, summed over the batch, to `total`."""
    rows, row_slots = [], []
    for slot, g in zip(slots, grads):
        if np.ndim(g):
            rows.append(g)
            row_slots.append(slot)
        else:  # the same for every sample
            total[slot] += g * batch
    if rows:
        total[row_slots] += np.stack(rows).sum(axis=1)
    return total


# ---- fusing weighted sums ------------------------------------------------------------------
class DotGroup:
    """Weighted sums ``s_i = Σ_j w_ij x_j`` over the same inputs: one matrix product."""

    def __init__(self, inputs: tuple[int, ...]) -> None:
        self.inputs = inputs  # the x_j nodes
        self.sums: list[int] = []  # the s_i nodes
        self.weights: list[list[int]] = []  # parameter slots w_ij


def dot_groups(tape: Tape) -> tuple[dict[int, DotGroup], set[int]]:
    """Fusable sums by node, and the products they absorb (never computed on their own).

    A SUM node fuses when every parent is a product of a parameter and a value that
    depends on the inputs, used by nothing else; sums over the same values form a group.
    """
    uses = [0] * len(tape)
    for i in tape.op_nodes:
        for p in tape.parents[i]:
            uses[p] += 1
    for o in tape.outputs:
        uses[o] += 1
    batched = [k == INPUT for k in tape.kinds]
    for i in tape.op_nodes:
        batched[i] = any(batched[p] for p in tape.parents[i])
    groups: dict[tuple[int, ...], DotGroup] = {}
    by_node: dict[int, DotGroup] = {}
    absorbed: set[int] = set()
    for s in tape.op_nodes:
        if tape.ops[s] is not ops.SUM:
            continue
        xs, ws = [], []
        for m in tape.parents[s]:
            if tape.ops[m] is not ops.MUL or uses[m] != 1:
                break
            a, b = tape.parents[m]
            if tape.kinds[a] == PARAM and tape.kinds[b] != PARAM and batched[b]:
                ws.append(tape.slots[a])
                xs.append(b)
            elif tape.kinds[b] == PARAM and tape.kinds[a] != PARAM and batched[a]:
                ws.append(tape.slots[b])
                xs.append(a)
            else:
                break
        else:
            group = groups.setdefault(tuple(xs), DotGroup(tuple(xs)))
            group.sums.append(s)
            group.weights.append(ws)
            by_node[s] = group
            absorbed.update(tape.parents[s])
    return by_node, absorbed


# ---- generating the program ----------------------------------------------------------------
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


def numpy_source(tape: Tape, templates: Templates, kind: str, fuse: bool = True) -> Generated:
    """``program(XT, P, PA, seed, B)`` on a batch: XT holds one row per input slot.

    ``forward`` returns the outputs; ``backward`` returns ``(output, gradient sums)``.
    """
    if kind not in ("forward", "backward"):
        raise ValueError(f"batched: kind must be 'forward' or 'backward', got {kind!r}.")
    emitter = Emitter(tape, templates, NumpyDialect())
    ns = emitter.dialect.namespace
    by_node, absorbed = dot_groups(tape) if fuse else ({}, set())
    ids = {id(g): n for n, g in enumerate(dict.fromkeys(by_node.values()))}
    lines = [f"# chainrule batched program ({kind}): {tape.n_inputs} inputs, "
             f"{tape.n_params} parameters, {len(tape)} nodes",
             "def program(XT, P, PA, seed, B):"]
    for kind_, source in ((PARAM, "P"), (INPUT, "XT")):
        names = ["_"] * (tape.n_params if kind_ == PARAM else tape.n_inputs)
        for i, k in enumerate(tape.kinds):
            if k == kind_:
                names[tape.slots[i]] = f"v{i}"
        if any(n != "_" for n in names):
            lines.append(f"    {', '.join(names)}, = {source}")
    done: set[int] = set()
    for i in tape.op_nodes:
        if i in absorbed or i in done:
            continue
        group = by_node.get(i)
        if group is not None:
            g = ids[id(group)]
            ns[f"_I{g}"] = np.array(group.weights, dtype=np.intp)
            lines.append(f"    _X{g} = {_matrix(tape, group.inputs)}")
            lines.append(f"    _W{g} = PA[_I{g}]")
            lines.append(f"    {', '.join(f'v{s}' for s in group.sums)}, = _W{g} @ _X{g}")
            done.update(group.sums)
            continue
        expr, args, _ = emitter.forward_expr(i)
        escape = emitter.escape_name(emitter.template(i), -1)
        lines += ["    " + s for s in statements(f"v{i}", expr, args, escape, emitter.dialect)]
    outputs = [emitter.operand(i) for i in tape.outputs]
    if kind == "forward":
        lines.append(f"    return [{', '.join(outputs)}]")
        return Generated("\n".join(lines), ns)
    lines.append(f"    _PG = _zeros({tape.n_params})")
    lines += ["    " + s for s in _backward(tape, emitter, by_node, absorbed, ids)]
    lines.append(f"    return {outputs[0]}, _PG")
    return Generated("\n".join(lines), ns)


def _matrix(tape: Tape, nodes: tuple[int, ...]) -> str:
    slots = [tape.slots[i] if tape.kinds[i] == INPUT else -1 for i in nodes]
    first = slots[0]
    if first >= 0 and slots == list(range(first, first + len(slots))):
        return f"XT[{first}:{first + len(slots)}]"  # consecutive inputs: a view, no copy
    return f"_stack(({', '.join(f'v{i}' for i in nodes)},), B)"


def _backward(tape: Tape, emitter: Emitter, by_node: dict[int, DotGroup], absorbed: set[int],
              ids: dict[int, int]) -> list[str]:
    needs = tape.needs_grad(input_grads=False)
    root = tape.outputs[0]
    lines: list[str] = []
    grads: set[int] = set()

    def add(p: int, text: str) -> None:
        # Never `+=`: a gradient may be another node's array, and NumPy would change it
        # in place.
        lines.append(f"g{p} = g{p} + {text}" if p in grads else f"g{p} = {text}")
        grads.add(p)

    if not needs[root]:
        return lines
    add(root, "seed")
    for i in reversed(tape.op_nodes):
        if i in absorbed:
            continue
        group = by_node.get(i)
        if group is not None:
            if i != group.sums[0]:
                continue  # a group runs once, when its first sum is reached
            g = ids[id(group)]
            rows = ", ".join(f"g{s}" if s in grads else "0.0" for s in group.sums)
            lines.append(f"_GZ{g} = _stack(({rows},), B)")
            flat = [w for ws in group.weights for w in ws]
            if len(set(flat)) == len(flat):
                lines.append(f"_PG[_I{g}] += _GZ{g} @ _X{g}.T")
            else:  # a parameter used twice in one product: add both contributions
                lines.append(f"_add_at(_PG, _I{g}, _GZ{g} @ _X{g}.T)")
            xs = [x for x in group.inputs if needs[x]]
            if xs:
                lines.append(f"_GX{g} = _W{g}.T @ _GZ{g}")
                for j, x in enumerate(group.inputs):
                    if needs[x]:
                        add(x, f"_GX{g}[{j}]")
            continue
        if not needs[i] or i not in grads:
            continue
        template: Template = emitter.template(i)
        args = emitter.backward_args(i, f"g{i}")
        n = len(args) - 1  # the operands and the output, which an escape is called on
        shared, locals_ = emitter.local_grads(
            i, [k for k, p in enumerate(tape.parents[i]) if needs[p]], args)
        lines += shared
        for k, p in enumerate(tape.parents[i]):
            if not needs[p]:
                continue
            local = locals_[k]
            if has_escape(local):
                escape = emitter.escape_name(template, k)
                lines += statements("_t", local, args, escape, emitter.dialect, n)
                add(p, f"_t * g{i}")
            else:
                expr, _ = emitter.contribution(i, k, args, local)
                add(p, render(expr, args, emitter.dialect))
    params = [i for i, k in enumerate(tape.kinds) if k == PARAM and i in grads]
    if params:
        slots = ", ".join(str(tape.slots[i]) for i in params)
        lines.append(f"_reduce(_PG, [{slots}], [{', '.join(f'g{i}' for i in params)}], B)")
    return lines


class Batched:
    """A tape's batched program: generated NumPy code (mode "codegen"), or per-op kernels
    run on the tape (mode "tape", `autograd.batched_tape`)."""

    def __init__(self, tape: Tape, templates: Templates, mode: str) -> None:
        self.tape = tape
        self.templates = templates
        self.mode = mode
        self._programs: dict[str, Callable[..., Any]] = {}
        self.sources: dict[str, str] = {}

    def _program(self, kind: str) -> Callable[..., Any]:
        program = self._programs.get(kind)
        if program is None:
            if self.mode == "codegen":
                generated = numpy_source(self.tape, self.templates, kind)
                self.sources[kind] = generated.source
                program = generated.compile()
            else:
                # Imported here: batched_tape builds its kernels with this module's dialect.
                from autograd.batched_tape import tape_program

                program = tape_program(self.tape, self.templates, kind)
            self._programs[kind] = program
        return program

    def forward(self, xt: Any, params: Sequence[float]) -> list[Any]:
        """Each output as an array over the batch (`xt` has one row per input slot)."""
        batch = xt.shape[1]
        with np.errstate(all="ignore"):
            array = np.asarray(params, dtype=float)  # NumPy scalars: see operand_const
            outs = self._program("forward")(xt, array, array, 1.0, batch)
        return [np.broadcast_to(np.asarray(o, dtype=float), (batch,)) for o in outs]

    def backward(self, xt: Any, params: Sequence[float], seed: float) -> tuple[Any, Any]:
        """Per-sample outputs, and each parameter's gradient summed over the batch."""
        batch = xt.shape[1]
        with np.errstate(all="ignore"):
            array = np.asarray(params, dtype=float)
            out, grads = self._program("backward")(xt, array, array, np.float64(seed), batch)
        return np.broadcast_to(np.asarray(out, dtype=float), (batch,)), grads
