"""`nn` never answers silently wrong: every parameter is found, losses and optimizers are
torch's at the boundaries, NaN scores count as misses, and numbers of any numeric type are
accepted where a number is meant (issue 12)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from autograd import Value
from nn.data import accuracy, moons
from nn.layers import MLP, Layer, Neuron
from nn.losses import binary_cross_entropy, cross_entropy
from nn.module import Module
from nn.optim import SGD, Adam, RMSProp
from nn.schedules import ExponentialLR, StepLR
from nn.train import fit

NAN, INF = math.nan, math.inf


# ---- parameters in nested containers ----------------------------------------------------------
class Nested(Module):
    def __init__(self) -> None:
        self.blocks = [[Neuron(1, rng=0), Neuron(1, rng=1)], [Value(0.5)]]
        self.heads = {"a": [Value(1.0), Value(2.0)], "b": {"deep": (Value(3.0),)}}
        self.pair = (Value(4.0), [Neuron(1, rng=2)])

    def forward(self, x: Any) -> Any:
        return x


def test_parameters_in_lists_of_lists_dicts_of_lists_and_tuples_are_found_by_stable_names(
) -> None:
    names = [name for name, _ in Nested().named_parameters()]
    assert names == [
        "blocks.0.0.w.0", "blocks.0.0.b", "blocks.0.1.w.0", "blocks.0.1.b", "blocks.1.0",
        "heads.a.0", "heads.a.1", "heads.b.deep.0", "pair.0", "pair.1.0.w.0", "pair.1.0.b",
    ]
    assert names == [name for name, _ in Nested().named_parameters()]  # the same every time
    assert [name for name, _ in Nested().named_children()] == [
        "blocks.0.0", "blocks.0.1", "pair.1.0"]


def test_nested_parameters_are_saved_loaded_and_trained(tmp_path: Any) -> None:
    source, target = Nested(), Nested()
    source.heads["b"]["deep"][0].data = -7.0
    source.save(tmp_path / "nested.json")
    target.load(tmp_path / "nested.json")
    assert target.state_dict() == source.state_dict()
    assert len(SGD(Nested().parameters(), lr=0.1).params) == 11


def test_a_set_of_parameters_is_refused_because_it_has_no_stable_order() -> None:
    class Unordered(Module):
        def __init__(self) -> None:
            self.weights = {Value(1.0), Value(2.0)}

    with pytest.raises(TypeError, match=r"Unordered: attribute 'weights' is a set .* list"):
        Unordered().parameters()


def test_a_set_of_plain_settings_is_fine_and_a_cycle_is_walked_once() -> None:
    class Configured(Module):
        def __init__(self) -> None:
            self.tags = {"a", "b"}
            self.loop: list[Any] = [Value(1.0)]
            self.loop.append(self.loop)

    assert [name for name, _ in Configured().named_parameters()] == ["loop.0"]


# ---- losses at their boundaries, as torch -------------------------------------------------------
@pytest.mark.parametrize("p", [0.0, 1e-50, 1e-13, 3e-12, 0.3, 1 - 1e-13, 1.0])
@pytest.mark.parametrize("t", [0.0, 0.3, 1.0])
def test_bce_value_and_gradient_match_torch_at_and_near_the_boundary(p: float, t: float) -> None:
    prob = torch.tensor(p, dtype=torch.float64, requires_grad=True)
    expected = F.binary_cross_entropy(prob, torch.tensor(t, dtype=torch.float64))
    expected.backward()
    assert prob.grad is not None
    ours = Value(p)
    loss = binary_cross_entropy(ours, t)
    loss.backward()
    # (1 - p).log() is the Value graph's; torch's log1p(-p) is exact below 1e-15.
    assert loss.data == pytest.approx(expected.item(), rel=1e-12, abs=1e-15)
    assert ours.grad == pytest.approx(prob.grad.item(), rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("logits, target", [([-INF, -INF], 0), ([-INF, 1.0], 0),
                                            ([-INF, 1.0], 1), ([INF, 1.0], 0)])
def test_cross_entropy_at_infinite_logits_matches_torch(logits: list[float], target: int) -> None:
    expected = F.cross_entropy(torch.tensor([logits], dtype=torch.float64),
                               torch.tensor([target])).item()
    got = cross_entropy([Value(z) for z in logits], target).data
    assert (math.isnan(got) and math.isnan(expected)) or got == expected


def test_cross_entropy_against_an_infinite_wrong_logit_is_inf_where_torch_says_nan() -> None:
    # -log softmax(z)_1 with z_0 -> inf grows without bound; torch's log_softmax gives nan.
    assert cross_entropy([Value(INF), Value(1.0)], 1).data == INF


def test_a_nan_prediction_counts_as_wrong_whatever_the_target() -> None:
    assert accuracy([NAN, NAN], [0, 1]) == 0.0
    assert accuracy([[NAN, 1.0], [0.0, NAN], [2.0, 1.0]], [1, 0, 0]) == 1 / 3
    assert accuracy([Value(NAN), Value(1.0)], [0, 1]) == 0.5


# ---- optimizer numerics -------------------------------------------------------------------------
def test_centered_rmsprop_clamps_a_variance_that_rounding_made_negative() -> None:
    # A constant gradient: s - mean² = (1 - α^t) α^t g² > 0 in exact arithmetic, but at
    # step 54 here it rounds to -1e-19. torch.optim.RMSprop takes the square root of that
    # and makes the parameter NaN; the old code raised "math domain error" half-way.
    w = Value(1.0)
    opt = RMSProp([w], lr=1e-3, alpha=0.5, centered=True)
    went_negative = False
    for _ in range(60):
        w.grad = 3 / 97
        opt.step()
        s, mean = opt.buffers["square_avg"][0], opt.buffers["grad_avg"][0]
        went_negative = went_negative or s - mean * mean < 0
        assert math.isfinite(w.data)
    assert went_negative


@pytest.mark.parametrize("make", [lambda ps: Adam(ps, eps=0.0), lambda ps: RMSProp(ps, eps=0.0),
                                  lambda ps: Adam(ps, eps=INF)])
def test_eps_that_could_divide_by_zero_is_refused_up_front(make: Any) -> None:
    with pytest.raises(ValueError, match=r"eps must be"):
        make([Value(1.0)])


@pytest.mark.parametrize("lr", [INF, -INF, NAN])
@pytest.mark.parametrize("kind", [SGD, Adam, RMSProp])
def test_a_non_finite_learning_rate_is_refused(kind: Any, lr: float) -> None:
    with pytest.raises(ValueError, match=rf"{kind.__name__}: lr must be"):
        kind([Value(1.0)], lr=lr)


def test_a_learning_rate_set_by_hand_to_inf_is_refused_before_any_update() -> None:
    w, v = Value(1.0), Value(2.0)
    w.grad = v.grad = 1.0
    opt = Adam([w, v], lr=0.1)
    opt.lr = INF
    with pytest.raises(ValueError, match="Adam: lr must be a finite number, got inf"):
        opt.step()
    assert (w.data, v.data, opt.steps, opt.buffers["exp_avg"]) == (1.0, 2.0, 0, [0.0, 0.0])


def test_a_gradient_that_is_not_a_number_is_refused_before_any_update() -> None:
    w, v = Value(1.0), Value(2.0)
    w.grad, v.grad = 1.0, "oops"
    opt = SGD([w, v], lr=0.1)
    with pytest.raises(TypeError, match=r"SGD: parameter 1 has gradient 'oops'"):
        opt.step()
    assert (w.data, v.data, opt.steps) == (1.0, 2.0, 0)


@pytest.mark.parametrize("schedule", [lambda o: ExponentialLR(o, gamma=2.0),
                                      lambda o: StepLR(o, step_size=1, gamma=10.0)])
def test_a_growing_schedule_stops_with_a_clear_error_where_the_lr_overflows(schedule: Any) -> None:
    opt = SGD([Value(1.0)], lr=0.1)
    sched = schedule(opt)
    with pytest.raises(ValueError, match=r"the lr overflows a float at epoch \d+"):
        for _ in range(2000):
            sched.step()
    assert math.isfinite(opt.lr) and sched.lr_at(sched.last_epoch) == opt.lr  # not advanced


# ---- numbers of any numeric type ----------------------------------------------------------------
def test_numpy_integers_and_floats_work_as_sizes_and_learning_rates() -> None:
    model = MLP(np.int64(2), [np.int32(3), np.int64(1)], rng=0)
    assert model.num_parameters() == 13 and Layer(np.int16(2), np.int8(2)).nout == 2
    for lr in (np.float32(0.1), np.float64(0.1), np.int64(1)):
        SGD(model.parameters(), lr=lr, momentum=np.float32(0.5))
    Adam(model.parameters(), lr=np.float32(0.01), betas=(np.float32(0.9), np.float64(0.99)))
    history = fit(model, "bce_with_logits", SGD(model.parameters(), lr=np.float64(0.1)),
                  moons(n=np.int64(20)), epochs=np.int64(1), batch_size=np.int32(5),
                  progress=False, compiled=False)
    assert history.steps == 4


def test_bools_are_still_refused_as_numbers() -> None:
    with pytest.raises(ValueError, match="MLP: nin must be an int >= 1, got True"):
        MLP(True, [1])
    with pytest.raises(TypeError, match="SGD: lr must be a number, got bool"):
        SGD([Value(1.0)], lr=True)
