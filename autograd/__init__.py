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
from autograd.context import detect_anomaly, enable_grad, is_grad_enabled, no_grad
from autograd.functional import grad, hessian, value_and_grad
from autograd.lists import log_softmax, logsumexp, softmax, sum
from autograd.value import Value

__all__ = [
    "GradcheckError",
    "Value",
    "backward",
    "detect_anomaly",
    "enable_grad",
    "grad",
    "gradcheck",
    "hessian",
    "is_grad_enabled",
    "log_softmax",
    "logsumexp",
    "no_grad",
    "softmax",
    "sum",
    "topological_order",
    "value_and_grad",
]
