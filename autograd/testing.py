"""Hypothesis strategies and a gradient assertion for testing code built on chainrule.

Use them in your own property tests: `values()` draws `Value`s, `expressions()` draws
random formulas over every op in `ops.ALL_OPS` (each kept inside its domain), and
`assert_grads_match` checks backward against central finite differences, discarding
examples that sit on a kink instead of failing on them. A failing formula shrinks to the
smallest one that still fails, and its ``repr`` reads like the formula itself.

    from hypothesis import given, strategies as st
    from autograd.testing import assert_grads_match, expressions

    @given(expressions(n_inputs=2, max_depth=3), st.tuples(st.floats(-2, 2), st.floats(-2, 2)))
    def test_backward_matches_finite_differences(expr, inputs):
        assert_grads_match(expr, inputs)

Requires hypothesis (a test dependency; the engine itself never imports this module).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from hypothesis import assume, currently_in_test_context
from hypothesis import strategies as st

from autograd import ops
from autograd.backward import topological_order
from autograd.check import gradcheck
from autograd.context import enable_grad
from autograd.primitive import Op
from autograd.value import Value, apply


def values(
    min_value: float = -10.0, max_value: float = 10.0, *, label: str | None = None
) -> st.SearchStrategy[Value]:
    """Leaf `Value`s holding finite floats in ``[min_value, max_value]``.

        >>> values(0.1, 5.0).example().data > 0      # doctest: +SKIP
        True
    """
    floats = st.floats(min_value, max_value, allow_nan=False, allow_infinity=False)
    return floats.map(lambda x: Value(x, label=label))


# ---- expressions: a tiny formula tree that evaluates on Values, or on anything else ------


Fold = Callable[["Apply", list[Any]], Any]  # (node, evaluated children) -> its result


class Expression:
    """A formula over inputs ``x0 .. x{n_inputs-1}``; call it on Values to build the graph.

        >>> e = Apply(ops.TANH, None, (Input(0, 2),))
        >>> e, e(Value(0.0), Value(1.0)).data
        (tanh(x0), 0.0)
    """

    n_inputs: int

    def __call__(self, *inputs: Value | float) -> Value:
        """Evaluate on `n_inputs` Values (numbers become leaves): ``expr(x, y) -> Value``."""
        if len(inputs) != self.n_inputs:
            raise TypeError(f"expression {self!r}: expected {self.n_inputs} input(s), "
                            f"got {len(inputs)}.")
        leaves = [x if isinstance(x, Value) else Value(x) for x in inputs]
        out = self._fold(_build_node, leaves, float)
        return out if isinstance(out, Value) else Value(out)

    def evaluate(
        self,
        inputs: Sequence[Any],
        functions: Mapping[str, Callable[..., Any]],
        constant: Callable[[float], Any] = float,
    ) -> Any:
        """Evaluate with your own implementation of every op, looked up by op name.

        A binary op gets ``f(x, y)``; a unary op ``f(x)``, or ``f(x, attr)`` when it has an
        attribute (the exponent of ``x ** 3.0``, a leaky slope); an n-ary op ``f(*xs)``.
        Constants pass through `constant` first. This is how a test replays the same
        formula in torch without this module importing torch:

            >>> e = Apply(ops.MUL, None, (Input(0, 1), Constant(2.0, 1)))
            >>> e.evaluate([3.0], {"mul": lambda x, y: x * y})
            6.0
        """

        def call(node: Apply, args: list[Any]) -> Any:
            try:
                function = functions[node.op.name]
            except KeyError:
                raise KeyError(f"evaluate: no function given for op {node.op.name!r}.") \
                    from None
            if node.op.arity == 1 and node.attr is not None:
                return function(args[0], node.attr)
            return function(*args)

        return self._fold(call, inputs, constant)

    def size(self) -> int:
        """How many nodes the formula has (inputs and constants count as one each)."""
        return 1

    def __repr__(self) -> str:
        return _strip_parens(self._formula())

    def _fold(self, apply: Fold, inputs: Sequence[Any], constant: Callable[[float], Any]) -> Any:
        raise NotImplementedError

    def _formula(self) -> str:
        raise NotImplementedError


class Input(Expression):
    """The input ``x{index}``."""

    def __init__(self, index: int, n_inputs: int) -> None:
        self.index = index
        self.n_inputs = n_inputs

    def _fold(self, apply: Fold, inputs: Sequence[Any], constant: Callable[[float], Any]) -> Any:
        return inputs[self.index]

    def _formula(self) -> str:
        return f"x{self.index}"


class Constant(Expression):
    """A number in the formula."""

    def __init__(self, value: float, n_inputs: int) -> None:
        self.value = value
        self.n_inputs = n_inputs

    def _fold(self, apply: Fold, inputs: Sequence[Any], constant: Callable[[float], Any]) -> Any:
        return constant(self.value)

    def _formula(self) -> str:
        return repr(self.value) if self.value >= 0 else f"({self.value!r})"


class Apply(Expression):
    """An op applied to sub-formulas; `attr` is the op's constant (exponent, slope) if any."""

    def __init__(self, op: Op, attr: float | None, children: tuple[Expression, ...]) -> None:
        self.op = op
        self.attr = op.attr if attr is None else attr
        self.children = children
        self.n_inputs = max(child.n_inputs for child in children)

    def size(self) -> int:
        return 1 + sum(child.size() for child in self.children)

    def _fold(self, apply: Fold, inputs: Sequence[Any], constant: Callable[[float], Any]) -> Any:
        return apply(self, [child._fold(apply, inputs, constant) for child in self.children])

    def _formula(self) -> str:
        # Everything is derived from the op's own fields: symbol, arity and attr.
        op, args = self.op, [child._formula() for child in self.children]
        if op.arity == 2 and op.symbol != op.name:
            return f"({args[0]} {op.symbol} {args[1]})"
        if op.arity == 1 and op.symbol != op.name:
            if self.attr is None:
                # Parenthesized like a binary op, so (-x0) ** 2.0 reads as it computes.
                arg = f"({args[0]})" if args[0].startswith("-") else args[0]
                return f"({op.symbol}{arg})"  # -x0, -(x0 + x1), -(-x0)
            return f"({args[0]} {op.symbol} {self.attr!r})"  # (x0 ** 3.0)
        if op.arity == 1:
            inner = _strip_parens(args[0])
            return f"{op.name}({inner})" if self.attr is None else \
                f"{op.name}({inner}, {self.attr!r})"
        return f"{op.name}({', '.join(_strip_parens(a) for a in args)})"


