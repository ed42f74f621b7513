"""Speed and memory of the eager engine, against micrograd itself, measured in one run.

    python benchmarks/engine.py          # or: make bench

micrograd (Karpathy's, from PyPI: a dev dependency) runs in the same process on the same
model code as chainrule, so the ratios compare like with like on this machine, right
now. The model is micrograd's demo: a 2-16-16-1 ReLU MLP, max-margin loss with L2
(alpha 1e-4) over 100 points, backward, SGD. It is written twice:

- micrograd's idiom: a neuron is ``sum((w * x for w, x in zip(ws, xs)), b)`` (a chain
  of ``+``), losses are summed with the built-in ``sum``, numbers are Python constants;
- chainrule's idiom: the same with `autograd.sum`, one node per sum.

Every figure is the median of several repeats, the engines taking turns, with the
garbage collector left on, as it is in a notebook; a full collection before each timed
step favours micrograd, whose graphs are cycles the collector must clear (left to
itself, it clears them while the next step runs). The closure-per-node design chainrule
chose not to use is micrograd itself.
"""

from __future__ import annotations

import gc
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import micrograd.engine  # noqa: E402

import autograd  # noqa: E402
import nn.data  # noqa: E402
from autograd import Value  # noqa: E402

SIZES = (2, 16, 16, 1)
N_POINTS = 100
ALPHA = 1e-4
TARGETS = {"vs_micrograd": 8.0, "float": 80.0, "bytes": 200.0, "chain": 3.0}


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


def forward_micrograd_way(layers: Sequence[Sequence[Sequence[Any]]], x: Sequence[Any]) -> Any:
    """The same MLP as micrograd's `Neuron` computes it: a chain of ``+`` from the bias."""
    for depth, layer in enumerate(layers):
        last = depth == len(layers) - 1
        outs = []
        for neuron in layer:
            act = sum((wi * xi for wi, xi in zip(neuron, x)), neuron[-1])
            outs.append(act if last else act.relu())
        x = outs
    return x[0]


def mlp(layers: Any, idiom: str) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """The model on `layers` in one idiom ("micrograd" or "sum"), and how it sums losses."""
    if idiom == "micrograd":
        return (lambda x: forward_micrograd_way(layers, x)), sum
    return (lambda x: forward(layers, x, lambda s: s.relu(), autograd.sum)), autograd.sum


def float_relu(s: float) -> float:
    return s if s > 0 else 0.0


