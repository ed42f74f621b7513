"""`Value`'s operators for ops written as formulas (`Op.from_formula`), with the op's own
forward and local-derivative expressions written into the operator's code.

A node is made on every operation, so the cost of making one is the engine's speed: an
operator built from an op's functions calls its forward, then its rule, which builds a
tuple to unpack. Here the same expressions, the op's only definition, are placed in the
operator's body instead, so making ``x * y`` calls nothing of the op's. The operators
behave exactly as `value.py`'s (same slots, same slow modes, same errors): only the
calls are gone.

    >>> from autograd import Value, ops
    >>> code = source(ops.MUL, 2)
    >>> [line.strip() for line in code.splitlines() if "node._d" in line][2:4]  # x * y
    ['node._dx = y', 'node._dy = x']
    >>> (Value(2.0) * 3.0).data
    6.0
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any

from autograd.primitive import Op

# The binary operator ``x op y``, its number paths (``x op 2.0`` and ``2.0 op x``, which
# keep the number on the node), and the slow modes (no_grad, anomaly), which go through
# value.py's generic functions. The slow path is a function of its own so that the fast
# path's locals are plain locals, not cells a closure would need.
_BINARY = '''
def make(op, a, swapped):
    def method(self, other):
        kind = other.__class__
        if kind is not Value:
            if kind is float:
                c = other
            elif isinstance(other, Value):
                return _binary_node(op, self, other)
            else:
                c = _to_float(other, op.name)
{right}
        x = self.data
        y = other.data
        node = _new(Value)
        node.data = out = {forward}
        node.grad = 0.0
        if MODE.get() is DEFAULT_MODE:
            node.op = op
            node._x = self
            node._y = other
            node._dx = {dx}
            node._dy = {dy}
            return node
        return slow(node, self, other, x, y, out)


    def slow(node, self, other, x, y, out):
        return _record_slow(node, op, (self, other), lambda: ({dx}, {dy}))


    def reflected(self, c):
        if type(c) is not float:
            c = _to_float(c, op.name)
{left}

    return method, reflected
'''

# A number `c` (a float by then) beside the Value: it stays on the node (``_dy``), the
# Value is its one parent, and the local derivative kept is the Value's. Written into the
# operator itself with the number on the right (``x op 2.0``: no second call on that
# path) and into the reflected operator with it on the left (``2.0 op x``, the op's
# swapped twin).
_WITH_NUMBER = '''\
if MODE.get() is not DEFAULT_MODE or TRACING.get() is not None:
    return _binary_node(op, {operands})
x = {x}
y = {y}
node = _new(Value)
node.data = out = {forward}
node.grad = 0.0
node.op = {node_op}
node._x = self
node._y = None
node._dx = {derivative}
node._dy = c
return node'''

_UNARY = '''
def make(op, a, swapped):
    def method(self):
        x = self.data
        node = _new(Value)
        node.data = out = {forward}
        node.grad = 0.0
        if MODE.get() is DEFAULT_MODE:
            node.op = op
            node._x = self
            node._y = None
            node._dx = {dx}
            return node
        return slow(node, self, x, out)


    def slow(node, self, x, out):
        return _record_slow(node, op, (self,), lambda: ({dx},))

    return method
'''


def source(op: Op, arity: int) -> str:
    """The operators' code for `op`, its formulas filled in."""
    if op.formula is None or op.arity != arity:
        raise ValueError(f"fastpath: {op.describe()} is not a formula op of arity {arity}.")
    forward, rule = op.formula
    if arity == 2:
        right = _WITH_NUMBER.format(operands="self, Value(c)", x="self.data", y="c",
                                    forward=forward, node_op="op", derivative=rule[0])
        left = _WITH_NUMBER.format(operands="Value(c), self", x="c", y="self.data",
                                   forward=forward, node_op="swapped", derivative=rule[1])
        return _BINARY.format(forward=forward, dx=rule[0], dy=rule[1],
                              right=textwrap.indent(right, " " * 12),
                              left=textwrap.indent(left, " " * 8))
    return _UNARY.format(forward=forward, dx=rule[0])


def _make(op: Op, arity: int, namespace: dict[str, Any]) -> Any:
    # `namespace` is the operators' globals, shared by all of them (value.py's: the names
    # of ops.py, which the formulas call, and the engine's, `Value` among them once the
    # class exists); the op itself and its attribute are the factory's arguments.
    code = compile(source(op, arity), f"<operators of {op.name}>", "exec")
    local: dict[str, Any] = {}
    exec(code, namespace, local)  # noqa: S102 - the op table's own expressions
    return local["make"](op, op.attr, op.swapped() if arity == 2 else None)


def binary(op: Op, namespace: dict[str, Any]) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """``x op y`` (numbers on the right included) and ``number op x``."""
    method, reflected = _make(op, 2, namespace)
    return method, reflected


def unary(op: Op, namespace: dict[str, Any]) -> Callable[..., Any]:
    """``x.op()``."""
    method: Callable[..., Any] = _make(op, 1, namespace)
    return method
