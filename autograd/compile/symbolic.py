"""Run an op's own `forward` and `rule` on symbols, and read off their formulas.

The compiler keeps no table of ops of its own. To write code for a node it calls the
op's functions from `ops.py` with `Sym` objects, which record every arithmetic step as
a small expression tree (nested tuples) instead of computing it:

- the rule helpers (`exp`, `sigmoid`, ...) call methods such as ``x.exp()``; a `Sym`
  answers those by running that op's own forward on itself;
- functions written with `math` (``math.exp(x)`` in `_exp`) are run as copies whose
  globals see a symbolic `math`, `float`, `sum` and `max`; the originals are never
  touched (``max(xs)`` over symbols is one expression, evaluated on every input);
- a branch (``x if x > 0 else 0.0``, or `step`/`sign` reading ``x.data``) calls
  `Sym.__bool__`, and an explorer re-runs the function once per path, so the branch
  becomes a ``select`` that the generated code evaluates on every input;
- a path that raises (``log`` of a negative number), or anything symbols cannot follow,
  becomes an ``escape``: the generated code calls the op's own function on floats
  there, so the result is exact, error messages included.

    >>> from autograd import ops
    >>> Templates().get(ops.RELU, 1).forward
    ('select', ('cmp', '<=', ('arg', 0), ('const', 0.0)), ('const', 0.0), ('arg', 0))
"""

from __future__ import annotations

import builtins
import math
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from autograd import ops
from autograd.primitive import Op

# An expression is a tuple whose first item says what it is:
#   ("const", x)  ("arg", k)  ("bin", "+", a, b)  ("neg", a)  ("abs", a)
#   ("call", "exp", (a, ...))  ("method", "is_integer", obj, (a, ...))  ("sum", (a, ...))
#   ("max", (a, ...))  [Python's max: the first of the largest]
#   ("cmp", ">", a, b)  ("select", cond, if_true, if_false)  ("escape",)
# ("arg", k) is the k-th operand; in a rule, ("arg", n) is the op's output.
Expr = tuple[Any, ...]
ESCAPE: Expr = ("escape",)
MAX_PATHS = 256  # an op with more branch combinations than this is simply escaped


class NotSymbolic(Exception):
    """Raised when symbols cannot follow a computation; the op is then escaped whole."""


class Sym:
    """A number whose value is not known yet: arithmetic on it builds an expression.

        >>> s = Sym(("arg", 0), Explorer(Templates()))
        >>> (s * 2.0 + 1.0).expr
        ('bin', '+', ('bin', '*', ('arg', 0), ('const', 2.0)), ('const', 1.0))
    """

    __slots__ = ("expr", "explorer")

    def __init__(self, expr: Expr, explorer: Explorer) -> None:
        self.expr = expr
        self.explorer = explorer

    def _new(self, expr: Expr) -> Sym:
        return Sym(expr, self.explorer)

    def _bin(self, symbol: str, other: Any, reflected: bool = False) -> Sym:
        a, b = self.expr, lift(other)
        return self._new(("bin", symbol, b, a) if reflected else ("bin", symbol, a, b))

    def __add__(self, other: Any) -> Sym:
        return self._bin("+", other)

    def __radd__(self, other: Any) -> Sym:
        # builtins.sum starts from the int 0; 0 + x is x for every float but -0.0.
        if type(other) is int and other == 0:
            return self
        return self._bin("+", other, reflected=True)

    def __sub__(self, other: Any) -> Sym:
        return self._bin("-", other)

    def __rsub__(self, other: Any) -> Sym:
        return self._bin("-", other, reflected=True)

    def __mul__(self, other: Any) -> Sym:
        return multiply(self.expr, lift(other), self.explorer)

    def __rmul__(self, other: Any) -> Sym:
        return multiply(lift(other), self.expr, self.explorer)

    def __truediv__(self, other: Any) -> Sym:
        return self._bin("/", other)

    def __rtruediv__(self, other: Any) -> Sym:
        return self._bin("/", other, reflected=True)

    def __pow__(self, other: Any) -> Sym:
        return self._bin("**", other)

    def __rpow__(self, other: Any) -> Sym:
        return self._bin("**", other, reflected=True)

    def __neg__(self) -> Sym:
        return self._new(("neg", self.expr))

    def __pos__(self) -> Sym:
        return self

    def __abs__(self) -> Sym:
        return self._new(("abs", self.expr))

    def _cmp(self, symbol: str, other: Any) -> Sym:
        return self._new(("cmp", symbol, self.expr, lift(other)))

    def __lt__(self, other: Any) -> Sym:
        return self._cmp("<", other)

    def __le__(self, other: Any) -> Sym:
        return self._cmp("<=", other)

    def __gt__(self, other: Any) -> Sym:
        return self._cmp(">", other)

    def __ge__(self, other: Any) -> Sym:
        return self._cmp(">=", other)

    def __eq__(self, other: Any) -> Sym:  # type: ignore[override]
        return self._cmp("==", other)

    def __ne__(self, other: Any) -> Sym:  # type: ignore[override]
        return self._cmp("!=", other)

    __hash__ = None  # type: ignore[assignment]

    def __bool__(self) -> bool:
        return self.explorer.decide(self.expr)

    def __float__(self) -> float:
        raise NotSymbolic("float() of a symbol")

    def __int__(self) -> int:
        raise NotSymbolic("int() of a symbol")

    def __index__(self) -> int:
        raise NotSymbolic("a symbol used as an index")

    @property
    def data(self) -> Sym:
        """`step` and `sign` read ``x.data`` to find their side of a kink: a symbol is its own."""
        return self

    def __getattr__(self, name: str) -> Callable[..., Sym]:
        if name.startswith("_"):
            raise AttributeError(name)
        op = ops.UNARY_METHODS.get(name)
        if op is not None:  # x.exp(), x.sigmoid(): that op's own forward, run on x
            forward = self.explorer.templates.rebound(op.forward)
            return lambda: forward(self, op.attr)
        return lambda *args: self._new(("method", name, self.expr, tuple(map(lift, args))))

    def __repr__(self) -> str:
        return f"Sym({self.expr!r})"


