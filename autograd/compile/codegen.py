"""Straight-line Python for a traced graph: one statement per node, forward then backward.

Each node's statement is its op's formula (read off the op's own `forward` and `rule` by
`autograd.compile.symbolic`) with the operands' variable names filled in, so the listing is the
chain rule written out as code::

    v4 = v2 * v0                 # forward: one line per node
    ...
    g9 = 1.0                     # backward: seed the output
    g4 = g9                      # then one line per edge that leads to a parameter
    g2 += v0 * g4

Rules for the backward half, all chosen so the numbers are eager `backward()`'s:

- nodes run in reverse topological order and each adds ``local * g`` to its parents in
  the order of its edges, exactly as `autograd.backward` does;
- only edges leading to a parameter (or, when asked, an input) are written;
- a part that several of a node's local derivatives share (the tie count of a ``max``)
  is computed once, into ``s<node>_<k>``, before them;
- a gradient with a single contribution that is already a variable is not copied, the
  name is reused;
- parameter gradients start from their current ``.grad`` and accumulate, like leaves do.

    >>> from autograd import Value
    >>> from autograd.backward import topological_order
    >>> from autograd.compile.tape import Tape
    >>> x, w = Value(2.0), Value(3.0)
    >>> order = topological_order((x * w).relu())
    >>> tape = Tape.from_order(order, inputs=[x], params=[w], outputs=[3])
    >>> print(python_source(tape, Templates(), "backward").source)
    # chainrule program (backward): 1 inputs, 1 parameters, 4 nodes
    def program(X, P, G):
        v1, = P
        g1, = G
        v0, = X
        v2 = v0 * v1
        v3 = v2 if v2 > 0.0 else 0.0
        g3 = 1.0
        g2 = g3 if v2 > 0.0 else 0.0 * g3
        g1 += v0 * g2
        return v3, [g1]
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from autograd.compile.symbolic import Expr, Template, Templates, has_escape, times
from autograd.compile.tape import CONST, INPUT, PARAM, Tape

KINDS = ("forward", "backward", "backward_inputs", "batch_backward")


class PythonDialect:
    """How expressions are spelled in plain Python on floats; collects the names they use."""

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {"_sum": builtins.sum, "_max": builtins.max,
                                          "_inf": math.inf, "_nan": math.nan}

    def const(self, x: float) -> tuple[str, bool]:
        """The literal and whether it is atomic (safe to use without parentheses)."""
        if math.isnan(x):
            return "_nan", True
        if math.isinf(x):
            return ("_inf", True) if x > 0 else ("-_inf", False)
        return repr(x), x >= 0 and not str(x).startswith("-")

    def operand_const(self, x: float) -> str:
        """A constant leaf used as an operand."""
        text, atomic = self.const(x)
        return text if atomic else f"({text})"

    def call(self, name: str, args: list[str]) -> str:
        self.namespace[f"_m_{name}"] = getattr(math, name)
        return f"_m_{name}({', '.join(args)})"

    def method(self, name: str, obj: str, args: list[str]) -> str:
        return f"({obj}).{name}({', '.join(args)})"

    def select(self, cond: str, yes: str, no: str) -> str:
        return f"{yes} if {cond} else {no}"

    def compare(self, symbol: str, a: str, b: str) -> tuple[str, bool]:
        """A comparison, and whether it is atomic (it is not: it needs parentheses)."""
        return f"{a} {symbol} {b}", False

    def sum(self, items: list[str]) -> str:
        # builtins.sum, as SUM's forward itself uses, so the rounding is identical.
        return f"_sum(({', '.join(items)},))"

    def max(self, items: list[str]) -> str:
        return f"_max(({', '.join(items)},))"


def render(expr: Expr, args: Sequence[str], dialect: Any, escape: str = "_nan") -> str:
    """Source text of an expression, operand k spelled ``args[k]``; escapes spelled `escape`.

        >>> render(("bin", "*", ("arg", 0), ("const", -2.0)), ["v3"], PythonDialect())
        'v3 * (-2.0)'
    """
    return _render(expr, args, dialect, escape)[0]


def _render(expr: Expr, args: Sequence[str], d: Any, escape: str) -> tuple[str, bool]:
    def sub(e: Expr) -> str:
        text, atomic = _render(e, args, d, escape)
        return text if atomic else f"({text})"

    def top(e: Expr) -> str:
        return _render(e, args, d, escape)[0]

    tag = expr[0]
    if tag == "arg":
        return args[expr[1]], True
    if tag == "const":
        return d.const(expr[1])
    if tag == "bin":
        return f"{sub(expr[2])} {expr[1]} {sub(expr[3])}", False
    if tag == "cmp":
        return d.compare(expr[1], sub(expr[2]), sub(expr[3]))
    if tag == "neg":
        return f"-{sub(expr[1])}", False
    if tag == "abs":
        return f"abs({top(expr[1])})", True
    if tag == "call":
        return d.call(expr[1], [top(a) for a in expr[2]]), True
    if tag == "method":
        return d.method(expr[1], top(expr[2]), [top(a) for a in expr[3]]), True
    if tag == "sum":
        return d.sum([top(a) for a in expr[1]]), True
    if tag == "max":
        return d.max([top(a) for a in expr[1]]), True
    if tag == "select":
        # A conditional binds more loosely than anything else: only a nested one needs
        # parentheses.
        parts = [sub(e) if e[0] == "select" else top(e) for e in expr[1:]]
        return d.select(*parts), False
    if tag == "escape":
        return escape, True
    raise ValueError(f"codegen: unknown expression {tag!r}.")


@dataclass
class Generated:
    """Generated source, the names it needs, and the compiled function ``program``."""

    source: str
    namespace: dict[str, Any]
    function: Callable[..., Any] | None = None

    def compile(self) -> Callable[..., Any]:
        """Compile once with `compile`/`exec`; the function is kept for every later call."""
        if self.function is None:
            code = compile(self.source, "<chainrule program>", "exec")
            namespace = dict(self.namespace)
            exec(code, namespace)
            self.function = namespace["program"]
        return self.function


class Emitter:
    """Writes the statements of one program; shared by the Python and NumPy generators."""

    def __init__(self, tape: Tape, templates: Templates, dialect: Any) -> None:
        self.tape = tape
        self.templates = templates
        self.dialect = dialect
        self._escape_names: dict[tuple[int, int], str] = {}

    def operand(self, i: int) -> str:
        """The value of node i as an expression: its variable, or a constant's literal."""
        if self.tape.kinds[i] == CONST:
            return self.dialect.operand_const(self.tape.data[i])
        return f"v{i}"

    def template(self, i: int) -> Template:
        op: Any = self.tape.ops[i]  # i is an OP node, so it has an op
        return self.templates.get(op, len(self.tape.parents[i]))

    def escape_name(self, template: Template, which: int) -> str:
        """A name bound to the op's own forward (which = -1) or rule entry `which`."""
        key = (id(template), which)
        name = self._escape_names.get(key)
        if name is None:
            name = f"_{'f' if which < 0 else 'r'}{len(self._escape_names)}"
            self._escape_names[key] = name
            self.dialect.namespace[name] = (template.forward_function() if which < 0
                                            else template.local_grad_function(which))
        return name

    def forward_expr(self, i: int) -> tuple[Expr, list[str], str]:
        """Node i's forward formula, its operand names, and the escape call for it."""
        t = self.template(i)
        args = [self.operand(p) for p in self.tape.parents[i]]
        return t.forward, args, f"{self.escape_name(t, -1)}({', '.join(args)})"

    def backward_args(self, i: int, grad: str) -> list[str]:
        """Names for node i's rule: its operands, its output, then its gradient."""
        return [self.operand(p) for p in self.tape.parents[i]] + [f"v{i}", grad]

    def local_grads(self, i: int, ks: Sequence[int], args: list[str]) -> \
            tuple[list[str], dict[int, Expr]]:
        """Node i's local derivatives for its edges `ks`, and the statements that compute
        the parts they share, once; their names are appended to `args`."""
        shared, exprs = hoist([self.template(i).local_grads[k] for k in ks], len(args))
        names = [f"s{i}_{j}" for j in range(len(shared))]
        args.extend(names)  # a shared part may read an earlier one
        lines = [f"{name} = {render(e, args, self.dialect)}" for name, e in zip(names, shared)]
        return lines, dict(zip(ks, exprs))

    def contribution(self, i: int, k: int, args: list[str], local: Expr) -> tuple[Expr, str]:
        """``local * g_i``, what node i adds to its k-th parent's gradient, and the call
        that escapes to the op's own rule (spelled only if the formula needs it: an n-ary
        node has one edge per operand, and the call names them all). `args` are from
        `backward_args` (and `local_grads`)."""
        n = len(self.tape.parents[i]) + 1  # the operands and the output; then the gradient
        expr = times(local, ("arg", n))
        if not has_escape(expr):
            return expr, "_nan"
        return expr, f"{self.escape_name(self.template(i), k)}({', '.join(args[:n])})"


