"""An op defined with `autograd.op` works wherever a built-in op does.

softsign, x / (1 + |x|), is the example throughout: one `op(...)` call, then eager
backward, second derivatives, tracing (scalar and batched NumPy replay), drawings,
`gradcheck` and the hypothesis strategies, with no other edit anywhere.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Domain, Value, gradcheck, hessian, op, ops, print_graph, trace
from autograd.draw.text import format_graph
from autograd.testing import assert_grads_match, expressions

softsign = op("softsign", lambda x: x / (1 + abs(x)), lambda x, out: 1 / (1 + abs(x)) ** 2)

# Two inputs, and a domain: log base y of x, defined for x > 0 and y > 0 (y != 1 aside).
log_base = op(
    "log_base",
    lambda x, y: math.log(x) / math.log(y),
    lambda x, y, out: (1 / (x * ops.log(y)), -out / (y * ops.log(y))),
    domain=(ops.POSITIVE, Domain("y > 1", low=1.0)),
)


def softsign_slope(x: float) -> float:
    return 1.0 / (1.0 + abs(x)) ** 2


def test_forward_and_backward() -> None:
    x = Value(-3.0)
    y = softsign(x)
    y.backward()
    assert y.data == -0.75
    assert x.grad == softsign_slope(-3.0)
    assert y.op is softsign and softsign.arity == 1


def test_numbers_become_constants_like_any_op() -> None:
    assert softsign(1.0).data == 0.5
    x = Value(8.0)
    z = log_base(x, 2.0)
    z.backward()
    assert z.data == 3.0
    assert x.grad == pytest.approx(1 / (8.0 * math.log(2.0)))


def test_second_derivatives_come_from_the_same_rule() -> None:
    # d2/dx2 softsign = -2 sign(x) / (1 + |x|)^3
    assert hessian(lambda x: softsign(x))(0.5) == pytest.approx(-2 / 1.5**3)
    assert hessian(lambda x: softsign(x))(-2.0) == pytest.approx(2 / 27)


def test_gradcheck_and_finite_differences_agree() -> None:
    gradcheck(lambda x, y: softsign(x * y) + log_base(x * x + 1.0, y * y + 2.0), 0.7, -1.3)


def test_tracing_replays_it_compiled_without_any_compiler_change() -> None:
    w = Value(0.4, label="w")
    program = trace(lambda x: softsign(w * x) * log_base(x * x + 1.0, 3.0), 2.0)
    assert "softsign" not in program.listing(scalar=True)  # inlined from its own formulas
    for x in (2.0, -1.5, 0.3):
        w.grad = 0.0
        eager = softsign(w * x) * log_base(x * x + 1.0, 3.0)
        eager.backward()
        eager_grad = w.grad
        w.grad = 0.0
        assert program.backward(x) == eager.data
        assert w.grad == eager_grad


def test_batched_numpy_replay_equals_eager() -> None:
    import numpy as np
    w = Value(0.4)
    program = trace(lambda x: softsign(w * x - 1.0), 0.0)
    xs = [2.0, -1.5, 0.3, 5.0]
    w.grad = 0.0
    mean = program.backward_batch(np.array(xs), reduce="mean")
    batched_grad = w.grad
    w.grad = 0.0
    eager = sum(softsign(w * x - 1.0) for x in xs) * (1 / len(xs))
    eager.backward()
    assert mean == pytest.approx(eager.data, rel=1e-12)
    assert batched_grad == pytest.approx(w.grad, rel=1e-12)


def test_drawings_show_its_name_and_edge_derivative() -> None:
    x = Value(1.0, label="x")
    y = softsign(x)
    y.backward()
    assert format_graph(y).splitlines() == ["softsign  data=0.5  grad=1",
                                            "└─ [∂ 0.25] x  data=1  grad=0.25"]
    from autograd.draw import draw_graph

    source = draw_graph(y).source
    edges = [line for line in source.splitlines() if "->" in line]
    assert "label=softsign" in source and any("label=0.25" in e for e in edges)


def test_a_symbol_is_how_drawings_show_it() -> None:
    smooth_abs = op("smooth_abs", lambda x: (x * x + 1.0) ** 0.5 - 1.0,
                    lambda x, out: x / (out + 1.0), symbol="|·|~")
    y = smooth_abs(Value(0.0))
    y.backward()
    assert format_graph(y).startswith("|·|~")
    print_graph(y)  # no error


@given(expressions(n_inputs=2, max_depth=3, ops_to_use=[softsign, log_base, ops.MUL, ops.SUB]),
       st.tuples(st.floats(-3, 3), st.floats(-3, 3)))
def test_random_formulas_keep_it_inside_its_domain(expr, inputs) -> None:  # type: ignore[no-untyped-def]
    # log_base needs x > 0 and y > 1: the strategy guards its inputs from the domain it
    # declares, so no formula raises, and backward agrees with finite differences.
    assert_grads_match(expr, inputs)


def test_errors_name_the_op() -> None:
    with pytest.raises(TypeError, match="'softsign': its rule must return 1 local"):
        bad = op("softsign", lambda x: x, lambda x, out: (1.0, 2.0))
        bad(Value(1.0))
    with pytest.raises(TypeError, match="softsign: expected 1 input"):
        softsign(Value(1.0), Value(2.0))
    with pytest.raises(ValueError, match="cannot tell from its forward how many inputs"):
        op("many", lambda *xs: 0.0, lambda *xs: ())
    with pytest.raises(ValueError, match=r"log_base: input -1.0 is outside the domain \(x > 0\)"):
        log_base(Value(-1.0), 2.0)
    with pytest.raises(ValueError, match=r"log_base: input 0.5 is outside the domain \(y > 1\)"):
        log_base(2.0, Value(0.5))
    with pytest.raises(TypeError, match="domain must be an ops.Domain"):
        op("f", lambda x: x, lambda x, out: 1.0, domain="x > 0")  # type: ignore[arg-type]


def test_an_op_over_a_list_of_inputs() -> None:
    mean = op("mean", lambda xs: sum(xs) / len(xs), lambda xs, out: [1 / len(xs)] * len(xs),
              arity=0)
    a, b = Value(1.0), Value(4.0)
    m = mean([a, b, 7.0])
    m.backward()
    assert (m.data, a.grad, b.grad) == (4.0, 1 / 3, 1 / 3)