def _build_node(node: Apply, args: list[Any]) -> Value:
    # The op itself (bound to this node's attr) builds the node: no lookup by name.
    op = node.op
    if node.attr is not None and node.attr != op.attr:
        op = op.bind(node.attr)
    return apply(op, args)


def _strip_parens(formula: str) -> str:
    """Drop one pair of outer parentheses if they enclose the whole formula."""
    if not (formula.startswith("(") and formula.endswith(")")):
        return formula
    depth = 0
    for i, char in enumerate(formula):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and i < len(formula) - 1:
            return formula  # "(a) + (b)": the first paren closes early
    return formula[1:-1]


# ---- domains: read from each op's own declaration in ops.py -------------------------------


def _positive(e: Expression, low: float = 0.0) -> Expression:
    """softplus(e) + low + 0.1: above `low` by at least 0.1 whatever e is, and smooth."""
    if isinstance(e, Constant) and e.value >= low + 0.1:
        return e
    shift = Constant(max(low, 0.0) + 0.1, e.n_inputs)
    return Apply(ops.ADD, None, (Apply(ops.SOFTPLUS, None, (e,)), shift))


def _bounded(e: Expression, bound: float) -> Expression:
    """tanh(e) * bound: inside (-bound, bound), so exp and powers cannot overflow."""
    return Apply(ops.MUL, None, (Apply(ops.TANH, None, (e,)), Constant(bound, e.n_inputs)))


def guard(op: Op, children: tuple[Expression, ...]) -> tuple[Expression, ...]:
    """Rewrite `op`'s sub-formulas so every input satisfies the op's declared `Domain`.

    An input that must be above some bound (or nonzero) goes through ``softplus + c``; one
    with a `bound` through ``tanh * bound``. So ``log(u)`` becomes ``log(softplus(u) +
    0.1)``, valid for any u.

        >>> guard(ops.LOG, (Input(0, 1),))
        (softplus(x0) + 0.1,)
    """
    guarded = []
    for k, child in enumerate(children):
        domain = op.domain_of(k)
        if domain.low > -math.inf or domain.nonzero:
            child = _positive(child, domain.low if domain.low > -math.inf else 0.0)
        if domain.bound < math.inf:
            child = _bounded(child, domain.bound)
        guarded.append(child)
    return tuple(guarded)


_CONSTANTS = st.sampled_from((2.0, 0.5, -1.5, 3.0))


def expressions(
    n_inputs: int = 2,
    max_depth: int = 3,
    *,
    ops_to_use: Sequence[Op] = ops.ALL_OPS,
    constants: st.SearchStrategy[float] | None = None,
) -> st.SearchStrategy[Expression]:
    """Random formulas over `n_inputs` inputs, at most `max_depth` ops deep.

    Every op in `ops_to_use` (all of `ops.ALL_OPS` by default; add your own ops to test
    them) can appear, each kept inside the domain it declares (`ops.Domain`, see `guard`),
    with its constant drawn from its ``attr_examples``, so any finite inputs are valid.
    Leaves are inputs or numbers from `constants` (default: a few small ones).
    The root is always an op; a failure shrinks towards the smallest formula, e.g.
    ``tanh(x0)``.

        >>> expressions(n_inputs=2).example()      # doctest: +SKIP
        log(softplus(x0 * x1) + 0.1) + 2.0
    """
    if n_inputs < 1 or max_depth < 1:
        raise ValueError(f"expressions: need n_inputs >= 1 and max_depth >= 1, got "
                         f"n_inputs={n_inputs}, max_depth={max_depth}.")
    numbers = constants if constants is not None else _CONSTANTS
    return _formulas(tuple(ops_to_use), numbers, n_inputs, max_depth, True)