def python_source(tape: Tape, templates: Templates, kind: str) -> Generated:
    """The program of one `kind` (see `KINDS`) as Python source.

    - ``forward``: ``program(X, P, G) -> output(s)``;
    - ``backward``: ``-> (output, parameter gradients)``, G the current gradients;
    - ``backward_inputs``: ``-> (output, parameter gradients, input gradients)``;
    - ``batch_backward``: ``program(ROWS, P, G, seed) -> (sum of outputs, parameter
      gradients)``, looping over rows of inputs, each output's gradient seeded with `seed`.
    """
    if kind not in KINDS:
        raise ValueError(f"codegen: kind must be one of {KINDS}, got {kind!r}.")
    emitter = Emitter(tape, templates, PythonDialect())
    batch = kind == "batch_backward"
    pad = "        " if batch else "    "
    head = [f"# chainrule program ({kind}): {tape.n_inputs} inputs, {tape.n_params} "
            f"parameters, {len(tape)} nodes"]
    head.append("def program(ROWS, P, G, seed):" if batch else "def program(X, P, G):")
    head += _unpack(tape, PARAM, "P", "v")
    if kind != "forward":
        head += _unpack(tape, PARAM, "G", "g")
    body = []
    for i in tape.op_nodes:
        expr, args, escape = emitter.forward_expr(i)
        body.append(f"{pad}v{i} = {render(expr, args, emitter.dialect, escape)}")
    outputs = [emitter.operand(i) for i in tape.outputs]
    if kind == "forward":
        single = len(outputs) == 1
        tail = [f"    return {outputs[0]}" if single else f"    return [{', '.join(outputs)}]"]
        return Generated("\n".join([*head, *_unpack(tape, INPUT, "X", "v"), *body, *tail]),
                         emitter.dialect.namespace)
    grads, backward = _backward(emitter, kind == "backward_inputs", "seed" if batch else "1.0")
    params = ", ".join(_slot_names(tape, PARAM, "g", "G"))
    if batch:
        inputs = _slot_names(tape, INPUT, "v", "_")
        target = f"({', '.join(inputs)},)" if inputs else "_"
        lines = [*head, "    _total = 0.0", f"    for {target} in ROWS:", *body,
                 f"        _total += {outputs[0]}", *[pad + s for s in backward],
                 f"    return _total, [{params}]"]
        return Generated("\n".join(lines), emitter.dialect.namespace)
    ret = f"    return {outputs[0]}, [{params}]"
    if kind == "backward_inputs":
        found = [grads.get(i, "0.0") for i in _slot_nodes(tape, INPUT)]
        ret += f", [{', '.join(found)}]"
    lines = [*head, *_unpack(tape, INPUT, "X", "v"), *body, *["    " + s for s in backward], ret]
    return Generated("\n".join(lines), emitter.dialect.namespace)


