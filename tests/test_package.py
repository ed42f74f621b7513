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
    assert "d(out)/d(w1) = +1.0000" in out
