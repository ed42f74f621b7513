"""``random.seed(1337)`` gives micrograd's model: checked against micrograd itself.

micrograd (Karpathy's, from PyPI) is a dev dependency. Both libraries draw weights from
Python's `random` module, one ``uniform(-1, 1)`` per weight in the same order, so the
same seed gives the same numbers. Then its demo's training loop (max-margin loss, L2
with alpha 1e-4, learning rate ``1.0 - 0.9 * k / 100``: the step `benchmarks/engine.py`
times) runs side by side on a small two-moons set. The first loss agrees to the last
bit; later ones agree to rounding, because a gradient is a sum whose order differs
between the two engines (and between two runs of micrograd: its backward visits each
node's inputs in `set` order, which follows memory addresses).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import micrograd.engine
import micrograd.nn
import pytest

from autograd import Value
from benchmarks.engine import demo_data, demo_step
from nn import MLP
from nn.layers import Layer, Neuron


def test_this_is_the_real_micrograd_and_not_chainrules_stand_in() -> None:
    assert micrograd.engine.Value is not Value


@pytest.mark.parametrize("build", [
    lambda m: m.MLP(2, [16, 16, 1]),
    lambda m: m.MLP(3, [4, 1]),
    lambda m: m.Layer(3, 2),
    lambda m: m.Neuron(5),
], ids=["mlp-2-16-16-1", "mlp-3-4-1", "layer", "neuron"])
def test_the_same_seed_gives_micrograds_weights(build: Callable[[Any], Any]) -> None:
    random.seed(1337)
    theirs = [p.data for p in build(micrograd.nn).parameters()]
    after_theirs = random.random()
    random.seed(1337)
    ours = [p.data for p in build(_Ours).parameters()]
    assert ours == theirs
    assert random.random() == after_theirs  # the same number of draws, nothing more


def test_an_explicit_rng_leaves_pythons_random_alone() -> None:
    random.seed(7)
    expected = random.random()
    random.seed(7)
    a, b = MLP(2, [4, 1], rng=3), MLP(2, [4, 1], rng=random.Random(3))
    assert random.random() == expected
    assert a.state_dict() == b.state_dict()


def test_nonlin_false_is_micrograds_linear_neuron() -> None:
    random.seed(0)
    theirs = micrograd.nn.Neuron(2, nonlin=False)
    random.seed(0)
    ours = Neuron(2, nonlin=False)
    x = [-3.0, 2.5]
    assert ours(x).data == theirs([micrograd.engine.Value(v) for v in x]).data
    assert Layer(2, 3, nonlin=False).activation == "linear"
    with pytest.raises(ValueError, match="either activation= or micrograd's nonlin="):
        Neuron(2, activation="tanh", nonlin=True)


def test_the_demo_loop_gives_micrograds_losses() -> None:
    data = demo_data(40)
    history = {}
    for name, value, mlp in (("theirs", micrograd.engine.Value, micrograd.nn.MLP),
                             ("ours", Value, MLP)):
        random.seed(1337)
        model = mlp(2, [16, 16, 1])
        params = model.parameters()
        history[name] = [demo_step(value, model, params, data, k) for k in range(4)]
    ours, theirs = history["ours"], history["theirs"]
    assert ours[0] == theirs[0]  # the same model on the same data: the same bits
    assert ours == pytest.approx(theirs, rel=1e-12, abs=0.0)


class _Ours:
    """Our classes under micrograd's names, for the parametrized builders above."""

    MLP = MLP
    Layer = Layer
    Neuron = Neuron
