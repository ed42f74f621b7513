"""The `Value` node: one number, the Values it was computed from, and the op that made it.

Operators and methods build new nodes through `apply_unary`, `apply_binary` and
`apply_nary`, which run the op's forward (from `ops.py`) and store its float local
derivatives on the node. Nothing else about an op lives here.

    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b + a.tanh()
    >>> c.backward()
    >>> round(a.grad, 4), b.grad
    (-2.9293, 2.0)
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

from autograd import copying, ops
from autograd.backward import backward as run_backward
from autograd.context import DEFAULT_MODE, MODE, TRACING
from autograd.ops import Op

Number = float | int



class Value:
    """A scalar that remembers how it was computed, so gradients can flow back to it.

    Attributes:
        data: the number (a float).
        grad: d(root)/d(self) after ``root.backward()``; a float, or a `Value` after
            ``backward(create_graph=True)``.
        edges: the parents followed by their local derivatives d(self)/d(parent) as
            floats (computed with the forward pass), in one tuple: ``(x, y, dx, dy)``.
            One allocation instead of two keeps a node under 200 bytes.
        parents / local_grads: the two halves of ``edges``.
        op: the `ops.Op` that made this node (None for a leaf).
        label: an optional name shown in messages and drawings.

        >>> x = Value(3.0, label="x")
        >>> y = x ** 2
        >>> y.backward(); x.grad
        6.0
    """

    __slots__ = ("data", "grad", "edges", "op", "label")

    data: float
    grad: Any
    edges: tuple[Any, ...]
    op: Op | None
    label: str | None

    def __init__(self, data: Number, label: str | None = None) -> None:
        if type(data) is not float:
            data = _to_float(data)
        if label is not None and not isinstance(label, str):
            raise TypeError(f"Value: label must be a str, got {type(label).__name__}.")
        self.data = data
        self.grad = 0.0
        self.edges = ()
        self.op = None
        self.label = label
        tracer = TRACING.get()
        if tracer is not None:
            tracer.created(self)

    @property
    def parents(self) -> tuple[Value, ...]:
        """The Values this node was computed from (empty for a leaf)."""
        return self.edges[: len(self.edges) >> 1]

    @property
    def _prev(self) -> set[Value]:
        """micrograd's name for the parents, as a set, so its graph-drawing code runs."""
        return set(self.parents)

    @property
    def _op(self) -> str:
        """micrograd's name for the op's symbol ("" for a leaf)."""
        return "" if self.op is None else self.op.symbol

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d(self)/d(parent) for each parent, as computed in the forward pass."""
        return self.edges[len(self.edges) >> 1 :]

    # ---- arithmetic ----------------------------------------------------------------------
    def __add__(self, other: Value | Number) -> Value:
        return apply_binary(ops.ADD, self, other)

    def __radd__(self, other: Number) -> Value:
        return apply_binary(ops.ADD, other, self)

    def __sub__(self, other: Value | Number) -> Value:
        return apply_binary(ops.SUB, self, other)

    def __rsub__(self, other: Number) -> Value:
        return apply_binary(ops.SUB, other, self)

    def __mul__(self, other: Value | Number) -> Value:
        return apply_binary(ops.MUL, self, other)

    def __rmul__(self, other: Number) -> Value:
        return apply_binary(ops.MUL, other, self)

    def __truediv__(self, other: Value | Number) -> Value:
        return apply_binary(ops.DIV, self, other)

    def __rtruediv__(self, other: Number) -> Value:
        return apply_binary(ops.DIV, other, self)

    def __pow__(self, exponent: Value | Number) -> Value:
        """``x ** 2`` (a constant exponent) or ``x ** y`` (a Value exponent, differentiable)."""
        if isinstance(exponent, Value):
            return apply_binary(ops.POW, self, exponent)
        return apply_unary(ops.POW_CONST.bind(_to_float(exponent, "pow")), self)

    def __rpow__(self, base: Number) -> Value:
        """``2 ** x``: a number raised to a Value."""
        return apply_binary(ops.POW, base, self)

    def __neg__(self) -> Value:
        return apply_unary(ops.NEG, self)

    def __abs__(self) -> Value:
        return apply_unary(ops.ABS, self)

    # ---- elementary functions (each forwards to its op in ops.py) -------------------------
    def exp(self) -> Value:
        """e ** x."""
        return apply_unary(ops.EXP, self)

    def log(self) -> Value:
        """Natural logarithm; ``ValueError`` for x <= 0."""
        return apply_unary(ops.LOG, self)

    def sqrt(self) -> Value:
        """Square root; ``ValueError`` for x < 0."""
        return apply_unary(ops.SQRT, self)

    def abs(self) -> Value:
        """|x|, the same as ``abs(x)``; its derivative at 0 is taken as 0."""
        return apply_unary(ops.ABS, self)

    def sin(self) -> Value:
        return apply_unary(ops.SIN, self)

    def cos(self) -> Value:
        return apply_unary(ops.COS, self)

    def tanh(self) -> Value:
        """Hyperbolic tangent: ``Value(0.0).tanh().data == 0.0``."""
        return apply_unary(ops.TANH, self)

    def erf(self) -> Value:
        """The Gauss error function (used by exact GELU)."""
        return apply_unary(ops.ERF, self)

    def sigmoid(self) -> Value:
        """1 / (1 + e**-x), computed without overflow for large |x|."""
        return apply_unary(ops.SIGMOID, self)

    def relu(self) -> Value:
        """max(x, 0); its derivative at 0 is taken as 0 (as in PyTorch)."""
        return apply_unary(ops.RELU, self)

    def leaky_relu(self, slope: float = 0.01) -> Value:
        """x for x > 0, else slope * x."""
        return apply_unary(ops.LEAKY_RELU.bind(_to_float(slope, "leaky_relu")), self)

    def gelu(self) -> Value:
        """Exact GELU, x * Φ(x) with Φ the standard normal CDF."""
        return apply_unary(ops.GELU, self)

    def silu(self) -> Value:
        """x * sigmoid(x) (also called swish)."""
        return apply_unary(ops.SILU, self)

    def softplus(self) -> Value:
        """log(1 + e**x), computed without overflow for large |x|."""
        return apply_unary(ops.SOFTPLUS, self)

    # ---- the backward pass and graph helpers ----------------------------------------------
    def backward(self, create_graph: bool = False) -> None:
        """Fill ``.grad`` of every node this Value depends on; see `autograd.backward`."""
        run_backward(self, create_graph=create_graph)

    def zero_grad(self) -> None:
        """Reset this node's gradient to 0.0 (leaf gradients otherwise accumulate)."""
        self.grad = 0.0

    def detach(self) -> Value:
        """A new leaf with the same data: gradients do not flow through it."""
        return Value(self.data, self.label)

    # ---- copying and pickling: flat, so a graph of any depth works (autograd.copying) --
    def __deepcopy__(self, memo: dict[int, Any]) -> Value:
        return copying.copy_graph(self, memo)

    def __reduce__(self) -> tuple[Any, ...]:
        return copying.reduce_graph(self)

    # ---- plain-number behaviour ----------------------------------------------------------
    # Ordering compares data so users can branch; == and hash stay identity-based, so
    # Values can be dict keys and set members.
    def __lt__(self, other: Value | Number) -> bool:
        _note_branch(self, "<", other)
        return self.data < _data_of(other)

    def __le__(self, other: Value | Number) -> bool:
        _note_branch(self, "<=", other)
        return self.data <= _data_of(other)

    def __gt__(self, other: Value | Number) -> bool:
        _note_branch(self, ">", other)
        return self.data > _data_of(other)

    def __ge__(self, other: Value | Number) -> bool:
        _note_branch(self, ">=", other)
        return self.data >= _data_of(other)

    def __float__(self) -> float:
        _note_branch(self, "float()", None)
        return self.data

    def __repr__(self) -> str:
        grad = f"Value({self.grad.data!r})" if isinstance(self.grad, Value) else repr(self.grad)
        extra = ""
        if self.op is not None:
            extra += f", op={self.op.describe()!r}"
        if self.label is not None:
            extra += f", label={self.label!r}"
        return f"Value(data={self.data!r}, grad={grad}{extra})"


