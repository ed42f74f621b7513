"""`sum`, `max`, `logsumexp`, `softmax`, `log_softmax`: shape of the graph, laws, stability."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import autograd.lists
from autograd import ops
from autograd.backward import topological_order
from autograd.lists import log_softmax, logsumexp, softmax
from autograd.lists import max as value_max
from autograd.lists import sum as value_sum
from autograd.value import Value

logits = st.lists(st.floats(-1000.0, 1000.0), min_size=1, max_size=8)
moderate_logits = st.lists(st.floats(-30.0, 30.0), min_size=1, max_size=8)


def leaves(xs: list[float]) -> list[Value]:
    return [Value(x) for x in xs]


# ---- sum ----------------------------------------------------------------------------------


@given(st.lists(st.floats(-5.0, 5.0), min_size=1, max_size=20))
def test_sum_is_one_node_with_one_edge_per_input(xs: list[float]) -> None:
    inputs = leaves(xs)
    total = value_sum(inputs)
    assert total.op is ops.SUM
    assert total.parents == tuple(inputs)
    assert total.local_grads == (1.0,) * len(xs)
    assert len(topological_order(total)) == len(xs) + 1
    assert total.data == pytest.approx(math.fsum(xs), abs=1e-12)


def test_sum_of_a_repeated_input_counts_it_each_time() -> None:
    x = Value(2.0)
    value_sum([x, x, x]).backward()
    assert x.grad == 3.0


def test_sum_turns_numbers_into_constants() -> None:
    x = Value(1.5)
    total = value_sum([x, 2, 0.5])
    total.backward()
    assert total.data == 4.0 and x.grad == 1.0


def test_sum_of_nothing_is_a_zero_leaf() -> None:
    total = value_sum([])
    assert total.data == 0.0 and total.parents == ()


# ---- max ----------------------------------------------------------------------------------

# Few distinct numbers, so that ties are common.
tied_numbers = st.lists(st.sampled_from([-1.5, 0.0, 2.0, 7.0]), min_size=1, max_size=8)


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=20))
def test_max_is_one_node_with_one_edge_per_input(xs: list[float]) -> None:
    inputs = leaves(xs)
    top = value_max(inputs)
    assert top.op is ops.MAX and top.parents == tuple(inputs)
    assert top.data == max(xs)
    assert len(topological_order(top)) == len(xs) + 1


@given(st.one_of(tied_numbers, st.lists(st.floats(-10.0, 10.0), min_size=1, max_size=8)))
def test_max_gradient_matches_torch_amax_ties_shared_equally(xs: list[float]) -> None:
    inputs = leaves(xs)
    value_max(inputs).backward()
    t = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
    torch.amax(t).backward()
    assert t.grad is not None
    assert [v.grad for v in inputs] == t.grad.tolist()
    assert math.fsum(v.grad for v in inputs) == pytest.approx(1.0, rel=1e-15)


def test_max_of_a_repeated_input_has_slope_one() -> None:
    x = Value(2.0)
    value_max([x, x, x, Value(-1.0)]).backward()
    assert x.grad == pytest.approx(1.0, rel=1e-15)


def test_max_turns_numbers_into_constants() -> None:
    x = Value(1.5)
    top = value_max([x, 4, 0.5])
    top.backward()
    assert top.data == 4.0 and x.grad == 0.0


def test_max_of_nothing_raises_a_value_error_naming_it() -> None:
    with pytest.raises(ValueError, match="max: needs at least one value"):
        value_max([])


def test_max_with_a_nan_first_returns_nan_without_dividing_by_zero() -> None:
    # Python's max keeps a leading nan; the rule must still not compute 0 / 0.
    top = value_max([Value(math.nan), Value(1.0)])
    assert math.isnan(top.data)
    assert all(math.isfinite(d) for d in top.local_grads)


# ---- softmax and friends --------------------------------------------------------------------


def old_logsumexp(xs: list[float]) -> float:
    """The float operations logsumexp performed when its max was a constant read from .data."""
    m = max(xs)
    return math.log(sum([math.exp(x - m) for x in xs])) + m


@given(logits)
def test_logsumexp_and_softmax_give_the_same_numbers_as_with_a_constant_shift(
        xs: list[float]) -> None:
    m = max(xs)
    exps = [math.exp(x - m) for x in xs]
    assert logsumexp(leaves(xs)).data == old_logsumexp(xs)
    assert [p.data for p in softmax(leaves(xs))] == [e / sum(exps) for e in exps]


@given(moderate_logits)
def test_the_shift_of_logsumexp_and_softmax_is_a_max_node_over_the_inputs(
        xs: list[float]) -> None:
    # No constant read from .data: every leaf of the graph is an input.
    inputs = leaves(xs)
    for out in [logsumexp(inputs), *softmax(inputs)]:
        order = topological_order(out)
        assert [n for n in order if not n.parents] == [n for n in order if n in inputs]
        assert any(n.op is ops.MAX and n.parents == tuple(inputs) for n in order)



@given(logits)
def test_softmax_is_a_distribution(xs: list[float]) -> None:
    probabilities = [p.data for p in softmax(leaves(xs))]
    assert all(0.0 <= p <= 1.0 for p in probabilities)
    assert math.fsum(probabilities) == pytest.approx(1.0, rel=1e-12)


@given(moderate_logits, st.floats(-100.0, 100.0))
def test_softmax_ignores_a_shift_of_all_logits(xs: list[float], shift: float) -> None:
    plain = [p.data for p in softmax(leaves(xs))]
    shifted = [p.data for p in softmax(leaves([x + shift for x in xs]))]
    assert shifted == pytest.approx(plain, rel=1e-9, abs=1e-12)


def test_list_functions_are_finite_at_plus_minus_1000() -> None:
    xs = [1000.0, -1000.0, 999.0]
    values = leaves(xs)
    probabilities = softmax(values)
    lse = logsumexp(values)
    logs = log_softmax(values)
    assert all(math.isfinite(v.data) for v in [*probabilities, lse, *logs])
    assert probabilities[1].data == 0.0  # e^-2000 underflows, as it should
    # log_softmax keeps the information softmax loses: log p = x - lse.
    assert logs[1].data == pytest.approx(-1000.0 - lse.data, rel=1e-15)
    assert lse.data == pytest.approx(1000.0 + math.log1p(math.exp(-1.0)), rel=1e-15)
    lse.backward()
    assert all(math.isfinite(v.grad) for v in values)


@given(logits)
def test_log_softmax_equals_log_of_softmax_where_that_is_finite(xs: list[float]) -> None:
    values = leaves(xs)
    logs = log_softmax(values)
    for p, log_p in zip(softmax(values), logs):
        if p.data > 1e-300:  # log of a non-underflowed probability
            assert log_p.data == pytest.approx(math.log(p.data), rel=1e-9, abs=1e-9)
        assert math.isfinite(log_p.data) and log_p.data <= 1e-12


@given(logits)
def test_gradient_of_logsumexp_is_softmax(xs: list[float]) -> None:
    values = leaves(xs)
    logsumexp(values).backward()
    probabilities = [p.data for p in softmax(leaves(xs))]
    assert [v.grad for v in values] == pytest.approx(probabilities, rel=1e-9, abs=1e-15)


@given(logits)
def test_logsumexp_lies_between_the_max_and_the_max_plus_log_n(xs: list[float]) -> None:
    lse = logsumexp(leaves(xs)).data
    assert max(xs) <= lse <= max(xs) + math.log(len(xs)) + 1e-12


@given(st.lists(st.floats(-5.0, 5.0), min_size=1, max_size=30))
def test_softmax_graph_is_shallow(xs: list[float]) -> None:
    # One sum node for the normalizer: depth does not grow with the number of inputs.
    probabilities = softmax(leaves(xs))

    def depth(node: Value) -> int:
        return 0 if not node.parents else 1 + max(depth(p) for p in node.parents)

    assert max(depth(p) for p in probabilities) <= 5


@pytest.mark.parametrize("name", ["logsumexp", "softmax", "log_softmax"])
def test_a_bad_entry_is_reported_by_the_function_that_got_it(name: str) -> None:
    function = getattr(autograd.lists, name)
    with pytest.raises(TypeError, match=f"^{name}: expected a real number"):
        function([Value(1.0), "a"])
