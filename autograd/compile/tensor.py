"""Write a lowered program (`autograd.compile.lower`) as code on whole arrays, and run it.

One statement per tensor operation: a dot group is ``W @ X``, a map group is its op's
own forward formula (read off `autograd.ops` by `autograd.compile.symbolic`) on arrays,
and the backward pass runs the groups in reverse with the op's own local-derivative
formulas: ``G @ X.T`` and ``W.T @ G`` for a dot, ``local * G`` scattered back into the
operands' rows for a map. There is no second table of derivatives.

The same code runs on NumPy arrays or on torch tensors (`autograd.compile.backends`):
only the names it calls differ.

    >>> from autograd import Value, lists
    >>> from autograd.backward import topological_order
    >>> from autograd.compile.lower import lower
    >>> from autograd.compile.symbolic import Templates
    >>> from autograd.compile.tape import Tape
    >>> from autograd.compile.backends import numpy_backend
    >>> w, x = [Value(1.0), Value(2.0)], [Value(0.0), Value(0.0)]
    >>> out = lists.sum([wi * xi for wi, xi in zip(w, x)]).tanh()
    >>> order = topological_order(out)
    >>> tape = Tape.from_order(order, inputs=x, params=w, outputs=[len(order) - 1])
    >>> program = TensorProgram(lower(tape), Templates(), numpy_backend())
    >>> print(program.source("forward"))
    # chainrule tensor program (forward): 2 inputs, 2 parameters, 6 nodes in 2 tensor ops
    def program(X, P, C):
        V0 = X
        V1 = P[:, None]
        V2 = C
        # dot: 1 weighted sums of 2 values (3 nodes)
        X3 = V0
        W3 = P[_W3]
        V3 = W3 @ X3
        # map tanh: 1 nodes
        V4 = _np_tanh(V3)
        return [V4[0]], (V3, V4)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from autograd.compile.codegen import Generated, hoist, render
from autograd.compile.lower import CONSTS, INPUTS, PARAMS, Group, Lowered, Operand
from autograd.compile.numpy_dialect import statements
from autograd.compile.symbolic import ESCAPE, Templates, has_escape, times


class TensorProgram:
    """A lowered graph as generated array code on one backend: `forward` and `backward`.

    Arrays have one row per scalar node and one column per sample. `forward(X, P)` takes
    the inputs as a (n_inputs, batch) array and the parameters as a flat vector, and
    returns each output's row and every group's values (for `nonfinite_samples`);
    `backward(X, P, seed)` also returns the flat gradient of the seeded sum of the first
    output over the batch.
    """

    def __init__(self, lowered: Lowered, templates: Templates, backend: Any) -> None:
        self.lowered = lowered
        self.templates = templates
        self.backend = backend
        self._generated: dict[str, Generated] = {}
        self._functions: dict[str, Callable[..., Any]] = {}
        tape = lowered.tape
        self.constants = backend.column([tape.data[i] for i in lowered.groups[CONSTS].rows])

    # ---- running ---------------------------------------------------------------------------
    def function(self, kind: str) -> Callable[..., Any]:
        """The compiled function of one kind ("forward" or "backward"), made once."""
        made = self._functions.get(kind)
        if made is None:
            made = self._functions[kind] = self._generate(kind).compile()
        return made

    def forward(self, X: Any, P: Any) -> tuple[list[Any], tuple[Any, ...]]:
        """Each output's values over the batch, and every computed group's array."""
        with self.backend.quiet():
            result: tuple[list[Any], tuple[Any, ...]] = self.function("forward")(
                X, P, self.constants)
            return result

    def backward(self, X: Any, P: Any, seed: float) -> tuple[Any, Any, tuple[Any, ...]]:
        """The first output over the batch, the flat parameter gradient, the group arrays."""
        with self.backend.quiet():
            result: tuple[Any, Any, tuple[Any, ...]] = self.function("backward")(
                X, P, self.constants, seed)
            return result

    def source(self, kind: str = "backward") -> str:
        """The generated source of one kind: the tensor program as code."""
        return self._generate(kind).source

    # ---- writing ---------------------------------------------------------------------------
    def _generate(self, kind: str) -> Generated:
        if kind not in ("forward", "backward"):
            raise ValueError(f"tensor program: kind must be 'forward' or 'backward', got "
                             f"{kind!r}.")
        made = self._generated.get(kind)
        if made is not None:
            return made
        writer = _Writer(self.lowered, self.templates, self.backend)
        lines = writer.forward()
        if kind == "forward":
            lines.append(f"    return [{writer.outputs()}], ({writer.computed()})")
            head = "def program(X, P, C):"
        else:
            lines += writer.backward()
            first = writer.output(*self.lowered.outputs[0])
            lines.append(f"    return {first}, GP, ({writer.computed()})")
            head = "def program(X, P, C, seed):"
        lowered = self.lowered
        n_ops = sum(g.kind in ("map", "dot") for g in lowered.groups)
        title = (f"# chainrule tensor program ({kind}): {lowered.tape.n_inputs} inputs, "
                 f"{lowered.tape.n_params} parameters, {len(lowered.tape)} nodes in {n_ops} "
                 "tensor ops")
        made = Generated("\n".join([title, head, *lines]), writer.namespace)
        self._generated[kind] = made
        return made


class _Writer:
    """Writes the statements of one tensor program; collects the names they use."""

    def __init__(self, lowered: Lowered, templates: Templates, backend: Any) -> None:
        self.lowered = lowered
        self.templates = templates
        self.backend = backend
        self.dialect = backend.dialect()
        self.namespace = self.dialect.namespace
        self.namespace.update(backend.helpers())
        self.operands: dict[tuple[int, int], str] = {}  # (group, position) -> local name

    def _weights(self, g: Group) -> str:
        """A dot group's weight matrix: a view of P, or a gather where slots are uneven."""
        return self._slots("P", g.weights) or f"P[{self._index(f'_W{g.id}', g.weights)}]"

    def _index(self, name: str, values: Sequence[int] | Sequence[Sequence[int]]) -> str:
        self.namespace[name] = self.backend.index(values)
        return name

    def _slots(self, vector: str, values: Any) -> str | None:
        """A view of `vector` at the slots `values` (a list, or a matrix as lists) when they
        are evenly spaced, as a layer's weights are (row i of neuron i's weights, then its
        bias): no copy forward, and a backward that adds in place. None otherwise."""
        rows = values if values and isinstance(values[0], list) else [values]
        if not rows or not rows[0]:
            return None
        base = rows[0][0]
        col = rows[0][1] - base if len(rows[0]) > 1 else 1
        row = rows[1][0] - base if len(rows) > 1 else len(rows[0]) * col
        if col <= 0 or row <= 0 or any(
                v != base + i * row + j * col for i, r in enumerate(rows) for j, v in
                enumerate(r)) or any(len(r) != len(rows[0]) for r in rows):
            return None
        if rows is values:  # a matrix
            return f"_strided({vector}, {base}, ({len(rows)}, {len(rows[0])}), ({row}, {col}))"
        return f"_strided({vector}, {base}, ({len(rows[0])},), ({col},))"

    def _add_into(self, target: str, name: str, values: Any, value: str) -> str:
        """``target[index] += value``, or a scatter-add where the index repeats; through a
        strided view (`_slots`) where the slots are evenly spaced."""
        if target == "GP":  # the flat parameter vector: evenly spaced slots are a view
            view = self._slots(target, values)
            if view is not None:
                return f"    _view = {view}\n    _view += {value}"
        elif values and not isinstance(values[0], list):  # rows of a group's array
            first = values[0]
            if list(values) == list(range(first, first + len(values))):
                return f"    {target}[{first}:{first + len(values)}] += {value}"
        flat = [v for row in values for v in row] if values and isinstance(values[0], list) \
            else list(values)
        index = self._index(name, values)
        if len(set(flat)) == len(flat):
            return f"    {target}[{index}] += {value}"
        return f"    _scatter({target}, {index}, {value})"

    def _rows(self, group: int, rows: list[int], name: str) -> str:
        """The expression for rows `rows` of group `group`'s array."""
        full = len(self.lowered.groups[group].rows)
        if rows == list(range(full)):
            return f"V{group}"
        first = rows[0]
        if rows == list(range(first, first + len(rows))):
            return f"V{group}[{first}:{first + len(rows)}]"
        return f"V{group}[{self._index(name, rows)}]"

    def _operand(self, operand: Operand, name: str) -> str:
        parts = [self._rows(g, rows, f"{name}_{k}") for k, (g, rows) in
                 enumerate(operand.segments)]
        return parts[0] if len(parts) == 1 else f"_cat(({', '.join(parts)},))"

    def computed(self) -> str:
        names = [f"V{g.id}" for g in self.lowered.groups if g.kind in ("map", "dot")]
        return ", ".join(names) + ("," if len(names) == 1 else "")

    def outputs(self) -> str:
        return ", ".join(self.output(g, r) for g, r in self.lowered.outputs)

    def output(self, g: int, r: int) -> str:
        """Row r of group g, one entry per sample even where g does not depend on them."""
        if self.lowered.groups[g].batched:
            return f"V{g}[{r}]"
        return f"_full(V{g}, {len(self.lowered.groups[g].rows)}, X.shape[1])[{r}]"

    # ---- forward ----------------------------------------------------------------------------
    def forward(self) -> list[str]:
        lines = [f"    V{INPUTS} = X", f"    V{PARAMS} = P[:, None]", f"    V{CONSTS} = C"]
        for g in self.lowered.groups:
            if g.kind == "dot":
                lines += self._dot_forward(g)
            elif g.kind == "map":
                lines += self._map_forward(g)
        return lines

    def _dot_forward(self, g: Group) -> list[str]:
        n = len(g.operands[0])
        lines = [f"    # dot: {len(g.rows)} weighted sums of {n} values ({g.covers} nodes)",
                 f"    X{g.id} = {self._operand(g.operands[0], f'_R{g.id}')}",
                 f"    W{g.id} = {self._weights(g)}"]
        product = f"W{g.id} @ X{g.id}"
        if g.biases is not None:
            bias = self._slots("P", g.biases) or f"P[{self._index(f'_B{g.id}', g.biases)}]"
            product += f" + {bias}[:, None]"
        lines.append(f"    V{g.id} = {product}")
        return lines

    def _map_forward(self, g: Group) -> list[str]:
        assert g.op is not None  # a map group always has its op
        template = self.templates.get(g.op, len(g.operands))
        lines = [f"    # map {g.op.display()}: {len(g.rows)} nodes"]
        args = []
        for k, operand in enumerate(g.operands):
            text = self._operand(operand, f"_R{g.id}_{k}")
            if text.startswith("V") and "[" not in text:
                args.append(text)
            else:
                lines.append(f"    A{g.id}_{k} = {text}")
                args.append(f"A{g.id}_{k}")
        self.operands.update({(g.id, k): a for k, a in enumerate(args)})
        escape = f"_f{g.id}"
        self.namespace[escape] = template.forward_function()
        body = statements(f"V{g.id}", template.forward, args, escape, self.dialect)
        lines += ["    " + s for s in body]
        if not g.batched:
            lines.append(f"    V{g.id} = _column(V{g.id}, {len(g.rows)})")
        elif not any(self.lowered.groups[o.segments[0][0]].batched for o in g.operands):
            lines.append(f"    V{g.id} = _full(V{g.id}, {len(g.rows)}, X.shape[1])")
        # (otherwise a batched operand of len(rows) rows gives the result its full shape)
        return lines

    # ---- backward ---------------------------------------------------------------------------
    def backward(self) -> list[str]:
        lowered = self.lowered
        needs = lowered.needs_grad()
        root_group, root_row = lowered.outputs[0]
        lines = ["    GP = _zeros_like(P)"]
        for g in lowered.groups:
            if g.kind in ("map", "dot") and needs[g.id]:
                lines.append(f"    G{g.id} = _zeros_like(V{g.id})")
        if lowered.groups[root_group].kind in ("map", "dot") and needs[root_group]:
            batched = lowered.groups[root_group].batched
            lines.append(f"    G{root_group}[{root_row}] = seed"
                         + ("" if batched else " * X.shape[1]"))
        elif root_group == PARAMS:
            lines.append(f"    GP[{root_row}] += seed * X.shape[1]")
        for g in reversed(lowered.groups):
            if not needs[g.id]:
                continue
            if g.kind == "dot":
                lines += self._dot_backward(g, needs)
            elif g.kind == "map":
                lines += self._map_backward(g, needs)
        return lines

    def _dot_backward(self, g: Group, needs: list[bool]) -> list[str]:
        lines = [f"    # dot {g.id} backward: G @ X.T into the weights, W.T @ G into the values",
                 self._add_into("GP", f"_W{g.id}", g.weights, f"G{g.id} @ X{g.id}.T")]
        if g.biases is not None:
            lines.append(self._add_into("GP", f"_B{g.id}", g.biases, f"_sum_samples(G{g.id})"))
        if any(needs[s] and s not in (INPUTS, CONSTS) for s, _ in g.operands[0].segments):
            lines.append(f"    D{g.id} = W{g.id}.T @ G{g.id}")
            start = 0
            for k, (s, rows) in enumerate(g.operands[0].segments):
                part = f"D{g.id}[{start}:{start + len(rows)}]"
                start += len(rows)
                if needs[s]:
                    lines += self._accumulate(s, rows, part, True, f"_S{g.id}_{k}")
        return lines

    def _map_backward(self, g: Group, needs: list[bool]) -> list[str]:
        assert g.op is not None
        arity = len(g.operands)
        template = self.templates.get(g.op, arity)
        args = [self.operands[(g.id, k)] for k in range(arity)] + [f"V{g.id}", f"G{g.id}"]
        lines = [f"    # map {g.op.display()} {g.id} backward"]
        wanted = [k for k, operand in enumerate(g.operands)
                  if needs[operand.segments[0][0]] and operand.segments[0][0] not in
                  (CONSTS, INPUTS)]
        # Parts several local derivatives share (max's tie count) are computed once.
        shared, locals_ = hoist([template.local_grads[k] for k in wanted], len(args))
        for j, common in enumerate(shared):
            lines.append(f"    H{g.id}_{j} = {render(common, args, self.dialect)}")
            args.append(f"H{g.id}_{j}")
        for k, local in zip(wanted, locals_):
            (s, rows), = g.operands[k].segments
            contribution = times(local, ("arg", arity + 1))
            escape = f"_d{g.id}_{k}"
            self.namespace[escape] = template.local_grad_function(k)
            if local == ESCAPE or has_escape(local):  # the op's own rule on some entries
                body = statements(f"T{g.id}_{k}", local, args, escape, self.dialect, arity + 1)
                lines += ["    " + b for b in body]
                text = f"T{g.id}_{k} * G{g.id}"
            else:
                text = render(contribution, args, self.dialect)
            lines += self._accumulate(s, rows, text, g.batched, f"_S{g.id}_{k}")
        return lines

    def _accumulate(self, s: int, rows: list[int], part: str, batched: bool,
                    name: str) -> list[str]:
        """``G_s[rows] += part`` for every row, summing over samples where s has none."""
        target = "GP" if s == PARAMS else f"G{s}"
        source = self.lowered.groups[s]
        m = len(rows)
        if source.batched:
            value = f"_full({part}, {m}, X.shape[1])"
        else:
            value = f"_sum_samples(_full({part}, {m}, X.shape[1]))" if batched else \
                f"_full({part}, {m}, 1)[:, 0]"
            if s != PARAMS:
                value = f"{value}[:, None]"
        full = len(source.rows)
        if rows == list(range(full)):
            return [f"    {target} += {value}"]
        return [self._add_into(target, name, rows, value)]
