"""Optimizers and schedules against torch.optim: the same gradients give the same steps."""

import json
import math
import random
from collections.abc import Callable
from typing import Any

import pytest
import torch

from autograd import Value
from nn.optim import SGD, Adam, AdamW, Optimizer, RMSProp
from nn.schedules import CosineAnnealingLR, ExponentialLR, LRScheduler, StepLR

START = [0.7, -1.3, 2.1, 0.05, -0.4]
# A fixed quadratic with a cross term, so every parameter's gradient depends on the others.
SCALES = [1.0, 3.0, 0.5, 10.0, 2.0]


def quadratic_loss(ps: list[Any]) -> Any:
    total = 0.0
    for p, s in zip(ps, SCALES):
        total = total + s * (p - 0.25) * (p - 0.25)
    return total + ps[0] * ps[1] * 0.3


OPTIMIZER_CASES: list[tuple[str, Callable[..., Optimizer], Callable[..., Any], dict[str, Any]]] = [
    ("sgd", SGD, torch.optim.SGD, {"lr": 0.02}),
    ("sgd momentum", SGD, torch.optim.SGD, {"lr": 0.02, "momentum": 0.9}),
    ("sgd nesterov", SGD, torch.optim.SGD, {"lr": 0.02, "momentum": 0.8, "nesterov": True}),
    ("sgd weight decay", SGD, torch.optim.SGD, {"lr": 0.02, "momentum": 0.5, "weight_decay": 0.1}),
    ("sgd dampening", SGD, torch.optim.SGD, {"lr": 0.02, "momentum": 0.9, "dampening": 0.3}),
    ("adam", Adam, torch.optim.Adam, {"lr": 0.05}),
    ("adam betas", Adam, torch.optim.Adam, {"lr": 0.05, "betas": (0.5, 0.9), "eps": 1e-6}),
    ("adam l2", Adam, torch.optim.Adam, {"lr": 0.05, "weight_decay": 0.2}),
    ("adamw", AdamW, torch.optim.AdamW, {"lr": 0.05}),
    ("adamw decay", AdamW, torch.optim.AdamW, {"lr": 0.05, "weight_decay": 0.3}),
    ("rmsprop", RMSProp, torch.optim.RMSprop, {"lr": 0.01}),
    ("rmsprop momentum", RMSProp, torch.optim.RMSprop, {"lr": 0.01, "momentum": 0.9}),
    ("rmsprop centered", RMSProp, torch.optim.RMSprop,
     {"lr": 0.01, "alpha": 0.9, "centered": True, "momentum": 0.5, "weight_decay": 0.1}),
]


@pytest.mark.parametrize(
    "ours, theirs, kwargs", [case[1:] for case in OPTIMIZER_CASES],
    ids=[case[0] for case in OPTIMIZER_CASES],
)
def test_twenty_steps_on_a_quadratic_match_torch_optim(
    ours: Callable[..., Optimizer], theirs: Callable[..., Any], kwargs: dict[str, Any]
) -> None:
    params = [Value(x) for x in START]
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in START]
    opt, ref = ours(params, **kwargs), theirs(tensors, **kwargs)
    for _ in range(20):
        opt.zero_grad()
        quadratic_loss(params).backward()
        opt.step()
        ref.zero_grad()
        quadratic_loss(tensors).backward()
        ref.step()
        for p, t in zip(params, tensors):
            assert p.data == pytest.approx(t.item(), abs=1e-10)


@pytest.mark.parametrize(
    "ours, theirs, kwargs", [case[1:] for case in OPTIMIZER_CASES],
    ids=[case[0] for case in OPTIMIZER_CASES],
)
def test_random_gradient_sequence_matches_torch_optim(
    ours: Callable[..., Optimizer], theirs: Callable[..., Any], kwargs: dict[str, Any]
) -> None:
    rng = random.Random(7)
    params = [Value(x) for x in START]
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in START]
    opt, ref = ours(params, **kwargs), theirs(tensors, **kwargs)
    for _ in range(20):
        for p, t in zip(params, tensors):
            g = rng.gauss(0.0, 2.0)
            p.grad = g
            t.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        ref.step()
    for p, t in zip(params, tensors):
        assert p.data == pytest.approx(t.item(), abs=1e-10)


