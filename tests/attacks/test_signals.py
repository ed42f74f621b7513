"""The command line under attack: an output directory that cannot be written, Ctrl-C at
start-up and during the evaluation after training.

The Ctrl-C cases run `tests.nn.cli_harness`: the child says where it is on stdout and waits
for the signal there, so no test depends on timing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nn.cli import main
from tests.nn.cli_harness import run_and_interrupt

FAST = ["train", "--samples", "40", "--epochs", "2", "--hidden", "3", "--no-progress",
        "--no-compiled"]


@pytest.mark.parametrize("where", ["a file", "below a file"])
def test_an_unwritable_out_is_one_line_and_exit_2_before_any_training(
    where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("not a directory")
    out = blocker if where == "a file" else blocker / "run"
    assert main([*FAST, "--out", str(out)]) == 2
    stdout, stderr = capsys.readouterr()
    assert stdout == ""  # nothing was built or trained
    (line,) = stderr.splitlines()
    assert line.startswith(f"chainrule train: error: --out {out}: cannot write there")
    assert blocker.read_text() == "not a directory"


def test_ctrl_c_during_start_up_exits_130_without_a_traceback(tmp_path: Path) -> None:
    code, out, errors = run_and_interrupt("start-up", ["starting"],
                                          [*FAST, "--out", str(tmp_path / "run")])
    assert code == 130, errors
    assert "Traceback" not in errors
    assert out.splitlines()[-1] == "interrupted (Ctrl-C) before training; nothing was trained"
    assert not (tmp_path / "run").exists()


def test_a_second_ctrl_c_during_evaluation_exits_130_with_the_summary_so_far(
    tmp_path: Path,
) -> None:
    code, out, errors = run_and_interrupt("evaluation", ["training", "evaluating"],
                                          [*FAST, "--out", str(tmp_path / "run")])
    assert code == 130, errors
    assert "Traceback" not in errors
    lines = out.splitlines()
    assert "interrupted after 0 epochs (1 steps)" in lines
    assert any(line.startswith("trained 1 steps (eager)") for line in lines)
    assert lines[-1] == "interrupted (Ctrl-C) during evaluation; the files above were written"
    assert (tmp_path / "run" / "neuron_graph.svg").exists()