def lift(x: Any) -> Expr:
    """The expression of a symbol, or a constant for a Python number."""
    if isinstance(x, Sym):
        return x.expr
    if isinstance(x, int | float):
        return ("const", float(x))
    raise NotSymbolic(f"cannot use {type(x).__name__} in a symbolic expression")


def multiply(a: Expr, b: Expr, explorer: Explorer) -> Sym:
    """a * b, dropping an exact factor 1.0 and turning -1.0 into a negation (both exact)."""
    if a == ("const", 1.0):
        return Sym(b, explorer)
    if b == ("const", 1.0):
        return Sym(a, explorer)
    if a == ("const", -1.0):
        return Sym(("neg", b), explorer)
    return Sym(("bin", "*", a, b), explorer)


def times(local: Expr, g: Expr) -> Expr:
    """The chain-rule product ``local * g``, pushed into the branches of a select.

    ``(1.0 if c else 0.0) * g`` becomes ``g if c else 0.0 * g``: one multiplication fewer on
    the path taken, and bit for bit the same numbers (0.0 * g is kept for inf and nan).
    """
    if local[0] == "select":
        return ("select", local[1], times(local[2], g), times(local[3], g))
    if local == ("const", 1.0):
        return g
    if local == ("const", -1.0):
        return ("neg", g)
    return ("bin", "*", local, g)


class _SymbolicMath:
    """`math` as the copied op functions see it: symbols in, expressions out."""

    def __getattr__(self, name: str) -> Any:
        real = getattr(math, name)
        if not callable(real):
            return real  # pi, inf, nan

        def call(*args: Any) -> Any:
            for arg in args:
                if isinstance(arg, Sym):
                    return arg._new(("call", name, tuple(map(lift, args))))
            return real(*args)

        return call


class _FloatType(type):
    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, float)


class _SymbolicFloat(metaclass=_FloatType):
    """`float` as the copied op functions see it: ``float(sym)`` is the symbol itself."""

    def __new__(cls, x: Any = 0.0) -> Any:
        return x if isinstance(x, Sym) else builtins.float(x)


def _symbolic_sum(items: Any, start: Any = 0) -> Any:
    items = list(items)
    syms = [x for x in items if isinstance(x, Sym)]
    if not syms:
        return builtins.sum(items, start)
    if not (type(start) is int and start == 0):
        raise NotSymbolic("sum with a start value")
    return syms[0]._new(("sum", tuple(map(lift, items))))


def _symbolic_max(*args: Any, **kwargs: Any) -> Any:
    # max(iterable) over symbols is one expression (a branch per comparison would double
    # the paths with every input); max(a, b) still branches through Sym.__bool__.
    if len(args) == 1 and not kwargs:
        items = list(args[0])
        syms = [x for x in items if isinstance(x, Sym)]
        if syms:
            return syms[0]._new(("max", tuple(map(lift, items))))
        return builtins.max(items)
    return builtins.max(*args, **kwargs)


class Explorer:
    """Answers a symbol's ``bool()`` by following one path of branches per run."""

    def __init__(self, templates: Templates) -> None:
        self.templates = templates
        self.forced: list[bool] = []
        self.taken: list[tuple[Expr, bool]] = []
        self.known: dict[Expr, bool] = {}

    def decide(self, cond: Expr) -> bool:
        # The same condition asked twice on one path gets the same answer.
        if cond in self.known:
            return self.known[cond]
        i = len(self.taken)
        choice = self.forced[i] if i < len(self.forced) else True
        self.taken.append((cond, choice))
        self.known[cond] = choice
        return choice

    def explore(self, run: Callable[[], Sequence[Any]], width: int) -> tuple[Expr, ...]:
        """Run `run` along every path of its branches; one expression per result entry.

        Paths are enumerated depth first: take True at every new branch, then flip the
        last True to False and run again, until no True is left to flip.
        """
        paths: list[tuple[list[tuple[Expr, bool]], tuple[Expr, ...]]] = []
        forced: list[bool] = []
        while True:
            self.forced, self.taken, self.known = forced, [], {}
            try:
                result = tuple(map(lift, run()))
                if len(result) != width:
                    raise NotSymbolic("unexpected number of results")
            except NotSymbolic:
                return (ESCAPE,) * width
            except (ArithmeticError, ValueError, TypeError):
                # This path raises what an op raises on a bad input (a domain error, a
                # division by zero, an overflow; a TypeError where symbols meet a float-only
                # call): the generated code calls the op's own function there, at run time,
                # so the same error is raised then. Anything else is a bug and propagates.
                result = (ESCAPE,) * width
            taken = self.taken
            paths.append((taken, result))
            flips = [i for i, (_, choice) in enumerate(taken) if choice]
            if not flips:
                break
            if len(paths) >= MAX_PATHS:
                return (ESCAPE,) * width
            forced = [choice for _, choice in taken[: flips[-1]]] + [False]
        return tuple(_decision_tree(paths, k, 0) for k in range(width))


