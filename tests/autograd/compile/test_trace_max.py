"""Tracing `max` and the list functions built on it: which input is largest is decided on
every replay, so a program traced at small logits is exact at logits of ±800, and tied
maxima share the gradient as in eager execution.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import lists
from autograd.compile.program import Program
from autograd.compile.trace import trace
from autograd.value import Value

COMPILERS = ["codegen", "tape"]
WEIGHTS = [0.5, -1.0, 2.0]
TRACED_AT = [0.1, -0.2, 0.3]
# Far beyond exp's range (e**710 overflows), ties included.
FAR = [[800.0, -800.0, 799.5], [-800.0, -801.0, -799.0], [805.0, 805.0, -790.0],
       [-3.0, 801.0, 2.0]]


def _biases() -> list[Value]:
    return [Value(0.25), Value(-0.5), Value(0.125)]


def _functions(biases: list[Value]) -> dict[str, Callable[[list[Value]], Value]]:
    def logits(z: list[Value]) -> list[Value]:
        return [zi + b for zi, b in zip(z, biases)]

    def weighted(outputs: Sequence[Value]) -> Value:
        return lists.sum([w * y for w, y in zip(WEIGHTS, outputs)])

    return {
        "cross_entropy": lambda z: lists.logsumexp(logits(z)) - logits(z)[0],
        "softmax": lambda z: weighted(lists.softmax(logits(z))),
        "log_softmax": lambda z: weighted(lists.log_softmax(logits(z))),
        "max": lambda z: lists.max(logits(z)) * 3.0,
    }


NAMES = list(_functions([]))


def eager(fn: Callable[[list[Value]], Value], params: list[Value],
          xs: Sequence[float]) -> tuple[float, list[float], list[float]]:
    for p in params:
        p.grad = 0.0
    leaves = [Value(x) for x in xs]
    out = fn(leaves)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves], [p.grad for p in params]


def compiled(program: Program, params: list[Value],
             xs: Sequence[float]) -> tuple[float, list[float], list[float]]:
    for p in params:
        p.grad = 0.0
    out, grads = program.value_and_grad(list(xs))
    return out, list(grads), [p.grad for p in params]


def all_finite(result: Any) -> bool:
    if isinstance(result, list | tuple):
        return all(all_finite(r) for r in result)
    return bool(np.isfinite(result))


@pytest.mark.parametrize("compiler", COMPILERS)
@pytest.mark.parametrize("name", NAMES)
def test_traced_at_small_logits_replays_at_800_exactly_like_eager(name: str,
                                                                 compiler: str) -> None:
    biases = _biases()
    fn = _functions(biases)[name]
    program = trace(fn, TRACED_AT, compiler=compiler)
    for xs in FAR:
        expected = eager(fn, biases, xs)
        assert all_finite(expected)
        assert compiled(program, biases, xs) == expected  # bit for bit


@pytest.mark.parametrize("compiler", COMPILERS)
def test_traced_softmax_outputs_at_800_equal_eager(compiler: str) -> None:
    program = trace(lists.softmax, TRACED_AT, compiler=compiler)
    for xs in FAR:
        expected = [p.data for p in lists.softmax([Value(x) for x in xs])]
        assert program(xs) == expected
    batched = program.forward_batch(FAR, backend="numpy")
    assert batched.shape == (len(FAR), 3)
    assert np.isfinite(batched).all()
    assert np.allclose(batched, [program(xs) for xs in FAR], rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("compiler", COMPILERS)
@pytest.mark.parametrize("name", NAMES)
def test_batched_replay_at_800_matches_eager(name: str, compiler: str) -> None:
    biases = _biases()
    fn = _functions(biases)[name]
    program = trace(fn, TRACED_AT, compiler=compiler)
    outputs = program.forward_batch(FAR, backend="numpy")
    for p in biases:
        p.grad = 0.0
    mean = program.backward_batch(FAR, backend="numpy")
    grads = [p.grad for p in biases]

    for p in biases:
        p.grad = 0.0
    per_sample = [fn([Value(x) for x in xs]) for xs in FAR]
    cost = lists.sum(per_sample) / len(FAR)
    cost.backward()
    assert np.isfinite(outputs).all() and np.isfinite(grads).all()
    assert np.allclose(outputs, [y.data for y in per_sample], rtol=1e-12, atol=0)
    assert mean == pytest.approx(cost.data, rel=1e-12)
    assert grads == pytest.approx([p.grad for p in biases], rel=1e-12, abs=1e-15)


TIES = [[2.0, 2.0, 1.0], [-1.0, -1.0, -1.0], [0.0, 3.0, 3.0], [5.0, -5.0, 5.0]]


def shares(xs: Sequence[float]) -> list[float]:
    """d max / d x: 1/k for each of the k largest inputs, 0 for the others."""
    top = max(xs)
    return [1.0 / xs.count(top) if x == top else 0.0 for x in xs]


@pytest.mark.parametrize("compiler", COMPILERS)
def test_ties_in_replayed_inputs_share_the_gradient_as_in_eager(compiler: str) -> None:
    biases = [Value(0.0) for _ in range(3)]  # x + 0.0 is x: the ties survive
    fn = _functions(biases)["max"]
    program = trace(fn, [0.0, 1.0, 2.0], compiler=compiler)
    for xs in TIES:
        expected = eager(fn, biases, xs)
        assert expected[1] == [3.0 * s for s in shares(xs)]
        assert compiled(program, biases, xs) == expected
    for p in biases:
        p.grad = 0.0
    program.backward_batch(TIES, reduce="sum", backend="numpy")
    summed = np.sum([[3.0 * s for s in shares(xs)] for xs in TIES], axis=0)
    assert [p.grad for p in biases] == pytest.approx(summed.tolist(), rel=1e-15)


@pytest.mark.parametrize("compiler", COMPILERS)
def test_logsumexp_at_tied_logits_replays_like_eager(compiler: str) -> None:
    biases = [Value(0.0) for _ in range(3)]
    fn = _functions(biases)["cross_entropy"]
    program = trace(fn, TRACED_AT, compiler=compiler)
    for xs in TIES + [[900.0, 900.0, 900.0]]:
        assert compiled(program, biases, xs) == eager(fn, biases, xs)


# Few distinct numbers, so ties are common; and numbers anywhere in exp's reach and beyond.
NUMBERS = st.one_of(st.sampled_from([-2.0, 0.0, 0.5, 3.0]), st.floats(-1000.0, 1000.0))


@given(st.lists(NUMBERS, min_size=2, max_size=5), st.sampled_from(["max", "cross_entropy"]))
def test_argmax_is_re_evaluated_on_every_replay(replay_at: list[float], name: str) -> None:
    # Traced where another input is the largest: a frozen argmax would route the whole
    # gradient to the wrong input.
    n = len(replay_at)
    traced_at = [0.0] * n
    traced_at[(replay_at.index(max(replay_at)) + 1) % n] = 1.0
    biases = [Value(0.0) for _ in range(n)]
    fn = _functions(biases)[name]
    expected = eager(fn, biases, replay_at)
    if name == "max":
        assert expected[1] == [3.0 * s for s in shares(replay_at)]
    both = [a + b for a, b in zip(expected[2], eager(fn, biases, traced_at)[2])]
    for compiler in COMPILERS:
        program = trace(fn, traced_at, compiler=compiler)
        assert compiled(program, biases, replay_at) == expected
        for p in biases:
            p.grad = 0.0
        program.backward_batch([replay_at, traced_at], reduce="sum", backend="numpy")
        assert [p.grad for p in biases] == pytest.approx(both, rel=1e-12, abs=1e-15)
