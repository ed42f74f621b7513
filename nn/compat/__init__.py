"""Code written for other libraries, run on chainrule: a stand-in for micrograd.

`nn.compat.micrograd` has micrograd's two modules with chainrule's classes in them:
``micrograd.engine.Value`` is `autograd.Value`, and ``micrograd.nn`` has `nn`'s `Module`,
`Neuron`, `Layer` and `MLP`. Karpathy's micrograd is a package of that same name (this
project's benchmark installs it), so the stand-in is not installed as ``micrograd``; one
line makes ``import micrograd`` find it, in this process only:

    import nn.compat; nn.compat.use_micrograd()

after which micrograd's tests, demo and graph-drawing notebooks run unchanged. The
modules can also be imported under their own names, which changes nothing globally:

    >>> from nn.compat.micrograd.engine import Value
    >>> from nn.compat.micrograd.nn import MLP
    >>> Value is __import__("autograd").Value, MLP is __import__("nn").MLP
    (True, True)
"""

from __future__ import annotations

import sys


def use_micrograd() -> None:
    """Make ``import micrograd``, ``micrograd.engine`` and ``micrograd.nn`` give chainrule's
    classes from now on in this process (code that already imported the real micrograd
    keeps it).

        >>> import nn.compat; nn.compat.use_micrograd()    # doctest: +SKIP
        >>> from micrograd.engine import Value             # doctest: +SKIP
        >>> Value.__module__                               # doctest: +SKIP
        'autograd.value'
    """
    from nn.compat import micrograd
    from nn.compat.micrograd import engine
    from nn.compat.micrograd import nn as micrograd_nn

    sys.modules.update({"micrograd": micrograd, "micrograd.engine": engine,
                        "micrograd.nn": micrograd_nn})
