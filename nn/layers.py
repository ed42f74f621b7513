"""`Neuron`, `Layer` and `MLP`: fully connected networks built from `Value` ops only.

Every node of the forward pass is an ordinary graph node, so any part of a model can be
drawn and differentiated. micrograd's tutorial runs unchanged, and after
``random.seed(1337)`` an `MLP` starts from micrograd's very weights:

    >>> model = MLP(2, [16, 16, 1])          # ReLU hidden layers, linear output
    >>> score = model([1.0, -2.0])
    >>> loss = (score - 1.0) ** 2
    >>> loss.backward()
    >>> for p in model.parameters():
    ...     p.data -= 0.01 * p.grad
    >>> model.zero_grad()
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from autograd import lists
from autograd.value import Number, Value
from nn.activations import Activation, activation_name, resolve_activation
from nn.checks import int_at_least
from nn.export import DenseLayer, to_torch
from nn.init import Initializer, as_rng, resolve_initializer
from nn.module import Module

Rng = random.Random | int | None
Inputs = Sequence[Value | Number] | Value | Number


class Neuron(Module):
    """One unit: ``activation(sum(w_i * x_i) + b)``, the weighted sum being one n-ary node.

    Weights are drawn by `init` (a name from `nn.init.INITIALIZERS` or a function
    ``(rng, fan_in, fan_out) -> float``) with fan_in = nin and fan_out = `fan_out` (a
    `Layer` passes its width); the bias starts at 0.0, as in micrograd. Without `rng` the
    weights come from Python's `random` module, one ``uniform(-1, 1)`` each in micrograd's
    order, so ``random.seed(1337)`` gives micrograd's neuron. micrograd's ``nonlin=False``
    (linear) and ``nonlin=True`` (ReLU) work as a shorthand for `activation`. The
    parameters are labelled ``w0 w1 ... b`` for drawings; a `Layer` and an `MLP` prefix
    their neurons' labels, so every parameter of ``MLP`` has a short unique name:
    ``L0.n3.w1`` is weight 1 of neuron 3 in layer 0.

        >>> n = Neuron(2, activation="tanh", rng=1)
        >>> n([0.0, 0.0]).data
        0.0
        >>> Neuron(2, nonlin=False).activation
        'linear'
    """

    def __init__(self, nin: int, activation: str | Activation | None = "relu",
                 init: str | Initializer = "uniform", rng: Rng = None, *,
                 fan_out: int = 1, nonlin: bool | None = None) -> None:
        self.nin = int_at_least("Neuron", "nin", nin, 1)
        draw = resolve_initializer(init)
        generator = as_rng(rng)
        self.w = [Value(draw(generator, self.nin, fan_out), label=f"w{i}")
                  for i in range(self.nin)]
        self.b = Value(0.0, label="b")
        self.activation, self._apply = resolve_activation(_nonlin(activation, nonlin))

    def forward(self, x: Inputs) -> Value:
        """The neuron's output for `nin` inputs (floats or Values; a bare one if nin == 1)."""
        xs = _as_sequence(x, self.nin, "Neuron")
        if not isinstance(xs[0], Value):  # numbers, not a Layer's leaves: name them
            xs = named_inputs(xs)
        out = lists.sum([w * xi for w, xi in zip(self.w, xs)]) + self.b
        return out if self._apply is None else self._apply(out)

    def describe(self) -> dict[str, Any]:
        """``{"type": "Neuron", "nin": ..., "activation": ...}``."""
        return {"type": "Neuron", "nin": self.nin,
                "activation": activation_name(self.activation)}

    def extra_repr(self) -> str:
        return f"{self.nin} inputs, {activation_name(self.activation)}"

    def dense_layers(self) -> list[DenseLayer]:
        """This neuron as one dense layer of one row: (weights, biases, activation)."""
        return [([[w.data for w in self.w]], [self.b.data], self.activation)]


class Layer(Module):
    """`nout` neurons reading the same inputs; returns a Value if nout == 1, else a list.

        >>> layer = Layer(3, 2, activation="tanh")
        >>> len(layer([1.0, 2.0, 3.0]))
        2
    """

    def __init__(self, nin: int, nout: int, activation: str | Activation | None = "relu",
                 init: str | Initializer = "uniform", rng: Rng = None, *,
                 nonlin: bool | None = None) -> None:
        self.nin = int_at_least("Layer", "nin", nin, 1)
        self.nout = int_at_least("Layer", "nout", nout, 1)
        generator = as_rng(rng)
        activation = _nonlin(activation, nonlin)
        self.neurons = [Neuron(self.nin, activation, init, generator, fan_out=self.nout)
                        for _ in range(self.nout)]
        self.activation = self.neurons[0].activation
        for j, neuron in enumerate(self.neurons):
            prefix_labels(neuron, f"n{j}.")

    def forward(self, x: Inputs) -> Value | list[Value]:
        """Every neuron's output for the same `nin` inputs."""
        xs = _as_sequence(x, self.nin, "Layer")
        xs = named_inputs(xs)  # once here, not once per neuron
        outs = [neuron(xs) for neuron in self.neurons]
        return outs[0] if self.nout == 1 else outs

    def describe(self) -> dict[str, Any]:
        """``{"type": "Layer", "nin": ..., "nout": ..., "activation": ...}``."""
        return {"type": "Layer", "nin": self.nin, "nout": self.nout,
                "activation": activation_name(self.activation)}

    def extra_repr(self) -> str:
        return f"{self.nin} -> {self.nout}, {activation_name(self.activation)}"

    def dense_layers(self) -> list[DenseLayer]:
        """This layer as (weights, one row per neuron; biases; activation), for export."""
        weights = [[w.data for w in n.w] for n in self.neurons]
        return [(weights, [n.b.data for n in self.neurons], self.activation)]

    def __repr__(self) -> str:
        # Listing every neuron would bury the shape; the one line says it all.
        return f"Layer({self.extra_repr()})"


