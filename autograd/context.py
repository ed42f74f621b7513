"""Switches that change how ops record the graph: `no_grad()` and `detect_anomaly()`.

Both live in one `contextvars.ContextVar`, so a switch made in one thread or asyncio
task never leaks into another, and an op reads its mode with a single lookup.

    >>> from autograd import Value, no_grad
    >>> x = Value(2.0)
    >>> with no_grad():
    ...     y = x * x
    >>> y.parents
    ()
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ContextDecorator, contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from autograd.value import Value


class Mode(NamedTuple):
    """How ops behave right now: record the graph? check every result for NaN/inf?"""

    grad_enabled: bool = True
    detect_anomaly: bool = False


DEFAULT_MODE = Mode()
MODE: ContextVar[Mode] = ContextVar("autograd_mode", default=DEFAULT_MODE)

# While `autograd.trace` records a function it sets this to its recorder, which notes the
# leaves made during the recording (constants, as opposed to parameters) and each
# comparison or float() of a Value (a branch the recording freezes). None otherwise:
# one ContextVar lookup in `Value.__init__`, the comparisons and `__float__`, nothing on
# ops. It is the only tracer state a Value ever reads.
TRACING: ContextVar[Any] = ContextVar("autograd_tracing", default=None)


# The modes the open switches replaced, innermost last: `with` blocks nest within a
# thread or task (each has its own context), so one stack per context restores them.
_REPLACED: ContextVar[tuple[Mode, ...]] = ContextVar("autograd_replaced_modes", default=())


class _ModeSwitch(ContextDecorator):
    """A mode change for a `with` block or, as a decorator, for a function's calls.

    Like torch's, one object can be entered again, inside itself too: it keeps no
    state of its own between uses.
    """

    def __init__(self, **changes: bool) -> None:
        self.changes = changes

    def __enter__(self) -> None:
        mode = MODE.get()
        _REPLACED.set((*_REPLACED.get(), mode))
        new = mode._replace(**self.changes)
        # Ops take their fast path only for the DEFAULT_MODE object itself (an identity
        # check): `enable_grad()` in the default state must keep it, or tracing runs slow.
        MODE.set(DEFAULT_MODE if new == DEFAULT_MODE else new)

    def __exit__(self, *exc: object) -> None:
        *outer, mode = _REPLACED.get()
        _REPLACED.set(tuple(outer))
        MODE.set(mode)


def no_grad() -> _ModeSwitch:
    """Compute values without recording the graph: results have no parents.

    Use it for evaluation and for parameter updates. Only the current thread or task
    is affected. As in torch, the object can be entered again (also inside itself) and
    used as a decorator: ``@no_grad()``.

        >>> from autograd import Value
        >>> with no_grad():
        ...     y = Value(3.0).tanh()
        >>> y.parents
        ()
    """
    return _ModeSwitch(grad_enabled=False)


def enable_grad() -> _ModeSwitch:
    """Record the graph again inside a `no_grad()` block."""
    return _ModeSwitch(grad_enabled=True)


def detect_anomaly() -> _ModeSwitch:
    """Raise `FloatingPointError` at the first op whose result is NaN or inf.

    The message names the op, its inputs and the node's label, so the bad step is found
    where it happens rather than as a NaN loss many ops later; `backward()` inside the
    block also checks every gradient it computes.

        >>> from autograd import Value
        >>> with detect_anomaly():
        ...     Value(float("inf")) * 0.0
        Traceback (most recent call last):
        ...
        FloatingPointError: detect_anomaly: mul produced nan from inputs inf, 0.0.
    """
    return _ModeSwitch(detect_anomaly=True)


def is_grad_enabled() -> bool:
    """True unless inside `no_grad()`."""
    return MODE.get().grad_enabled


# Drawings can group nodes by the module that made them. While `record_scopes()` is
# active, `nn` modules write {node: "layers.0.neurons.3"} into the dict it yields; ops
# themselves never look at this, so it costs nothing when unused.
SCOPES: ContextVar[dict[Value, str] | None] = ContextVar("autograd_scopes", default=None)


@contextmanager
def record_scopes() -> Iterator[dict[Value, str]]:
    """Collect which module created each node, for ``draw_graph(..., scopes=...)``.

        >>> from nn import MLP
        >>> model = MLP(2, [3, 1], rng=0)
        >>> with record_scopes() as scopes:
        ...     out = model([1.0, 2.0])   # each module tags the nodes it creates
        >>> sorted(set(scopes.values()))[:2]
        ['layers.0.neurons.0', 'layers.0.neurons.1']
    """
    scopes: dict[Value, str] = {}
    token = SCOPES.set(scopes)
    try:
        yield scopes
    finally:
        SCOPES.reset(token)