def run_steps(opt: Optimizer, params: list[Value], steps: int) -> None:
    for _ in range(steps):
        opt.zero_grad()
        quadratic_loss(params).backward()
        opt.step()


@pytest.mark.parametrize(
    "ours, kwargs", [(case[1], case[3]) for case in OPTIMIZER_CASES],
    ids=[case[0] for case in OPTIMIZER_CASES],
)
def test_state_dict_round_trip_resumes_identically(
    ours: Callable[..., Optimizer], kwargs: dict[str, Any]
) -> None:
    straight = [Value(x) for x in START]
    run_steps(ours(straight, **kwargs), straight, 12)

    first = [Value(x) for x in START]
    opt = ours(first, **kwargs)
    run_steps(opt, first, 5)
    saved = json.loads(json.dumps(opt.state_dict()))  # survives JSON, as a checkpoint would
    resumed = [Value(p.data) for p in first]
    opt2 = ours(resumed, **kwargs)
    opt2.load_state_dict(saved)
    run_steps(opt2, resumed, 7)
    assert [p.data for p in resumed] == [p.data for p in straight]


def test_load_state_dict_rejects_mismatches_and_changes_nothing() -> None:
    params = [Value(x) for x in START]
    opt = Adam(params, lr=0.1)
    run_steps(opt, params, 3)
    before = opt.state_dict()
    good = opt.state_dict()
    wrong_length = {**good, "buffers": {**good["buffers"], "exp_avg": [0.0]}}
    wrong_type = {**good, "type": "SGD"}
    bad_beta = {**good, "hyper": {**good["hyper"], "betas": [0.9, 1.5]}}
    not_a_number = {**good, "buffers": {**good["buffers"], "exp_avg_sq": ["x"] * 5}}
    missing_key = {k: v for k, v in good.items() if k != "steps"}
    for bad in (wrong_length, wrong_type, bad_beta, missing_key):
        with pytest.raises(ValueError, match="Adam"):
            opt.load_state_dict(bad)
    with pytest.raises(TypeError, match="Adam"):
        opt.load_state_dict(not_a_number)
    assert opt.state_dict() == before


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda ps: SGD(ps, lr=-0.1), r"SGD: lr must be >= 0, got -0\.1"),
        (lambda ps: SGD(ps, lr=0.1, momentum=-1), r"SGD: momentum must be >= 0, got -1"),
        (lambda ps: SGD(ps, lr=0.1, nesterov=True), r"SGD: nesterov=True needs momentum > 0"),
        (lambda ps: Adam(ps, lr=-1e-3), r"Adam: lr must be >= 0, got -0\.001"),
        (lambda ps: Adam(ps, betas=(1.0, 0.999)), r"Adam: betas\[0\] must be in \[0, 1\), got 1"),
        (lambda ps: Adam(ps, betas=(0.9, -0.1)), r"Adam: betas\[1\] must be in \[0, 1\), got -0"),
        (lambda ps: AdamW(ps, betas=(0.9, 1.0)), r"AdamW: betas\[1\] must be in \[0, 1\), got 1"),
        (lambda ps: Adam(ps, eps=-1.0), r"Adam: eps must be > 0, got -1"),
        (lambda ps: AdamW(ps, weight_decay=-0.5), r"AdamW: weight_decay must be >= 0, got -0\.5"),
        (lambda ps: RMSProp(ps, alpha=1.5), r"RMSProp: alpha must be in \[0, 1\], got 1\.5"),
        (lambda ps: RMSProp(ps, lr=-2), r"RMSProp: lr must be >= 0, got -2"),
        (lambda ps: SGD([], lr=0.1), r"SGD: got an empty parameter list"),
        (lambda ps: SGD(ps + ps, lr=0.1), r"SGD: parameter 1 appears more than once"),
    ],
)
def test_bad_hyper_parameters_raise_value_error_naming_optimizer_and_value(
    make: Callable[[list[Value]], Optimizer], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        make([Value(1.0)])


def test_non_value_parameter_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="SGD: parameter 0 is a float, expected a Value"):
        SGD([1.0], lr=0.1)  # type: ignore[list-item]


