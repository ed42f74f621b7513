"""chainrule's engine: scalar reverse-mode automatic differentiation.

    >>> from autograd import Value
    >>> x = Value(2.0)
    >>> y = x * x + x.tanh()
    >>> y.backward()
    >>> round(x.grad, 4)
    4.0707
"""

from autograd.backward import backward, topological_order
from autograd.check import GradcheckError, gradcheck
from autograd.compile import Program, TracedFunction, TracerError, TracerWarning, trace
from autograd.context import detect_anomaly, enable_grad, is_grad_enabled, no_grad
from autograd.draw import BackwardStep, backward_steps, print_graph
from autograd.extend import CustomOp, op
from autograd.functional import grad, hessian, jvp, value_and_grad
from autograd.lists import log_softmax, logsumexp, max, softmax, sum
from autograd.primitive import Domain
from autograd.value import Value

# The drawing functions import graphviz: load them on first use (see autograd.draw), so
# `import autograd` stays light.
_DRAWING = ("draw_graph", "save_graph", "GraphvizNotFound", "draw_network", "save_network",
            "step_through")


def __getattr__(name: str) -> object:
    if name in _DRAWING:
        from autograd import draw

        return getattr(draw, name)
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")


__all__ = [
    "BackwardStep",
    "CustomOp",
    "Domain",
    "GradcheckError",
    "GraphvizNotFound",
    "Program",
    "TracedFunction",
    "TracerError",
    "TracerWarning",
    "Value",
    "backward",
    "backward_steps",
    "detect_anomaly",
    "draw_graph",
    "draw_network",
    "enable_grad",
    "grad",
    "gradcheck",
    "hessian",
    "is_grad_enabled",
    "jvp",
    "log_softmax",
    "logsumexp",
    "max",
    "no_grad",
    "op",
    "print_graph",
    "save_graph",
    "save_network",
    "softmax",
    "step_through",
    "sum",
    "topological_order",
    "trace",
    "value_and_grad",
]