def _backward(emitter: Emitter, input_grads: bool, seed: str) -> tuple[dict[int, str], list[str]]:
    """The backward statements, and the name holding each input's gradient."""
    tape = emitter.tape
    needs = tape.needs_grad(input_grads)
    count = [0] * len(tape)
    for i in tape.op_nodes:
        if needs[i]:
            for p in tape.parents[i]:
                count[p] += needs[p]
    root = tape.outputs[0]
    grads: dict[int, str] = {}
    lines: list[str] = []
    if not needs[root]:
        return grads, lines
    if tape.kinds[root] == PARAM:
        lines.append(f"g{root} += {seed}")
    else:
        lines.append(f"g{root} = {seed}")
        grads[root] = f"g{root}"
    for i in reversed(tape.op_nodes):
        if not needs[i] or i not in grads:
            continue
        args = emitter.backward_args(i, grads[i])
        shared, local = emitter.local_grads(
            i, [k for k, p in enumerate(tape.parents[i]) if needs[p]], args)
        lines += shared
        for k, p in enumerate(tape.parents[i]):
            if not needs[p]:
                continue
            expr, escape = emitter.contribution(i, k, args, local[k])
            text = render(expr, args, emitter.dialect, escape)
            if tape.kinds[p] == PARAM or p in grads:
                lines.append(f"g{p} += {text}")
            elif count[p] == 1 and text.isidentifier():
                grads[p] = text  # the only contribution is a name already: reuse it
            else:
                lines.append(f"g{p} = {text}")
                grads[p] = f"g{p}"
    return grads, lines