def test_zero_grad_resets_every_parameter() -> None:
    params = [Value(1.0), Value(2.0)]
    (params[0] * params[1]).backward()
    SGD(params, lr=0.1).zero_grad()
    assert [p.grad for p in params] == [0.0, 0.0]


def test_a_graph_gradient_from_create_graph_is_read_as_its_number() -> None:
    w = Value(3.0)
    (w * w).backward(create_graph=True)
    assert isinstance(w.grad, Value)
    SGD([w], lr=0.5).step()
    assert w.data == 0.0


SCHEDULE_CASES: list[tuple[str, Callable[[Optimizer], LRScheduler], Callable[[Any], Any]]] = [
    ("step", lambda o: StepLR(o, step_size=7, gamma=0.5),
     lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=7, gamma=0.5)),
    ("exponential", lambda o: ExponentialLR(o, gamma=0.9),
     lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.9)),
    ("cosine", lambda o: CosineAnnealingLR(o, T_max=10),
     lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10)),
    ("cosine eta_min", lambda o: CosineAnnealingLR(o, T_max=12, eta_min=0.01),
     lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=12, eta_min=0.01)),
]


@pytest.mark.parametrize(
    "ours, theirs", [case[1:] for case in SCHEDULE_CASES], ids=[c[0] for c in SCHEDULE_CASES]
)
def test_schedule_matches_torch_lr_scheduler_for_thirty_epochs(
    ours: Callable[[Optimizer], LRScheduler], theirs: Callable[[Any], Any]
) -> None:
    opt = SGD([Value(1.0)], lr=0.3)
    ref_opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.3)
    schedule, ref = ours(opt), theirs(ref_opt)
    for _ in range(30):
        assert opt.lr == pytest.approx(ref_opt.param_groups[0]["lr"], rel=1e-12, abs=1e-15)
        ref_opt.step()
        ref.step()
        schedule.step()
        assert schedule.get_last_lr() == pytest.approx(ref.get_last_lr()[0], rel=1e-12, abs=1e-15)


def test_schedule_state_dict_resumes_the_same_learning_rates() -> None:
    opt = SGD([Value(1.0)], lr=0.3)
    schedule = CosineAnnealingLR(opt, T_max=10)
    for _ in range(4):
        schedule.step()
    other = SGD([Value(1.0)], lr=0.3)
    resumed = CosineAnnealingLR(other, T_max=10)
    resumed.load_state_dict(json.loads(json.dumps(schedule.state_dict())))
    assert other.lr == opt.lr
    schedule.step()
    resumed.step()
    assert other.lr == opt.lr


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda o: StepLR(o, step_size=0), "StepLR: step_size must be an int >= 1, got 0"),
        (lambda o: ExponentialLR(o, gamma=-0.5), "ExponentialLR: gamma must be a number > 0"),
        (lambda o: CosineAnnealingLR(o, T_max=0), "CosineAnnealingLR: T_max must be an int >= 1"),
    ],
)
def test_bad_schedule_arguments_raise_value_error(
    make: Callable[[Optimizer], LRScheduler], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        make(SGD([Value(1.0)], lr=0.1))


def test_cosine_schedule_reaches_eta_min_at_t_max() -> None:
    opt = SGD([Value(1.0)], lr=1.0)
    schedule = CosineAnnealingLR(opt, T_max=5, eta_min=0.1)
    for _ in range(5):
        schedule.step()
    assert math.isclose(opt.lr, 0.1)
