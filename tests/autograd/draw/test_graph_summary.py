"""Graphs too big to draw: a quick one-box summary instead of a hairball or a hung `dot`."""

import time

from autograd.backward import topological_order
from autograd.draw.graph import SUMMARY_COMMENT, draw_graph
from autograd.draw.summary import hidden_ranks, summary_lines
from autograd.value import Value


def test_a_50k_node_graph_draws_a_quick_summary_instead() -> None:
    x = Value(0.1, label="x")
    h = x
    for i in range(40_000):
        h = h * 1.0001 if i % 2 else h + x
    n = len(topological_order(h))
    assert n > 50_000
    start = time.perf_counter()
    graph = draw_graph(h)
    elapsed = time.perf_counter() - start
    assert elapsed < 10.0
    assert graph.comment == SUMMARY_COMMENT
    source = graph.source
    assert "graph too large to draw" in source
    assert source.count("->") == 0
    assert f"{n:,} value nodes" in source
    assert "add 20,000" in source and "mul 20,000" in source
    assert "max_nodes=" in source


def recurrent(steps: int) -> Value:
    """An RNN-like chain: three shared weights used again at every step."""
    w, u, b = Value(0.5, label="w"), Value(-0.3, label="u"), Value(0.1, label="b")
    h = Value(0.0, label="h0")
    for t in range(steps):
        h = (w * h + u * float(t) + b).tanh()
    return h


def test_inputs_reused_far_apart_fall_back_to_a_summary_before_dot_hangs() -> None:
    # Measured: 20 steps took dot 3 s, 30 steps over a minute; the guard needs no dot.
    h = recurrent(30)
    h.backward()
    start = time.perf_counter()
    graph = draw_graph(h)
    assert time.perf_counter() - start < 5.0
    assert graph.comment == SUMMARY_COMMENT
    assert "long edges" in graph.source
    assert len(topological_order(h)) < 500  # it was the edges, not the node count
    small = recurrent(5)
    small.backward()
    assert draw_graph(small).comment != SUMMARY_COMMENT


def test_hidden_ranks_count_only_edges_that_skip_ranks() -> None:
    x = Value(0.3)
    chain = x
    for _ in range(50):
        chain = (chain * 1.01).tanh()  # each constant sits right next to its op
    assert hidden_ranks(topological_order(chain), {}) == 0
    # A leaf used at the start and again k ops later crosses about 2k ranks.
    y = x.tanh()
    for _ in range(9):
        y = y.sin()
    far = y * x
    assert hidden_ranks(topological_order(far), {}) == 2 * 10


def test_max_nodes_counts_a_collapsed_scope_as_one_box() -> None:
    x = Value(1.0, label="x")
    h = x
    scopes = {}
    for _ in range(30):
        h = h.tanh()
        scopes[h] = "body"
    out = h * 2.0
    assert "too large" in draw_graph(out, max_nodes=10).source
    drawn = draw_graph(out, max_nodes=10, scopes=scopes, collapse=["body"]).source
    assert "too large" not in drawn
    assert drawn.count("box3d") == 1


def test_summary_lines_give_size_ops_depth_and_leaves() -> None:
    x = Value(2.0)
    y = (x * x).tanh() + x
    lines = summary_lines(topological_order(y), "why", ["print_graph(root)"])
    assert lines[0] == "why"
    assert lines[1] == "4 value nodes · ops: mul 1, tanh 1, add 1"
    assert lines[2] == "depth: 3 ops · leaves: 1"
    assert lines[3] == "try: print_graph(root)"
