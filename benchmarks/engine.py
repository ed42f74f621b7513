"""Speed and memory of the eager engine, measured in one run and printed as ratios.

    python benchmarks/engine.py          # or: make bench

The model code below is written once and run on plain floats (the floor no engine
beats), on chainrule Values, and on a closure-per-node engine (the design chainrule
chose not to use), so the ratios compare like with like on this machine, right now.
"""

from __future__ import annotations

import gc
import random
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from closure_baseline import ClosureValue  # noqa: E402

import autograd  # noqa: E402
from autograd import Value  # noqa: E402

SIZES = (2, 16, 16, 1)
N_POINTS = 100
TARGETS = {"step": 80.0, "bytes": 200.0, "chain": 3.0}


def make_params(rng: random.Random) -> list[list[list[float]]]:
    """Per layer, per neuron: the weights followed by the bias (micrograd's uniform init)."""
    return [
        [[rng.uniform(-1, 1) for _ in range(nin + 1)] for _ in range(nout)]
        for nin, nout in zip(SIZES, SIZES[1:])
    ]


def forward(layers: Sequence[Sequence[Sequence[Any]]], x: Sequence[Any],
            relu: Callable[[Any], Any], total: Callable[[list[Any]], Any]) -> Any:
    """The 2-16-16-1 MLP, ReLU hidden and linear output, for any number type."""
    for depth, layer in enumerate(layers):
        last = depth == len(layers) - 1
        outs = []
        for neuron in layer:
            s = total([w * xi for w, xi in zip(neuron, x)]) + neuron[-1]
            outs.append(s if last else relu(s))
        x = outs
    return x[0]


def float_relu(s: float) -> float:
    return s if s > 0 else 0.0


def training_step(layers: Any, params: list[Any], xs: Any, ys: Any,
                  total: Callable[[list[Any]], Any], lr: float = 0.05) -> float:
    """Forward over the batch, hinge loss + L2, backward, SGD update."""
    scores = [forward(layers, x, lambda s: s.relu(), total) for x in xs]
    losses = [(1.0 + -y * s).relu() for y, s in zip(ys, scores)]
    loss = total(losses) * (1.0 / len(losses)) + 1e-4 * total([p * p for p in params])
    for p in params:
        p.grad = 0.0
    loss.backward()
    for p in params:
        p.data -= lr * p.grad
    return float(loss.data)


def best_of(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def engine_setup(kind: type, rng_seed: int = 0) -> tuple[Any, list[Any]]:
    floats = make_params(random.Random(rng_seed))
    layers = [[[kind(w) for w in neuron] for neuron in layer] for layer in floats]
    params = [p for layer in layers for neuron in layer for p in neuron]
    return layers, params


def bytes_per_node(n: int = 100_000) -> float:
    """tracemalloc's count of the bytes a 100k-product sum adds, per node it creates."""
    rng = random.Random(1)
    xs = [Value(rng.random()) for _ in range(n)]
    ys = [Value(rng.random()) for _ in range(n)]
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    total = autograd.sum([x * y for x, y in zip(xs, ys)])
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    nodes = len(autograd.topological_order(total)) - 2 * n  # the new nodes, not the leaves
    return (after - before) / nodes


def deep_chain(depth: int = 1_000_000) -> tuple[float, float]:
    x = Value(0.5)
    y = x
    start = time.perf_counter()
    for _ in range(depth):
        y = y.tanh()
    built = time.perf_counter()
    y.backward()
    done = time.perf_counter()
    return built - start, done - built


def main() -> None:
    rng = random.Random(0)
    xs = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(N_POINTS)]
    ys = [rng.choice((-1.0, 1.0)) for _ in range(N_POINTS)]
    float_layers = make_params(random.Random(0))

    t_float = best_of(lambda: [forward(float_layers, x, float_relu, sum) for x in xs], 30)
    layers, params = engine_setup(Value)
    t_step = best_of(lambda: training_step(layers, params, xs, ys, autograd.sum), 7)
    layers_b, params_b = engine_setup(Value)
    t_step_chain = best_of(lambda: training_step(layers_b, params_b, xs, ys, sum), 5)
    c_layers, c_params = engine_setup(ClosureValue)
    t_closure = best_of(lambda: training_step(c_layers, c_params, xs, ys, sum), 5)

    products = [(Value(rng.random()), Value(rng.random())) for _ in range(100_000)]
    t_sum = best_of(lambda: autograd.sum([a * b for a, b in products]).backward(), 3)
    per_node = bytes_per_node()
    chain_build, chain_backward = deep_chain()

    ratio = t_step / t_float
    print(f"python {sys.version.split()[0]}, best of several runs, one process")
    print(f"plain-float forward, 2-16-16-1 MLP, 100 points : {t_float * 1e3:8.2f} ms")
    print(f"engine training step (fwd+hinge+L2+bwd+SGD)    : {t_step * 1e3:8.2f} ms"
          f"  = {ratio:5.1f}x float forward (target <= {TARGETS['step']:.0f}x)")
    print(f"  same step, neuron sums as chains of '+'      : {t_step_chain * 1e3:8.2f} ms"
          f"  = {t_step_chain / t_float:5.1f}x")
    print(f"  closure-per-node engine, chains of '+'       : {t_closure * 1e3:8.2f} ms"
          f"  = {t_closure / t_float:5.1f}x")
    print(f"100k-product sum, forward + backward            : {t_sum * 1e3:8.2f} ms")
    print(f"memory per node (tracemalloc, 100k products)   : {per_node:8.1f} B"
          f"  (target <= {TARGETS['bytes']:.0f} B)")
    print(f"1e6-deep tanh chain: build {chain_build:.2f} s, backward {chain_backward:.2f} s"
          f"  (target <= {TARGETS['chain']:.0f} s)")
    met = [ratio <= TARGETS["step"], per_node <= TARGETS["bytes"],
           chain_backward <= TARGETS["chain"]]
    print(f"targets met: {sum(met)}/3" + ("" if all(met) else "  <-- NOT ALL MET"))


if __name__ == "__main__":
    main()
