"""The `chainrule train` / `python -m nn` command, end to end in temporary directories."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from nn.cli import build_parser, main, with_defaults
from tests.nn.cli_harness import run_and_interrupt

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ACCURACY_LINE = re.compile(r"^(train|test) accuracy: (\d+\.\d)%$")
TIME_LINE = re.compile(r"^time: \d+\.\d s training \((compiled|eager)\), \d+\.\d s in all$")


def run_main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_fast_run_writes_plots_and_graph_and_ends_with_accuracies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "run"
    code, out, _ = run_main(
        ["train", "--samples", "60", "--epochs", "2", "--hidden", "4", "--out", str(out_dir),
         "--no-progress"], capsys)
    assert code == 0
    for name in ("loss.png", "decision_boundary.png"):
        assert (out_dir / name).read_bytes().startswith(PNG_MAGIC)
        assert f"wrote {out_dir / name}" in out
    svg = (out_dir / "neuron_graph.svg").read_text()
    assert "<svg" in svg and "L0.n" in svg and "x[0]" in svg
    assert f"wrote {out_dir / 'neuron_graph.svg'}" in out
    time_line, *last_two = out.strip().splitlines()[-3:]
    assert [ACCURACY_LINE.match(line) is not None for line in last_two] == [True, True]
    assert last_two[0].startswith("train") and last_two[1].startswith("test")
    assert TIME_LINE.match(time_line), time_line


def test_default_run_reaches_95_percent_test_accuracy_on_moons(tmp_path: Path) -> None:
    # The real thing: `python -m nn` with no options at all, as a user would type it.
    done = subprocess.run([sys.executable, "-m", "nn"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    match = ACCURACY_LINE.match(lines[-1])
    assert match is not None and match.group(1) == "test", lines[-1]
    assert float(match.group(2)) >= 95.0
    assert "epoch 30/30" in done.stderr  # the progress bar
    assert TIME_LINE.match(lines[-3]), lines[-3]
    for name in ("loss.png", "decision_boundary.png", "neuron_graph.svg"):
        assert (tmp_path / "out" / name).stat().st_size > 0


def test_multi_class_two_d_dataset_gets_a_decision_boundary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_main(
        ["train", "--dataset", "blobs", "--samples", "60", "--epochs", "2", "--hidden", "4",
         "--optimizer", "sgd", "--out", str(tmp_path), "--no-progress"], capsys)
    assert code == 0
    assert "3 classes" in out
    assert (tmp_path / "decision_boundary.png").read_bytes().startswith(PNG_MAGIC)


def test_digits_skips_the_decision_boundary_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_main(
        ["train", "--dataset", "digits", "--epochs", "1", "--hidden", "2", "--batch-size",
         "64", "--out", str(tmp_path), "--no-progress"], capsys)
    assert code == 0
    assert "skipped the decision boundary: digits has 64 inputs, not 2" in out
    assert not (tmp_path / "decision_boundary.png").exists()
    assert (tmp_path / "loss.png").exists() and (tmp_path / "network.svg").exists()


def test_options_without_the_subcommand_mean_train(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_main(["--samples", "40", "--epochs", "1", "--hidden", "3", "--out",
                             str(tmp_path), "--no-progress"], capsys)
    assert code == 0 and "test accuracy:" in out


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--hidden", "16,x"], "--hidden: expected comma-separated positive integers"),
        (["--hidden", "16,0"], "--hidden"),
        (["--dataset", "imagenet"], "invalid choice: 'imagenet'"),
        (["--optimizer", "lbfgs"], "invalid choice: 'lbfgs'"),
        (["--lr", "-1"], "--lr: expected a positive number, got '-1'"),
        (["--epochs", "0"], "--epochs: expected a positive integer, got '0'"),
        (["--samples", "3"], "--samples: expected at least 10 samples, got '3'"),
        (["--batch-size", "many"], "--batch-size: expected a positive integer"),
        (["--activation", "swish"], "invalid choice: 'swish'"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_invalid_options_print_one_line_and_exit_2(
    args: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["train", *args])
    assert exit_info.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert re.match(r"chainrule( train)?: error: ", err) and needle in err


def test_digits_compiled_reaches_95_percent_test_accuracy(tmp_path: Path) -> None:
    # The target of the compiled path: `python -m nn --dataset digits --compiled` with the
    # digits defaults (64-32-10, He init, Adam 0.01, batches of 32, 10 epochs).
    done = subprocess.run([sys.executable, "-m", "nn", "--dataset", "digits", "--compiled",
                           "--no-progress"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert "model: MLP 64-32-10, relu, 2410 parameters; adam lr=0.01, 10 epochs" in lines[1]
    time_line = TIME_LINE.match(lines[-3])
    assert time_line is not None and time_line.group(1) == "compiled", lines[-3]
    match = ACCURACY_LINE.match(lines[-1])
    assert match is not None and match.group(1) == "test", lines[-1]
    assert float(match.group(2)) >= 95.0
    assert (tmp_path / "out" / "loss.png").read_bytes().startswith(PNG_MAGIC)


@pytest.mark.parametrize("flag, path", [("--compiled", "compiled"), ("--no-compiled", "eager"),
                                        (None, "compiled")])
def test_compiled_flag_chooses_the_training_path_on_moons(
    flag: str | None, path: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["train", "--samples", "100", "--epochs", "3", "--hidden", "6", "--out",
            str(tmp_path), "--no-progress"]
    code, out, _ = run_main(args + ([flag] if flag else []), capsys)
    assert code == 0
    assert f"steps ({path}); final train loss" in out
    time_line = TIME_LINE.match(out.strip().splitlines()[-3])
    assert time_line is not None and time_line.group(1) == path


def test_left_out_options_take_the_datasets_defaults_and_given_ones_stay() -> None:
    parse = build_parser().parse_args
    digits = with_defaults(parse(["train", "--dataset", "digits"]))
    assert (digits.hidden, digits.init, digits.lr, digits.batch_size, digits.epochs) == (
        [32], "he", 0.01, 32, 10)
    assert with_defaults(parse(["train", "--dataset", "digits", "--optimizer", "sgd"])).lr == 0.1
    moons = with_defaults(parse(["train"]))
    assert (moons.hidden, moons.init, moons.lr, moons.batch_size, moons.epochs) == (
        [16, 16], "uniform", 0.02, 16, 30)
    chosen = with_defaults(parse(["train", "--dataset", "digits", "--hidden", "8,8", "--lr",
                                  "0.5", "--epochs", "2", "--init", "xavier"]))
    assert (chosen.hidden, chosen.lr, chosen.epochs, chosen.init) == ([8, 8], 0.5, 2, "xavier")


def test_python_dash_m_nn_rejects_bad_options_with_exit_2(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "nn", "--hidden", "16,x"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_without_matplotlib_or_dot_the_run_still_finishes_and_says_what_it_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # import now fails
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` on it
    code, out, _ = run_main(["train", "--samples", "40", "--epochs", "1", "--hidden", "3",
                             "--out", str(tmp_path), "--no-progress"], capsys)
    assert code == 0
    assert "skipped the plots: matplotlib is missing" in out
    assert "skipped the neuron graph: Graphviz's dot program is missing" in out
    assert out.strip().splitlines()[-1].startswith("test accuracy:")
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_still_writes_the_summary_and_exits_130(tmp_path: Path) -> None:
    # Ctrl-C is pressed once the first epoch has ended (the child says so and waits for
    # it), so loss.png has a point to draw on any machine, however loaded.
    code, out, errors = run_and_interrupt(
        "epoch", ["epoch 1 done"],
        ["--no-compiled", "--no-progress", "--epochs", "1000", "--out", str(tmp_path)])
    assert code == 130, errors
    assert "interrupted after 1 epochs" in out
    assert out.strip().splitlines()[-1].startswith("test accuracy: ")
    assert (tmp_path / "loss.png").read_bytes().startswith(PNG_MAGIC)
