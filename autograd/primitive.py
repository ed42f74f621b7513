"""What an op is: an `Op` pairs a forward on floats with a local-derivative rule and a
`Domain` per input. The ops themselves, built-in ones side by side, are in `ops.py`;
`autograd.op` (`extend.py`) builds one of a user's own.

    >>> square = Op("square", 1, lambda x, a: x * x, lambda x, out, a: (2.0 * x,))
    >>> square.evaluate([3.0]), square.local_grads([3.0], 9.0)
    (9.0, (6.0,))
    >>> POSITIVE.contains(0.0), POSITIVE.error("log", 0.0)
    (False, ValueError('log: input 0.0 is outside the domain (x > 0).'))
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Domain:
    """What one input of an op needs, and where the op is not smooth.

    An input must be above `low` (or at least `low` when `closed`), and nonzero when
    `nonzero`; `text` says that in words for error messages. `kinks` are the points where
    the derivative jumps (finite differences are invalid there). Inputs with
    ``|x| <= bound`` keep the output moderate (exp, powers): strategies draw inside it.

        >>> Domain("x >= 0", low=0.0, closed=True).contains(0.0)
        True
    """

    text: str = "any real number"
    low: float = -math.inf
    closed: bool = False
    nonzero: bool = False
    bound: float = math.inf
    kinks: tuple[float, ...] = ()

    def contains(self, x: float) -> bool:
        """Whether `x` is a valid input."""
        above = x >= self.low if self.closed else x > self.low
        return above and not (self.nonzero and x == 0)

    def error(self, op: str, x: float) -> ValueError:
        """The error for an input outside the domain, naming the op and the value."""
        return ValueError(f"{op}: input {x!r} is outside the domain ({self.text}).")


ANYWHERE = Domain()
POSITIVE = Domain("x > 0", low=0.0)
NONZERO = Domain("x != 0", nonzero=True)


class Op:
    """A differentiable operation: `forward` on floats, `rule` for the local derivatives.

    Unary ops: ``forward(x, attr) -> float`` and ``rule(x, out, attr) -> (d_out/dx,)``.
    Binary ops: ``forward(x, y)`` and ``rule(x, y, out) -> (d_out/dx, d_out/dy)``.
    N-ary ops: ``forward(xs)`` and ``rule(xs, out) -> tuple`` with one entry per input.
    ``attr`` is a constant of the op (the exponent of ``x ** 2.0``, a leaky slope); an op
    with an attribute is bound to it with `Op.bind`, so each node knows its own.
    Callers that handle every arity use `evaluate` and `local_grads`, which own that
    calling convention. ``domain`` is one `Domain` per input (one for all inputs of an
    n-ary op), or a function of ``attr`` giving them (the base of ``x ** a``).
    """

    __slots__ = ("name", "symbol", "arity", "forward", "rule", "attr", "domain", "attr_examples",
                 "formula", "swapped_from", "_swapped")

    def __init__(
        self,
        name: str,
        arity: int,
        forward: Callable[..., float],
        rule: Callable[..., tuple[Any, ...]],
        *,
        symbol: str | None = None,
        attr: float | None = None,
        domain: tuple[Domain, ...] | Callable[[Any], tuple[Domain, ...]] | None = None,
        attr_examples: tuple[float, ...] = (),
        formula: tuple[str, tuple[str, ...]] | None = None,
    ) -> None:
        self.name = name
        self.symbol = symbol or name  # how drawings and listings show it: "*", "tanh"
        self.arity = arity  # 1, 2, or 0 for "any number of inputs"
        self.forward = forward
        self.rule = rule
        self.attr = attr
        self.domain = domain if domain is not None else (ANYWHERE,) * max(arity, 1)
        self.attr_examples = attr_examples  # typical constants, for tests to draw from
        self.formula = formula  # the expressions `forward` and `rule` were made from, if any
        self.swapped_from: Op | None = None  # set on the op that `swapped` makes
        self._swapped: Op | None = None

    def bind(self, attr: float) -> Op:
        """The same op with its constant attribute set (``x ** 3.0`` → ``POW_CONST.bind(3.0)``)."""
        return Op(
            self.name, self.arity, self.forward, self.rule,
            symbol=self.symbol, attr=attr, domain=self.domain,
            attr_examples=self.attr_examples, formula=self.formula,
        )

    @classmethod
    def from_formula(cls, name: str, arity: int, forward: str, rule: Sequence[str],
                     namespace: dict[str, Any], **options: Any) -> Op:
        """An op written as expressions: ``forward`` in ``x, y`` (binary) or ``x, a``
        (unary, ``a`` its attribute), and one local derivative per input in those and
        ``out``. They become the op's `forward` and `rule` functions, evaluated in
        `namespace` (the module's globals, for the helpers they call); `Value`'s
        operators write the same expressions into their own code (`autograd.fastpath`),
        so making a node calls no function of the op's.

            >>> cube = Op.from_formula("cube", 1, "x * x * x", ["3.0 * x * x"], {})
            >>> cube.evaluate([2.0]), cube.local_grads([2.0], 8.0)
            (8.0, (12.0,))
        """
        if arity not in (1, 2) or len(rule) != arity:
            raise ValueError(f"Op.from_formula: {name!r} needs arity 1 or 2 and one "
                             f"derivative per input, got arity {arity} and {len(rule)}.")
        inputs = "x, y" if arity == 2 else "x, a"
        rule_inputs = "x, y, out" if arity == 2 else "x, out, a"
        # The two functions are compiled from the op's own text: nothing outside it.
        forward_fn = eval(f"lambda {inputs}: {forward}", namespace)  # noqa: S307
        rule_fn = eval(f"lambda {rule_inputs}: ({', '.join(rule)},)", namespace)  # noqa: S307
        return cls(name, arity, forward_fn, rule_fn, formula=(forward, tuple(rule)), **options)

    def with_functions(self, forward: Callable[..., Any], rule: Callable[..., Any]) -> Op:
        """The same op computed by other functions (the compiler's symbolic copies)."""
        return Op(self.name, self.arity, forward, rule, symbol=self.symbol, attr=self.attr,
                  domain=self.domain, attr_examples=self.attr_examples)

    def swapped(self) -> Op:
        """This binary op with its two inputs in the other order, made once and kept.

        A node for ``2 - x`` keeps x as its only parent and 2.0 as a plain number, in the
        order ``(x, 2.0)``, so its op is ``SUB.swapped()``; ``swapped_from`` leads back.

            >>> from autograd.ops import SUB
            >>> SUB.swapped().evaluate([1.0, 5.0]), SUB.swapped().swapped_from is SUB
            (4.0, True)
        """
        if self.arity != 2:
            raise ValueError(f"swapped: only a binary op has two inputs to swap, not "
                             f"{self.describe()}.")
        if self.swapped_from is not None:
            return self.swapped_from
        if self._swapped is None:
            forward, rule = self.forward, self.rule
            domain = self.domain if callable(self.domain) else self.domain[::-1]
            other = Op(self.name, 2, lambda x, y: forward(y, x),
                       lambda x, y, out: rule(y, x, out)[::-1],
                       symbol=self.symbol, domain=domain)
            other.swapped_from = self
            self._swapped = other
        return self._swapped

    def evaluate(self, inputs: Sequence[Any]) -> Any:
        """The forward on a list of inputs, whatever the arity.

            >>> from autograd.ops import ADD, SUM, TANH
            >>> TANH.evaluate([0.0]), ADD.evaluate([1.0, 2.0]), SUM.evaluate([1.0, 2.0, 3.0])
            (0.0, 3.0, 6.0)
        """
        if self.arity == 1:
            return self.forward(inputs[0], self.attr)
        if self.arity == 2:
            return self.forward(inputs[0], inputs[1])
        return self.forward(list(inputs))

    def local_grads(self, inputs: Sequence[Any], out: Any) -> tuple[Any, ...]:
        """d(out)/d(input) for each input: the rule on anything (floats, Values, symbols).

            >>> from autograd.ops import MUL, SUM
            >>> MUL.local_grads([2.0, 3.0], 6.0), SUM.local_grads([1.0, 2.0], 3.0)
            ((3.0, 2.0), (1.0, 1.0))
        """
        if self.arity == 1:
            return self.rule(inputs[0], out, self.attr)
        if self.arity == 2:
            return self.rule(inputs[0], inputs[1], out)
        return self.rule(list(inputs), out)

    def domain_of(self, k: int) -> Domain:
        """The domain of input `k` (every input of an n-ary op shares one)."""
        domains = self.domain(self.attr) if callable(self.domain) else self.domain
        return domains[min(k, len(domains) - 1)]

    def describe(self) -> str:
        """The op's name with its attribute, for messages: ``pow(3.0)``, ``tanh``."""
        return self.name if self.attr is None else f"{self.name}({self.attr!r})"

    def display(self) -> str:
        """How drawings and listings show the op: its symbol (``*``), or ``pow(3.0)`` when
        it carries a constant."""
        return self.symbol if self.attr is None else self.describe()

    def __repr__(self) -> str:
        return f"<op {self.describe()}>"


class ClosureOp(Op):
    """The op of a node made micrograd's way: ``Value(data, children, "tanh")`` and then
    ``out._backward = closure``. It names the op for drawings; the chain rule lives in the
    node's closure, so there is no rule to evaluate on Values or on a tracer's symbols.

        >>> ClosureOp("tanh").display()
        'tanh'
    """

    __slots__ = ()

    def __init__(self, symbol: str) -> None:
        super().__init__(symbol, 0, _no_forward, _no_rule, symbol=symbol or "?")


def _no_forward(*args: Any) -> Any:
    raise TypeError("this op was written micrograd's way (Value(data, children, op)): its "
                    "forward ran in the code that made the node and cannot be replayed.")


def _no_rule(*args: Any) -> Any:
    raise TypeError("this op was written micrograd's way (Value(data, children, op)): its "
                    "derivative is the node's _backward closure, which only backward() calls.")