def _decision_tree(paths: list[tuple[list[tuple[Expr, bool]], tuple[Expr, ...]]],
                   k: int, depth: int) -> Expr:
    taken, result = paths[0]
    if len(taken) == depth:
        return result[k]
    cond = taken[depth][0]
    yes = _decision_tree([p for p in paths if p[0][depth][1]], k, depth + 1)
    no = _decision_tree([p for p in paths if not p[0][depth][1]], k, depth + 1)
    return yes if yes == no else ("select", cond, yes, no)


@dataclass(frozen=True)
class Template:
    """One op's formulas over `arity` operands: its forward and its local derivatives.

    ``("arg", k)`` is operand k; in `local_grads`, ``("arg", arity)`` is the op's output.
    """

    op: Op
    arity: int
    forward: Expr
    local_grads: tuple[Expr, ...]

    def forward_function(self) -> Callable[..., float]:
        """The op's own forward on float operands (what an escape calls)."""
        return lambda *xs: self.op.evaluate(xs)

    def local_grad_function(self, k: int) -> Callable[..., float]:
        """The op's own rule, entry k, on float operands followed by the output."""
        return lambda *xs: self.op.local_grads(xs[:-1], xs[-1])[k]


class Templates:
    """The templates of one compilation, made on first use and kept for its length.

        >>> t = Templates().get(ops.MUL, 2)
        >>> t.forward, t.local_grads
        (('bin', '*', ('arg', 0), ('arg', 1)), (('arg', 1), ('arg', 0)))
    """

    def __init__(self) -> None:
        self._made: dict[tuple[Any, ...], Template] = {}
        self._globals: dict[int, dict[str, Any]] = {}

    def get(self, op: Op, arity: int) -> Template:
        """The template of `op` (with its attribute) applied to `arity` operands."""
        key = (op.name, op.forward, op.rule, op.attr, arity)
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = self._make(op, arity)
        return made

    def _make(self, op: Op, arity: int) -> Template:
        explorer = Explorer(self)
        args = [Sym(("arg", k), explorer) for k in range(arity + 1)]
        xs, out = args[:arity], args[arity]
        symbolic = op.with_functions(self.rebound(op.forward), self.rebound(op.rule))
        fwd = explorer.explore(lambda: (symbolic.evaluate(xs),), 1)
        local = explorer.explore(lambda: symbolic.local_grads(xs, out), arity)
        return Template(op, arity, fwd[0], local)

    def rebound(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """A copy of `fn` whose module globals see symbolic `math`, `float`, `sum`, `max`.

        Every function of that module is copied the same way, so helpers it calls
        (``_sigmoid`` inside silu) are symbolic too. The real module is left untouched.
        """
        if not isinstance(fn, types.FunctionType):
            return fn
        original = fn.__globals__
        copied = self._globals.get(id(original))
        if copied is None:
            copied = self._globals[id(original)] = dict(original)
            copied.update(math=_SymbolicMath(), float=_SymbolicFloat, sum=_symbolic_sum,
                          max=_symbolic_max)
            for name, value in original.items():
                if isinstance(value, types.FunctionType) and value.__globals__ is original:
                    copied[name] = _with_globals(value, copied)
        return _with_globals(fn, copied)


def _with_globals(fn: types.FunctionType, module_globals: dict[str, Any]) -> Any:
    copy = types.FunctionType(fn.__code__, module_globals, fn.__name__, fn.__defaults__,
                              fn.__closure__)
    copy.__kwdefaults__ = fn.__kwdefaults__
    return copy


def has_escape(expr: Expr) -> bool:
    """Whether the expression calls back into the op's own function somewhere."""
    if expr[0] == "escape":
        return True
    if expr[0] == "select":
        return has_escape(expr[2]) or has_escape(expr[3])
    return False


def escape_paths(expr: Expr) -> list[list[tuple[Expr, bool]]]:
    """The branch conditions leading to each escape leaf of a select tree."""
    if expr[0] == "escape":
        return [[]]
    if expr[0] != "select":
        return []
    cond = expr[1]
    return ([[(cond, True), *p] for p in escape_paths(expr[2])]
            + [[(cond, False), *p] for p in escape_paths(expr[3])])