@st.composite
def _formulas(
    draw: st.DrawFn,
    choices: tuple[Op, ...],
    numbers: st.SearchStrategy[float],
    n_inputs: int,
    depth: int,
    root: bool,
) -> Expression:
    # Every level is this one strategy (a single label), so the shrinker can replace a
    # formula by any of its sub-formulas. The leading draw picks an op 3 times in 4 and
    # shrinks to 0, a leaf; the root draws it too, and ignores it, so that a
    # sub-formula's draws replay unchanged at the root.
    if (draw(st.integers(0, 3)) > 0 or root) and depth > 0:
        op = draw(st.sampled_from(choices))
        arity = op.arity or draw(st.integers(1, 3))
        children = tuple(
            draw(_formulas(choices, numbers, n_inputs, depth - 1, False)) for _ in range(arity)
        )
        attr = draw(st.sampled_from(op.attr_examples)) if op.attr_examples else None
        bound = op.bind(attr) if attr is not None else op
        return Apply(op, attr, guard(bound, children))
    # One leaf in four is a number; more would make many formulas constant.
    if draw(st.integers(0, 3)) == 3:
        return Constant(draw(numbers), n_inputs)
    return Input(draw(st.integers(0, n_inputs - 1)), n_inputs)


# ---- the gradient assertion ---------------------------------------------------------------


def assert_grads_match(
    f: Callable[..., Value],
    inputs: Sequence[float | Value],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
) -> None:
    """Assert backward's gradients of ``f(*inputs)`` equal central finite differences.

    Finite differences are meaningless across a kink (relu, abs or leaky_relu at 0, or a
    Python branch on the data), so the point is checked first: the graph is rebuilt at
    each shifted point ``x ± eps``, walked with `topological_order`, and compared node by
    node with the graph at ``x``. A different shape, or a local derivative that jumps
    rather than drifts, means a kink lies in between; so does a shift that leaves an op's
    domain. Inside a hypothesis test such an example is discarded (``assume(False)``);
    outside one, a `ValueError` says where the kink is. A real mismatch raises
    `autograd.check.GradcheckError` listing every input that disagrees.

        >>> assert_grads_match(lambda x, y: (x * y).tanh(), [0.3, -1.2])
    """
    points = [x.data if isinstance(x, Value) else float(x) for x in inputs]
    with enable_grad():
        # Not guarded: an input outside f's domain is the caller's error, so it raises.
        reference = _local_derivatives(f, points)
        for i in range(len(points)):
            for step in (eps, -eps):
                shifted = list(points)
                shifted[i] += step
                problem = _branch_change(reference, _shifted_derivatives(f, shifted))
                if problem is not None:
                    _discard(f"shifting input {i} (= {points[i]!r}) by {step!r} {problem}")
    gradcheck(f, *points, eps=eps, atol=atol, rtol=rtol)


def _discard(reason: str) -> None:
    if currently_in_test_context():
        assume(False)
    raise ValueError(f"assert_grads_match: {reason}, so finite differences are not valid "
                     "at this point; move it away from the kink or domain edge.")


# A node's local derivatives as (op name, derivatives), in topological order.
_Shape = list[tuple[str, tuple[float, ...]]]


def _shifted_derivatives(f: Callable[..., Value], points: list[float]) -> _Shape | None:
    try:
        return _local_derivatives(f, points)
    except (ValueError, ZeroDivisionError, OverflowError):
        return None  # the shift left an op's domain


def _local_derivatives(f: Callable[..., Value], points: list[float]) -> _Shape:
    out = f(*[Value(x) for x in points])
    if not isinstance(out, Value):
        raise TypeError(f"assert_grads_match: f must return a Value, got {type(out).__name__}.")
    return [
        (node.op.describe() if node.op else "leaf", tuple(map(float, node.local_grads)))
        for node in topological_order(out)
    ]


def _branch_change(reference: _Shape, shifted: _Shape | None, jump: float = 1e-3) -> str | None:
    """Why the shifted graph is on another branch (a message), or None if it is not."""
    if shifted is None:
        return "leaves an op's domain"
    if [op for op, _ in shifted] != [op for op, _ in reference]:
        return "builds a different graph (f branches on its input)"
    for (op, grads), (_, shifted_grads) in zip(reference, shifted):
        for g, h in zip(grads, shifted_grads):
            # A smooth op's local derivative drifts by about eps * (its slope); a kink
            # makes it jump by O(1) (relu: 0 -> 1).
            if math.isfinite(g) and math.isfinite(h) and abs(g - h) > jump * (1.0 + abs(g)):
                return f"crosses a kink of {op} (its local derivative jumps from {g!r} to {h!r})"
    return None
