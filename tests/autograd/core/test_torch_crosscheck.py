"""chainrule against torch float64: random formulas, every op, lists, micrograd's example.

Torch is the reference. Outputs, first derivatives (backward) and second derivatives
(``backward(create_graph=True)`` then backward of the gradient, against
``torch.autograd.grad(..., create_graph=True)``) must agree to 1e-9 relative to the
largest number they were computed from.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import ops
from autograd.backward import topological_order
from autograd.lists import log_softmax, logsumexp, softmax
from autograd.testing import Expression, expressions
from autograd.value import Value
from tests.autograd.core.op_table import OP_TABLE, OpCase, torch_functions

TORCH = torch_functions()
REL = 1e-9


def close(actual: float, expected: float, scale: float = 1.0) -> bool:
    """|actual - expected| within REL of the larger of |expected| and `scale`."""
    return abs(actual - expected) <= REL * max(abs(expected), scale)


def tensor(x: float, requires_grad: bool = False) -> torch.Tensor:
    return torch.tensor(x, dtype=torch.float64, requires_grad=requires_grad)


class Derivatives(NamedTuple):
    value: float
    grad: list[float]
    hessian: list[list[float]]
    # The largest magnitude among the numbers each order was computed from (node values
    # and gradients): rounding errors are relative to these, not to the result, which
    # may be a small difference of large terms (1 - tanh(x)**2 near saturation).
    scales: tuple[float, float, float] = (1.0, 1.0, 1.0)


def magnitude(nodes: Sequence[Value]) -> float:
    grads = (n.grad.data if isinstance(n.grad, Value) else float(n.grad) for n in nodes)
    return max([1.0, *(abs(n.data) for n in nodes), *map(abs, grads)])


def chainrule_derivatives(f: Callable[..., Value], inputs: Sequence[float]) -> Derivatives:
    """f, its gradient and its Hessian, from chainrule's backward passes."""
    leaves = [Value(x) for x in inputs]
    out = f(*leaves)
    forward_scale = max(1.0, *(abs(n.data) for n in topological_order(out)))
    out.backward(create_graph=True)
    first = [leaf.grad for leaf in leaves]
    grad_scale = max(forward_scale, magnitude(topological_order(out)))
    hessian, hessian_scale = [], grad_scale
    for g in first:
        for leaf in leaves:
            leaf.grad = 0.0
        if isinstance(g, Value):
            g.backward()
            hessian_scale = max(hessian_scale, magnitude(topological_order(g)))
        hessian.append([float(leaf.grad) for leaf in leaves])
    return Derivatives(out.data, [float(g) for g in first], hessian,
                       (forward_scale, grad_scale, hessian_scale))


def torch_derivatives(f: Callable[..., torch.Tensor], inputs: Sequence[float]) -> Derivatives:
    """The same three things from torch.autograd.grad."""
    xs = [tensor(x, requires_grad=True) for x in inputs]
    out = f(*xs)
    n = len(xs)
    if not out.requires_grad:  # the formula ignores its inputs
        return Derivatives(out.item(), [0.0] * n, [[0.0] * n for _ in range(n)])
    first = torch.autograd.grad(out, xs, create_graph=True, allow_unused=True)
    hessian = []
    for g in first:
        if g is None or not g.requires_grad:
            hessian.append([0.0] * n)
            continue
        row = torch.autograd.grad(g, xs, retain_graph=True, allow_unused=True)
        hessian.append([0.0 if r is None else r.item() for r in row])
    return Derivatives(out.item(), [0.0 if g is None else g.item() for g in first], hessian)


def assert_same_derivatives(ours: Derivatives, theirs: Derivatives, what: str) -> None:
    value_scale, grad_scale, hessian_scale = ours.scales
    assert close(ours.value, theirs.value, value_scale), (
        f"{what}: value {ours.value!r} vs torch {theirs.value!r}"
    )
    for i, (g, t) in enumerate(zip(ours.grad, theirs.grad)):
        assert close(g, t, grad_scale), f"{what}: d/dx{i} = {g!r} vs torch {t!r}"
    for i, (row, t_row) in enumerate(zip(ours.hessian, theirs.hessian)):
        for j, (h, t) in enumerate(zip(row, t_row)):
            assert close(h, t, hessian_scale), f"{what}: d2/dx{i}dx{j} = {h!r} vs torch {t!r}"


# ---- random formulas ------------------------------------------------------------------------


def test_torch_functions_cover_every_op() -> None:
    assert set(TORCH) == {op.name for op in ops.ALL_OPS}


def torch_formula(expr: Expression) -> Callable[..., torch.Tensor]:
    return lambda *xs: expr.evaluate(xs, TORCH, constant=tensor)


inputs_in_range = st.tuples(*[st.floats(-3.0, 3.0)] * 3)


@settings(max_examples=200)
@given(expressions(n_inputs=3, max_depth=4), inputs_in_range)
def test_random_formulas_match_torch_to_second_order(
    expr: Expression, inputs: tuple[float, ...]
) -> None:
    assert_same_derivatives(
        chainrule_derivatives(expr, inputs),
        torch_derivatives(torch_formula(expr), inputs),
        repr(expr),
    )


# ---- every op, to second order --------------------------------------------------------------


@pytest.mark.parametrize("case", OP_TABLE, ids=[case.name for case in OP_TABLE])
@given(data=st.data())
def test_each_op_matches_torch_to_second_order(case: OpCase, data: st.DataObject) -> None:
    inputs, params = data.draw(case.points)
    assert_same_derivatives(
        chainrule_derivatives(lambda *xs: case.chainrule(*xs, *params), inputs),
        torch_derivatives(lambda *xs: case.torch(*xs, *params), inputs),
        f"{case.name}{inputs} params={params}",
    )


