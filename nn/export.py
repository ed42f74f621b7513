"""Export a model to PyTorch: the same network as a float64 ``torch.nn.Sequential``.

Useful to check chainrule against torch, or to keep training a model there. torch is
imported only when `to_torch` is called, so the library does not depend on it.

    >>> from nn import MLP
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

# One dense layer as plain numbers: weights (a row per output), biases, the activation.
DenseLayer = tuple[list[list[float]], list[float], Any]

# Our activation names and the torch.nn module that computes the same function.
_TORCH_ACTIVATIONS = {
    "relu": "ReLU",
    "tanh": "Tanh",
    "sigmoid": "Sigmoid",
    "leaky_relu": "LeakyReLU",  # default slope 0.01, as Value.leaky_relu
    "gelu": "GELU",  # default approximate="none": exact, as Value.gelu
    "silu": "SiLU",
}


def to_torch(model: Any) -> Any:
    """A ``torch.nn.Sequential`` (Linear + activation modules, float64) equal to `model`.

    Works for an `MLP`, a `Layer` or a `Neuron` whose activations are given by name (any
    module with a ``dense_layers()`` method); a custom activation function raises
    `ValueError`, since torch has no match for it. The torch output has a last dimension
    of size nout (1 for a single output).
    """
    import torch

    dense_layers = getattr(model, "dense_layers", None)
    if dense_layers is None:
        raise TypeError(
            f"to_torch: expected an MLP, Layer or Neuron, got {type(model).__name__}."
        )
    modules: list[Any] = []
    for weights, biases, activation in dense_layers():
        linear = torch.nn.Linear(len(weights[0]), len(weights), dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(weights, dtype=torch.float64))
            linear.bias.copy_(torch.tensor(biases, dtype=torch.float64))
        modules.append(linear)
        if activation == "linear":
            continue
        if not isinstance(activation, str) or activation not in _TORCH_ACTIVATIONS:
            raise ValueError(
                f"to_torch: activation {activation_name(activation)!r} has no torch "
                f"equivalent; use one of {', '.join(map(repr, _TORCH_ACTIVATIONS))} or 'linear'."
            )
        modules.append(getattr(torch.nn, _TORCH_ACTIVATIONS[activation])())
    return torch.nn.Sequential(*modules)
