"""`Module`: the base of every model, with PyTorch's habits and none of its machinery.

A module keeps its parameters (`Value`s) and sub-modules as plain attributes, alone or in
lists, tuples and dicts nested to any depth (not in sets, which have no stable order);
`named_parameters` finds them by walking those attributes, so a subclass only writes
``__init__`` and ``forward``:

    >>> from autograd import Value
    >>> class Scale(Module):
    ...     def __init__(self) -> None:
    ...         self.k = Value(2.0)
    ...     def forward(self, x: Value) -> Value:
    ...         return self.k * x
    >>> m = Scale()
    >>> m(Value(3.0)).data, m.named_parameters()[0][0]
    (6.0, 'k')

Names are dotted paths through the attributes (``layers.0.neurons.3.w.1``); attributes whose
name starts with ``_`` are private and not walked. While `autograd.context.record_scopes()`
is on, calling a module tags the nodes its forward created with the same dotted path, so a
drawing can group the graph by module.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from typing import Any

from autograd.context import SCOPES
from autograd.value import Value
from nn import serialize
from nn.checks import check_names, is_number

# While scopes are recorded: the dotted scope of the module being called, and the names
# of its direct sub-modules (by id), so a child can find out what its parent calls it.
_CALLER: ContextVar[tuple[str, dict[int, str]] | None] = ContextVar("nn_caller", default=None)


class Module:
    """Base class for models: parameters, gradients, state, saving, and scoped calls.

        >>> from nn.layers import MLP
        >>> model = MLP(2, [4, 1])
        >>> model.num_parameters()
        17
    """

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """What calling the module computes; every subclass defines it."""
        raise NotImplementedError(
            f"{type(self).__name__}: a Module subclass must define forward()."
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        scopes = SCOPES.get()
        if scopes is None:  # the common case: one ContextVar lookup, nothing else
            return self.forward(*args, **kwargs)
        return self._call_in_scope(scopes, args, kwargs)

    # ---- what the module holds ------------------------------------------------------------
    def _direct_members(self, named: bool = True) -> Iterator[tuple[str, Value | Module]]:
        """Parameters and sub-modules held directly, with their attribute paths (or "" for
        each when not `named`: `parameters` needs no names, and making them is most of
        the cost of walking a model of 100k parameters).

        Lists, tuples and dicts are walked to any depth (``blocks.0.1.w.0``), each
        container once. A set holding a parameter or module is a TypeError: a set has no
        order that stays the same from run to run, so its names could not either.
        """
        seen: set[int] = set()
        for attr, value in vars(self).items():
            if attr.startswith("_"):
                continue
            stack: list[tuple[str, Any]] = [(attr, value)]
            while stack:
                name, item = stack.pop()
                if isinstance(item, Value | Module):
                    yield name, item
                elif isinstance(item, list | tuple | dict) and id(item) not in seen:
                    seen.add(id(item))
                    pairs = item.items() if isinstance(item, dict) else enumerate(item)
                    stack.extend(reversed([(f"{name}.{key}", x) for key, x in pairs] if named
                                          else [("", x) for _, x in pairs]))
                elif isinstance(item, set | frozenset) and any(
                        isinstance(x, Value | Module) for x in item):
                    raise TypeError(
                        f"{type(self).__name__}: attribute {name!r} is a set of parameters or "
                        "modules; a set has no stable order, so their names would change "
                        "from run to run. Hold them in a list (or a dict) instead."
                    )

    def named_children(self) -> list[tuple[str, Module]]:
        """The sub-modules held directly, with their names: ``[("layers.0", Layer(...)), ...]``."""
        return [(name, m) for name, m in self._direct_members() if isinstance(m, Module)]

    def named_parameters(self) -> list[tuple[str, Value]]:
        """Every parameter with its dotted name, in a stable order; shared ones listed once.

            >>> from nn.layers import Neuron
            >>> [name for name, _ in Neuron(2).named_parameters()]
            ['w.0', 'w.1', 'b']
        """
        return self._walk(named=True)

    def _walk(self, named: bool) -> list[tuple[str, Value]]:
        found: list[tuple[str, Value]] = []
        seen: set[int] = set()
        # An explicit stack rather than recursion; pushed in reverse so the order is the
        # attributes' order, depth first.
        stack: list[tuple[str, Value | Module]] = [("", self)]
        while stack:
            prefix, item = stack.pop()
            if id(item) in seen:
                continue
            seen.add(id(item))
            if isinstance(item, Value):
                found.append((prefix, item))
                continue
            members = [(f"{prefix}.{name}" if prefix and named else name, member)
                       for name, member in item._direct_members(named)]
            stack.extend(reversed(members))
        return found

    def parameters(self) -> list[Value]:
        """Every parameter, in the order of `named_parameters` (micrograd's API).

            >>> from nn.layers import Neuron
            >>> len(Neuron(3).parameters())
            4
        """
        return [p for _, p in self._walk(named=False)]

    def num_parameters(self) -> int:
        """How many scalar parameters the model has."""
        return len(self._walk(named=False))

    def zero_grad(self) -> None:
        """Reset every parameter's gradient to 0.0 (backward accumulates into leaves)."""
        for p in self.parameters():
            p.grad = 0.0

    def describe(self) -> dict[str, Any]:
        """A JSON-able description of the architecture; save/load compare it.

        Subclasses with constructor arguments add them (see `nn.layers.MLP.describe`).
        """
        return {"type": type(self).__name__}

    # ---- state ----------------------------------------------------------------------------
    def state_dict(self) -> dict[str, float]:
        """Every parameter's value by name: ``{"layers.0.neurons.0.w.0": 0.69, ...}``.

            >>> from nn.layers import Neuron
            >>> Neuron(1, rng=0).state_dict()["b"]
            0.0
        """
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Set every parameter from a `state_dict`; all or nothing.

        Missing or extra names raise `ValueError`, a value that is not a real number raises
        `TypeError`; in both cases no parameter changes.

            >>> from nn.layers import Neuron
            >>> n = Neuron(1)
            >>> n.load_state_dict({"w.0": 0.5, "b": -1.0}); n.w[0].data
            0.5
        """
        if not isinstance(state, Mapping):
            raise TypeError(
                f"load_state_dict: expected a mapping name -> number, got {type(state).__name__}."
            )
        params = dict(self.named_parameters())
        check_names(params, state, "load_state_dict")
        values = {}
        for name in params:
            value = state[name]
            if not is_number(value):
                raise TypeError(
                    f"load_state_dict: entry {name!r} must be a real number, "
                    f"got {type(value).__name__} {value!r}."
                )
            try:
                values[name] = float(value)
            except OverflowError:  # an int too large for a float
                raise ValueError(
                    f"load_state_dict: entry {name!r} = {value!r} does not fit in a float."
                ) from None
        # Every entry is checked before the first assignment: all or nothing.
        for name, p in params.items():
            p.data = values[name]

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the architecture and every parameter to a JSON file, atomically.

        See `nn.serialize.save` (symlinks followed, no temporary file left behind);
        floats are written so they read back exactly.
        """
        serialize.save(self, path)

    def load(self, path: str | os.PathLike[str],
             max_bytes: int = serialize.MAX_BYTES) -> None:
        """Fill this model's parameters from a file written by `save`.

        A file that is not a valid save of this same architecture, or is larger than
        `max_bytes` (256 MiB by default), raises `ValueError` and changes nothing. See
        `nn.serialize.load`.
        """
        serialize.load(self, path, max_bytes)

    # ---- printing -------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The text between the parentheses of this module's one-line repr."""
        return ""

    def __repr__(self) -> str:
        children = self.named_children()
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"{type(self).__name__}({self.extra_repr()}"]
        for name, child in children:
            body = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        return "\n".join(lines) + "\n)"

    # ---- scopes for drawings --------------------------------------------------------------
    def _call_in_scope(self, scopes: dict[Value, str], args: tuple[Any, ...],
                       kwargs: dict[str, Any]) -> Any:
        caller = _CALLER.get()
        if caller is None:
            scope = ""  # the module called from outside is the root of the names
        else:
            parent_scope, child_names = caller
            name = child_names.get(id(self), type(self).__name__)
            scope = f"{parent_scope}.{name}" if parent_scope else name
        names = {id(child): name for name, child in self.named_children()}
        token = _CALLER.set((scope, names))
        try:
            out = self.forward(*args, **kwargs)
        finally:
            _CALLER.reset(token)
        if scope:  # nodes made at the root level stay untagged: they belong to no module
            tag_scope(scopes, scope, out, (args, kwargs))
            for _, member in self._direct_members():
                if isinstance(member, Value):
                    scopes.setdefault(member, scope)
        return out


def tag_scope(scopes: dict[Value, str], scope: str, outputs: Any, inputs: Any) -> None:
    """Tag with `scope` every node reachable from `outputs` without passing an input.

    The walk also stops at nodes already tagged (made by a sub-module, which is called
    first, or by an earlier forward), so it costs O(nodes this call created).

        >>> from autograd import Value
        >>> x = Value(1.0); y = x * 2; scopes = {}
        >>> tag_scope(scopes, "head", y, [x]); sorted(scopes.values())
        ['head', 'head']
    """
    stop = set(_values_in(inputs))
    stack = list(_values_in(outputs))
    while stack:
        node = stack.pop()
        if node in scopes or node in stop:
            continue
        scopes[node] = scope
        stack.extend(node.parents)


def _values_in(obj: Any) -> Iterator[Value]:
    """The Values inside nested lists, tuples and dicts (a forward's inputs or outputs)."""
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, Value):
            yield item
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
