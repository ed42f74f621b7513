"""Replay a graph too big to compile over a whole mini-batch: the tape, node by node.

Compiling one statement per node costs time and memory in proportion, too much beyond
`autograd.compile.program.MAX_STATEMENTS` statements. Here each distinct op gets two small
functions instead, generated once with `autograd.compile.batched.NumpyDialect`: its forward, and
its local derivatives. The returned program walks the tape calling them on arrays with
one entry per sample, so it computes what `autograd.compile.batched.numpy_source` would (without
fusing weighted sums into matrix products) and has the same signature.

    >>> import numpy as np
    >>> from autograd import Value
    >>> from autograd.backward import topological_order
    >>> from autograd.compile.symbolic import Templates
    >>> from autograd.compile.tape import Tape
    >>> x, w = Value(2.0), Value(3.0)
    >>> order = topological_order((x * w).relu())
    >>> tape = Tape.from_order(order, inputs=[x], params=[w], outputs=[3])
    >>> program = tape_program(tape, Templates(), "backward")
    >>> params = np.array([3.0])
    >>> out, grads = program(np.array([[1.0, -1.0, 2.0]]), params, params, 1.0, 3)
    >>> out.tolist(), grads.tolist()
    ([3.0, 0.0, 6.0], [3.0])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd.compile.codegen import Generated, hoist, render
from autograd.compile.numpy_dialect import NumpyDialect, accumulate_param_grads, statements
from autograd.compile.symbolic import Expr, Templates
from autograd.compile.tape import INPUT, PARAM, Tape


# ---- two small compiled kernels per op ----------------------------------------------------
def _kernel(exprs: Sequence[Expr], arity: int, escapes: Sequence[Callable[..., float]],
            with_out: bool) -> Any:
    """One function computing every expression from the operands (and the output)."""
    dialect = NumpyDialect()
    names = [f"a{k}" for k in range(arity)] + (["out"] if with_out else [])
    n = len(names)
    shared, exprs = hoist(exprs, n)
    names += [f"s{j}" for j in range(len(shared))]
    body = [f"s{j} = {render(e, names, dialect)}" for j, e in enumerate(shared)]
    for k, (expr, escape) in enumerate(zip(exprs, escapes)):
        dialect.namespace[f"_escape{k}"] = escape
        body += statements(f"r{k}", expr, names, f"_escape{k}", dialect, n)
    results = ", ".join(f"r{k}" for k in range(len(exprs)))
    source = "\n".join([f"def program({', '.join(names[:n])}):", *["    " + s for s in body],
                        f"    return ({results},)"])
    return Generated(source, dialect.namespace).compile()


def tape_program(tape: Tape, templates: Templates, kind: str) -> Callable[..., Any]:
    """The batched program for a graph too big to compile: the tape, node by node."""
    kernels: dict[int, tuple[Any, Any]] = {}
    per_node: dict[int, tuple[Any, Any]] = {}
    ops: list[Any] = tape.ops  # an OP node always has its op
    for i in tape.op_nodes:
        t = templates.get(ops[i], len(tape.parents[i]))
        if id(t) not in kernels:
            rules = [t.local_grad_function(k) for k in range(len(t.local_grads))]
            kernels[id(t)] = (_kernel([t.forward], t.arity, [t.forward_function()], False),
                              _kernel(t.local_grads, t.arity, rules, True))
        per_node[i] = kernels[id(t)]
    needs = tape.needs_grad(input_grads=False)
    params = [i for i, k in enumerate(tape.kinds) if k == PARAM]

    constants = [np.float64(x) for x in tape.data]  # see NumpyDialect.operand_const

    def program(xt: Any, p: Sequence[float], pa: Any, seed: float, batch: int) -> Any:
        values: list[Any] = list(constants)
        for i, k in enumerate(tape.kinds):
            if k == INPUT:
                values[i] = xt[tape.slots[i]]
            elif k == PARAM:
                values[i] = p[tape.slots[i]]
        for i in tape.op_nodes:
            values[i] = per_node[i][0](*[values[q] for q in tape.parents[i]])[0]
        if kind == "forward":
            return [values[o] for o in tape.outputs]
        root = tape.outputs[0]
        grads: list[Any] = [None] * len(tape)
        if needs[root]:
            grads[root] = seed
        for i in reversed(tape.op_nodes):
            g = grads[i]
            if g is None or not needs[i]:
                continue
            local = per_node[i][1](*[values[q] for q in tape.parents[i]], values[i])
            for q, d in zip(tape.parents[i], local):
                if needs[q]:
                    grads[q] = d * g if grads[q] is None else grads[q] + d * g
        total = np.zeros(tape.n_params)
        found = [i for i in params if grads[i] is not None]
        accumulate_param_grads(total, [tape.slots[i] for i in found], [grads[i] for i in found],
                               batch)
        return values[root], total

    return program