def _slot_nodes(tape: Tape, kind: int) -> list[int]:
    """For each slot of `kind` (INPUT or PARAM), its node, or -1 if the graph lacks it."""
    nodes = [-1] * (tape.n_inputs if kind == INPUT else tape.n_params)
    for i, k in enumerate(tape.kinds):
        if k == kind:
            nodes[tape.slots[i]] = i
    return nodes


def _slot_names(tape: Tape, kind: int, prefix: str, missing: str) -> list[str]:
    return [f"{prefix}{i}" if i >= 0 else (f"{missing}[{slot}]" if missing != "_" else "_")
            for slot, i in enumerate(_slot_nodes(tape, kind))]


def _unpack(tape: Tape, kind: int, source: str, prefix: str) -> list[str]:
    names = [f"{prefix}{i}" if i >= 0 else "_" for i in _slot_nodes(tape, kind)]
    if not names or all(n == "_" for n in names):
        return []
    return [f"    {', '.join(names)}, = {source}"]



# ---- sharing work between the local derivatives of one node -------------------------------
def hoist(exprs: Sequence[Expr], first: int) -> tuple[list[Expr], list[Expr]]:
    """The parts several of `exprs` compute, and `exprs` reading them as operands
    ``("arg", first + j)`` instead, so they are computed once.

    Only parts that every evaluation computes are shared (not those inside a select's
    branches, nor escapes): computing them first changes no result.

        >>> ties = ("sum", (("arg", 0), ("arg", 1)))
        >>> hoist([("bin", "/", ("arg", 0), ties), ("bin", "/", ("arg", 1), ties)], 3)
        ([('sum', (('arg', 0), ('arg', 1)))], [('bin', '/', ('arg', 0), ('arg', 3)), \
('bin', '/', ('arg', 1), ('arg', 3))])
    """
    counts: dict[Expr, int] = {}
    for expr in exprs:
        for part in set(_always_computed(expr)):
            counts[part] = counts.get(part, 0) + 1
    shared: list[Expr] = []

    def pick(e: Expr) -> None:  # the outermost shared parts, in order of appearance
        if counts.get(e, 0) > 1:
            if e not in shared:
                shared.append(e)
            return
        for operand in _operands(e):
            pick(operand)

    for expr in exprs:
        pick(expr)
    if not shared:
        return [], list(exprs)
    shared.sort(key=lambda e: len(_always_computed(e)))  # a part before what contains it
    names = {e: ("arg", first + j) for j, e in enumerate(shared)}
    shared = [_rebuild(e, lambda x: _substitute(x, names)) for e in shared]
    return shared, [_substitute(e, names) for e in exprs]


def _operands(e: Expr) -> list[Expr]:
    """The sub-expressions every evaluation of `e` computes (of a select: its condition)."""
    if e[0] == "select":
        return [e[1]]
    found: list[Expr] = []

    def note(x: Expr) -> Expr:
        found.append(x)
        return x

    _rebuild(e, note)
    return found


def _always_computed(e: Expr) -> list[Expr]:
    if e[0] in ("arg", "const", "escape") or has_escape(e):
        return []
    return [e] + [part for operand in _operands(e) for part in _always_computed(operand)]


def _substitute(e: Expr, names: dict[Expr, Expr]) -> Expr:
    return names[e] if e in names else _rebuild(e, lambda x: _substitute(x, names))


def _rebuild(e: Expr, f: Callable[[Expr], Expr]) -> Expr:
    """`e` with `f` applied to each sub-expression one level down (in any tag's layout)."""
    def is_expr(x: Any) -> bool:
        return isinstance(x, tuple) and bool(x) and isinstance(x[0], str)

    return (e[0], *(f(x) if is_expr(x) else tuple(map(f, x)) if isinstance(x, tuple) else x
                    for x in e[1:]))