# ---- list functions -------------------------------------------------------------------------

LIST_FUNCTIONS: list[tuple[str, Callable[[list[Value]], list[Value]], Callable[..., Any]]] = [
    ("logsumexp", lambda xs: [logsumexp(xs)], lambda t: torch.logsumexp(t, 0).reshape(1)),
    ("softmax", softmax, lambda t: torch.softmax(t, 0)),
    ("log_softmax", log_softmax, lambda t: torch.log_softmax(t, 0)),
]


@pytest.mark.parametrize("name, ours, theirs", LIST_FUNCTIONS, ids=[f[0] for f in LIST_FUNCTIONS])
@given(
    logits=st.lists(st.floats(-1000.0, 1000.0), min_size=1, max_size=6),
    # Subnormal weights would make the tolerance (relative to the largest weight) zero.
    weights=st.lists(st.floats(-2.0, 2.0, allow_subnormal=False), min_size=6, max_size=6),
)
def test_list_functions_match_torch(
    name: str,
    ours: Callable[[list[Value]], list[Value]],
    theirs: Callable[..., Any],
    logits: list[float],
    weights: list[float],
) -> None:
    # The gradient of a weighted sum of the outputs exercises the whole Jacobian.
    leaves = [Value(x) for x in logits]
    outputs = ours(leaves)
    sum((w * y for w, y in zip(weights, outputs)), Value(0.0)).backward()
    t = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    t_outputs = theirs(t)
    (t_outputs * torch.tensor(weights[: len(t_outputs)], dtype=torch.float64)).sum().backward()
    assert t.grad is not None
    for y, ty in zip(outputs, t_outputs.tolist()):
        assert close(y.data, ty), f"{name}{logits}: {y.data!r} vs torch {ty!r}"
    for leaf, tg in zip(leaves, t.grad.tolist()):
        assert close(leaf.grad, tg, scale=max(map(abs, weights))), (
            f"{name}{logits}: gradient {leaf.grad!r} vs torch {tg!r}"
        )


@pytest.mark.parametrize("name, ours, theirs", LIST_FUNCTIONS, ids=[f[0] for f in LIST_FUNCTIONS])
def test_list_functions_stay_finite_at_plus_minus_1000(
    name: str, ours: Callable[[list[Value]], list[Value]], theirs: Callable[..., Any]
) -> None:
    logits = [1000.0, -1000.0, 999.0, 0.0]
    leaves = [Value(x) for x in logits]
    outputs = ours(leaves)
    outputs[0].backward()
    t = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    t_outputs = theirs(t)
    t_outputs[0].backward()
    assert t.grad is not None
    assert [y.data for y in outputs] == pytest.approx(t_outputs.tolist(), rel=1e-12)
    assert [leaf.grad for leaf in leaves] == pytest.approx(t.grad.tolist(), rel=1e-9, abs=1e-15)
    assert all(abs(y.data) < float("inf") for y in outputs)


@settings(max_examples=50)
@pytest.mark.parametrize("name, ours, theirs", LIST_FUNCTIONS, ids=[f[0] for f in LIST_FUNCTIONS])
@given(logits=st.one_of(st.lists(st.floats(-800.0, 800.0), min_size=1, max_size=4),
                        st.lists(st.sampled_from([-1.0, 0.0, 2.0]), min_size=1, max_size=4)))
def test_list_functions_match_torch_to_second_order_ties_included(
    name: str,
    ours: Callable[[list[Value]], list[Value]],
    theirs: Callable[..., Any],
    logits: list[float],
) -> None:
    # The max taken out is a node of the graph; its derivative is piecewise constant, so
    # the Hessian is torch's whichever input is largest, tied or not.
    weights = [0.5, -1.0, 2.0, 1.5][: len(logits)]

    def chainrule_f(*xs: Value) -> Value:
        return sum((w * y for w, y in zip(weights, ours(list(xs)))), Value(0.0))

    def torch_f(*xs: torch.Tensor) -> torch.Tensor:
        outputs = theirs(torch.stack(xs))
        return (outputs * torch.tensor(weights[: len(outputs)], dtype=torch.float64)).sum()

    assert_same_derivatives(chainrule_derivatives(chainrule_f, logits),
                            torch_derivatives(torch_f, logits), f"{name}{logits}")


# ---- micrograd compatibility ----------------------------------------------------------------


def micrograd_readme(a: Any, b: Any) -> tuple[Any, ...]:
    """micrograd's README example, unchanged; works on Values and on tensors alike."""
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return g, a, b


def test_micrograd_readme_example_matches_torch() -> None:
    g, a, b = micrograd_readme(Value(-4.0), Value(2.0))
    g.backward()
    tg, ta, tb = micrograd_readme(tensor(-4.0, True), tensor(2.0, True))
    tg.backward()
    assert g.data == pytest.approx(tg.item(), rel=1e-12)
    assert a.grad == pytest.approx(ta.grad.item(), rel=1e-12)
    assert b.grad == pytest.approx(tb.grad.item(), rel=1e-12)


@pytest.mark.parametrize(
    "ours, theirs",
    [
        (lambda v: v.relu(), torch.relu),
        (lambda v: abs(v), torch.abs),
        (lambda v: v.leaky_relu(0.2), lambda t: torch.nn.functional.leaky_relu(t, 0.2)),
    ],
    ids=["relu", "abs", "leaky_relu"],
)
def test_kinks_at_exactly_zero_take_torchs_derivative(ours: Any, theirs: Any) -> None:
    x = Value(0.0)
    ours(x).backward()
    t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    theirs(t).backward()
    assert t.grad is not None
    assert x.grad == t.grad.item()
