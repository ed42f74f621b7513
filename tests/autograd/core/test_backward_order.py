"""The order the backward pass visits nodes in: every node with parents, once, after its
parents, the same as `topological_order` lists them (leaves aside), on graphs hypothesis
draws with shared nodes, numbers kept on nodes, n-ary sums and unary ops."""

from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import Value, topological_order
from autograd.backward import _backward_order

STEPS: list[Callable[[Value, Value, Value], Value]] = [
    lambda a, b, c: a + b,
    lambda a, b, c: a * b,
    lambda a, b, c: a * 2.0,
    lambda a, b, c: 3.0 - a,
    lambda a, b, c: a.tanh(),
    lambda a, b, c: a.relu(),
    lambda a, b, c: autograd.sum([a, b, c]),
]


@st.composite
def graphs(draw: st.DrawFn) -> Value:
    nodes = [Value(draw(st.floats(-2, 2))) for _ in range(draw(st.integers(1, 4)))]
    for _ in range(draw(st.integers(0, 25))):
        step = draw(st.sampled_from(STEPS))
        a, b, c = (nodes[draw(st.integers(0, len(nodes) - 1))] for _ in range(3))
        nodes.append(step(a, b, c))
    return nodes[-1]


@given(graphs())
def test_the_backward_order_is_the_topological_order_without_leaves(root: Value) -> None:
    order = _backward_order(root)
    full = topological_order(root)
    assert [id(n) for n in order] == [id(n) for n in full if n.parents]
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        for parent in node.parents:
            assert not parent.parents or position[id(parent)] < position[id(node)]


def test_a_chain_lists_every_node_once_in_order() -> None:
    x = Value(1.0)
    chain = [x]
    for _ in range(1000):
        chain.append(chain[-1] * 1.5 + chain[-1])  # each node used twice
    order = _backward_order(chain[-1])
    assert len(order) == 2 * 1000 and len({id(n) for n in order}) == len(order)
    assert [id(n) for n in order[1::2]] == [id(n) for n in chain[1:]]
