"""The engine never answers silently wrong: NaN propagates as in torch, duplicate argnums are
refused, logsumexp is torch's at ±inf, graphs copy and pickle at any depth, and every
error names the op and the value (issue 12)."""

from __future__ import annotations

import copy
import math
import pickle
from collections.abc import Callable
from typing import Any

import pytest
import torch

from autograd import Value, grad, gradcheck, hessian, logsumexp, no_grad, value_and_grad
from autograd.backward import topological_order
from autograd.context import detect_anomaly, is_grad_enabled

NAN, INF = math.nan, math.inf


def same(a: float, b: float) -> bool:
    """Equal, with NaN equal to NaN."""
    return (math.isnan(a) and math.isnan(b)) or a == b


def torch_value_and_grad(fn: Callable[[torch.Tensor], torch.Tensor], x: float) -> tuple[float,
                                                                                        float]:
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    out = fn(t)
    out.backward()
    assert t.grad is not None
    return out.item(), t.grad.item()


# ---- NaN goes through the kinks as it does in torch -------------------------------------------
@pytest.mark.parametrize("name, torch_fn", [
    ("relu", torch.relu),
    ("leaky_relu", torch.nn.functional.leaky_relu),
    ("abs", torch.abs),
    ("sqrt", torch.sqrt),
])
@pytest.mark.parametrize("x", [NAN, -1.0, 0.0, 2.0])
def test_kinks_match_torch_forward_and_gradient_at_nan_and_around_zero(
    name: str, torch_fn: Callable[[torch.Tensor], torch.Tensor], x: float
) -> None:
    if name == "sqrt" and x < 0:
        return  # outside sqrt's domain: a ValueError here, nan in torch (test_errors.py)
    leaf = Value(x)
    out = getattr(leaf, name)()
    out.backward()
    expected_value, expected_grad = torch_value_and_grad(torch_fn, x)
    assert same(out.data, expected_value)
    assert same(leaf.grad, expected_grad)


def test_one_nan_feature_makes_the_output_nan_instead_of_vanishing_in_a_relu() -> None:
    from nn.layers import MLP

    model = MLP(2, [4, 1], rng=0)
    assert math.isnan(model([NAN, 0.5]).data)


# ---- argnums: duplicates refused, as torch.func does --------------------------------------------
@pytest.mark.parametrize("argnums", [(0, 0), (0, -2), (-1, 1)])
@pytest.mark.parametrize("operator", [grad, value_and_grad, hessian])
def test_duplicate_argnums_are_refused_after_negative_ones_are_normalised(
    operator: Callable[..., Any], argnums: tuple[int, ...]
) -> None:
    with pytest.raises(ValueError, match=r"argnums .* the same argument more than once"):
        operator(lambda x, y: x * y, argnums=argnums)(2.0, 3.0)


def test_distinct_negative_argnums_still_work() -> None:
    assert grad(lambda x, y: x * y, argnums=(-1, 0))(2.0, 3.0) == (2.0, 3.0)
    assert hessian(lambda x, y: x * x * y, argnums=(-2, -1))(1.0, 2.0) == ((4.0, 2.0),
                                                                          (2.0, 0.0))


# ---- logsumexp at ±inf: torch's value -----------------------------------------------------------
@pytest.mark.parametrize("xs", [[INF], [-INF, -INF], [INF, 1.0], [INF, INF], [-INF, 1.0],
                                [INF, -INF], [NAN, 1.0], [1.0, NAN]])
def test_logsumexp_at_infinities_matches_torch(xs: list[float]) -> None:
    expected = torch.logsumexp(torch.tensor(xs, dtype=torch.float64), 0).item()
    assert same(logsumexp([Value(x) for x in xs]).data, expected)


def test_logsumexp_of_finite_inputs_keeps_its_gradient_the_softmax() -> None:
    xs = [Value(1000.0), Value(999.0)]
    logsumexp(xs).backward()
    assert xs[0].grad == pytest.approx(1 / (1 + math.exp(-1))) and sum(x.grad for x in xs) == 1


# ---- copying and pickling graphs ----------------------------------------------------------------
def deep_chain(depth: int) -> tuple[Value, Value]:
    x = Value(0.5, label="x")
    y = x
    for _ in range(depth):
        y = (y * 1.0001).tanh()
    return x, y


