"""The package under test is this repository's, not PyPI's project of the same name."""

from pathlib import Path

import autograd
import nn

ROOT = Path(__file__).resolve().parent.parent


def test_autograd_is_imported_from_this_repository() -> None:
    assert Path(autograd.__file__).resolve().is_relative_to(ROOT / "autograd")


def test_nn_is_imported_from_this_repository() -> None:
    assert Path(nn.__file__).resolve().is_relative_to(ROOT / "nn")


def test_engine_demo_runs(capsys) -> None:
    from autograd.__main__ import main

    main()
    out = capsys.readouterr().out
    # tanh(2*-3 + 0*1 + b) with b = atanh(1/sqrt 2) + 6: out = 1/sqrt 2, and the
    # gradients follow from 1 - out**2 = 0.5.
    assert "out = 0.7071" in out
    assert "d(out)/d(w1) = +1.0000" in out  # x1 * 0.5
    assert "d(out)/d(x1) = -1.5000" in out  # w1 * 0.5
    assert "grad(x**3)(2.0)      = 12.0" in out  # 3 x**2
    assert "hessian(x**3)(2.0)   = 12.0" in out  # 6 x
