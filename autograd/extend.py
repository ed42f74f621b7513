"""Define an op of your own in one place: ``op(name, forward, rule, domain=...)``.

The result is an `ops.Op` like the built-in ones, and it is called on Values (or
numbers) to build nodes:

    >>> from autograd import Value, op
    >>> softsign = op("softsign", lambda x: x / (1 + abs(x)),
    ...               lambda x, out: 1 / (1 + abs(x)) ** 2)
    >>> x = Value(1.0)
    >>> y = softsign(x)
    >>> y.backward(); y.data, x.grad
    (0.5, 0.25)

Everything that reads ops reads it, so it works wherever a built-in op does: backward
and ``backward(create_graph=True)`` (the rule evaluated on Values), `autograd.trace` and
the compiled and batched programs (the forward and rule evaluated on the compiler's
symbols), `draw_graph` and `print_graph` (its symbol and local derivatives), `gradcheck`,
and ``autograd.testing.expressions(ops_to_use=[softsign, ...])`` (which keeps its inputs
inside its `domain`).

Write the forward and the rule with arithmetic, ``abs``, ``**`` and the helpers of
`autograd.ops` (``exp``, ``log``, ``sin``, ``cos``, ``erf``, ``sigmoid``, ``step``,
``sign``) rather than `math`: they then work on floats, on Values and on symbols alike.
A rule built on ``math.exp`` still gives the right first derivatives, but it turns a
Value into a float, so its second derivatives would be missing.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

from autograd.primitive import Domain, Op
from autograd.value import Value, apply


class CustomOp(Op):
    """An op made by `op`: an `ops.Op`, and a function that applies it to Values.

    A one- or two-input op takes its inputs as arguments (``softsign(x)``); an op of any
    number of inputs (``arity=0``) takes one list, as `autograd.sum` does.
    """

    __slots__ = ()

    def __call__(self, *inputs: Any) -> Value:
        if self.arity == 0:
            if len(inputs) != 1 or not isinstance(inputs[0], Sequence):
                raise TypeError(f"{self.name}: expected one list of inputs, got "
                                f"{len(inputs)} argument(s).")
            return apply(self, list(inputs[0]))
        if len(inputs) != self.arity:
            raise TypeError(f"{self.name}: expected {self.arity} input(s), got {len(inputs)}.")
        return apply(self, inputs)


def op(
    name: str,
    forward: Callable[..., Any],
    rule: Callable[..., Any],
    *,
    domain: Domain | Sequence[Domain] | None = None,
    symbol: str | None = None,
    arity: int | None = None,
) -> CustomOp:
    """A new op: `forward` on floats, and `rule` giving its local derivatives.

    - one input: ``forward(x)``, ``rule(x, out) -> d out/d x`` (a number or a 1-tuple);
    - two inputs: ``forward(x, y)``, ``rule(x, y, out) -> (d out/d x, d out/d y)``;
    - any number (``arity=0``): ``forward(xs)``, ``rule(xs, out)`` with one entry per input.

    ``out`` is the forward's result, for rules that read it (tanh's is ``1 - out * out``).
    The arity is read from the forward's signature unless given. `domain` is one
    `ops.Domain` for every input, or one per input; it names the valid inputs in error
    messages (the forward raises `ValueError` outside it, as built-in ops do) and keeps
    random test formulas inside it. `symbol` is how drawings show the op (default: its
    name).

        >>> from autograd import ops
        >>> cube = op("cube", lambda x: x ** 3, lambda x, out: 3 * x ** 2)
        >>> cube(Value(2.0)).data
        8.0
        >>> hypot = op("hypot", lambda x, y: (x * x + y * y) ** 0.5,
        ...            lambda x, y, out: (x / out, y / out), domain=ops.NONZERO)
        >>> hypot(3.0, Value(4.0)).data
        5.0
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"op: name must be a non-empty str, got {name!r}.")
    for role, function in (("forward", forward), ("rule", rule)):
        if not callable(function):
            raise TypeError(f"op {name!r}: {role} must be a function, got "
                            f"{type(function).__name__}.")
    if symbol is not None and not isinstance(symbol, str):
        raise TypeError(f"op {name!r}: symbol must be a str, got {type(symbol).__name__}.")
    n = _arity(name, forward) if arity is None else arity
    if n not in (0, 1, 2) or isinstance(n, bool):
        raise ValueError(f"op {name!r}: arity must be 1, 2, or 0 for a list of inputs, "
                         f"got {n!r}.")
    domains = _domains(name, domain, max(n, 1))
    if domains is not None:
        forward = _inside(name, forward, domains, n)
    if n == 1:
        def forward_1(x: Any, attr: Any) -> Any:
            return forward(x)

        def rule_1(x: Any, out: Any, attr: Any) -> tuple[Any, ...]:
            return _checked(name, rule(x, out), 1)

        return CustomOp(name, 1, forward_1, rule_1, symbol=symbol, domain=domains)
    if n == 2:
        def rule_2(x: Any, y: Any, out: Any) -> tuple[Any, ...]:
            return _checked(name, rule(x, y, out), 2)

        return CustomOp(name, 2, forward, rule_2, symbol=symbol, domain=domains)

    def rule_n(xs: list[Any], out: Any) -> tuple[Any, ...]:
        return _checked(name, rule(xs, out), len(xs))

    return CustomOp(name, 0, forward, rule_n, symbol=symbol, domain=domains)


def _arity(name: str, forward: Callable[..., Any]) -> int:
    try:
        parameters = inspect.signature(forward).parameters.values()
    except (TypeError, ValueError):  # a builtin without a signature
        parameters = None
    if parameters is not None:
        positional = [p for p in parameters if p.default is p.empty and p.kind in
                      (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if len(positional) in (1, 2) and all(p.kind != p.VAR_POSITIONAL for p in parameters):
            return len(positional)
    raise ValueError(f"op {name!r}: cannot tell from its forward how many inputs it takes; "
                     "pass arity=1, arity=2, or arity=0 for a list of inputs.")


def _domains(name: str, domain: Domain | Sequence[Domain] | None,
             n: int) -> tuple[Domain, ...] | None:
    if domain is None:
        return None
    if isinstance(domain, Domain):
        return (domain,) * n
    domains = tuple(domain)
    if not all(isinstance(d, Domain) for d in domains) or len(domains) not in (1, n):
        raise TypeError(f"op {name!r}: domain must be an ops.Domain, or one per input "
                        f"({n}), got {domain!r}.")
    return domains * n if len(domains) == 1 else domains


def _inside(name: str, forward: Callable[..., Any], domains: tuple[Domain, ...],
            n: int) -> Callable[..., Any]:
    """`forward`, raising the domain's ValueError (naming the op) for an input outside it."""
    if n == 0:
        def forward_n(xs: list[Any]) -> Any:
            for x in xs:
                if not domains[0].contains(x):
                    raise domains[0].error(name, x)
            return forward(xs)

        return forward_n

    def forward_checked(*xs: Any) -> Any:
        for x, domain in zip(xs, domains):
            if not domain.contains(x):
                raise domain.error(name, x)
        return forward(*xs)

    return forward_checked


def _checked(name: str, local_grads: Any, n: int) -> tuple[Any, ...]:
    """The rule's result as a tuple of `n` derivatives, or a TypeError naming the op."""
    if isinstance(local_grads, tuple | list):
        if len(local_grads) == n:
            return tuple(local_grads)
    elif n == 1:
        return (local_grads,)
    raise TypeError(f"op {name!r}: its rule must return {n} local derivative(s), one per "
                    f"input, got {local_grads!r}.")


__all__ = ["CustomOp", "op"]
