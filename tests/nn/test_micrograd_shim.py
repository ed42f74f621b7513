"""Code written for micrograd runs unchanged on chainrule after ``nn.compat.use_micrograd()``.

Each test runs its micrograd-style script in a fresh interpreter: the switch changes
``sys.modules`` for the whole process, and this test process also imports the real
micrograd (tests/nn/test_micrograd_seed.py). The scripts are ours, written the way
micrograd's test file, demo and graph-tracing notebook use the library.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SWITCH = "import nn.compat; nn.compat.use_micrograd()\n"


def run_script(body: str, before: str = "") -> str:
    """Run `body` after the documented switch, in a new interpreter; its stdout."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    script = textwrap.dedent(before) + SWITCH + textwrap.dedent(body)
    done = subprocess.run([sys.executable, "-c", script], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_engine_checks_in_micrograds_style() -> None:
    run_script("""
        from micrograd.engine import Value
        assert Value.__module__ == "autograd.value"

        a = Value(-2.0)
        b = Value(3.0)
        c = 3 * a + b * b - 1
        c += 2 + c
        d = (c * a).relu() + (b - a) ** 2 + 4.0 / b - (-a)
        d.backward()
        # d = relu(c a) + (b - a)^2 + 4/b + a with c = 2 (3a + b^2 - 1) + 2 = 10
        assert d.data == 0.0 + 25.0 + 4.0 / 3.0 - 2.0, d.data
        assert a.grad == 0.0 - 2 * 5.0 + 1.0, a.grad
        assert b.grad == 2 * 5.0 - 4.0 / 9.0, b.grad
    """)


def test_the_switch_wins_over_an_already_imported_micrograd() -> None:
    out = run_script("""
        from micrograd.engine import Value
        print(Value.__module__, real.Value.__module__)
    """, before="import micrograd.engine as real\n")
    assert out.split() == ["autograd.value", "micrograd.engine"]


def test_a_demo_style_training_loop_learns() -> None:
    out = run_script("""
        import math, random
        from micrograd.engine import Value
        from micrograd.nn import Neuron, Layer, MLP

        random.seed(1337)
        model = MLP(2, [8, 8, 1])
        print(model.layers[-1].neurons[0].activation)
        rng = random.Random(0)
        X = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(30)]
        y = [1 if a * b > 0 else -1 for a, b in X]

        def loss():
            inputs = [list(map(Value, xrow)) for xrow in X]
            scores = list(map(model, inputs))
            losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
            data_loss = sum(losses) * (1.0 / len(losses))
            reg_loss = 1e-4 * sum((p * p for p in model.parameters()))
            return data_loss + reg_loss

        first = None
        for k in range(15):
            total_loss = loss()
            first = first if first is not None else total_loss.data
            model.zero_grad()
            total_loss.backward()
            learning_rate = 1.0 - 0.9 * k / 100
            for p in model.parameters():
                p.data -= learning_rate * p.grad
        print(first > loss().data)
    """)
    assert out.split() == ["linear", "True"]


def test_a_graph_traced_through_prev_and_op() -> None:
    out = run_script("""
        import random
        from micrograd.engine import Value
        from micrograd import nn

        def trace(root):
            nodes, edges = set(), set()
            def build(v):
                if v not in nodes:
                    nodes.add(v)
                    for child in v._prev:
                        edges.add((child, v))
                        build(child)
            build(root)
            return nodes, edges

        x = Value(1.0)
        y = (x * 3 - 1).relu()
        y.backward()
        nodes, edges = trace(y)
        print(len(nodes), len(edges))
        print(sorted("%s %.1f %.1f" % (n._op, n.data, n.grad) for n in nodes))

        random.seed(1337)
        n = nn.Neuron(2)
        y = n([Value(1.0), Value(-2.0)])
        y.backward()
        nodes, edges = trace(y)
        print(len(nodes), y.data > 0, [p.grad for p in n.parameters()])
    """)
    sizes, values, neuron = out.splitlines()
    assert sizes == "6 5"  # x, 3, x*3, 1, x*3-1, relu: the numbers are nodes too
    assert values == str(sorted(["{} {:.1f} {:.1f}".format(*row) for row in [
        ("", 1.0, 3.0), ("", 3.0, 1.0), ("*", 3.0, 1.0), ("", 1.0, -1.0),
        ("-", 2.0, 1.0), ("relu", 2.0, 1.0)]]))
    assert neuron == "10 True [1.0, -2.0, 1.0]"  # a live ReLU, as in micrograd's notebook
