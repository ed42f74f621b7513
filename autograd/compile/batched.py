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

Graphs too big to compile run on the tape instead (`autograd.compile.batched_tape`). NumPy is
imported by these two modules only; `autograd.compile.program` imports them on first batched use.

    >>> from autograd import Value
    >>> from autograd.backward import topological_order
    >>> from autograd.compile.tape import Tape
    >>> x, w = Value(2.0), Value(3.0)
    >>> order = topological_order((x * w).relu())
    >>> tape = Tape.from_order(order, inputs=[x], params=[w], outputs=[3])
    >>> run = Batched(tape, Templates(), "codegen")
    >>> out, grads = run.backward(np.array([[1.0, -1.0, 2.0]]), [3.0], seed=1.0)
    >>> out.tolist(), grads.tolist()
    ([3.0, 0.0, 6.0], [3.0])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd import ops
from autograd.compile.batched_tape import tape_program
from autograd.compile.codegen import Emitter, Generated, render
from autograd.compile.numpy_dialect import NumpyDialect, statements
from autograd.compile.symbolic import Template, Templates, has_escape
from autograd.compile.tape import INPUT, PARAM, Tape


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
    run on the tape (mode "tape", `autograd.compile.batched_tape`)."""

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