def _note_branch(value: Value, symbol: str, other: Any) -> None:
    """Tell a running `autograd.trace` that Python code branched on `value` (else nothing)."""
    tracer = TRACING.get()
    if tracer is not None:
        tracer.compared(value, symbol, other)


# ---- building nodes: the only place where ops meet Values ------------------------------------
_new = object.__new__


def apply_unary(op: Op, x: Value | Number) -> Value:
    """Apply a one-input op, recording the node unless gradients are disabled."""
    if not isinstance(x, Value):
        x = constant(x, op)
    xd = x.data
    out = op.forward(xd, op.attr)
    node = _new(Value)
    node.data = out
    node.grad = 0.0
    node.label = None
    if MODE.get() is DEFAULT_MODE:
        node.edges = (x, *op.rule(xd, out, op.attr))
        node.op = op
        return node
    return _record_slow(node, op, (x,), lambda: op.rule(xd, out, op.attr))


def apply_binary(op: Op, x: Value | Number, y: Value | Number) -> Value:
    """Apply a two-input op; Python numbers on either side become constant leaves."""
    if not isinstance(x, Value):
        x = constant(x, op)
    if not isinstance(y, Value):
        y = constant(y, op)
    xd, yd = x.data, y.data
    out = op.forward(xd, yd)
    node = _new(Value)
    node.data = out
    node.grad = 0.0
    node.label = None
    if MODE.get() is DEFAULT_MODE:
        node.edges = (x, y, *op.rule(xd, yd, out))
        node.op = op
        return node
    return _record_slow(node, op, (x, y), lambda: op.rule(xd, yd, out))


