"""Weight initialisers and the random generator they draw from.

An initialiser is a function ``(rng, fan_in, fan_out) -> float`` that draws one weight:

- "uniform": U(-1, 1), micrograd's choice;
- "xavier": Glorot uniform, U(-a, a) with a = sqrt(6 / (fan_in + fan_out)), for tanh/sigmoid;
- "he": Kaiming uniform for ReLU, U(-a, a) with a = sqrt(6 / fan_in).

Without an explicit generator, weights are drawn from Python's `random` module state, in
micrograd's order, so ``random.seed(1337)`` gives micrograd's model; pass ``rng=`` (a seed
or a `random.Random`) to keep a model's randomness to itself.

    >>> from nn.init import as_rng, xavier
    >>> w = xavier(as_rng(0), 2, 16)
    >>> abs(w) <= (6 / 18) ** 0.5
    True
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

Initializer = Callable[[random.Random, int, int], float]


def uniform(rng: random.Random, fan_in: int, fan_out: int) -> float:
    """U(-1, 1) regardless of the fan (micrograd's initialisation).

        >>> -1.0 <= uniform(random.Random(0), 2, 1) <= 1.0
        True
    """
    return rng.uniform(-1.0, 1.0)


def xavier(rng: random.Random, fan_in: int, fan_out: int) -> float:
    """Glorot uniform: U(-a, a), a = sqrt(6 / (fan_in + fan_out)); keeps variance across layers.

        >>> abs(xavier(random.Random(0), 3, 3)) <= 1.0
        True
    """
    bound = math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound)


def he(rng: random.Random, fan_in: int, fan_out: int) -> float:
    """Kaiming uniform for ReLU: U(-a, a), a = sqrt(2) * sqrt(3 / fan_in) = sqrt(6 / fan_in).

        >>> abs(he(random.Random(0), 6, 1)) <= 1.0
        True
    """
    bound = math.sqrt(6.0 / fan_in)
    return rng.uniform(-bound, bound)


INITIALIZERS: dict[str, Initializer] = {"uniform": uniform, "xavier": xavier, "he": he}


def resolve_initializer(init: str | Initializer) -> Initializer:
    """The initialiser for a name in `INITIALIZERS`, or `init` itself when it is a function.

        >>> resolve_initializer("he") is he
        True
    """
    if isinstance(init, str):
        if init not in INITIALIZERS:
            raise ValueError(
                f"init: unknown initialiser {init!r}; use one of "
                f"{', '.join(map(repr, INITIALIZERS))} or a function (rng, fan_in, fan_out)."
            )
        return INITIALIZERS[init]
    if callable(init):
        return init
    raise TypeError(f"init: expected a name or a function, got {type(init).__name__} {init!r}.")


def as_rng(rng: random.Random | int | None) -> random.Random:
    """A `random.Random` from a generator (used as is), an int seed, or None: the
    generator behind Python's own ``random.uniform`` and friends, which ``random.seed``
    sets, so ``random.seed(1337)`` before building a model reproduces micrograd's.

        >>> as_rng(3).random() == random.Random(3).random()
        True
        >>> random.seed(5); a = as_rng(None).random(); random.seed(5); a == random.random()
        True
    """
    if rng is None:
        return random._inst  # what the functions of the random module draw from
    if isinstance(rng, random.Random):
        return rng
    if isinstance(rng, int) and not isinstance(rng, bool):
        return random.Random(rng)
    raise TypeError(
        f"rng: expected a random.Random, an int seed or None, got {type(rng).__name__} {rng!r}."
    )
