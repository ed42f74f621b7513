"""Every example in every module's docstrings runs and prints what it says."""

import doctest
import importlib
import pkgutil

import pytest

import autograd
import nn

MODULES = sorted(
    f"{package.__name__}.{info.name}"
    for package in (autograd, nn)
    for info in pkgutil.iter_modules(package.__path__)
    if info.name != "__main__"
)


@pytest.mark.parametrize("name", MODULES)
def test_the_examples_in_the_docstrings_hold(name: str) -> None:
    module = importlib.import_module(name)
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert tried > 0, f"{name} has no example in its docstrings"
    assert failures == 0
