"""How the compiled path scales: chainrule's lowered tensor program against PyTorch.

For each model (64-32-10, 64-128-10, 784-128-10, 784-256-256-10; ReLU hidden layers,
softmax cross-entropy, batch 64) it measures, in one run on the same machine:

- one training step on the compiled path as `fit` runs it (forward, backward and an
  Adam update, all on arrays: `nn.compiled.ArrayTraining`) against the same step in
  PyTorch (float64, one thread, `torch.optim.Adam`);
- tracing and compiling the model once (after one untimed warm-up compile in the process,
  so loading the compiler's modules is not counted) against one eager forward and
  backward of one sample with Values;
- with ``--epoch``, one epoch of 60,000 784-dimensional samples on 784-128-10 (random
  data, the same for both), compiled against PyTorch.

Read the ratios, not the absolute times: the machine is shared. On machines that pin an
old OpenBLAS kernel through OPENBLAS_CORETYPE (this workplace's do, for old-CPU safety),
unset it for the measurement, as a user's machine would not have it:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/scale.py \
        --epoch --memory
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import numpy as np
import torch
from threadpoolctl import threadpool_info, threadpool_limits

from nn.compiled import ArrayTraining, CompiledStep
from nn.data import Dataset
from nn.layers import MLP
from nn.losses import cost, cross_entropy
from nn.optim import Adam

MODELS = [(64, [32, 10]), (64, [128, 10]), (784, [128, 10]), (784, [256, 256, 10])]
BATCH = 64


def median_seconds(run: Callable[[], object], repeats: int, warmup: int = 2) -> float:
    for _ in range(warmup):
        run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def alternating_medians(a: Callable[[], object], b: Callable[[], object],
                        repeats: int) -> tuple[float, float]:
    """Median seconds of `a` and of `b`, timed in turns (a, b, a, b, ...) so that a burst
    of other work on the shared machine falls on both."""
    for _ in range(2):
        a(), b()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeats):
        for run, out in ((a, times[0]), (b, times[1])):
            start = time.perf_counter()
            run()
            out.append(time.perf_counter() - start)
    return statistics.median(times[0]), statistics.median(times[1])


def data(nin: int, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, nin)), rng.integers(0, 10, size=n)


def torch_model(nin: int, widths: list[int]) -> torch.nn.Module:
    layers: list[torch.nn.Module] = []
    for k, width in enumerate(widths):
        layers.append(torch.nn.Linear(nin if k == 0 else widths[k - 1], width,
                                      dtype=torch.float64))
        if k < len(widths) - 1:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def torch_step(net: torch.nn.Module, opt: torch.optim.Optimizer, xb: torch.Tensor,
               yb: torch.Tensor) -> None:
    opt.zero_grad()
    torch.nn.functional.cross_entropy(net(xb), yb).backward()
    opt.step()


def eager_sample(model: MLP, x: list[float], y: int) -> None:
    loss = cost(cross_entropy, [model(x)], [y])
    loss.backward()


def measure(nin: int, widths: list[int], repeats: int) -> dict[str, float]:
    X, y = data(nin, 4 * BATCH)
    model = MLP(nin, widths, init="he", rng=0)
    train = Dataset(X[:BATCH].tolist(), y[:BATCH].tolist(), num_classes=10)
    eager = median_seconds(lambda: eager_sample(model, train.X[0], train.y[0]),
                           repeats=3, warmup=1)
    start = time.perf_counter()
    step = CompiledStep(model, cross_entropy, train)
    optimizer = Adam(model.parameters(), lr=1e-3)
    arrays = ArrayTraining(step, optimizer)
    arrays.step(X[:BATCH], y[:BATCH].tolist())  # the first call compiles the program
    compile_seconds = time.perf_counter() - start
    batches = [(X[k * BATCH:(k + 1) * BATCH], y[k * BATCH:(k + 1) * BATCH].tolist())
               for k in range(4)]
    turn = iter(range(10**9))

    def ours() -> None:
        xb, yb = batches[next(turn) % 4]
        arrays.step(xb, yb)

    net = torch_model(nin, widths)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    tbatches = [(torch.tensor(xb), torch.tensor(yb)) for xb, yb in batches]

    def theirs() -> None:
        xb, yb = tbatches[next(turn) % 4]
        torch_step(net, opt, xb, yb)

    ours_s, theirs_s = alternating_medians(ours, theirs, repeats)
    return {"params": sum(p.numel() for p in net.parameters()),
            "ours": ours_s, "torch": theirs_s, "compile": compile_seconds, "eager": eager}


def epoch(repeats: int = 3) -> tuple[float, float]:
    """One epoch of 60,000 samples on 784-128-10, compiled and in PyTorch."""
    n = 60_000
    X, y = data(784, n, seed=1)
    labels = y.tolist()
    model = MLP(784, [128, 10], init="he", rng=0)
    step = CompiledStep(model, cross_entropy, Dataset(X[:256].tolist(), labels[:256], 10))
    arrays = ArrayTraining(step, Adam(model.parameters(), lr=1e-3))
    order = list(range(n))
    random.Random(0).shuffle(order)
    chunks = [order[k:k + BATCH] for k in range(0, n, BATCH)]

    def ours() -> None:
        for chunk in chunks:
            arrays.step(X[chunk], [labels[i] for i in chunk])

    net = torch_model(784, [128, 10])
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    tX, ty = torch.tensor(X), torch.tensor(y)
    index = [torch.tensor(chunk) for chunk in chunks]

    def theirs() -> None:
        for chunk in index:
            torch_step(net, opt, tX[chunk], ty[chunk])

    return alternating_medians(ours, theirs, repeats)


def memory(steps: int = 50) -> str:
    """Peak resident memory of training 784-256-256-10 on the compiled path, in a fresh
    process that imports no torch (what `fit` itself needs)."""
    code = (
        "import numpy as np\n"
        "from nn.compiled import ArrayTraining, CompiledStep\n"
        "from nn.data import Dataset\nfrom nn.layers import MLP\n"
        "from nn.losses import cross_entropy\nfrom nn.optim import Adam\n"
        "rng = np.random.default_rng(0)\n"
        "X, y = rng.normal(size=(64, 784)), rng.integers(0, 10, 64).tolist()\n"
        "model = MLP(784, [256, 256, 10], init='he', rng=0)\n"
        "arrays = ArrayTraining(CompiledStep(model, cross_entropy, Dataset(X, y, 10)),\n"
        "                       Adam(model.parameters(), lr=1e-3))\n"
        f"for _ in range({steps}):\n    arrays.step(X, y)\n"
        # VmHWM, the peak of this process's own memory map (ru_maxrss would carry the
        # parent's peak across fork and exec).
        "peak = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
        "print(int(peak.split()[1]) // 1024)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    return result.stdout.strip()


def _duration(seconds: float) -> str:
    """'4.48 s', or '3.9 ms' below a second (a small model's eager sample takes ms)."""
    return f"{seconds:.2f} s" if seconds >= 1.0 else f"{seconds * 1e3:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--epoch", action="store_true", help="also time a 60k-sample epoch")
    parser.add_argument("--memory", action="store_true",
                        help="also measure peak memory of training 784-256-256-10")
    args = parser.parse_args()
    torch.set_num_threads(1)
    blas = threadpool_limits(1, user_api="blas")  # NumPy's matrix products on one thread too
    kernel = ", ".join(sorted({str(i.get("architecture")) for i in threadpool_info()
                               if i.get("user_api") == "blas"}))
    gc.freeze()  # the imports' objects: the collector need not rescan them
    print(f"batch {BATCH}, softmax cross-entropy, Adam; torch {torch.__version__} float64, "
          f"1 thread; NumPy {np.__version__}, 1 thread, BLAS kernel {kernel}")
    print("| model | parameters | compiled step | PyTorch step | ratio | trace + compile "
          "| one eager sample | ratio |")
    print("|---|---|---|---|---|---|---|---|")
    # One compile first, untimed: the compiler's modules load and NumPy warms up once per
    # process, not once per model.
    measure(8, [4, 10], repeats=1)
    for nin, widths in MODELS:
        r = measure(nin, widths, args.repeats)
        name = "-".join(map(str, [nin, *widths]))
        print(f"| {name} | {r['params']:,} | {r['ours'] * 1e3:.2f} ms | "
              f"{r['torch'] * 1e3:.2f} ms | {r['ours'] / r['torch']:.2f}x | "
              f"{_duration(r['compile'])} | {_duration(r['eager'])} | "
              f"{r['compile'] / r['eager']:.1f}x |",
              flush=True)
    if args.epoch:
        ours, theirs = epoch()
        print(f"epoch of 60,000 samples, 784-128-10: compiled {ours:.1f} s, PyTorch "
              f"{theirs:.1f} s, ratio {ours / theirs:.2f}x")
    if args.memory:
        print(f"peak resident memory, training 784-256-256-10 (batch {BATCH}, 50 steps, "
              f"tracing included): {memory()} MB")
    blas.unregister()


if __name__ == "__main__":
    main()
