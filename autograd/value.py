"""The `Value` node: one number, the Values it was computed from, and the op that made it.

Operators and methods build new nodes with functions made from each op of `ops.py`
(`_binary_methods`, `_unary_method`), which run the op's forward and store its float
local derivatives on the node (for an op written as formulas, `autograd.fastpath` writes
its expressions into the operator itself); `apply_unary`, `apply_binary` and
`apply_nary` do the same for any op. Nothing else about an op lives here.

    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b + a.tanh()
    >>> c.backward()
    >>> round(a.grad, 4), b.grad
    (-2.9293, 2.0)

micrograd's way of writing an op works too: ``Value(data, children, "op")`` and a
``_backward`` closure assigned to the result (see `Value`).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from autograd import copying, fastpath, ops
from autograd.backward import MANY, chain_rule
from autograd.backward import backward as run_backward
from autograd.context import DEFAULT_MODE, MODE, TRACING
from autograd.primitive import ClosureOp, Op

Number = float | int


# ---- the operators and methods, one function per op made from its entry in ops.py ----------
# The same steps as apply_binary / apply_unary (below the class) with the op's functions
# bound once: one Python call per operator instead of two, on the path every node takes.

# The globals of the operators `autograd.fastpath` writes for ops given as formulas: the
# names of ops.py, which formulas call, and the engine's (filled in at the end of this
# module, once `Value` and the node functions exist).
_OPERATORS: dict[str, Any] = dict(vars(ops))


def _binary_methods(op: Op, name: str) -> tuple[Callable[..., Value], Callable[..., Value]]:
    """``x op y`` and its reflection ``number op x`` (``__add__`` and ``__radd__``)."""
    if op.formula is not None:
        method, reflected = fastpath.binary(op, _OPERATORS)
    else:
        method, reflected = _closure_methods(op)
    _name_method(method, f"__{name}__", f"``x {op.symbol} y`` (either may be a number).")
    _name_method(reflected, f"__r{name}__", f"``number {op.symbol} x``.")
    return method, reflected


def _closure_methods(op: Op) -> tuple[Callable[..., Value], Callable[..., Value]]:
    forward, rule = op.forward, op.rule

    def method(self: Value, other: Value | Number) -> Value:
        if other.__class__ is not Value:
            if isinstance(other, Value):  # a subclass of Value
                return _binary_node(op, self, other)
            return _number_node(op, self, other, False)
        xd, yd = self.data, other.data
        out = forward(xd, yd)
        node = _new(Value)
        node.data = out
        node.grad = 0.0
        if MODE.get() is DEFAULT_MODE:
            node.op, node._x, node._y = op, self, other
            node._dx, node._dy = rule(xd, yd, out)
            return node
        return _record_slow(node, op, (self, other), lambda: rule(xd, yd, out))

    def reflected(self: Value, other: Number) -> Value:
        return _number_node(op, self, other, True)

    return method, reflected


def _unary_method(op: Op, name: str, doc: str | None = None) -> Callable[[Value], Value]:
    """``x.tanh()`` and the like: `op` applied to the Value itself."""
    method = fastpath.unary(op, _OPERATORS) if op.formula is not None else _closure_method(op)
    _name_method(method, name, doc or f"``{op.name}`` of this Value (`autograd.ops`).")
    return method


def _closure_method(op: Op) -> Callable[[Value], Value]:
    forward, rule, attr = op.forward, op.rule, op.attr

    def method(self: Value) -> Value:
        xd = self.data
        out = forward(xd, attr)
        node = _new(Value)
        node.data = out
        node.grad = 0.0
        if MODE.get() is DEFAULT_MODE:
            node.op, node._x, node._y = op, self, None
            (node._dx,) = rule(xd, out, attr)
            return node
        return _record_slow(node, op, (self,), lambda: rule(xd, out, attr))

    return method


def _name_method(method: Callable[..., Value], name: str, doc: str) -> None:
    method.__name__ = name
    method.__qualname__ = f"Value.{name}"
    method.__doc__ = doc


_POW = _binary_methods(ops.POW, "pow")


class Value:
    """A scalar that remembers how it was computed, so gradients can flow back to it.

    Attributes:
        data: the number (a float).
        grad: d(root)/d(self) after ``root.backward()``; a float, or a `Value` after
            ``backward(create_graph=True)``.
        op: the `ops.Op` that made this node (None for a leaf).
        label: a name shown in messages and drawings ("" when unnamed).
        parents / local_grads: the Values this node was computed from, and d(self)/d(parent)
            for each, as floats computed with the forward pass.

    Any other attribute can be set too (``p.m = 0.0``): it goes into a per-node dict that
    exists only once something is put in it.

        >>> x = Value(3.0, label="x")
        >>> y = x ** 2
        >>> y.backward(); x.grad
        6.0

    micrograd's constructor makes an op by hand: ``Value(data, (a, b), "+")`` records
    a and b as parents, and the closure assigned to ``out._backward`` is its chain rule,
    which `backward` calls:

        >>> a = Value(3.0)
        >>> out = Value(a.data ** 2, (a,), "square")
        >>> def _backward():
        ...     a.grad += 2 * a.data * out.grad
        >>> out._backward = _backward
        >>> out.backward(); a.grad
        6.0
    """

    # How a node stores its inputs, in slots rather than a tuple per node (one object per
    # node for the allocator and the garbage collector, not two):
    #   leaf                        _x = None
    #   unary op f(x)               _x = x, _y = None, _dx = df/dx
    #   binary op f(x, y)           _x = x, _y = y, _dx, _dy = df/dx, df/dy
    #   binary op with a number c   _x = the Value, _y = None, _dx = its derivative, _dy = c;
    #                               op is `Op.swapped()` when the number comes first (2 - x)
    #   n-ary op, micrograd's ops   _x = MANY, _y = the parents (a tuple), _dy = their local
    #                               derivatives (None for a node made micrograd's way)
    # A number needs no leaf of its own: d/dc is never used. Whoever asks for `parents`
    # (drawings, the tracer) gets a leaf for it, made then and kept (`_number_as_leaf`).
    __slots__ = ("data", "grad", "op", "_x", "_y", "_dx", "_dy", "__dict__")

    data: float
    grad: Any
    op: Op | None
    _x: Any
    _y: Any
    _dx: Any
    _dy: Any
    label: str = ""  # a class default: naming a node stores its label in the node's dict

    def __init__(self, data: Number, _children: Iterable[Value] | str = (), _op: str = "",
                 label: str | None = "") -> None:
        if type(data) is not float:
            data = _to_float(data)
        if isinstance(_children, str):  # Value(2.0, "x"): the label, as before micrograd's form
            label, _children = _children, ()
        self.data = data
        self.grad = 0.0
        parents = _check_children(_children) if _children else ()
        if not isinstance(_op, str):
            raise TypeError(f"Value: _op must be a str naming the op, got {type(_op).__name__}.")
        self.op = ClosureOp(_op) if parents or _op else None
        if parents:
            self._x, self._y, self._dy = MANY, parents, None
        else:
            self._x = None
        if label:
            if not isinstance(label, str):
                raise TypeError(f"Value: label must be a str, got {type(label).__name__}.")
            self.label = label
        tracer = TRACING.get()
        if tracer is not None:
            tracer.created(self)

    @property
    def parents(self) -> tuple[Value, ...]:
        """The Values this node was computed from (empty for a leaf), numbers as leaves."""
        x = self._x
        if x is None:
            return ()
        if x is MANY:
            return self._y
        if self._y is None:
            if self.op is None or self.op.arity != 2:
                return (x,)
            self._number_as_leaf()
        return (self._x, self._y)

    @property
    def local_grads(self) -> tuple[Any, ...]:
        """d(self)/d(parent) for each parent, as computed in the forward pass (None for
        each parent of a node made micrograd's way: only its closure knows)."""
        parents = self.parents  # first, so that a number has become a leaf
        if self._x is MANY:
            grads = self._dy
            return tuple(grads) if grads is not None else (None,) * len(parents)
        if len(parents) == 1:
            return (self._dx,)
        return (self._dx, self._dy) if parents else ()

    @property
    def edges(self) -> tuple[Any, ...]:
        """The parents followed by their local derivatives: ``(x, y, dx, dy)``."""
        return self.parents + self.local_grads

    @property
    def _prev(self) -> set[Value]:
        """micrograd's name for the parents, as a set, so its graph-drawing code runs."""
        return set(self.parents)

    @property
    def _op(self) -> str:
        """micrograd's name for the op's symbol: ``'+'``, ``'**2'``, ``''`` for a leaf."""
        op = self.op
        if op is None:
            return ""
        if isinstance(op, ClosureOp):
            return op.name
        if op.attr is None:
            return op.symbol
        if op.symbol == op.name:  # leaky_relu(0.1)
            return op.describe()
        attr = float(op.attr)
        return op.symbol + (str(int(attr)) if attr.is_integer() and abs(attr) < 1e15
                            else repr(attr))

    def _number_as_leaf(self) -> Value:
        """Give the number this node keeps (the 2.0 of ``x * 2.0``) a leaf of its own, in
        place, and return it: the node is then an ordinary binary node."""
        op, value, number, derivative = self.op, self._x, self._dy, self._dx
        assert op is not None  # only a binary op's node keeps a number
        leaf = Value(number)  # made while tracing, it is a constant like any other
        original = op.swapped_from
        if original is None:
            to_number = op.rule(value.data, number, self.data)[1]
            self._x, self._y, self._dx, self._dy = value, leaf, derivative, to_number
        else:
            to_number = original.rule(number, value.data, self.data)[0]
            self.op = original
            self._x, self._y, self._dx, self._dy = leaf, value, to_number, derivative
        # What backward would have given the leaf had it been there: it has one consumer.
        if not isinstance(self.grad, float | int) or self.grad:
            leaf.grad = to_number * self.grad
        return leaf

    def _operands(self) -> tuple[tuple[Value, ...], tuple[Any, ...]]:
        """The Value parents, and the op's inputs in its own order: the parents, or one
        parent and the number it keeps. The backward pass reads these, leaving numbers be."""
        x = self._x
        if x is None:
            return (), ()
        if x is MANY:
            return self._y, self._y
        y = self._y
        if y is not None:
            return (x, y), (x, y)
        if self.op is not None and self.op.arity == 2:
            return (x,), (x, self._dy)
        return (x,), (x,)

    # ---- arithmetic (each made from its op in ops.py, see _binary_methods) -----------------
    __add__, __radd__ = _binary_methods(ops.ADD, "add")
    __sub__, __rsub__ = _binary_methods(ops.SUB, "sub")
    __mul__, __rmul__ = _binary_methods(ops.MUL, "mul")
    __truediv__, __rtruediv__ = _binary_methods(ops.DIV, "truediv")
    __rpow__ = _POW[1]
    __neg__ = _unary_method(ops.NEG, "__neg__", "-x.")
    __abs__ = _unary_method(ops.ABS, "__abs__", "|x|; its derivative at 0 is taken as 0.")

    def __pow__(self, exponent: Value | Number) -> Value:
        """``x ** 2`` (a constant exponent) or ``x ** y`` (a Value exponent, differentiable)."""
        if isinstance(exponent, Value):
            return _POW[0](self, exponent)
        return apply_unary(ops.POW_CONST.bind(_to_float(exponent, "pow")), self)

    # ---- elementary functions (each made from its op in ops.py) ---------------------------
    exp = _unary_method(ops.EXP, "exp", "e ** x.")
    log = _unary_method(ops.LOG, "log", "Natural logarithm; ``ValueError`` for x <= 0.")
    sqrt = _unary_method(ops.SQRT, "sqrt", "Square root; ``ValueError`` for x < 0.")
    abs = _unary_method(ops.ABS, "abs", "|x|, the same as ``abs(x)``; 0 is its slope at 0.")
    sin = _unary_method(ops.SIN, "sin")
    cos = _unary_method(ops.COS, "cos")
    tanh = _unary_method(ops.TANH, "tanh",
                         "Hyperbolic tangent: ``Value(0.0).tanh().data == 0.0``.")
    erf = _unary_method(ops.ERF, "erf", "The Gauss error function (used by exact GELU).")
    sigmoid = _unary_method(ops.SIGMOID, "sigmoid",
                            "1 / (1 + e**-x), computed without overflow for large |x|.")
    relu = _unary_method(ops.RELU, "relu",
                         "max(x, 0); its derivative at 0 is taken as 0 (as in PyTorch).")
    gelu = _unary_method(ops.GELU, "gelu", "Exact GELU, x * Φ(x) with Φ the normal CDF.")
    silu = _unary_method(ops.SILU, "silu", "x * sigmoid(x) (also called swish).")
    softplus = _unary_method(ops.SOFTPLUS, "softplus",
                             "log(1 + e**x), computed without overflow for large |x|.")

    def leaky_relu(self, slope: float = 0.01) -> Value:
        """x for x > 0, else slope * x."""
        return apply_unary(ops.LEAKY_RELU.bind(_to_float(slope, "leaky_relu")), self)

    # ---- the backward pass and graph helpers ----------------------------------------------
    def backward(self, create_graph: bool = False) -> None:
        """Fill ``.grad`` of every node this Value depends on; see `autograd.backward`."""
        run_backward(self, create_graph=create_graph)

    def _backward(self) -> None:
        """micrograd's step for one node: add its local chain rule to its parents' grads,
        ``parent.grad += local * self.grad``. Call it node by node, from the output down,
        to backpropagate by hand; a leaf's does nothing. `backward()` does all of it.

            >>> a, b = Value(2.0), Value(-3.0)
            >>> out = a * b
            >>> out.grad = 1.0
            >>> out._backward(); a.grad, b.grad
            (-3.0, 2.0)
        """
        if self._x is MANY and self._dy is None:
            return  # made micrograd's way and no closure assigned: nothing to apply
        chain_rule((self,))

    def zero_grad(self) -> None:
        """Reset this node's gradient to 0.0 (leaf gradients otherwise accumulate)."""
        self.grad = 0.0

    def detach(self) -> Value:
        """A new leaf with the same data: gradients do not flow through it."""
        return Value(self.data, label=self.label)

    # ---- copying and pickling: flat, so a graph of any depth works (autograd.copying) --
    def _set_inputs(self, parents: Sequence[Value], local_grads: Sequence[Any]) -> None:
        """See `set_inputs` (a method, so `autograd.copying` need not import this module)."""
        set_inputs(self, parents, local_grads)

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
        if self.label:
            extra += f", label={self.label!r}"
        return f"Value(data={self.data!r}, grad={grad}{extra})"


def set_inputs(node: Value, parents: Sequence[Value], local_grads: Sequence[Any]) -> None:
    """Store `parents` and their local derivatives on `node` (whose op is set) in the slot
    layout described in `Value`: what copying and unpickling (`autograd.copying`) use."""
    op = node.op
    if not parents:
        node._x = None
    elif op is not None and not isinstance(op, ClosureOp) and op.arity == len(parents) == 1:
        node._x, node._y, node._dx = parents[0], None, local_grads[0]
    elif op is not None and not isinstance(op, ClosureOp) and op.arity == len(parents) == 2:
        node._x, node._y = parents
        node._dx, node._dy = local_grads
    else:  # n-ary, or made micrograd's way (its derivatives unknown: None)
        known = any(g is not None for g in local_grads)
        node._x, node._y, node._dy = MANY, tuple(parents), tuple(local_grads) if known else None


def _check_children(children: Iterable[Value]) -> tuple[Value, ...]:
    parents = tuple(children)
    for child in parents:
        if not isinstance(child, Value):
            raise TypeError(f"Value: _children must be the Values the op was computed from, "
                            f"got {type(child).__name__} {child!r}.")
    return parents


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
    xd, attr = x.data, op.attr
    out = op.forward(xd, attr)
    node = _new(Value)
    node.data = out
    node.grad = 0.0
    if MODE.get() is DEFAULT_MODE:
        node.op, node._x, node._y = op, x, None
        (node._dx,) = op.rule(xd, out, attr)
        return node
    return _record_slow(node, op, (x,), lambda: op.rule(xd, out, attr))


def apply_binary(op: Op, x: Value | Number, y: Value | Number) -> Value:
    """Apply a two-input op; a Python number on one side is kept on the node as a number."""
    if isinstance(x, Value):
        if isinstance(y, Value):
            return _binary_node(op, x, y)
        return _number_node(op, x, y, False)
    if isinstance(y, Value):
        return _number_node(op, y, x, True)
    return _binary_node(op, constant(x, op), constant(y, op))


def _binary_node(op: Op, x: Value, y: Value) -> Value:
    xd, yd = x.data, y.data
    out = op.forward(xd, yd)
    node = _new(Value)
    node.data = out
    node.grad = 0.0
    if MODE.get() is DEFAULT_MODE:
        node.op, node._x, node._y = op, x, y
        node._dx, node._dy = op.rule(xd, yd, out)
        return node
    return _record_slow(node, op, (x, y), lambda: op.rule(xd, yd, out))


def _number_node(op: Op, value: Value, number: Any, number_first: bool) -> Value:
    """``x * 2.0`` (or ``2.0 * x``): a node whose only parent is x; it keeps 2.0 itself."""
    c = number if type(number) is float else _to_float(number, op.name)
    if MODE.get() is not DEFAULT_MODE or TRACING.get() is not None:
        # The slow modes, and a trace (which must see every constant made): a leaf.
        leaf = Value(c)
        return _binary_node(op, leaf, value) if number_first else _binary_node(op, value, leaf)
    vd = value.data
    node = _new(Value)
    node.grad = 0.0
    if number_first:
        node.data = out = op.forward(c, vd)
        node.op, node._dx = op.swapped(), op.rule(c, vd, out)[1]
    else:
        node.data = out = op.forward(vd, c)
        node.op, node._dx = op, op.rule(vd, c, out)[0]
    node._x, node._y, node._dy = value, None, c
    return node


def apply_nary(op: Op, xs: Sequence[Value | Number]) -> Value:
    """Apply an op over any number of inputs (``SUM``): one node, one edge per input."""
    parents = tuple(x if isinstance(x, Value) else constant(x, op) for x in xs)
    datas = [p.data for p in parents]
    out = op.forward(datas)
    node = _new(Value)
    node.data = out
    node.grad = 0.0
    if MODE.get() is DEFAULT_MODE:
        node.op, node._x, node._y, node._dy = op, MANY, parents, tuple(op.rule(datas, out))
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
    if not mode.grad_enabled:
        node.op, node._x = None, None
        return node
    local_grads = tuple(rule())
    node.op = op
    if op.arity == 0:
        node._x, node._y, node._dy = MANY, parents, local_grads
    elif op.arity == 1:
        node._x, node._y, node._dx = parents[0], None, local_grads[0]
    else:
        node._x, node._y = parents
        node._dx, node._dy = local_grads
    return node


def constant(number: Any, op: Op) -> Value:
    """A leaf for a Python number used in an op (``x * 2``); a clear TypeError otherwise."""
    return Value(_to_float(number, op.name))


def _to_float(data: Any, op: str = "Value") -> float:
    if isinstance(data, Value):
        raise TypeError(f"{op}: expected a number, got a Value; use its .data for a constant.")
    # An int first, without the ABC check (bool is not `int` here: it is refused below).
    if type(data) is int or isinstance(data, numbers.Real) and not isinstance(data, bool):
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


_OPERATORS.update(Value=Value, _new=_new, MODE=MODE, DEFAULT_MODE=DEFAULT_MODE, TRACING=TRACING,
                  _record_slow=_record_slow, _binary_node=_binary_node, _to_float=_to_float)
