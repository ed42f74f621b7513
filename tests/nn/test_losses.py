"""Losses: gradients equal central differences and torch's; logit losses are stable at ±1000."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograd.check import gradcheck
from autograd.lists import log_softmax
from autograd.value import Value
from nn.layers import MLP
from nn.losses import (
    LOSSES,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cost,
    cross_entropy,
    hinge,
    l2,
    mae,
    mse,
    nll,
)

reals = st.floats(-10.0, 10.0, allow_nan=False)
logits = st.floats(-30.0, 30.0, allow_nan=False)
probabilities = st.floats(0.01, 0.99)
unit = st.floats(0.0, 1.0)
score_lists = st.lists(reals, min_size=2, max_size=5)


def tensor(xs: float | Sequence[float]) -> torch.Tensor:
    return torch.tensor(xs, dtype=torch.float64, requires_grad=True)


def ours(loss: Callable[..., Value], xs: Sequence[float], *rest: object
         ) -> tuple[float, list[float]]:
    """The loss on fresh leaves (as a list of Values) and the leaves' gradients."""
    leaves = [Value(x) for x in xs]
    out = loss(leaves, *rest)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


def theirs(loss: Callable[..., torch.Tensor], xs: Sequence[float], *rest: object
           ) -> tuple[float, list[float]]:
    t = tensor(list(xs))
    out = loss(t, *rest)
    out.backward()
    assert t.grad is not None
    return out.item(), t.grad.tolist()


def assert_close(a: tuple[float, list[float]], b: tuple[float, list[float]]) -> None:
    assert a[0] == pytest.approx(b[0], rel=1e-12, abs=1e-12)
    assert a[1] == pytest.approx(b[1], rel=1e-10, abs=1e-12)


# ---- gradients equal central differences ------------------------------------------------------
@given(reals, reals)
def test_mse_gradient_matches_finite_differences(pred: float, target: float) -> None:
    gradcheck(lambda p: mse(p, target), pred)


@given(reals, reals)
def test_mae_gradient_matches_finite_differences_away_from_the_kink(p: float, t: float) -> None:
    assume(abs(p - t) > 1e-3)
    gradcheck(lambda v: mae(v, t), p)


@given(probabilities, unit)
def test_bce_gradient_matches_finite_differences(prob: float, target: float) -> None:
    gradcheck(lambda p: binary_cross_entropy(p, target), prob)


@given(logits, unit)
def test_bce_with_logits_gradient_matches_finite_differences(z: float, t: float) -> None:
    gradcheck(lambda v: binary_cross_entropy_with_logits(v, t), z)


@given(score_lists, st.data())
def test_cross_entropy_gradient_matches_finite_differences(
    zs: list[float], data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(zs) - 1))
    gradcheck(lambda *v: cross_entropy(list(v), index), *zs)
    weights = data.draw(st.lists(unit, min_size=len(zs), max_size=len(zs)))
    assume(sum(weights) > 0)
    target = [w / sum(weights) for w in weights]
    gradcheck(lambda *v: cross_entropy(list(v), target), *zs)


@given(score_lists, st.data())
def test_nll_of_log_softmax_gradient_matches_finite_differences(
    zs: list[float], data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(zs) - 1))
    gradcheck(lambda *v: nll(log_softmax(list(v)), index), *zs)


@given(reals, st.sampled_from([-1, 1]))
def test_hinge_gradient_matches_finite_differences_away_from_the_kink(s: float, t: int) -> None:
    assume(abs(1 - t * s) > 1e-3)
    gradcheck(lambda v: hinge(v, t), s)


@given(st.lists(reals, min_size=1, max_size=5))
def test_l2_gradient_matches_finite_differences(ps: list[float]) -> None:
    gradcheck(lambda *v: l2(list(v), alpha=0.1), *ps, rtol=1e-6, atol=1e-8)


@given(st.lists(reals, min_size=1, max_size=5))
def test_l2_value_and_gradient_equal_torch(ps: list[float]) -> None:
    values = [Value(p) for p in ps]
    ours = l2(values, alpha=0.1)
    ours.backward()
    t = torch.tensor(ps, dtype=torch.float64, requires_grad=True)
    theirs = 0.1 * (t**2).sum()
    theirs.backward()
    assert ours.data == pytest.approx(theirs.item(), rel=1e-12, abs=1e-12)
    assert [v.grad for v in values] == pytest.approx(t.grad.tolist(), rel=1e-12, abs=1e-12)