class MLP(Module):
    """A multi-layer perceptron: `activation` on hidden layers, `output_activation` last.

    ``MLP(2, [16, 16, 1])`` is micrograd's: ReLU hidden layers and a linear output. The
    output is a Value when the last layer has one neuron, else a list of Values.

        >>> model = MLP(3, [4, 4, 2], activation="tanh", output_activation="sigmoid", rng=42)
        >>> len(model([1.0, 0.5, -1.0])), model.num_parameters()
        (2, 46)
    """

    def __init__(self, nin: int, nouts: Sequence[int],
                 activation: str | Activation | None = "relu",
                 output_activation: str | Activation | None = None,
                 init: str | Initializer = "uniform", rng: Rng = None) -> None:
        self.nin = int_at_least("MLP", "nin", nin, 1)
        if isinstance(nouts, int) or not isinstance(nouts, Sequence) or not nouts:
            raise ValueError(
                f"MLP: nouts must be a non-empty list of layer widths such as [16, 16, 1], "
                f"got {nouts!r}."
            )
        self.nouts = [int_at_least("MLP", "each layer width", n, 1) for n in nouts]
        self.activation = resolve_activation(activation)[0]
        self.output_activation = resolve_activation(output_activation)[0]
        generator = as_rng(rng)
        sizes = [self.nin, *self.nouts]
        last = len(self.nouts) - 1
        self.layers = [
            Layer(sizes[i], sizes[i + 1],
                  activation=output_activation if i == last else activation,
                  init=init, rng=generator)
            for i in range(len(self.nouts))
        ]
        for i, layer in enumerate(self.layers):
            prefix_labels(layer, f"L{i}.")

    def forward(self, x: Inputs) -> Value | list[Value]:
        """Run the layers in turn on `nin` inputs (floats or Values)."""
        out: Any = x
        for layer in self.layers:
            out = layer(out)
        return out

    def describe(self) -> dict[str, Any]:
        """The architecture, JSON-able; save/load and `to_torch` read it.

            >>> MLP(2, [16, 1]).describe()["nouts"]
            [16, 1]
        """
        return {
            "type": "MLP",
            "nin": self.nin,
            "nouts": list(self.nouts),
            "activation": activation_name(self.activation),
            "output_activation": activation_name(self.output_activation),
        }


    def dense_layers(self) -> list[DenseLayer]:
        """Each layer as (weights, biases, activation), input side first, for export."""
        return [dense for layer in self.layers for dense in layer.dense_layers()]

    def to_torch(self) -> Any:
        """An equivalent float64 ``torch.nn.Sequential`` with the same weights.

        See `nn.export.to_torch`; torch is imported only when this is called.
        """
        return to_torch(self)

    def __repr__(self) -> str:
        lines = [f"MLP({self.nin} inputs, {self.num_parameters()} parameters"]
        lines += [f"  (layers.{i}): {layer!r}" for i, layer in enumerate(self.layers)]
        return "\n".join(lines) + "\n)"


def named_inputs(xs: Sequence[Value | Number]) -> list[Value]:
    """Inputs as leaves, numbers named for drawings by position: ``x[0]``, ``x[1]``, ...

        >>> [v.label for v in named_inputs([0.5, Value(1.0, label="z")])]
        ['x[0]', 'z']
    """
    return [xi if isinstance(xi, Value) else Value(xi, label=f"x[{i}]")
            for i, xi in enumerate(xs)]


def prefix_labels(module: Module, prefix: str) -> None:
    """Put `prefix` before the label of each of the module's parameters.

        >>> n = Neuron(2); prefix_labels(n, "n0."); [p.label for p in n.parameters()]
        ['n0.w0', 'n0.w1', 'n0.b']
    """
    for parameter in module.parameters():
        parameter.label = prefix + (parameter.label or "")


def _nonlin(activation: str | Activation | None, nonlin: bool | None) -> str | Activation | None:
    """micrograd's ``nonlin`` as an activation: True is ReLU, False is linear."""
    if nonlin is None:
        return activation
    if not isinstance(nonlin, bool):
        raise TypeError(f"nonlin: expected True (ReLU) or False (linear), got "
                        f"{type(nonlin).__name__} {nonlin!r}.")
    if activation != "relu":
        raise ValueError(f"nonlin: give either activation= or micrograd's nonlin=, not both "
                         f"(got activation={activation!r}, nonlin={nonlin!r}).")
    return "relu" if nonlin else None


def _as_sequence(x: Inputs, nin: int, where: str) -> Sequence[Value | Number]:
    if isinstance(x, Value | int | float):
        if nin == 1:
            return (x,)
        raise ValueError(f"{where}: expected {nin} inputs, got a single number.")
    try:
        n = len(x)
    except TypeError:
        raise TypeError(
            f"{where}: expected a list of {nin} inputs (floats or Values), "
            f"got {type(x).__name__}."
        ) from None
    if n != nin:
        raise ValueError(f"{where}: expected {nin} inputs, got {n}.")
    return x
