"""The backward pass: accumulation, reuse, repeated calls, deep graphs, higher order."""

import math
import threading

import pytest

from autograd import Value, backward, detect_anomaly, no_grad, topological_order


def test_reused_node_gets_sum_of_contributions() -> None:
    x = Value(3.0)
    y = x * x + x  # dy/dx = 2x + 1
    y.backward()
    assert x.grad == 7.0


def test_leaf_gradients_accumulate_across_backward_calls() -> None:
    x = Value(-2.0)
    y = x * 5.0
    y.backward()
    y.backward()
    assert x.grad == 10.0
    x.zero_grad()
    y.backward()
    assert x.grad == 5.0


def test_second_backward_doubles_leaves_but_not_intermediates() -> None:
    a, b = Value(1.5), Value(-0.5)
    h = a * b
    out = h.tanh()
    out.backward()
    first_a, first_h = a.grad, h.grad
    out.backward()
    assert a.grad == 2 * first_a
    assert h.grad == first_h == 1 - math.tanh(-0.75) ** 2


def test_a_node_with_many_consumers_applies_its_chain_rule_once() -> None:
    # h feeds 50 products and a sum over all of them; d(out)/dx = 2x * sum(c).
    x = Value(1.5)
    h = x * x
    out = Value(0.0)
    for c in range(1, 51):
        out = out + h * float(c)
    out.backward()
    assert h.grad == sum(range(1, 51))
    assert x.grad == pytest.approx(2 * 1.5 * sum(range(1, 51)))


def test_a_second_backward_recomputes_intermediates_the_first_left_at_zero() -> None:
    # The walk marks the nodes it reaches by their reset grad; a node whose gradient came
    # out 0.0 last time (a dead relu) must still be reached, and so must what is above it.
    x, w = Value(2.0), Value(-1.0)
    dead = (x * w).relu()          # relu(-2) = 0: nothing flows below it
    out = dead * 3.0 + x * x
    out.backward()
    first = (x.grad, w.grad, dead.grad)
    out.backward()
    assert first == (4.0, 0.0, 3.0)
    assert (x.grad, w.grad, dead.grad) == (8.0, 0.0, 3.0)
    w.data = 1.0                   # a new graph through the same leaves, live this time
    out = (x * w).relu() * 3.0
    x.zero_grad()
    w.zero_grad()
    out.backward()
    assert (x.grad, w.grad) == (3.0, 6.0)


def test_a_new_root_reaches_intermediates_whose_last_gradient_was_zero() -> None:
    x, y = Value(2.0), Value(5.0)
    h = x * y
    (h * 0.0 + x).backward()       # h.grad is 0.0 now
    assert h.grad == 0.0
    h.zero_grad()                  # and the literal 0.0, as a user might leave it
    x.zero_grad()
    y.zero_grad()
    (h * 2.0).backward()           # h must be walked again, and x, y reached through it
    assert (h.grad, x.grad, y.grad) == (2.0, 10.0, 4.0)


def test_intermediate_grads_stay_readable_after_backward() -> None:
    x = Value(0.3)
    h = x.exp()
    y = h * 2.0
    y.backward()
    assert h.grad == 2.0
    assert y.grad == 1.0


def test_backward_on_a_leaf_gives_one() -> None:
    x = Value(4.0)
    x.backward()
    assert x.grad == 1.0


def test_million_deep_chain_backprops_without_recursion() -> None:
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y * 1.0
    y.backward()
    assert x.grad == 1.0


def test_topological_order_lists_parents_first() -> None:
    a = Value(1.0)
    b = a * 2.0
    c = b + a
    order = topological_order(c)
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        for parent in node.parents:
            assert position[id(parent)] < position[id(node)]
    assert order[-1] is c and len(order) == 4


def test_second_derivative_of_tanh() -> None:
    x = Value(0.7)
    x.tanh().backward(create_graph=True)
    first = x.grad
    assert isinstance(first, Value)
    x.grad = 0.0
    first.backward()
    t = math.tanh(0.7)
    assert x.grad == pytest.approx(-2 * t * (1 - t * t), rel=1e-12)


