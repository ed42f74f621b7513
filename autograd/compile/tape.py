"""A traced graph as a flat tape, and the interpreter that replays it with the ops' own code.

The tracer numbers the nodes of a graph in topological order (`autograd.backward`'s
walk) and keeps, per node, what it is: an input slot, a parameter slot, a constant, or
an op over earlier nodes. Code generation (`codegen.py`) and lowering (`lower.py`) read this tape;
so does the interpreter below, which calls each op's `forward` and `rule` on floats:

- it is the fallback for graphs too big to compile (compiling Python source gets slow
  and memory-hungry beyond some tens of thousands of statements);
- it is the reference that gives exact error messages when generated code raises.

Its numbers are bit for bit those of eager `backward()` on the same graph: the same
functions run in the same order, with no Value objects made.

    >>> from autograd import Value
    >>> x, w = Value(2.0), Value(3.0)
    >>> tape = Tape.from_order([x, w, x * w], inputs=[x], params=[w], outputs=[2])
    >>> out, param_grads, input_grads = tape.backward([2.0], [3.0], [0.0], input_grads=True)
    >>> out, param_grads, input_grads
    (6.0, [2.0], [3.0])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from autograd.primitive import Op
from autograd.value import Value

INPUT, PARAM, CONST, OP = 0, 1, 2, 3


@dataclass
class Tape:
    """The nodes of a graph in topological order, each as its kind and its parents' numbers.

    ``slots[i]`` is the input or parameter slot of an INPUT or PARAM node (else -1);
    ``data[i]`` is the value seen while tracing (a CONST keeps it for good).
    """

    kinds: list[int]
    slots: list[int]
    data: list[float]
    ops: list[Op | None]
    parents: list[tuple[int, ...]]
    outputs: list[int]
    n_inputs: int
    n_params: int
    op_nodes: list[int] = field(default_factory=list)

    @classmethod
    def from_order(cls, order: Sequence[Value], *, inputs: Sequence[Value],
                   params: Sequence[Value], outputs: Sequence[int]) -> Tape:
        """Number `order` (parents first); leaves are inputs, params, or else constants.

        A node listed in `params` is a parameter even if it has parents: the tape reads
        its current data and cuts the graph there.
        """
        input_slot = {v: k for k, v in enumerate(inputs)}.get
        param_slot = {v: k for k, v in enumerate(params)}.get
        index: dict[Value, int] = {}
        tape = cls([], [], [], [], [], list(outputs), len(inputs), len(params))
        # Local names for the loop: it runs once per node of graphs of 100k nodes and more.
        data, kinds, slots = tape.data.append, tape.kinds.append, tape.slots.append
        ops, parents, op_nodes = tape.ops.append, tape.parents.append, tape.op_nodes.append
        for i, node in enumerate(order):
            index[node] = i
            data(node.data)
            slot = input_slot(node)
            if slot is not None:
                kind = INPUT
            else:
                slot = param_slot(node)
                if slot is not None:
                    kind = PARAM
                else:
                    inputs_of = node.parents if node.op is not None else ()
                    kind, slot = (OP, -1) if inputs_of else (CONST, -1)
            kinds(kind)
            slots(slot)
            if kind == OP:
                ops(node.op)
                parents(tuple([index[p] for p in inputs_of]))
                op_nodes(i)
            else:
                ops(None)
                parents(())
        return tape

    def __len__(self) -> int:
        return len(self.kinds)

    def needs_grad(self, input_grads: bool) -> list[bool]:
        """Which nodes lie on a path from a parameter (or an input) to the output."""
        needs = [k == PARAM or (input_grads and k == INPUT) for k in self.kinds]
        for i in self.op_nodes:
            needs[i] = any(needs[p] for p in self.parents[i])
        return needs

    def count_statements(self) -> int:
        """Forward statements plus backward contributions (to parameters and inputs)."""
        needs = self.needs_grad(input_grads=True)
        edges = sum(needs[p] for i in self.op_nodes if needs[i] for p in self.parents[i])
        return len(self.op_nodes) + edges

    # ---- the interpreter ---------------------------------------------------------------
    def evaluate(self, inputs: Sequence[float], params: Sequence[float]) -> list[Any]:
        """Every node's value for these inputs and parameters (each op's own forward)."""
        values: list[Any] = list(self.data)
        kinds, slots = self.kinds, self.slots
        for i, kind in enumerate(kinds):
            if kind == INPUT:
                values[i] = inputs[slots[i]]
            elif kind == PARAM:
                values[i] = params[slots[i]]
        ops: list[Any] = self.ops  # an OP node always has its op
        parents = self.parents
        for i in self.op_nodes:
            values[i] = ops[i].evaluate([values[p] for p in parents[i]])
        return values

    def forward(self, inputs: Sequence[float], params: Sequence[float]) -> list[float]:
        """The output values."""
        values = self.evaluate(inputs, params)
        return [values[i] for i in self.outputs]

    def backward(self, inputs: Sequence[float], params: Sequence[float],
                 param_grads: Sequence[Any], *, seed: float = 1.0,
                 input_grads: bool = False) -> tuple[float, list[Any], list[Any]]:
        """The output, the parameter gradients added to `param_grads`, the input gradients.

        Accumulates like eager `backward()`: each parameter's gradient starts from its
        entry in `param_grads` and receives its contributions in the same order.
        """
        values = self.evaluate(inputs, params)
        needs = self.needs_grad(input_grads)
        grads: list[Any] = [None] * len(self.kinds)
        for i, kind in enumerate(self.kinds):
            if kind == PARAM:
                grads[i] = param_grads[self.slots[i]]
        root = self.outputs[0]
        if self.kinds[root] == OP:
            grads[root] = seed
        elif needs[root]:
            grads[root] = (grads[root] or 0.0) + seed
        ops: list[Any] = self.ops
        parents = self.parents
        for i in reversed(self.op_nodes):
            g = grads[i]
            if g is None or not needs[i]:
                continue
            ps = parents[i]
            local = ops[i].local_grads([values[p] for p in ps], values[i])
            for p, d in zip(ps, local):
                if needs[p]:
                    grads[p] = d * g if grads[p] is None else grads[p] + d * g
        new_params = list(param_grads)
        found_inputs = [0.0] * self.n_inputs
        for i, kind in enumerate(self.kinds):
            if kind == PARAM:
                new_params[self.slots[i]] = grads[i]
            elif kind == INPUT and grads[i] is not None:
                found_inputs[self.slots[i]] = grads[i]
        return values[root], new_params, found_inputs