def test_deepcopy_of_a_100k_deep_graph_copies_every_node_and_still_backprops() -> None:
    x, y = deep_chain(50_000)
    copied = copy.deepcopy(y)
    order = topological_order(copied)
    assert len(order) == len(topological_order(y))
    assert not set(map(id, order)) & set(map(id, topological_order(y)))
    copied.backward()
    y.backward()
    assert order[0].grad == x.grad and order[0].label == "x"


def test_deepcopy_keeps_sharing_between_objects_copied_together() -> None:
    w = Value(2.0, label="w")
    out = w * w + 1.0
    out_copy, w_copy = copy.deepcopy([out, w])
    assert w_copy is not w and w_copy in topological_order(out_copy)
    out_copy.backward()
    assert w_copy.grad == 4.0 and w.grad == 0.0


def test_pickle_round_trips_a_deep_graph_with_its_ops_and_gradients() -> None:
    x, y = deep_chain(20_000)
    y.backward()
    loaded = pickle.loads(pickle.dumps(y))
    order, original = topological_order(loaded), topological_order(y)
    assert [(n.data, n.grad, n.label) for n in order] == [
        (n.data, n.grad, n.label) for n in original]
    assert [n.op.describe() if n.op else None for n in order] == [
        n.op.describe() if n.op else None for n in original]
    loaded.zero_grad()
    order[0].grad = 0.0
    loaded.backward()
    assert order[0].grad == x.grad


def test_pickle_keeps_bound_op_attributes_and_the_leaves_shared_with_a_model() -> None:
    w = Value(1.5, label="w")
    out = (w ** 3).leaky_relu(0.2)
    loaded_out, loaded_w = pickle.loads(pickle.dumps((out, w)))
    assert loaded_out.parents[0].op.describe() == "pow(3.0)"
    assert loaded_out.op.describe() == "leaky_relu(0.2)"
    assert loaded_out.parents[0].parents[0] is loaded_w


# ---- messages that name the op and the value ----------------------------------------------------
@pytest.mark.parametrize("op", ["sin", "cos"])
@pytest.mark.parametrize("x", [INF, -INF])
def test_sin_and_cos_of_infinity_name_the_op_and_the_input(op: str, x: float) -> None:
    with pytest.raises(ValueError, match=rf"{op}: input {x!r} is outside the domain"):
        getattr(Value(x), op)()


def test_an_int_too_large_for_a_float_names_value_and_says_why() -> None:
    with pytest.raises(ValueError, match=r"Value: int of about 401 digits is too large for a "
                                         r"float"):
        Value(10**400)
    with pytest.raises(ValueError, match=r"mul: int of about 401 digits is too large"):
        Value(1.0) * 10**400


@pytest.mark.parametrize("kwargs", [{"eps": 0.0}, {"eps": -1e-6}, {"eps": INF}, {"eps": NAN},
                                    {"atol": -1.0}, {"rtol": NAN}])
def test_gradcheck_refuses_a_tolerance_or_step_it_cannot_use(kwargs: dict[str, float]) -> None:
    name = next(iter(kwargs))
    with pytest.raises(ValueError, match=rf"gradcheck: {name} must be"):
        gradcheck(lambda x: x * x, 1.0, **kwargs)


def test_draw_graph_names_scopes_when_they_are_not_a_mapping() -> None:
    from autograd.draw.graph import draw_graph

    with pytest.raises(TypeError, match=r"draw_graph: scopes must be a mapping .*got list"):
        draw_graph(Value(1.0) * 2.0, scopes=["layers.0"])  # type: ignore[arg-type]


# ---- no_grad like torch's: reusable, reentrant, a decorator -------------------------------------
def test_one_no_grad_object_can_be_entered_twice_and_nested_in_itself() -> None:
    switch = no_grad()
    with switch:
        assert not is_grad_enabled()
    assert is_grad_enabled()
    with switch:
        with switch:
            assert not is_grad_enabled()
        assert not is_grad_enabled()
    assert is_grad_enabled()


def test_no_grad_and_detect_anomaly_work_as_decorators() -> None:
    @no_grad()
    def square(x: Value) -> Value:
        return x * x

    assert square(Value(3.0)).parents == ()
    assert is_grad_enabled()
    checked = detect_anomaly()
    with checked, pytest.raises(FloatingPointError):
        Value(INF) * 0.0
    with checked, pytest.raises(FloatingPointError):  # the same object, again
        Value(INF) * 0.0