def test_hessian_vector_product() -> None:
    # f = x^2 y + y^3; H = [[2y, 2x], [2x, 6y]]; H v for v = (1, 2)
    x, y = Value(1.5), Value(-0.5)
    f = x * x * y + y**3
    f.backward(create_graph=True)
    gx, gy = x.grad, y.grad
    x.grad, y.grad = 0.0, 0.0
    (gx * 1.0 + gy * 2.0).backward()
    assert x.grad == pytest.approx(2 * -0.5 * 1 + 2 * 1.5 * 2)
    assert y.grad == pytest.approx(2 * 1.5 * 1 + 6 * -0.5 * 2)


def test_no_grad_records_nothing_and_restores() -> None:
    x = Value(2.0)
    with no_grad():
        y = x * x
    assert y.parents == () and y.op is None
    assert (x * x).parents == (x, x)


def test_no_grad_does_not_leak_into_other_threads() -> None:
    seen: list[tuple[int, ...]] = []
    entered, checked = threading.Event(), threading.Event()

    def other_thread() -> None:
        entered.wait()
        seen.append(tuple(id(p) for p in (Value(1.0) * 2.0).parents))
        checked.set()

    thread = threading.Thread(target=other_thread)
    thread.start()
    with no_grad():
        entered.set()
        checked.wait(timeout=10)
        inside = (Value(1.0) * 2.0).parents
    thread.join()
    assert inside == ()
    assert len(seen) == 1 and len(seen[0]) == 2


def test_detach_cuts_the_graph() -> None:
    x = Value(3.0)
    y = (x * x).detach() * x
    y.backward()
    assert x.grad == 9.0


def test_anomaly_mode_names_the_op_and_inputs() -> None:
    x = Value(math.inf, label="big")
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"mul.*inf \(big\)"):
        _ = x * 0.0
    assert math.isnan((x * 0.0).data)  # outside the block: plain IEEE behaviour


def test_anomaly_mode_checks_backward_gradients() -> None:
    x = Value(0.0)
    y = x.sqrt()  # slope +inf at 0
    with detect_anomaly(), pytest.raises(FloatingPointError, match="sqrt"):
        y.backward()


def test_backward_rejects_a_non_value() -> None:
    with pytest.raises(TypeError, match="backward"):
        backward(3.0)  # type: ignore[arg-type]


def test_no_grad_does_not_leak_into_other_asyncio_tasks() -> None:
    import asyncio

    async def recorded_in_other_task(started: asyncio.Event, done: asyncio.Event) -> int:
        await started.wait()
        parents = len((Value(1.0) * 2.0).parents)
        done.set()
        return parents

    async def main() -> tuple[int, int]:
        started, done = asyncio.Event(), asyncio.Event()
        other = asyncio.create_task(recorded_in_other_task(started, done))
        with no_grad():
            started.set()
            await done.wait()
            inside = len((Value(1.0) * 2.0).parents)
        return inside, await other

    inside, other = asyncio.run(main())
    assert inside == 0
    assert other == 2


def test_a_slope_beyond_a_float_is_inf_not_an_error() -> None:
    x = Value(1e-200)
    y = x**-1  # 1e200 is a fine value; its slope -1e400 is not a float
    y.backward()
    assert y.data == 1e200
    assert x.grad == -math.inf
    with pytest.raises(OverflowError, match=r"pow: 1e-200 \*\* -2.0 overflows"):
        _ = x**-2  # the value itself overflows: a clear error naming the op


def test_micrograds_graph_walk_over_prev_and_op_runs_unchanged() -> None:
    # The walk micrograd's trace_graph notebook does, verbatim in spirit.
    a, b = Value(2.0), Value(-3.0)
    out = (a * b + a).tanh()
    nodes, edges = set(), set()

    def build(v: Value) -> None:
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                build(child)

    build(out)
    assert nodes == set(topological_order(out))
    assert {v._op for v in nodes} == {"", "*", "+", "tanh"}
    assert len(edges) == 5  # a->*, b->*, *->+, a->+, +->tanh
