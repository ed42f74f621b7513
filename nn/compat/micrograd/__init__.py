"""micrograd's package, with chainrule's classes: see `nn.compat` for how to import it.

    >>> from nn.compat.micrograd import engine, nn
    >>> engine.Value(2.0) * 3
    Value(data=6.0, grad=0.0, op='mul')
"""

from nn.compat.micrograd import engine, nn

__all__ = ["engine", "nn"]