@given(st.lists(st.tuples(reals, reals), min_size=1, max_size=4))
def test_cost_gradient_matches_finite_differences(pairs: list[tuple[float, float]]) -> None:
    targets = [t for _, t in pairs]
    gradcheck(lambda *v: cost(mse, list(v), targets), *[p for p, _ in pairs],
              rtol=1e-6, atol=1e-8)


@given(st.lists(st.tuples(reals, reals), min_size=1, max_size=4))
def test_cost_is_the_mean_loss_as_in_torch(pairs: list[tuple[float, float]]) -> None:
    preds = [Value(p) for p, _ in pairs]
    ours = cost(mse, preds, [t for _, t in pairs])
    ours.backward()
    p = torch.tensor([p for p, _ in pairs], dtype=torch.float64, requires_grad=True)
    target = torch.tensor([t for _, t in pairs], dtype=torch.float64)
    theirs = F.mse_loss(p, target, reduction="none").mean()
    theirs.backward()
    assert ours.data == pytest.approx(theirs.item(), rel=1e-12, abs=1e-12)
    assert [v.grad for v in preds] == pytest.approx(p.grad.tolist(), rel=1e-12, abs=1e-12)


# ---- values and gradients equal torch's (float64) ----------------------------------------------
@given(st.lists(st.tuples(reals, reals), min_size=1, max_size=5))
def test_mse_and_mae_match_torch_over_vectors(pairs: list[tuple[float, float]]) -> None:
    preds, targets = [p for p, _ in pairs], [t for _, t in pairs]
    assume(all(abs(p - t) > 1e-9 for p, t in pairs))  # torch and we agree off the kink
    target_tensor = torch.tensor(targets, dtype=torch.float64)
    assert_close(ours(mse, preds, targets), theirs(F.mse_loss, preds, target_tensor))
    assert_close(ours(mae, preds, targets), theirs(F.l1_loss, preds, target_tensor))


@given(probabilities, unit)
def test_bce_matches_torch(prob: float, t: float) -> None:
    assert_close(
        ours(lambda v: binary_cross_entropy(v[0], t), [prob]),
        theirs(lambda x: F.binary_cross_entropy(x, torch.tensor([t], dtype=torch.float64)),
               [prob]),
    )


@given(st.floats(-1000.0, 1000.0), unit)
def test_bce_with_logits_matches_torch(z: float, t: float) -> None:
    assert_close(
        ours(lambda v: binary_cross_entropy_with_logits(v[0], t), [z]),
        theirs(lambda x: F.binary_cross_entropy_with_logits(
            x, torch.tensor([t], dtype=torch.float64)), [z]),
    )


@settings(max_examples=50)
@given(st.lists(st.floats(-50.0, 50.0), min_size=2, max_size=6), st.data())
def test_cross_entropy_with_index_or_probabilities_matches_torch(
    zs: list[float], data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(zs) - 1))
    assert_close(
        ours(cross_entropy, zs, index),
        theirs(lambda x: F.cross_entropy(x[None], torch.tensor([index])), zs),
    )
    weights = data.draw(st.lists(unit, min_size=len(zs), max_size=len(zs)))
    assume(sum(weights) > 0)
    target = [w / sum(weights) for w in weights]
    assert_close(
        ours(cross_entropy, zs, target),
        theirs(lambda x: F.cross_entropy(x[None], torch.tensor([target], dtype=torch.float64)),
               zs),
    )


@given(st.lists(reals, min_size=2, max_size=6), st.data())
def test_nll_matches_torch(xs: list[float], data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(xs) - 1))
    assert_close(
        ours(nll, xs, index),
        theirs(lambda x: F.nll_loss(x[None], torch.tensor([index])), xs),
    )


@given(reals, st.sampled_from([-1, 1]))
def test_hinge_matches_torch_clamp(s: float, t: int) -> None:
    assume(abs(1 - t * s) > 1e-9)  # at the kink torch's clamp passes the gradient, relu not
    assert_close(
        ours(lambda v: hinge(v[0], t), [s]),
        theirs(lambda x: torch.clamp(1 - t * x, min=0).sum(), [s]),
    )


def test_one_hot_target_gives_the_same_loss_and_gradient_as_its_index() -> None:
    zs = [0.3, -1.2, 2.5, 0.0]
    assert ours(cross_entropy, zs, [0.0, 0.0, 1.0, 0.0]) == ours(cross_entropy, zs, 2)


