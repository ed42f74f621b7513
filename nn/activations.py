"""Activation functions by name, so a layer can be built from a string and saved as one.

Every activation is the `Value` method of the same name (its forward and derivative live
in `autograd/ops.py`); "linear" (or None) means no activation at all.

    >>> from nn.activations import resolve_activation
    >>> from autograd import Value
    >>> name, fn = resolve_activation("tanh")
    >>> name, fn(Value(0.0)).data
    ('tanh', 0.0)
"""

from __future__ import annotations

from collections.abc import Callable

from autograd.value import Value

Activation = Callable[[Value], Value]

# The names a layer accepts; each maps to the Value method that applies the op.
ACTIVATIONS: dict[str, Activation | None] = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "leaky_relu": Value.leaky_relu,  # slope 0.01, as torch.nn.LeakyReLU()
    "gelu": Value.gelu,  # exact (erf) GELU, as torch.nn.GELU()
    "silu": Value.silu,
    "linear": None,
}


def resolve_activation(
    activation: str | Activation | None,
) -> tuple[str | Activation, Activation | None]:
    """``(how to describe it, the function to apply or None for linear)``.

    A name from `ACTIVATIONS`, None (= "linear"), or any callable Value -> Value. A
    built-in passed as a function (``Value.tanh``) is described by its name, so a model
    built either way saves and exports the same; other callables are kept as they are.

        >>> resolve_activation(None)
        ('linear', None)
    """
    if activation is None:
        return "linear", None
    if isinstance(activation, str):
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"activation: unknown name {activation!r}; use one of "
                f"{', '.join(map(repr, ACTIVATIONS))}, None, or a function Value -> Value."
            )
        return activation, ACTIVATIONS[activation]
    if callable(activation):
        for name, fn in ACTIVATIONS.items():
            if fn is activation:
                return name, fn
        return activation, activation
    raise TypeError(
        f"activation: expected a name, None or a function Value -> Value, "
        f"got {type(activation).__name__} {activation!r}."
    )


def activation_name(activation: str | Activation) -> str:
    """A JSON-able description: the name, or ``"custom:<qualified name>"`` for a function.

        >>> activation_name("relu")
        'relu'
    """
    if isinstance(activation, str):
        return activation
    qualname = getattr(activation, "__qualname__", type(activation).__name__)
    return f"custom:{getattr(activation, '__module__', '?')}.{qualname}"
