"""Export a model to PyTorch: the same network as a float64 ``torch.nn.Sequential``.

Useful to check chainrule against torch, or to keep training a model there. torch is
imported only when `to_torch` is called, so the library does not depend on it.

    >>> from nn.layers import MLP
    >>> net = MLP(2, [4, 1], activation="tanh").to_torch()
    >>> net                                  # doctest: +NORMALIZE_WHITESPACE
    Sequential(
      (0): Linear(in_features=2, out_features=4, bias=True)
      (1): Tanh()
      (2): Linear(in_features=4, out_features=1, bias=True)
    )
"""

from __future__ import annotations

from typing import Any

from nn.activations import activation_name
from nn.layers import MLP, Layer, Neuron
from nn.module import Module

# Our activation names and the torch.nn module that computes the same function.
_TORCH_ACTIVATIONS = {
    "relu": "ReLU",
    "tanh": "Tanh",
    "sigmoid": "Sigmoid",
    "leaky_relu": "LeakyReLU",  # default slope 0.01, as Value.leaky_relu
    "gelu": "GELU",  # default approximate="none": exact, as Value.gelu
    "silu": "SiLU",
}


def to_torch(model: Module) -> Any:
    """A ``torch.nn.Sequential`` (Linear + activation modules, float64) equal to `model`.

    Works for an `MLP`, a `Layer` or a `Neuron` whose activations are given by name;
    a custom activation function raises `ValueError`, since torch has no match for it.
    The torch output has a last dimension of size nout (1 for a single output).
    """
    import torch

    if isinstance(model, MLP):
        layers = list(model.layers)
    elif isinstance(model, Layer):
        layers = [model]
    elif isinstance(model, Neuron):
        layers = [_as_layer(model)]
    else:
        raise TypeError(
            f"to_torch: expected an MLP, Layer or Neuron, got {type(model).__name__}."
        )
    modules: list[Any] = []
    for layer in layers:
        linear = torch.nn.Linear(layer.nin, layer.nout, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(
                [[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64))
            linear.bias.copy_(torch.tensor(
                [n.b.data for n in layer.neurons], dtype=torch.float64))
        modules.append(linear)
        activation = layer.activation
        if activation == "linear":
            continue
        if not isinstance(activation, str) or activation not in _TORCH_ACTIVATIONS:
            raise ValueError(
                f"to_torch: activation {activation_name(activation)!r} has no torch "
                f"equivalent; use one of {', '.join(map(repr, _TORCH_ACTIVATIONS))} or 'linear'."
            )
        modules.append(getattr(torch.nn, _TORCH_ACTIVATIONS[activation])())
    return torch.nn.Sequential(*modules)


def _as_layer(neuron: Neuron) -> Layer:
    """A one-neuron Layer sharing `neuron` (its parameters, not copies)."""
    layer = Layer.__new__(Layer)
    layer.nin, layer.nout = neuron.nin, 1
    layer.neurons = [neuron]
    layer.activation = neuron.activation
    return layer
