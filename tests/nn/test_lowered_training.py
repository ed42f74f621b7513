"""Training on the lowered program (`nn.compiled`) is eager training, to 1e-12.

Random architectures (sizes, activations, initialisers) with every loss of `nn.losses`:
the compiled batch gradient equals eager ``cost(...).backward()``, and a few steps of
array training (`ArrayTraining`) leave the same parameters and optimizer state as eager
steps with the same optimizer.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import log_softmax
from autograd.value import Value
from nn import losses
from nn.activations import ACTIVATIONS
from nn.compiled import ArrayTraining, CompiledStep
from nn.data import Dataset
from nn.init import INITIALIZERS
from nn.layers import MLP
from nn.optim import SGD, Adam, AdamW, RMSProp

Target = Callable[[random.Random, int], Any]


def _probability(pred: Any, t: Any) -> Value:
    return losses.binary_cross_entropy(pred.sigmoid(), t)


def _nll(pred: Any, t: Any) -> Value:
    return losses.nll(log_softmax(pred), t)


# (loss, how many outputs it needs (0: any), a target for a model with k outputs)
LOSSES: dict[str, tuple[Callable[..., Value], int, Target]] = {
    "mse": (losses.mse, 0, lambda r, k: r.uniform(-1, 1) if k == 1
            else [r.uniform(-1, 1) for _ in range(k)]),
    "mae": (losses.mae, 0, lambda r, k: r.uniform(-1, 1) if k == 1
            else [r.uniform(-1, 1) for _ in range(k)]),
    "binary_cross_entropy": (_probability, 1, lambda r, k: r.choice([0.0, 1.0, r.random()])),
    "binary_cross_entropy_with_logits": (losses.binary_cross_entropy_with_logits, 1,
                                         lambda r, k: r.choice([0, 1])),
    "cross_entropy": (losses.cross_entropy, -1, lambda r, k: r.randrange(k)),
    "nll": (_nll, -1, lambda r, k: r.randrange(k)),
    "hinge": (losses.hinge, 1, lambda r, k: r.choice([-1, 1])),
}
OPTIMIZERS = [lambda p: SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
              lambda p: Adam(p, lr=0.01, weight_decay=1e-3), lambda p: AdamW(p, lr=0.01),
              lambda p: RMSProp(p, lr=0.01, momentum=0.5, centered=True)]


@st.composite
def problems(draw: st.DrawFn) -> tuple[MLP, Callable[..., Value], Dataset]:
    name = draw(st.sampled_from(sorted(LOSSES)))
    loss, outputs, target = LOSSES[name]
    nin = draw(st.integers(1, 5))
    hidden = draw(st.lists(st.integers(1, 6), min_size=0, max_size=2))
    k = outputs if outputs > 0 else draw(st.integers(2 if outputs < 0 else 1, 4))
    activation = draw(st.sampled_from([a for a in ACTIVATIONS if a != "linear"]))
    init = draw(st.sampled_from(sorted(INITIALIZERS)))
    seed = draw(st.integers(0, 2**16))
    rng = random.Random(seed)
    model = MLP(nin, [*hidden, k], activation=activation, init=init, rng=seed)
    n = draw(st.integers(2, 12))
    X = [[rng.uniform(-2, 2) for _ in range(nin)] for _ in range(n)]
    y = [target(rng, k) for _ in range(n)]
    return model, loss, Dataset(X, y, num_classes=k if outputs < 0 else None)


def assert_close(got: list[float], expected: list[float]) -> None:
    # 1e-12 relative to the number, or to 1 for numbers below 1: a gradient that is a
    # small difference of O(1) terms (softmax's p - t near p = 1) carries their rounding.
    for g, e in zip(got, expected):
        assert abs(g - e) <= 1e-12 * max(abs(e), 1.0), (g, e)


@settings(max_examples=60, deadline=None)
@given(problem=problems(), l2=st.sampled_from([0.0, 0.01]))
def test_compiled_batch_gradient_equals_eager_on_random_architectures(
        problem: tuple[MLP, Callable[..., Value], Dataset], l2: float) -> None:
    model, loss, data = problem
    step = CompiledStep(model, loss, data, l2=l2)
    compiled_loss = step.backward(data.X, data.y)
    compiled = [p.grad for p in model.parameters()]
    model.zero_grad()
    cost = losses.cost(loss, [model(x) for x in data.X], data.y)
    (cost + losses.l2(model, alpha=l2) if l2 else cost).backward()
    assert_close([compiled_loss, *compiled], [cost.data, *(p.grad for p in model.parameters())])


@settings(max_examples=30, deadline=None)
@given(problem=problems(), which=st.integers(0, len(OPTIMIZERS) - 1))
def test_array_training_steps_equal_eager_steps(
        problem: tuple[MLP, Callable[..., Value], Dataset], which: int) -> None:
    model, loss, data = problem
    start = [p.data for p in model.parameters()]
    # Eager: three full-batch steps.
    eager_opt = OPTIMIZERS[which](model.parameters())
    for _ in range(3):
        model.zero_grad()
        losses.cost(loss, [model(x) for x in data.X], data.y).backward()
        eager_opt.step()
    eager = [p.data for p in model.parameters()]
    eager_buffers = {k: list(v) for k, v in eager_opt.buffers.items()}
    # Arrays: the same three steps from the same start.
    for p, x in zip(model.parameters(), start):
        p.data = x
    opt = OPTIMIZERS[which](model.parameters())
    arrays = ArrayTraining(CompiledStep(model, loss, data), opt)
    for _ in range(3):
        arrays.step(np.asarray(data.X), data.y)
    arrays.sync()
    assert opt.steps == eager_opt.steps == 3
    if isinstance(opt, SGD):
        assert_close([p.data for p in model.parameters()], eager)
        for name, values in eager_buffers.items():
            assert_close(opt.buffers[name], values)
    else:
        # Adam and RMSProp divide by the gradient's running RMS, so a gradient's relative
        # rounding (up to ~1e-9 where it is a small difference of O(1) terms: softmax near
        # p = 1) moves a step by about lr times that: 3 steps, allowed on top of 1e-12.
        lr = opt.lr
        for got, expected in zip([p.data for p in model.parameters()], eager):
            assert abs(got - expected) <= 1e-12 * max(abs(expected), 1.0) + 3 * lr * 1e-9
