"""micrograd's ``micrograd.nn``: chainrule's `Module`, `Neuron`, `Layer` and `MLP`.

Without ``rng=`` they draw from Python's `random` module in micrograd's order, so
``random.seed(1337)`` gives micrograd's weights; ``nonlin=False`` is a linear neuron.

    >>> import random
    >>> from nn.compat.micrograd.nn import MLP
    >>> random.seed(1337)
    >>> len(MLP(2, [16, 16, 1]).parameters())
    337
"""

from nn.layers import MLP, Layer, Neuron
from nn.module import Module

__all__ = ["MLP", "Layer", "Module", "Neuron"]
