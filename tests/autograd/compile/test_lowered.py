"""The lowered tensor program (`autograd.compile.lower`, `tensor`, `backends`): it equals
eager backward on random expression graphs, it is loud when generated code is broken,
its listing is one line per tensor op, and it runs the same on torch tensors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, lists
from autograd.compile import program as program_module
from autograd.compile import tensor as tensor_module
from autograd.compile.codegen import Generated
from autograd.compile.trace import trace
from autograd.testing import Expression, expressions

FLOATS = st.floats(-2.0, 2.0, allow_nan=False, allow_subnormal=False)


def close(got: list[float], expected: list[float]) -> bool:
    # 1e-12 relative to the number, or to 1 below 1 (differences of O(1) terms round so).
    return all(abs(g - e) <= 1e-12 * max(abs(e), 1.0) or g == e for g, e in zip(got, expected))


@settings(max_examples=150, deadline=None)
@given(expr=expressions(n_inputs=3, max_depth=4),
       rows=st.lists(st.tuples(FLOATS, FLOATS), min_size=1, max_size=5), p=FLOATS)
def test_lowered_program_equals_eager_backward_on_random_expressions(
        expr: Expression, rows: list[tuple[float, float]], p: float) -> None:
    # x0 and x1 are inputs, x2 a parameter: every formula over every op, inside each op's
    # declared domain (so finite), batched over the rows.
    param = Value(p)
    program = trace(lambda a, b: expr(a, b, param), *rows[0])
    cost = lists.sum([expr(Value(a), Value(b), param) for a, b in rows]) / len(rows)
    cost.backward()
    expected = [cost.data, param.grad]
    param.grad = 0.0
    columns = [[a for a, _ in rows], [b for _, b in rows]]
    got = [program.backward_batch(*columns, backend="numpy"), param.grad]
    assert close(got, expected), (expr, got, expected)


def _layer() -> tuple[list[Value], object]:
    w = [Value(0.1 * k - 0.3) for k in range(6)]

    def f(x: list[Value]) -> Value:
        hidden = [lists.sum([w[3 * j + i] * x[i] for i in range(2)]) + w[3 * j + 2]
                  for j in range(2)]
        return lists.sum([h.tanh() for h in hidden])

    return w, f


def test_the_listing_is_one_line_per_tensor_op_naming_the_nodes_it_covers() -> None:
    _, f = _layer()
    listing = trace(f, [0.5, -1.0]).listing("forward")
    body = [line for line in listing.splitlines()[2:] if not line.strip().startswith("#")]
    # Each layer's sums (with their products and bias adds) are one statement.
    assert "# dot: 2 weighted sums of 2 values (8 nodes)" in listing
    # The weights sit evenly spaced in the parameter vector: read as a view, not copied.
    assert "    W3 = _strided(P, 0, (2, 2), (3, 1))" in body
    assert "    V3 = W3 @ X3 + _strided(P, 2, (2,), (3,))[:, None]" in body
    assert "# map tanh: 2 nodes" in listing
    assert "# map Σ: 1 nodes" in listing
    assert len(body) < 14  # a handful of statements for 19 scalar nodes


def test_broken_generated_tensor_code_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    # A compiler bug must surface, not turn into a slow fallback that passes the tests.
    original = tensor_module._Writer._map_forward

    def broken(self: tensor_module._Writer, g: tensor_module.Group) -> list[str]:
        return [*original(self, g), "    undefined_name_in_generated_code"]

    monkeypatch.setattr(tensor_module._Writer, "_map_forward", broken)
    w, f = _layer()
    program = trace(f, [0.5, -1.0])
    with pytest.raises(NameError, match="undefined_name_in_generated_code"):
        program.backward_batch([[0.5, -1.0], [1.0, 2.0]], backend="numpy")
    with pytest.raises(NameError):
        program.forward_batch([[0.5, -1.0]], backend="numpy")


def test_broken_generated_scalar_code_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(tape: object, templates: object, kind: str) -> Generated:
        return Generated("def program(*args):\n    return undefined_scalar_name\n", {})

    monkeypatch.setattr(program_module, "python_source", broken)
    w, f = _layer()
    program = trace(f, [0.5, -1.0])
    with pytest.raises(NameError, match="undefined_scalar_name"):
        program.backward([0.5, -1.0])
    with pytest.raises(NameError):
        program.forward([0.5, -1.0])


def test_forward_batch_raises_where_eager_raises() -> None:
    program = trace(lambda x: x.exp(), 1.0)
    with pytest.raises(OverflowError, match=r"exp: exp\(1000.0\) overflows a float"):
        program.forward_batch([1.0, 1000.0])
    with pytest.raises(OverflowError):
        program.backward_batch([1000.0])
    assert program.forward_batch([0.0, 1.0]).tolist() == [1.0, math.e]


def test_the_torch_backend_runs_the_same_program() -> None:
    w, f = _layer()
    X = [[0.5, -1.0], [1.0, 2.0], [-0.3, 0.7]]
    program = trace(lambda x, y: (f(x) - y) ** 2, X[0], 0.0)
    results = {}
    for backend in ("numpy", "torch"):
        for p in w:
            p.grad = 0.0
        loss = program.backward_batch(X, [1.0, 0.0, -1.0], backend=backend, device="cpu"
                                      if backend == "torch" else None)
        results[backend] = [loss] + [p.grad for p in w]
    assert np.allclose(results["torch"], results["numpy"], rtol=1e-13, atol=0)
    out = program.forward_batch(X, [1.0, 0.0, -1.0], backend="torch")
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float64
    assert np.allclose(out.numpy(), program.forward_batch(X, [1.0, 0.0, -1.0]), rtol=1e-13)


def test_to_torch_is_a_module_torch_autograd_differentiates_like_the_values() -> None:
    w, f = _layer()
    X = [[0.5, -1.0], [1.0, 2.0]]
    program = trace(f, X[0])
    module = program.to_torch()
    assert isinstance(module, torch.nn.Module)
    assert [p.shape for p in module.parameters()] == [torch.Size([6])]
    module(torch.tensor(X, dtype=torch.float64)).sum().backward()
    for p in w:
        p.grad = 0.0
    lists.sum([f([Value(a) for a in x]) for x in X]).backward()
    assert module.flat.grad is not None
    assert np.allclose(module.flat.grad.numpy(), [p.grad for p in w], rtol=1e-12, atol=1e-15)
    with torch.no_grad():
        module.flat -= 0.1 * module.flat.grad  # a step of torch's own training
    module.load_into_values()
    assert w[0].data == pytest.approx(-0.3 - 0.1 * module.flat.grad[0].item(), abs=1e-15)
