"""micrograd's ``micrograd.engine``: its `Value` is chainrule's.

    >>> from nn.compat.micrograd.engine import Value
    >>> (Value(2.0) ** 2)._op
    '**2'
"""

from autograd.value import Value

__all__ = ["Value"]