def demo_step(value: type, model: Callable[[list[Any]], Any], params: list[Any], data: Any,
              k: int, total: Callable[[Any], Any] = sum) -> float:
    """Step k of micrograd's demo loop, for any engine's `value` class and `model`: the
    max-margin loss with L2 on the whole set, backward, SGD; `total` sums the losses."""
    inputs = [list(map(value, xrow)) for xrow, _ in data]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for (_, yi), scorei in zip(data, scores)]
    data_loss = total(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * total([p * p for p in params])
    loss = data_loss + reg_loss
    for p in params:
        p.grad = 0
    loss.backward()
    learning_rate = 1.0 - 0.9 * k / 100
    for p in params:
        p.data -= learning_rate * p.grad
    return float(loss.data)


def demo_data(n: int = N_POINTS) -> list[tuple[list[float], int]]:
    """Two moons with labels -1 and +1, as micrograd's demo has them."""
    moons = nn.data.moons(n=n, noise=0.1, seed=0)
    return [(x, 2 * y - 1) for x, y in zip(moons.X, moons.y)]


def training_step(layers: Any, params: list[Any], xs: Any, ys: Any,
                  total: Callable[[list[Any]], Any], lr: float = 0.05) -> float:
    """Forward over the batch, hinge loss + L2, backward, SGD update (on float inputs)."""
    scores = [forward(layers, x, lambda s: s.relu(), total) for x in xs]
    losses = [(1.0 + -y * s).relu() for y, s in zip(ys, scores)]
    loss = total(losses) * (1.0 / len(losses)) + ALPHA * total([p * p for p in params])
    for p in params:
        p.grad = 0.0
    loss.backward()
    for p in params:
        p.data -= lr * p.grad
    return float(loss.data)


def interleaved(fns: dict[str, Callable[[int], Any]], repeat: int) -> dict[str, list[float]]:
    """Wall times of ``fn(k)`` for k < `repeat`, one call of each function per round, so
    a machine shared with other work slows them all alike; a full collection before
    each call (outside the timing), so that one engine's garbage (micrograd's cycles)
    is not the next one's bill."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for k in range(repeat):
        for name, fn in fns.items():
            gc.collect()
            start = time.perf_counter()
            fn(k)
            times[name].append(time.perf_counter() - start)
    gc.collect()
    return times


def best_of(fn: Callable[[], Any], repeat: int) -> float:
    """The fastest of `repeat` calls (benchmarks/compiled.py's measure)."""
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


def bytes_per_op(value: type, n: int = 100_000) -> float:
    """tracemalloc's bytes per op of a chain ``y = y * 1.0000001``."""
    y = value(0.5)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(n):
        y = y * 1.0000001
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return (after - before) / n


def bytes_per_product(n: int = 100_000) -> float:
    """tracemalloc's bytes per node of a 100k-product `autograd.sum`."""
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


def hessian_vector_product(n: int = 200) -> float:
    """Median time of a Hessian-vector product by ``backward(create_graph=True)`` through a
    4-16-1 tanh network with abs, relu and powers after it (constant derivatives included)."""
    rng = random.Random(0)
    w1 = [[rng.uniform(-1, 1) for _ in range(4)] for _ in range(16)]
    w2 = [rng.uniform(-1, 1) for _ in range(16)]
    times = []
    for _ in range(n):
        xs = [Value(rng.uniform(-1, 1)) for _ in range(4)]
        start = time.perf_counter()
        h = [autograd.sum([w * x for w, x in zip(row, xs)]).tanh() for row in w1]
        out = autograd.sum([w * hi for w, hi in zip(w2, h)])
        out = (out - 0.5) ** 2 + abs(out) + (out * 2 + 1).relu()
        out.backward(create_graph=True)
        g = autograd.sum([x.grad for x in xs])
        for x in xs:
            x.grad = 0.0
        g.backward()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def deep_chain(depth: int = 1_000_000) -> tuple[float, float]:
    """Build ``y = y * 1.0000001`` `depth` times, then backward: (build s, backward s)."""
    x = Value(0.5)
    y = x
    start = time.perf_counter()
    for _ in range(depth):
        y = y * 1.0000001
    built = time.perf_counter()
    y.backward()
    return built - start, time.perf_counter() - built


def main() -> None:
    data = demo_data()
    float_layers = make_params(random.Random(0))
    xs = [x for x, _ in data]
    runs: dict[str, Callable[[int], Any]] = {
        "float": lambda k: [forward(float_layers, x, float_relu, sum) for x in xs]}
    for name, value, idiom in (("micrograd", micrograd.engine.Value, "micrograd"),
                               ("chainrule", Value, "micrograd"), ("chainrule_sum", Value, "sum")):
        layers, params = engine_setup(value)
        model, total = mlp(layers, idiom)
        runs[name] = (lambda k, v=value, m=model, ps=params, t=total:
                      demo_step(v, m, ps, data, k, t))
    steps = {name: statistics.median(times) for name, times in interleaved(runs, 7).items()}
    t_float = steps["float"]
    per_op = bytes_per_op(Value)
    per_op_micrograd = bytes_per_op(micrograd.engine.Value)
    gc.collect()
    per_product = bytes_per_product()
    hvp = hessian_vector_product()
    chains = [deep_chain() for _ in range(3)]
    build = statistics.median(b for b, _ in chains)
    backward = statistics.median(b for _, b in chains)
    chain = statistics.median(b + w for b, w in chains)

    mg = steps["micrograd"]
    speedup, speedup_sum = mg / steps["chainrule"], mg / steps["chainrule_sum"]
    vs_float = steps["chainrule_sum"] / t_float
    print(f"python {sys.version.split()[0]}, medians of several runs, one process, GC on")
    print(f"plain-float forward, 2-16-16-1 MLP, 100 points   : {t_float * 1e3:8.2f} ms")
    print("demo training step (forward, max-margin + L2, backward, SGD):")
    print(f"  micrograd {_micrograd_version()}, micrograd's idiom (+ chains)  : {mg * 1e3:8.2f} ms")
    print(f"  chainrule, the same code (+ chains)            : {steps['chainrule'] * 1e3:8.2f} ms"
          f"  = {speedup:5.1f}x faster than micrograd (target >= {TARGETS['vs_micrograd']:.0f}x)")
    print(f"  chainrule, autograd.sum                        : "
          f"{steps['chainrule_sum'] * 1e3:8.2f} ms  = {speedup_sum:5.1f}x faster than micrograd,"
          f" {vs_float:5.1f}x the float forward (target <= {TARGETS['float']:.0f}x)")
    print(f"memory per op, y = y * 1.0000001 (tracemalloc)   : {per_op:8.1f} B"
          f"  (target <= {TARGETS['bytes']:.0f} B; micrograd {per_op_micrograd:.0f} B)")
    print(f"memory per node, 100k-product autograd.sum       : {per_product:8.1f} B")
    print(f"Hessian-vector product, create_graph=True, 4-16-1: {hvp * 1e3:8.2f} ms")
    print(f"1e6-deep y = y * 1.0000001: build {build:.2f} s + backward {backward:.2f} s"
          f" = {chain:.2f} s  (target <= {TARGETS['chain']:.0f} s; micrograd's recursive"
          " sort stops at depth ~1000)")
    met = [speedup >= TARGETS["vs_micrograd"], vs_float <= TARGETS["float"],
           per_op <= TARGETS["bytes"], chain <= TARGETS["chain"]]
    print(f"targets met: {sum(met)}/{len(met)}" + ("" if all(met) else "  <-- NOT ALL MET"))


def _micrograd_version() -> str:
    from importlib.metadata import version

    return version("micrograd")


if __name__ == "__main__":
    main()