def apply_nary(op: Op, xs: Sequence[Value | Number]) -> Value:
    """Apply an op over any number of inputs (``SUM``): one node, one edge per input."""
    parents = tuple(x if isinstance(x, Value) else constant(x, op) for x in xs)
    datas = [p.data for p in parents]
    out = op.forward(datas)
    node = _new(Value)
    node.data = out
    node.grad = 0.0
    node.label = None
    if MODE.get() is DEFAULT_MODE:
        node.edges = parents + op.rule(datas, out)
        node.op = op
        return node
    return _record_slow(node, op, parents, lambda: op.rule(datas, out))


def apply(op: Op, inputs: Sequence[Value | Number]) -> Value:
    """Apply `op` to a list of inputs, whatever its arity (for code that handles any op).

        >>> apply(ops.MUL, [Value(2.0), 3.0]).data
        6.0
    """
    if op.arity == 1:
        return apply_unary(op, inputs[0])
    if op.arity == 2:
        return apply_binary(op, inputs[0], inputs[1])
    return apply_nary(op, inputs)


def _record_slow(node: Value, op: Op, parents: tuple[Value, ...], rule: Any) -> Value:
    """The non-default modes: `no_grad` records nothing; anomaly mode checks the result."""
    mode = MODE.get()
    if mode.detect_anomaly and not math.isfinite(node.data):
        inputs = ", ".join(
            f"{p.data!r}" + (f" ({p.label})" if p.label else "") for p in parents
        )
        raise FloatingPointError(
            f"detect_anomaly: {op.describe()} produced {node.data!r} from inputs {inputs}."
        )
    if mode.grad_enabled:
        node.edges = parents + tuple(rule())
        node.op = op
    else:
        node.edges = ()
        node.op = None
    return node


def constant(number: Any, op: Op) -> Value:
    """A leaf for a Python number used in an op (``x * 2``); a clear TypeError otherwise."""
    return Value(_to_float(number, op.name))


def _to_float(data: Any, op: str = "Value") -> float:
    if isinstance(data, Value):
        raise TypeError(f"{op}: expected a number, got a Value; use its .data for a constant.")
    if isinstance(data, numbers.Real) and not isinstance(data, bool):
        try:
            return float(data)
        except OverflowError:  # an int beyond 1.8e308: name its size, not its digits
            digits = int(int(math.trunc(data)).bit_length() * math.log10(2)) + 1
            raise ValueError(f"{op}: {type(data).__name__} of about {digits} digits is too "
                             "large for a float (at most about 1.8e308).") from None
    raise TypeError(
        f"{op}: expected a real number (int or float), got {type(data).__name__} {data!r}."
    )


def _data_of(other: Value | Number) -> float:
    return other.data if isinstance(other, Value) else _to_float(other, "comparison")
