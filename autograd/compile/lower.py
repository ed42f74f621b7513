"""Lower a traced tape to tensor operations: the scalar nodes grouped into whole arrays.

A tape has one entry per scalar node; a network of 100k parameters has hundreds of
thousands. Lowering groups them, before any code is written, into a handful of tensor
operations per layer, so the program grows with the number of layers, not of scalars:

- **dot**: weighted sums ``s_i = Σ_j w_ij x_j (+ b_i)`` whose products are used by
  nothing else, written with `autograd.lists.sum` or as a chain of ``+`` (micrograd's
  way), over the same values ``x_j`` (the neurons of a layer), become one matrix
  product ``W @ X`` (backward ``G @ X.T`` and ``W.T @ G``);
- **map**: one op applied to many nodes whose operands come from the same groups (a
  bias add, an activation, a loss's terms) becomes one array op, with the op's own
  forward and rule from `autograd.ops` evaluated on arrays (`autograd.compile.tensor`);
- the leaves are three groups: the inputs (one row per input slot), the parameters
  and the constants.

Every array has one row per scalar node of its group and one column per sample (one
column for a group that does not depend on the inputs). A group only reads groups made
before it, so running them in order is running the graph in topological order.

    >>> from autograd import Value, lists
    >>> from autograd.backward import topological_order
    >>> from autograd.compile.tape import Tape
    >>> w = [[Value(1.0), Value(2.0)], [Value(3.0), Value(4.0)]]
    >>> x = [Value(0.5), Value(-1.0)]
    >>> outs = [lists.sum([wi * xi for wi, xi in zip(row, x)]).relu() for row in w]
    >>> root = lists.sum(outs)
    >>> order = topological_order(root)
    >>> tape = Tape.from_order(order, inputs=x, params=[p for r in w for p in r],
    ...                        outputs=[order.index(root)])
    >>> [(g.kind, len(g.rows)) for g in lower(tape).groups]
    [('input', 2), ('param', 4), ('const', 0), ('dot', 2), ('map', 2), ('map', 1)]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from autograd import ops
from autograd.compile.tape import CONST, INPUT, OP, PARAM, Tape
from autograd.primitive import Op

INPUTS, PARAMS, CONSTS = 0, 1, 2  # the leaf groups' ids


@dataclass
class Operand:
    """Rows gathered from earlier groups: segments of (group id, row numbers), in order."""

    segments: list[tuple[int, list[int]]]

    def __len__(self) -> int:
        return sum(len(rows) for _, rows in self.segments)


@dataclass
class Group:
    """One tensor operation: the scalar nodes `rows` (tape indices), computed at once.

    kind "input", "param", "const": leaves. "map": `op` applied row by row to
    `operands` (one `Operand` per argument of the op). "dot": ``weights @ operands[0]``
    plus the parameters `biases` (one per row) when given; `weights` holds a
    parameter slot per entry; `covers` counts the scalar nodes absorbed into it.
    """

    id: int
    kind: str
    rows: list[int] = field(default_factory=list)
    batched: bool = False
    op: Op | None = None
    operands: list[Operand] = field(default_factory=list)
    weights: list[list[int]] = field(default_factory=list)
    biases: list[int] | None = None
    covers: int = 0


@dataclass
class Lowered:
    """The groups of a tape in the order they run, and where every node lives."""

    tape: Tape
    groups: list[Group]
    where: dict[int, tuple[int, int]]  # tape index -> (group id, row)
    outputs: list[tuple[int, int]]

    def needs_grad(self, input_grads: bool = False) -> list[bool]:
        """Which groups lie on a path from a parameter (or an input) to the outputs."""
        needs = [g.kind == "param" or (input_grads and g.kind == "input") for g in self.groups]
        for g in self.groups:
            if g.kind == "dot":
                needs[g.id] = True  # its weights are parameters
            elif g.kind == "map":
                needs[g.id] = any(needs[s] for o in g.operands for s, _ in o.segments)
        return needs


def _linear_form(tape: Tape, i: int, uses: list[int], batched: list[bool]) -> \
        tuple[list[int], list[int], list[int], int] | None:
    """Node i as ``Σ w_j x_j + Σ b``: (weight slots, x nodes, bias slots, nodes covered).

    Follows sums and ``+`` through nodes used only here; None unless every term is a
    product of a parameter and a batched value, or a lone parameter (a bias).
    """
    weights: list[int] = []
    xs: list[int] = []
    biases: list[int] = []
    covered = 0
    stack = [i]
    terms: list[int] = []
    while stack:
        node = stack.pop()
        op = tape.ops[node]
        if tape.kinds[node] == OP and op in (ops.SUM, ops.ADD) and (node == i or uses[node] == 1):
            covered += 1
            stack.extend(reversed(tape.parents[node]))
        else:
            terms.append(node)
    for t in terms:
        if tape.kinds[t] == PARAM:
            biases.append(tape.slots[t])
            continue
        if tape.kinds[t] != OP or tape.ops[t] is not ops.MUL or uses[t] != 1:
            return None
        a, b = tape.parents[t]
        if tape.kinds[a] == PARAM and tape.kinds[b] != PARAM and batched[b]:
            weights.append(tape.slots[a])
            xs.append(b)
        elif tape.kinds[b] == PARAM and tape.kinds[a] != PARAM and batched[a]:
            weights.append(tape.slots[b])
            xs.append(a)
        else:
            return None
        covered += 1
    if not weights or len(biases) > 1:
        return None
    return weights, xs, biases, covered


def _op_key(op: Op) -> tuple[Any, ...]:
    return (op.name, op.forward, op.rule, op.attr)


def lower(tape: Tape) -> Lowered:
    """Group the tape's nodes into tensor operations (see the module docstring)."""
    n = len(tape)
    uses = [0] * n
    for i in tape.op_nodes:
        for p in tape.parents[i]:
            uses[p] += 1
    for o in tape.outputs:
        uses[o] += 2  # an output is always materialised
    batched = [k == INPUT for k in tape.kinds]
    for i in tape.op_nodes:
        batched[i] = any(batched[p] for p in tape.parents[i])

    groups = [Group(INPUTS, "input", batched=True), Group(PARAMS, "param"),
              Group(CONSTS, "const")]
    where: dict[int, tuple[int, int]] = {}
    for i, kind in enumerate(tape.kinds):
        if kind == INPUT:
            where[i] = (INPUTS, tape.slots[i])
        elif kind == PARAM:
            where[i] = (PARAMS, tape.slots[i])
        elif kind == CONST:
            where[i] = (CONSTS, len(groups[CONSTS].rows))
            groups[CONSTS].rows.append(i)
    groups[INPUTS].rows = [-1] * tape.n_inputs
    groups[PARAMS].rows = [-1] * tape.n_params
    for i, kind in enumerate(tape.kinds):
        if kind == INPUT:
            groups[INPUTS].rows[tape.slots[i]] = i
        elif kind == PARAM:
            groups[PARAMS].rows[tape.slots[i]] = i

    # Pass 1: which sums are dots, and the nodes they absorb (never computed alone).
    forms: dict[int, tuple[list[int], list[int], list[int], int]] = {}
    absorbed: set[int] = set()
    for i in reversed(tape.op_nodes):  # outermost sums first: they absorb the inner ones
        if i in absorbed or tape.ops[i] not in (ops.SUM, ops.ADD) or not batched[i]:
            continue
        form = _linear_form(tape, i, uses, batched)
        if form is None:
            continue
        forms[i] = form
        absorbed.update(_absorbed(tape, i, uses))

    by_key: dict[tuple[Any, ...], Group] = {}
    for i in tape.op_nodes:
        if i in absorbed:
            continue
        form = forms.get(i)
        if form is not None:
            weights, xs, biases, covered = form
            x_refs = tuple(where[x] for x in xs)
            key: tuple[Any, ...] = ("dot", x_refs, bool(biases))
            group = by_key.get(key)
            if group is None:
                group = by_key[key] = Group(len(groups), "dot", batched=True,
                                            operands=[_operand(x_refs)],
                                            biases=[] if biases else None)
                groups.append(group)
            group.weights.append(weights)
            if group.biases is not None:
                group.biases.append(biases[0])
            group.covers += covered
        else:
            refs = [where[p] for p in tape.parents[i]]
            key = ("map", _op_key(tape.ops[i]), tuple(g for g, _ in refs))  # type: ignore[arg-type]
            group = by_key.get(key)
            if group is None:
                group = by_key[key] = Group(
                    len(groups), "map", batched=batched[i], op=tape.ops[i],
                    operands=[Operand([(g, [])]) for g, _ in refs])
                groups.append(group)
            for operand, (_, row) in zip(group.operands, refs):
                operand.segments[0][1].append(row)
            group.covers += 1
        where[i] = (group.id, len(group.rows))
        group.rows.append(i)
    return Lowered(tape, groups, where, [where[o] for o in tape.outputs])


def _absorbed(tape: Tape, i: int, uses: list[int]) -> list[int]:
    """The inner sums and the products that the dot at node i computes as a whole."""
    inner = []
    stack = list(tape.parents[i])
    while stack:
        node = stack.pop()
        if tape.kinds[node] != OP:
            continue
        if tape.ops[node] in (ops.SUM, ops.ADD) and uses[node] == 1:
            inner.append(node)
            stack.extend(tape.parents[node])
        elif tape.ops[node] is ops.MUL:
            inner.append(node)
    return inner


def _operand(refs: Sequence[tuple[int, int]]) -> Operand:
    """Consecutive refs from the same group become one segment."""
    segments: list[tuple[int, list[int]]] = []
    for g, row in refs:
        if segments and segments[-1][0] == g:
            segments[-1][1].append(row)
        else:
            segments.append((g, [row]))
    return Operand(segments)
