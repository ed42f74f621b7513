"""`copy.deepcopy` and `pickle` of Value graphs of any depth, without recursion.

Both protocols would otherwise walk the graph parent by parent on the C stack (a chain a
few thousand nodes deep raises RecursionError) and pickle would try to save the lambdas of
`ops.py`. Here a graph is handled as a flat list in topological order, and an op is saved
by its name (and constant, for ``x ** 3.0``) and found again in `ops.ALL_OPS`.

- ``copy.deepcopy(node)`` copies every node it depends on; nodes and leaves shared with
  other objects copied in the same call (a model and its output) stay shared.
- ``pickle.dumps(node)`` keeps leaves (parameters, inputs) as objects, so they stay the
  very objects a model pickled alongside holds; each pickled non-leaf brings its own copy
  of the nodes between it and its leaves.

    >>> import copy, pickle
    >>> from autograd import Value
    >>> w = Value(2.0, label="w"); y = (w * w).tanh()
    >>> y2, w2 = pickle.loads(pickle.dumps((y, w)))
    >>> y2.parents[0].parents[0] is w2, y2.op.describe(), copy.deepcopy(y).data == y.data
    (True, 'tanh', True)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from autograd import ops
from autograd.backward import topological_order
from autograd.primitive import Op

if TYPE_CHECKING:  # value.py imports this module; nodes are made with type(node) here
    from autograd.value import Value

# (name, arity) names every op in ops.py once: "pow" is POW (2 inputs) and POW_CONST (1).
_OPS_BY_KEY = {(op.name, op.arity): op for op in ops.ALL_OPS}


def copy_graph(root: Value, memo: dict[int, Any]) -> Value:
    """``copy.deepcopy`` of `root`: every node it depends on, and Values held as grads."""
    cls = type(root)
    originals: list[Value] = []
    stack = [root]
    while stack:  # every node not copied yet, through parents and Value grads
        node = stack.pop()
        if id(node) in memo:
            continue
        memo[id(node)] = object.__new__(cls)
        originals.append(node)
        stack.extend(x for x in (*node.parents, node.grad) if isinstance(x, cls))
    for node in originals:
        new = memo[id(node)]
        parents = node.parents  # first: a number kept on the node becomes its leaf
        new.data, new.op = node.data, node.op
        new.__dict__.update(node.__dict__)  # the label and any attributes of one's own
        new.grad = memo[id(node.grad)] if isinstance(node.grad, cls) else node.grad
        new._set_inputs([memo[id(p)] for p in parents],
                        [memo[id(g)] if isinstance(g, cls) else g for g in node.local_grads])
    memo.setdefault(id(memo), []).extend(originals)  # keep ids unique while copying
    return memo[id(root)]


def reduce_graph(node: Value) -> tuple[Any, ...]:
    """``node.__reduce__()``: a leaf as its fields, a graph as a flat list of records."""
    if not node.parents:
        return (rebuild_leaf, (type(node), node.data, node.label, node.grad))
    order = topological_order(node)
    index = {id(n): i for i, n in enumerate(order)}
    records: list[Any] = []
    for n in order:
        parents = n.parents
        if not parents or n.op is None:
            records.append(n)  # pickled as an object: shared with whatever else holds it
            continue
        records.append((n.data, n.label, n.grad, _op_key(n.op),
                        tuple(index[id(p)] for p in parents), n.local_grads))
    return (rebuild_graph, (type(node), records))


def rebuild_leaf(cls: type[Value], data: float, label: str | None, grad: Any) -> Value:
    """A leaf from `reduce_graph`'s fields."""
    leaf = cls(data, label=label or "")
    leaf.grad = grad
    return leaf


def rebuild_graph(cls: type[Value], records: list[Any]) -> Value:
    """The graph of `reduce_graph`'s records, in topological order; returns the last node."""
    nodes: list[Value] = []
    for record in records:
        if isinstance(record, cls):
            nodes.append(record)
            continue
        data, label, grad, key, parents, local_grads = record
        node = object.__new__(cls)
        node.data, node.grad, node.op = data, grad, _op_of(key)
        if label:
            node.label = label
        node._set_inputs([nodes[i] for i in parents], local_grads)
        nodes.append(node)
    return nodes[-1]


def _op_key(op: Op) -> tuple[str, int, float | None]:
    if _OPS_BY_KEY.get((op.name, op.arity)) is None:
        raise TypeError(f"pickle: the op {op.describe()!r} is not one of autograd.ops' ops, "
                        "so it cannot be saved by name; pickle the leaves (parameters) "
                        "instead, or detach() the node.")
    return (op.name, op.arity, op.attr)


def _op_of(key: tuple[str, int, float | None]) -> Op:
    name, arity, attr = key
    op = _OPS_BY_KEY.get((name, arity))
    if op is None:
        raise ValueError(f"unpickle: no op {name!r} with {arity} input(s) in autograd.ops.")
    return op if attr is None or attr == op.attr else op.bind(attr)
