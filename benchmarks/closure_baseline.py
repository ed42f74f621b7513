"""A closure-per-node scalar engine, kept only as a yardstick for `engine.py`.

Each node allocates a `_backward` closure that captures its inputs, as the classic
tutorial engines do. chainrule stores one shared rule per op and the float local
derivatives instead; this file exists so that the benchmark can show what that choice
buys, measured on the same machine in the same run.
"""

from __future__ import annotations

from collections.abc import Callable


class ClosureValue:
    __slots__ = ("data", "grad", "_prev", "_backward")

    def __init__(self, data: float, prev: tuple[ClosureValue, ...] = ()) -> None:
        self.data = data
        self.grad = 0.0
        self._prev = prev
        self._backward: Callable[[], None] = _noop

    def __add__(self, other: ClosureValue | float) -> ClosureValue:
        other = other if isinstance(other, ClosureValue) else ClosureValue(other)
        out = ClosureValue(self.data + other.data, (self, other))

        def _backward() -> None:
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    __radd__ = __add__

    def __mul__(self, other: ClosureValue | float) -> ClosureValue:
        other = other if isinstance(other, ClosureValue) else ClosureValue(other)
        out = ClosureValue(self.data * other.data, (self, other))

        def _backward() -> None:
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    __rmul__ = __mul__

    def relu(self) -> ClosureValue:
        out = ClosureValue(self.data if self.data > 0 else 0.0, (self,))

        def _backward() -> None:
            self.grad += (out.data > 0) * out.grad

        out._backward = _backward
        return out

    def backward(self) -> None:
        order: list[ClosureValue] = []
        seen: set[int] = set()
        stack: list[tuple[ClosureValue, bool]] = [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((p, False) for p in node._prev)
        self.grad = 1.0
        for node in reversed(order):
            node._backward()


def _noop() -> None:
    return None
