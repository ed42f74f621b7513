"""The classifier pictures (confusion matrix, misread digits), what epochs mean in
History and its plot, and the pictures `chainrule train` writes for each dataset."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")  # tests draw without a display

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from nn.cli import main  # noqa: E402
from nn.data import Dataset, blobs, digits, predicted_class, sine  # noqa: E402
from nn.figures import plot_confusion_matrix, plot_misread  # noqa: E402
from nn.history import History  # noqa: E402
from nn.layers import MLP  # noqa: E402
from nn.plots import EPOCH_AXIS, plot_decision_boundary, plot_history  # noqa: E402
from nn.predict import predict  # noqa: E402


def few_digits(n: int = 60) -> Dataset:
    return digits().subset(range(n))


# ---- confusion matrix and misread digits ------------------------------------------------------
def test_the_confusion_matrix_counts_each_true_and_predicted_pair() -> None:
    model, data = MLP(2, [6, 3], rng=0), blobs(n=45, seed=1)
    predicted = [predicted_class(o) for o in predict(model, data.X)]
    ax = plot_confusion_matrix(model, data)
    written = {(round(t.get_position()[1]), round(t.get_position()[0])): int(t.get_text())
               for t in ax.texts}
    for true in range(3):
        for guess in range(3):
            count = sum(1 for p, t in zip(predicted, data.y) if (t, p) == (true, guess))
            assert written.get((true, guess), 0) == count
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("predicted class", "true class")
    right = sum(p == t for p, t in zip(predicted, data.y))
    assert f"{right} of {len(data)} right" in ax.get_title()
    plt.close(ax.figure)


def test_misread_digits_are_titled_with_what_was_read_and_what_is_true() -> None:
    model, data = MLP(64, [10], rng=0), few_digits()
    predicted = [predicted_class(o) for o in predict(model, data.X)]
    wrong = [i for i, (p, t) in enumerate(zip(predicted, data.y)) if p != t]
    assert len(wrong) > 24  # an untrained model: more mistakes than the grid shows
    axes = plot_misread(model, data)
    titles = [ax.get_title() for ax in axes if ax.get_title()]
    assert titles == [f"read {predicted[i]}, is {data.y[i]}" for i in wrong[:24]]
    assert axes[0].images[0].get_array().shape == (8, 8)
    assert f"misread: {len(wrong)} of {len(data)}" in axes[0].figure.get_suptitle()
    plt.close(axes[0].figure)


def test_the_pictures_refuse_data_they_cannot_show() -> None:
    with pytest.raises(ValueError, match="needs square images"):
        plot_misread(MLP(2, [3]), blobs(n=9))
    with pytest.raises(ValueError, match="no classes"):
        plot_confusion_matrix(MLP(1, [1]), sine(n=5))


# ---- epochs ------------------------------------------------------------------------------------
def test_history_epochs_count_passes_and_may_start_before_training() -> None:
    history = History()
    history.record(0, {"val_loss": 0.7})  # before training: no training pass to average
    history.record(1, {"train_loss": 0.5, "val_loss": 0.4})
    assert history.series("val_loss") == ([0, 1], [0.7, 0.4])
    assert history.series("train_loss") == ([1], [0.5])
    with pytest.raises(ValueError, match="increasing order"):
        history.record(1, {"train_loss": 0.3})
    with pytest.raises(ValueError, match="int >= 0"):
        history.record(-1, {})


def test_the_plot_draws_each_number_at_its_epoch() -> None:
    history = History()
    history.record(0, {"val_loss": 0.7, "val_accuracy": 0.5})
    for epoch in (1, 2, 3):
        history.record(epoch, {"train_loss": 1 / epoch, "val_loss": 0.6 / epoch,
                               "train_accuracy": 0.9, "val_accuracy": 0.9})
    ax = plot_history(history)
    train, val = ax.lines
    assert list(train.get_xdata()) == [1, 2, 3] and list(val.get_xdata()) == [0, 1, 2, 3]
    for panel in ax.figure.axes:
        assert panel.get_xlabel() == EPOCH_AXIS and panel.get_ylabel()
        assert len(panel.get_legend().get_texts()) == 2
        assert all(float(t).is_integer() for t in panel.get_xticks())
    plt.close(ax.figure)


def test_every_plot_returns_an_axes_not_a_figure_so_jupyter_shows_it_once() -> None:
    history = History()
    history.record(1, {"train_loss": 0.5, "train_accuracy": 0.8})
    model, data = MLP(2, [4, 3], rng=0), blobs(n=30)
    for drawn in (history.plot(), plot_decision_boundary(model, data, steps=5),
                  plot_confusion_matrix(model, data)):
        assert isinstance(drawn, Axes) and not isinstance(drawn, Figure)
        assert drawn.get_xlabel() and drawn.get_ylabel()
        plt.close(drawn.figure)


def test_history_plot_as_a_cells_last_line_displays_one_figure() -> None:
    import nbclient
    import nbformat
    code = ("%matplotlib inline\n"
            "from nn.history import History\n"
            "h = History(); h.record(1, {'train_loss': 0.5}); h.record(2, {'train_loss': 0.3})\n"
            "h.plot()")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    outputs = notebook.cells[0].outputs
    assert sum("image/png" in out.get("data", {}) for out in outputs) == 1


# ---- what `chainrule train` writes -------------------------------------------------------------
def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["train", *args, "--no-progress"]) == 0
    return capsys.readouterr().out


def test_digits_get_curves_a_confusion_matrix_misread_digits_and_the_network_view(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run(["--dataset", "digits", "--epochs", "1", "--hidden", "8", "--batch-size", "64",
               "--out", str(tmp_path)], capsys)
    for name in ("loss.png", "confusion_matrix.png", "misread.png", "network.svg"):
        assert f"wrote {tmp_path / name}" in out
        assert (tmp_path / name).stat().st_size > 0
    assert not (tmp_path / "neuron_graph.svg").exists()  # a fan of 64 inputs, 10,095 px
    svg = ET.fromstring((tmp_path / "network.svg").read_text())
    assert float(re.sub("pt$", "", svg.get("height", ""))) < 1000
    assert "… 54" in (tmp_path / "network.svg").read_text()  # 64 inputs, 10 drawn


def test_two_d_sets_get_the_boundary_the_neuron_graph_and_the_network_view(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run(["--samples", "60", "--epochs", "2", "--hidden", "4", "--out", str(tmp_path)],
              capsys)
    for name in ("loss.png", "decision_boundary.png", "confusion_matrix.png", "network.svg",
                 "neuron_graph.svg"):
        assert f"wrote {tmp_path / name}" in out
    assert not (tmp_path / "misread.png").exists()


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version

    for args in (["--version"], ["train", "--version"]):
        with pytest.raises(SystemExit) as done:
            main(args)
        assert done.value.code == 0
        assert capsys.readouterr().out.strip() == f"chainrule {version('chainrule')}"
