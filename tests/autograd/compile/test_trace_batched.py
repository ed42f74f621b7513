"""The batched replay: one program over a whole mini-batch, on NumPy arrays."""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Callable

import numpy as np
import pytest

from autograd import Value, lists
from autograd.compile.trace import trace


def _layer_model() -> tuple[list[Value], Callable[[list[Value]], Value]]:
    params = [Value(0.1 * k - 0.4) for k in range(9)]

    def score(x: list[Value]) -> Value:
        hidden = [(lists.sum([params[3 * j + i] * x[i] for i in range(2)]) + params[3 * j + 2])
                  .tanh() for j in range(2)]
        return lists.sum([params[6 + j] * hidden[j] for j in range(2)]) + params[8]

    return params, score


X = [[0.5, -1.0], [2.0, 0.25], [-1.5, -0.5], [0.0, 0.0]]
Y = [1.0, -1.0, 0.5, 0.0]


def test_forward_batch_equals_the_per_sample_forward() -> None:
    _, score = _layer_model()
    program = trace(score, X[0])
    batched = program.forward_batch(X, backend="numpy")
    assert batched.shape == (4,)
    assert np.allclose(batched, [program(x) for x in X], rtol=1e-13, atol=0)
    assert program.forward_batch(X, backend="python") == [program(x) for x in X]


def test_a_list_valued_function_gives_one_column_per_output() -> None:
    program = trace(lambda x: [x[0] * x[1], x[0].exp()], X[0])
    out = program.forward_batch(X)
    assert out.shape == (4, 2)
    assert np.allclose(out, [program(x) for x in X], rtol=1e-13)


@pytest.mark.parametrize("reduce", ["mean", "sum"])
def test_backward_batch_is_eager_backward_of_the_reduced_cost(reduce: str) -> None:
    params, score = _layer_model()
    program = trace(lambda x, y: (score(x) - y) ** 2, X[0], Y[0])
    results = {}
    for backend in ("numpy", "python"):
        for p in params:
            p.grad = 0.0
        loss = program.backward_batch(X, Y, reduce=reduce, backend=backend)
        results[backend] = loss, [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    total = lists.sum([(score([Value(a) for a in x]) - y) ** 2 for x, y in zip(X, Y)])
    cost = total / len(X) if reduce == "mean" else total
    cost.backward()
    for loss, grads in results.values():
        assert math.isclose(loss, cost.data, rel_tol=1e-12)
        assert np.allclose(grads, [p.grad for p in params], rtol=1e-12, atol=1e-15)


def test_weighted_sums_of_a_layer_become_one_matrix_product() -> None:
    _, score = _layer_model()
    listing = trace(score, X[0]).listing()
    # Two layers, two products forward; backward G @ X.T for both, W.T @ G for the
    # second only (the first layer's values are the inputs, which need no gradient).
    assert listing.count("# dot:") == 2
    code = [line for line in listing.splitlines() if not line.strip().startswith("#")]
    assert sum(line.count(" @ ") for line in code) == 5
    assert "X3 = V0\n" in listing  # the inputs are read in place, not copied


def test_a_weight_used_twice_in_one_sum_gets_both_contributions() -> None:
    w = Value(0.5)
    program = trace(lambda x: lists.sum([w * x[0], w * x[1]]), [1.0, 2.0])
    assert "_scatter(GP" in program.listing()  # a repeated index: a scatter-add
    program.backward_batch([[1.0, 2.0], [3.0, 4.0]], reduce="sum", backend="numpy")
    assert w.grad == 10.0


def test_numpy_arrays_are_accepted_as_a_batch() -> None:
    params, score = _layer_model()
    program = trace(lambda x, y: (score(x) - y) ** 2, X[0], Y[0])
    from_lists = program.backward_batch(X, Y)
    grads = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    assert program.backward_batch(np.array(X), np.array(Y)) == from_lists
    assert [p.grad for p in params] == grads


W = Value(1.0)


@pytest.mark.parametrize("fn, bad_x", [
    (lambda x: (W * x).log(), -1.0),
    (lambda x: W / x, 0.0),
    (lambda x: (W * x).exp(), 800.0),
])
def test_a_sample_where_eager_raises_makes_the_batch_raise_the_same_error(
        fn: Callable[[Value], Value], bad_x: float) -> None:
    program = trace(fn, 1.0)
    with pytest.raises(Exception) as eager:
        fn(Value(bad_x)).backward()
    with pytest.raises(type(eager.value)) as batched:
        program.backward_batch([1.0, bad_x, 2.0], backend="numpy")
    assert str(batched.value) == str(eager.value)


def test_ops_without_a_numpy_ufunc_run_element_by_element() -> None:
    program = trace(lambda x, y: x.gelu() + x.erf() * y + x ** y, 1.0, 2.0)
    xs, ys = [0.5, 1.5, 2.0], [2.0, -1.0, 0.5]
    out = program.forward_batch(xs, ys, backend="numpy")
    assert np.allclose(out, [program(x, y) for x, y in zip(xs, ys)], rtol=1e-13)


def test_tape_and_generated_numpy_programs_agree() -> None:
    params, score = _layer_model()
    results = []
    for compiler in ("codegen", "tape"):
        program = trace(lambda x, y: (score(x) * y).sigmoid(), X[0], Y[0], compiler=compiler)
        for p in params:
            p.grad = 0.0
        results.append((program.backward_batch(X, Y), [p.grad for p in params]))
    assert math.isclose(results[0][0], results[1][0], rel_tol=1e-12)
    assert np.allclose(results[0][1], results[1][1], rtol=1e-12, atol=1e-15)


def test_a_traced_function_groups_a_batch_by_its_static_arguments() -> None:
    w = Value(2.0)

    @trace(static_argnums=(1,))
    def signed(x: Value, positive: bool) -> Value:
        return w * x if positive else -(w * x)

    out = signed.forward_batch([1.0, 2.0, 3.0], [True, False, True])
    assert out.tolist() == [2.0, -4.0, 6.0]
    assert signed.backward_batch([1.0, 2.0, 3.0], [True, False, True], reduce="sum") == 4.0
    assert w.grad == 2.0
    assert len(signed.programs) == 2


def test_tracing_and_scalar_replay_do_not_import_numpy() -> None:
    code = ("import sys; from autograd import Value; from autograd.compile.trace import trace; "
            "w = Value(1.0); p = trace(lambda x: (w * x).relu(), 1.0); p.backward(2.0); "
            "p.backward_batch([1.0, 2.0], backend='python'); print('numpy' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"


def test_batch_errors_name_the_problem() -> None:
    program = trace(lambda x, y: x * y, 1.0, 2.0)
    with pytest.raises(ValueError, match="different lengths"):
        program.backward_batch([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="reduce must be"):
        program.backward_batch([1.0], [1.0], reduce="max")
    with pytest.raises(ValueError, match="backend must be"):
        program.forward_batch([1.0], [1.0], backend="cuda")