# ---- stability --------------------------------------------------------------------------------
@pytest.mark.parametrize("z", [-1000.0, 1000.0])
@pytest.mark.parametrize("t", [0.0, 0.3, 1.0])
def test_bce_with_logits_is_finite_and_exact_at_1000(z: float, t: float) -> None:
    value, (grad,) = ours(lambda v: binary_cross_entropy_with_logits(v[0], t), [z])
    assert math.isfinite(value) and math.isfinite(grad)
    # softplus(z) - t z: |z|-sized loss on the wrong side, gradient sigmoid(z) - t.
    assert value == pytest.approx(max(z, 0.0) - t * z)
    assert grad == pytest.approx((1.0 if z > 0 else 0.0) - t)


@pytest.mark.parametrize("index", [0, 1, 2])
def test_cross_entropy_is_finite_and_matches_torch_at_1000(index: int) -> None:
    zs = [1000.0, -1000.0, 999.0]
    result = ours(cross_entropy, zs, index)
    assert math.isfinite(result[0]) and all(math.isfinite(g) for g in result[1])
    assert_close(result, theirs(lambda x: F.cross_entropy(x[None], torch.tensor([index])), zs))


@pytest.mark.parametrize(("prob", "t"), [(0.0, 1.0), (1.0, 0.0), (0.0, 0.5), (1e-50, 1.0)])
def test_bce_at_saturated_probabilities_matches_torchs_floor_at_minus_100(prob: float,
                                                                       t: float) -> None:
    expected = F.binary_cross_entropy(torch.tensor([prob], dtype=torch.float64),
                                      torch.tensor([t], dtype=torch.float64)).item()
    assert binary_cross_entropy(Value(prob), t).data == pytest.approx(expected, rel=1e-12)


# ---- shapes and errors ------------------------------------------------------------------------
def test_cost_is_the_mean_of_per_sample_losses_over_one_sum_node() -> None:
    preds = [Value(1.0), Value(2.0), Value(4.0)]
    total = cost(mse, preds, [0.0, 0.0, 0.0])
    assert total.data == pytest.approx((1.0 + 4.0 + 16.0) / 3)
    (summed, count) = total.parents
    assert summed.op is not None and summed.op.name == "sum" and len(summed.parents) == 3
    assert count.data == 3.0


def test_cost_trains_a_model_with_multiclass_cross_entropy() -> None:
    model = MLP(2, [8, 3], activation="tanh", rng=1)
    xs, ys = [[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]], [0, 1, 2]
    history = []
    for _ in range(40):
        loss = cost(cross_entropy, [model(x) for x in xs], ys) + l2(model, alpha=1e-4)
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 0.3 * p.grad
        history.append(loss.data)
    assert history[-1] < 0.1 * history[0]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: hinge(Value(0.5), 0), ValueError, "target must be -1 or \\+1"),
        (lambda: binary_cross_entropy(Value(1.5), 1.0), ValueError, "prob must lie in \\[0, 1\\]"),
        (lambda: binary_cross_entropy(Value(0.5), 2.0), ValueError, "target must lie in"),
        (lambda: binary_cross_entropy_with_logits(Value(0.5), -1.0), ValueError, "target must"),
        (lambda: cross_entropy([Value(1.0), Value(2.0)], 2), ValueError, "index 2 is out of range"),
        (lambda: cross_entropy([Value(1.0), Value(2.0)], [1.0]), ValueError, "2 logits but"),
        (lambda: cross_entropy([Value(1.0)], "a"), TypeError, "class index or a list"),
        (lambda: cross_entropy(Value(1.0), 0), TypeError, "must be a list of Values"),
        (lambda: cross_entropy([], 0), ValueError, "logits is empty"),
        (lambda: nll([Value(-1.0)], 1.0), TypeError, "class index"),
        (lambda: mse([Value(1.0), Value(2.0)], [1.0]), ValueError, "prediction has 2"),
        (lambda: mse(Value(1.0), "x"), TypeError, "mse"),
        (lambda: cost(mse, [Value(1.0)], [1.0, 2.0]), ValueError, "1 predictions but 2"),
        (lambda: cost(mse, [], []), ValueError, "empty batch"),
        (lambda: l2([1.0]), TypeError, "expected parameters"),
    ],
)
def test_bad_arguments_raise_clear_errors(
    call: Callable[[], object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        call()


def test_losses_are_registered_by_name() -> None:
    assert LOSSES["mse"] is mse and LOSSES["cross_entropy"] is cross_entropy
    assert LOSSES["bce_with_logits"] is binary_cross_entropy_with_logits
