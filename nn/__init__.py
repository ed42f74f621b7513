"""chainrule's neural-network library: modules, layers, losses, optimisers, training.

    >>> from nn import MLP
    >>> model = MLP(2, [16, 16, 1])
    >>> model.num_parameters()
    337

`nn.losses` is imported here; `nn.optim`, `nn.schedules`, `nn.data`, `nn.train` and
`nn.plots` load on first use (``nn.optim.SGD``), so ``import nn`` stays light.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from nn import losses
from nn.layers import MLP, Layer, Neuron
from nn.module import Module

_LAZY_SUBMODULES = (
    "optim", "schedules", "data", "train", "plots", "callbacks", "cli",
    "export", "serialize", "activations", "init", "compiled", "history",
)

__all__ = ["MLP", "Layer", "Module", "Neuron", "losses"]


def __getattr__(name: str) -> ModuleType:
    # Only reached for names not defined above: load the submodule on first use.
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f"nn.{name}")
    raise AttributeError(f"module 'nn' has no attribute {name!r}")
