"""The text fallback: `print_graph` draws an indented tree with no Graphviz needed."""

import io
import time
from pathlib import Path

import pytest

from autograd.backward import topological_order
from autograd.draw.graph import neuron
from autograd.draw.text import format_graph, print_graph
from autograd.value import Value


def test_root_comes_first_and_inputs_are_indented_below_it() -> None:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    out = c.tanh()
    out.label = "out"
    out.backward()
    lines = format_graph(out).splitlines()
    assert lines[0].startswith("out = tanh")
    assert lines[1].startswith("└─ ") and "c = *" in lines[1]
    assert lines[2].startswith("   ├─ ") and " a  data=2" in lines[2]
    assert lines[3].startswith("   └─ ") and " b  data=-3" in lines[3]
    assert len(lines) == 4


def test_each_line_shows_data_grad_and_the_edge_derivative() -> None:
    out = neuron()
    out.backward()
    text = format_graph(out, fmt=".6g")
    for node in topological_order(out):
        assert f"{node.label}" in text
        assert f"data={format(node.data, '.6g')}  grad={format(node.grad, '.6g')}" in text
        for parent, local in zip(node.parents, node.local_grads):
            assert f"[∂ {format(local, '.6g')}] {parent.label}" in text


def test_shared_nodes_print_once_then_are_referenced() -> None:
    x = Value(0.5, label="x")
    h = x.tanh()
    out = h * h + x
    lines = format_graph(out).splitlines()
    full = [line for line in lines if line.rstrip().endswith("grad=—") and "tanh" in line]
    assert len(full) == 1 and "#" in full[0]
    number = full[0].split("#")[1].split()[0]
    assert sum(f"↑ see #{number} (tanh)" in line for line in lines) == 1
    assert sum(" x  data=" in line for line in lines) == 1  # x: used by tanh and by +
    assert any("↑ see #" in line and "(x)" in line for line in lines)


def test_heavy_sharing_does_not_explode() -> None:
    s = Value(1.0, label="s")
    for _ in range(300):  # 2**300 paths from the root to s
        s = s + s
    start = time.perf_counter()
    lines = format_graph(s, max_depth=1000, max_lines=10_000).splitlines()
    assert time.perf_counter() - start < 5.0
    assert len(lines) == 2 * 300 + 1  # every node once, plus one reference per node


def test_a_100k_deep_chain_is_cut_with_a_clear_marker() -> None:
    x = Value(0.3, label="x")
    h = x
    for _ in range(100_000):
        h = h.sin()
    lines = format_graph(h, max_depth=20).splitlines()
    assert len(lines) == 22
    assert "inputs deeper than max_depth=20 not shown" in lines[-2]
    assert lines[-1].startswith("… truncated: 20 of 100001 nodes shown")


def test_max_lines_cuts_a_wide_graph() -> None:
    leaves = [Value(float(i), label=f"x{i}") for i in range(100)]
    total = leaves[0]
    for leaf in leaves[1:]:
        total = total + leaf
    lines = format_graph(total, max_depth=1000, max_lines=30).splitlines()
    assert len(lines) == 31
    assert "truncated" in lines[-1] and "max_lines=30" in lines[-1]


def test_grads_show_a_dash_before_backward_and_numbers_after() -> None:
    out = neuron()
    before = format_graph(out)
    assert "grad=0" not in before
    assert before.count("grad=—") == len(topological_order(out))
    out.backward()
    assert "grad=—" not in format_graph(out)
    assert "grad" not in format_graph(out, show_grad=False)


def test_print_graph_needs_no_dot_program(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    out = neuron()
    out.backward()
    buffer = io.StringIO()
    print_graph(out, file=buffer)
    assert buffer.getvalue() == format_graph(out) + "\n"


def test_unlabelled_nodes_are_named_by_op_or_as_leaves() -> None:
    x = Value(2.0)
    out = (x * 3.0).leaky_relu(0.1)
    text = format_graph(out)
    assert text.splitlines()[0].startswith("leaky_relu(0.1)  data=")
    assert "] *  data=6" in text
    assert "] leaf  data=3" in text


def test_value_gradients_from_create_graph_print_as_numbers() -> None:
    x = Value(0.5, label="x")
    y = x.tanh()
    y.backward(create_graph=True)
    assert f"grad={format(x.grad.data, '.4g')}" in format_graph(y)


@pytest.mark.parametrize(
    "options", [{"max_depth": 0}, {"max_lines": -1}, {"max_depth": True}, {"fmt": "%d"}]
)
def test_bad_options_raise_value_errors(options: dict) -> None:
    with pytest.raises(ValueError, match="print_graph"):
        format_graph(Value(1.0), **options)


def test_print_graph_rejects_a_non_value() -> None:
    with pytest.raises(TypeError, match="print_graph: expected a Value"):
        print_graph([1.0])  # type: ignore[arg-type]
