"""Compiled training steps for `nn` models: every activation with every loss, against eager
`nn.losses.cost` and against PyTorch."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import lists
from autograd.compile.trace import trace
from nn import losses
from nn.layers import MLP
from nn.optim import SGD

ACTIVATIONS = ["relu", "tanh", "sigmoid", "leaky_relu", "gelu", "silu", "linear"]


def _nll(outputs: list[Any], target: int) -> Any:
    return losses.nll(lists.log_softmax(outputs), target)


# name: (outputs, output activation, target strategy, loss, whether the target is static)
LOSSES: dict[str, tuple[int, str | None, st.SearchStrategy[Any], Callable[..., Any], bool]] = {
    "mse": (1, None, st.floats(-2, 2), losses.mse, False),
    "mae": (1, None, st.floats(-2, 2), losses.mae, False),
    "mse_vector": (2, None, st.lists(st.floats(-2, 2), min_size=2, max_size=2), losses.mse,
                   False),
    "bce_with_logits": (1, None, st.floats(0, 1), losses.binary_cross_entropy_with_logits,
                        False),
    "bce": (1, "sigmoid", st.sampled_from([0.0, 1.0]), losses.binary_cross_entropy, True),
    "hinge": (1, None, st.sampled_from([-1, 1]), losses.hinge, True),
    "cross_entropy": (3, None, st.integers(0, 2), losses.cross_entropy, True),
    "nll": (3, None, st.integers(0, 2), _nll, True),
}

INPUTS = st.lists(st.floats(-2, 2), min_size=3, max_size=3)


# Every pair is run (parametrized), not sampled: hypothesis draws only the weights and data.
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("name", sorted(LOSSES))
@settings(max_examples=3, deadline=None)
@given(seed=st.integers(0, 10_000), data=st.data())
def test_every_activation_and_loss_compiles_to_the_eager_gradients(
        activation: str, name: str, seed: int, data: st.DataObject) -> None:
    outputs, last, targets, loss, static = LOSSES[name]
    model = MLP(3, [4, outputs], activation=activation, output_activation=last, rng=seed)
    params = model.parameters()
    X = data.draw(st.lists(INPUTS, min_size=1, max_size=4))
    Y = data.draw(st.lists(targets, min_size=len(X), max_size=len(X)))

    def per_sample(x: Any, y: Any) -> Any:
        return loss(model(x), y) + losses.l2(model, 1e-3)

    def eager_cost() -> tuple[float, list[float]]:
        model.zero_grad()
        cost = losses.cost(per_sample, X, Y)
        cost.backward()
        return cost.data, [p.grad for p in params]

    expected_loss, expected_grads = eager_cost()
    static_argnums = (1,) if static else ()
    for backend in ("python", "numpy"):
        step = trace(per_sample, static_argnums=static_argnums)
        model.zero_grad()
        got = step.backward_batch(X, Y, reduce="mean", backend=backend)
        assert abs(got - expected_loss) <= 1e-12 * max(1.0, abs(expected_loss)), backend
        for p, e in zip(params, expected_grads):
            assert abs(p.grad - e) <= 1e-12 * max(1.0, abs(e)), (backend, p.grad, e)
    for compiler in ("codegen", "tape"):  # one sample at a time, both compilers
        program = trace(per_sample, X[0], Y[0], static_argnums=static_argnums,
                        compiler=compiler)
        model.zero_grad()
        out = program.backward(X[0], Y[0])
        compiled_grads = [p.grad for p in params]
        model.zero_grad()
        eager = per_sample(X[0], Y[0])
        eager.backward()
        assert out == eager.data
        assert compiled_grads == [p.grad for p in params]  # bit for bit


def test_batched_gradients_equal_torch_on_the_same_mlp_and_batch() -> None:
    rng = random.Random(3)
    model = MLP(2, [16, 16, 1], rng=3)
    X = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(50)]
    Y = [rng.choice((-1.0, 1.0)) for _ in range(50)]
    step = trace(lambda x, y: (1.0 - y * model(x)).relu(), X[0], Y[0])
    loss = step.backward_batch(X, Y, reduce="mean", backend="numpy")
    reference = model.to_torch()
    scores = reference(torch.tensor(X, dtype=torch.float64)).squeeze(1)
    torch_loss = torch.relu(1.0 - torch.tensor(Y, dtype=torch.float64) * scores).mean()
    torch_loss.backward()
    torch_grads = []
    for layer in reference:
        if isinstance(layer, torch.nn.Linear):
            weight, bias_grad = layer.weight.grad, layer.bias.grad
            assert weight is not None and bias_grad is not None
            for row, bias in zip(weight.tolist(), bias_grad.tolist()):
                torch_grads += [*row, bias]
    ours = [p.grad for p in model.parameters()]
    assert abs(loss - torch_loss.item()) <= 1e-12
    assert np.allclose(ours, torch_grads, rtol=1e-10, atol=1e-12)


def test_training_with_a_compiled_step_follows_the_eager_trajectory() -> None:
    rng = random.Random(0)
    X = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(20)]
    Y = [1 if x[0] * x[1] > 0 else -1 for x in X]
    eager_model, compiled_model = MLP(2, [8, 1], rng=1), MLP(2, [8, 1], rng=1)
    step = trace(lambda x, y: losses.hinge(compiled_model(x), y), static_argnums=(1,))
    eager_opt = SGD(eager_model.parameters(), lr=0.1, momentum=0.9)
    compiled_opt = SGD(compiled_model.parameters(), lr=0.1, momentum=0.9)
    for _ in range(10):
        eager_opt.zero_grad()
        losses.cost(losses.hinge, [eager_model(x) for x in X], Y).backward()
        eager_opt.step()
        compiled_opt.zero_grad()
        step.backward_batch(X, Y, reduce="mean")
        compiled_opt.step()
    for a, b in zip(eager_model.parameters(), compiled_model.parameters()):
        assert abs(a.data - b.data) <= 1e-12
