"""Export to torch: the Sequential computes what the MLP computes, and its gradients agree."""

from __future__ import annotations

import random

import pytest
import torch

from autograd.value import Value
from nn.activations import ACTIVATIONS
from nn.layers import MLP, Layer, Neuron
from nn.losses import cost, mse

NAMES = sorted(ACTIVATIONS)


def random_inputs(n: int, width: int, seed: int) -> list[list[float]]:
    rng = random.Random(seed)
    return [[rng.uniform(-3.0, 3.0) for _ in range(width)] for _ in range(n)]


def outputs(model: MLP | Layer | Neuron, x: list[float]) -> list[float]:
    out = model(x)
    return [out.data] if isinstance(out, Value) else [v.data for v in out]


@pytest.mark.parametrize("activation", NAMES)
def test_exported_mlp_gives_the_same_outputs_on_50_random_inputs(activation: str) -> None:
    model = MLP(3, [8, 6, 2], activation=activation, output_activation=activation, rng=7)
    net = model.to_torch()
    xs = random_inputs(50, 3, seed=1)
    with torch.no_grad():
        theirs = net(torch.tensor(xs, dtype=torch.float64)).tolist()
    for x, row in zip(xs, theirs):
        assert outputs(model, x) == pytest.approx(row, rel=0, abs=1e-12)


@pytest.mark.parametrize("activation", NAMES)
def test_exported_mlp_gives_the_same_parameter_gradients(activation: str) -> None:
    model = MLP(2, [5, 1], activation=activation, rng=3)
    net = model.to_torch()
    xs = random_inputs(10, 2, seed=2)
    ys = [x[0] * x[1] for x in xs]
    cost(mse, [model(x) for x in xs], ys).backward()
    loss = torch.nn.functional.mse_loss(
        net(torch.tensor(xs, dtype=torch.float64)).squeeze(1),
        torch.tensor(ys, dtype=torch.float64),
    )
    loss.backward()
    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    assert len(linears) == len(model.layers)
    for layer, linear in zip(model.layers, linears):
        assert linear.weight.grad is not None and linear.bias.grad is not None
        ours_w = [w.grad for n in layer.neurons for w in n.w]
        ours_b = [n.b.grad for n in layer.neurons]
        assert ours_w == pytest.approx(linear.weight.grad.flatten().tolist(), rel=1e-9, abs=1e-12)
        assert ours_b == pytest.approx(linear.bias.grad.tolist(), rel=1e-9, abs=1e-12)


def test_micrograd_mlp_exports_as_linear_relu_layers_in_float64() -> None:
    net = MLP(2, [16, 16, 1]).to_torch()
    assert [type(m).__name__ for m in net] == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert all(p.dtype == torch.float64 for p in net.parameters())
    assert sum(p.numel() for p in net.parameters()) == 337


def test_export_copies_the_weights() -> None:
    model = MLP(2, [3, 1], rng=1)
    before = model.state_dict()
    net = model.to_torch()
    with torch.no_grad():
        for p in net.parameters():
            p.add_(1.0)
    assert model.state_dict() == before


@pytest.mark.parametrize("module", [Layer(3, 4, activation="gelu", rng=2),
                                    Neuron(3, activation="silu", rng=2)])
def test_layers_and_neurons_export_too(module: Layer | Neuron) -> None:
    from nn.export import to_torch

    net = to_torch(module)
    for x in random_inputs(20, 3, seed=4):
        with torch.no_grad():
            row = net(torch.tensor(x, dtype=torch.float64)).tolist()
        assert outputs(module, x) == pytest.approx(row, rel=0, abs=1e-12)


def test_a_custom_activation_cannot_be_exported() -> None:
    model = MLP(2, [3, 1], activation=lambda v: v * v)
    with pytest.raises(ValueError, match="activation 'custom:.*<lambda>' has no torch equivalent"):
        model.to_torch()


def test_only_known_modules_export() -> None:
    from nn.export import to_torch
    from nn.module import Module

    with pytest.raises(TypeError, match="expected an MLP, Layer or Neuron, got Module"):
        to_torch(Module())
