"""The ``chainrule`` command: ``chainrule train`` (or ``python -m nn``) trains a demo MLP.

With no options it trains a 2-16-16-1 ReLU network on 300 noisy moons for 30 epochs with
Adam, shows a progress bar, writes its pictures into ``./out`` and ends with the training
time and the train and test accuracy. The pictures fit the dataset: for every one the
loss and accuracy curves, the confusion matrix on the test set and the network's weights
coloured by their gradients (`nn.figures`); for 2-D sets the decision boundary and the
graph of one trained neuron; for digits a grid of the misread test digits. Options
change the dataset, the network, the optimizer and the schedule of training; an option
left out takes the dataset's default (`DATASET_DEFAULTS`: digits gets a 64-32-10 network
with He initialisation, Adam at 0.01, batches of 32, 10 epochs):

    chainrule train --dataset spirals --hidden 32,32 --epochs 100 --out runs/spirals
    chainrule train --dataset digits --compiled

Training runs on traced, compiled programs when that pays (`nn.train.fit`'s
``compiled="auto"``); ``--compiled`` insists on them, ``--no-compiled`` trains eagerly.

In Python, ``main(["train", "--epochs", "5"])`` runs the same and returns the exit code.
Bad options print one line on stderr and exit with status 2, and so does an ``--out``
that cannot be written, before anything is trained.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from autograd.context import no_grad
from autograd.value import Value
from nn.activations import ACTIVATIONS
from nn.data import DATASETS, Dataset, train_val_test_split
from nn.layers import MLP
from nn.losses import binary_cross_entropy_with_logits, cross_entropy
from nn.optim import OPTIMIZERS, Optimizer
from nn.train import evaluate, fit

CLASSIFICATION_SETS = ("moons", "circles", "spirals", "xor", "blobs", "digits", "mnist")
# Adam-family defaults that train the demo reliably; plain SGD wants a larger step.
DEFAULT_LR = {"sgd": 0.1, "adam": 0.02, "adamw": 0.02, "rmsprop": 0.005}
# What an option means when it is left out; a dataset's entry overrides the general one.
# Digits (64 inputs, 10 classes, 1257 training images) wants one wider layer and larger
# batches than the 2-D sets. Measured with the compiled path, 10 epochs, seeds 0-4: He
# initialisation and Adam at 0.01 give 96.7% to 97.8% test accuracy in about 5 s of
# training on 2 cores; U(-1, 1) gave 94.4% to 97.4% at 0.01 and 90.7% to 94.1% at 3e-3.
DEFAULTS: dict[str, Any] = {"hidden": [16, 16], "epochs": 30, "batch_size": 16,
                            "init": "uniform", "lr": DEFAULT_LR}
DATASET_DEFAULTS: dict[str, dict[str, Any]] = {
    "digits": {"hidden": [32], "epochs": 10, "batch_size": 32, "init": "he",
               "lr": {"sgd": 0.1, "adam": 0.01, "adamw": 0.01, "rmsprop": 0.002}},
    # MNIST: 784 inputs, 54,000 training images after the validation split; one hidden
    # layer of 128 and Adam at 1e-3 in batches of 64, as PyTorch's tutorials train it.
    "mnist": {"hidden": [128], "epochs": 3, "batch_size": 64, "init": "he",
              "lr": {"sgd": 0.1, "adam": 0.001, "adamw": 0.001, "rmsprop": 0.001}},
}


class _OneLineParser(argparse.ArgumentParser):
    """argparse, but an error is one line on stderr (then exit 2), not usage plus error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _samples(text: str) -> int:
    # The train/validation/test split keeps 15% + 15%: below 10 points a split is empty.
    value = _positive_int(text)
    if value < 10:
        raise argparse.ArgumentTypeError(f"expected at least 10 samples, got {text!r}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def _widths(text: str) -> list[int]:
    """``"16,16"`` -> [16, 16]: hidden layer widths, comma-separated positive integers."""
    parts = [p.strip() for p in text.split(",")] if text.strip() else []
    if not parts or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise argparse.ArgumentTypeError(
            f"expected comma-separated positive integers such as 16,16, got {text!r}"
        )
    return [int(p) for p in parts]


def build_parser() -> argparse.ArgumentParser:
    """The ``chainrule`` argument parser (subcommand ``train``).

        >>> build_parser().parse_args(["train", "--hidden", "8,4"]).hidden
        [8, 4]
    """
    parser = _OneLineParser(prog="chainrule", description="Train and inspect small neural "
                            "networks built on chainrule's scalar autograd engine.")
    version = f"chainrule {_version()}"
    parser.add_argument("--version", action="version", version=version)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_OneLineParser)
    train = commands.add_parser("train", help="train an MLP on a toy dataset and plot it",
                                description="Train an MLP on a toy dataset; write plots "
                                "and the graph of one neuron.")
    train.add_argument("--dataset", choices=CLASSIFICATION_SETS, default="moons",
                       help="the data to learn (default: moons)")
    train.add_argument("--data", type=Path, default=None, metavar="DIR",
                       help="for --dataset mnist: the folder holding the four MNIST IDX "
                       "files (train-images-idx3-ubyte[.gz], ...); nothing is downloaded")
    train.add_argument("--samples", type=_samples, default=300,
                       help="how many points to generate (default: 300; digits always has 1797)")
    train.add_argument("--hidden", type=_widths, default=None, metavar="W,W",
                       help="hidden layer widths (default: 16,16; digits 32)")
    train.add_argument("--activation", choices=[a for a in ACTIVATIONS if a != "linear"],
                       default="relu", help="hidden activation (default: relu)")
    train.add_argument("--init", choices=("uniform", "xavier", "he"), default=None,
                       help="weight initialisation (default: uniform, micrograd's U(-1, 1); "
                       "digits he)")
    train.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="adam",
                       help="the optimizer (default: adam)")
    train.add_argument("--lr", type=_positive_float, default=None,
                       help="learning rate (default: 0.02 for adam/adamw, 0.1 sgd, "
                       "0.005 rmsprop; digits 0.01 adam/adamw, 0.002 rmsprop)")
    train.add_argument("--epochs", type=_positive_int, default=None,
                       help="epochs (default: 30; digits 10)")
    train.add_argument("--batch-size", type=_positive_int, default=None,
                       help="samples per step (default: 16; digits 32)")
    train.add_argument("--seed", type=int, default=0,
                       help="seed for data, weights and batch order (default: 0)")
    train.add_argument("--out", type=Path, default=Path("out"), metavar="DIR",
                       help="where to write the plots and the graph (default: ./out)")
    train.add_argument("--compiled", action=argparse.BooleanOptionalAction, default=None,
                       help="train on programs traced once and replayed with NumPy "
                       "(--no-compiled: eagerly; default: compiled when it pays)")
    train.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    train.add_argument("--version", action="version", version=version)  # python -m nn too
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``chainrule`` with `argv` (default: the command line); returns the exit status.

        >>> main(["train", "--epochs", "1", "--out", "/tmp/demo"])   # doctest: +SKIP
        0
    """
    args_list = list(sys.argv[1:] if argv is None else argv)
    # `chainrule` alone, or with train's options only, means `chainrule train`.
    if not args_list or (args_list[0].startswith("-")
                         and args_list[0] not in ("-h", "--help", "--version")):
        args_list.insert(0, "train")
    parser = build_parser()
    args = parser.parse_args(args_list)
    problem = _unwritable(args.out)
    if problem:  # found now, not after a whole training run
        print(f"chainrule train: error: --out {args.out}: cannot write there ({problem}).",
              file=sys.stderr)
        return 2
    return train_command(args, time.perf_counter())


def _unwritable(out: Path) -> str | None:
    """Why `out` cannot become a directory we write into, or None if it can.

    Nothing is created: the check walks up to the nearest path that exists.
    """
    existing = out
    while not os.path.lexists(existing) and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is not a directory"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"no permission to write in {existing}"
    return None


def _dataset(args: argparse.Namespace) -> Dataset:
    if args.dataset == "digits":
        return DATASETS["digits"]()
    return DATASETS[args.dataset](n=args.samples, seed=args.seed)


def _splits(args: argparse.Namespace) -> tuple[Dataset, Dataset, Dataset, Dataset]:
    """The whole set and its train, validation and test parts.

    MNIST keeps its own test set (t10k) and gives a tenth of its training images to
    validation; the other sets are split 70/15/15.
    """
    if args.dataset != "mnist":
        data = _dataset(args)
        return (data, *train_val_test_split(data, val=0.15, test=0.15, seed=args.seed))
    from nn.mnist import mnist

    if args.data is None:
        raise FileNotFoundError("--dataset mnist needs --data DIR, the folder holding the "
                                "four MNIST IDX files (nothing is downloaded).")
    data, test = mnist(args.data, "train"), mnist(args.data, "test")
    train, val, _ = train_val_test_split(data, val=0.1, test=0.0, seed=args.seed)
    return data, train, val, test


def with_defaults(args: argparse.Namespace) -> argparse.Namespace:
    """`args` with every option left out (None) set to its dataset's default.

        >>> with_defaults(build_parser().parse_args(["train", "--dataset", "digits"])).hidden
        [32]
    """
    chosen = {**DEFAULTS, **DATASET_DEFAULTS.get(args.dataset, {})}
    filled = argparse.Namespace(**vars(args))
    for name, value in chosen.items():
        if getattr(filled, name) is None:
            # The learning rate's default depends on the optimizer as well.
            setattr(filled, name, value[args.optimizer] if name == "lr" else value)
    return filled


def train_command(args: argparse.Namespace, started: float | None = None) -> int:
    """``chainrule train``: build, train, plot, and print the summary; the exit status.

    0, or 130 when Ctrl-C cut training short (the plots and summary are still written),
    or 130 when Ctrl-C came before or after training (at start-up, while writing the
    files or during the evaluation): then a last line says how far the run got.

    `started` (a `time.perf_counter()` reading) is when the command began, for the
    total time in the summary.

        >>> train_command(build_parser().parse_args(["train"]))     # doctest: +SKIP
    """
    started = time.perf_counter() if started is None else started
    # Ctrl-C during training stops fit after the current step and the run goes on to
    # the files and the summary; before or after training it ends the run here, with
    # one line that says how far it got.
    stage = _Stage("before training; nothing was trained")
    try:
        return _run(with_defaults(args), started, stage)
    except KeyboardInterrupt:
        print(f"interrupted (Ctrl-C) {stage.now}")
        return 130


class _Stage:
    """How far `train_command` got, for the line it prints on Ctrl-C."""

    def __init__(self, now: str) -> None:
        self.now = now


def _run(args: argparse.Namespace, started: float, stage: _Stage) -> int:
    try:
        data, train, val, test = _splits(args)
    except (FileNotFoundError, ValueError) as error:  # a missing or malformed data file
        print(f"chainrule train: error: {error}", file=sys.stderr)
        return 2
    classes = data.num_classes or 2
    # Two classes: one logit and binary cross-entropy; more: one logit per class and
    # softmax cross-entropy. Cross-entropy rather than micrograd's hinge loss: one family
    # for two classes or ten, a smooth gradient from every point (hinge gives none once
    # a point's margin passes 1), and outputs that read as probabilities.
    outputs = 1 if classes == 2 else classes
    loss = binary_cross_entropy_with_logits if outputs == 1 else cross_entropy
    model = MLP(data.num_features, [*args.hidden, outputs], activation=args.activation,
                init=args.init, rng=args.seed)
    optimizer: Optimizer = OPTIMIZERS[args.optimizer](model.parameters(), lr=args.lr)
    shape = "-".join(str(n) for n in [data.num_features, *args.hidden, outputs])
    print(f"dataset: {data.name}, {len(data)} samples ({len(train)} train, {len(val)} val, "
          f"{len(test)} test), {classes} classes")
    print(f"model: MLP {shape}, {args.activation}, {model.num_parameters()} parameters; "
          f"{args.optimizer} lr={args.lr:g}, {args.epochs} epochs, batch size {args.batch_size}")
    sys.stdout.flush()
    try:
        history = fit(model, loss, optimizer, train, val, epochs=args.epochs,
                      batch_size=args.batch_size, seed=args.seed, progress=not args.no_progress,
                      compiled="auto" if args.compiled is None else args.compiled)
    except ValueError as error:  # e.g. --compiled with a model the tracer refuses
        print(f"chainrule train: error: {error}", file=sys.stderr)
        return 2
    path = "compiled" if history.compiled else "eager"
    if history.interrupted:
        print(f"interrupted after {len(history.epochs)} epochs ({history.steps} steps)")
    print(f"trained {history.steps} steps ({path}); final train loss "
          f"{history.train_loss[-1] if history.train_loss else float('nan'):.4f}")
    stage.now = f"while writing into {args.out}"
    for line in _write_outputs(args.out, model, history, train, data, loss, test):
        print(line)
    stage.now = "during evaluation; the files above were written"
    train_acc = evaluate(model, loss, train, ["accuracy"], compiled=history.compiled)
    test_acc = evaluate(model, loss, test, ["accuracy"], compiled=history.compiled)
    print(f"time: {history.seconds:.1f} s training ({path}), "
          f"{time.perf_counter() - started:.1f} s in all")
    print(f"train accuracy: {100 * train_acc['accuracy']:.1f}%")
    print(f"test accuracy: {100 * test_acc['accuracy']:.1f}%")
    # After Ctrl-C the results are still written, but the exit status says the run was
    # cut short (128 + SIGINT, as shells report it), so scripts can tell.
    return 130 if history.interrupted else 0


def _version() -> str:
    try:
        return importlib.metadata.version("chainrule")
    except importlib.metadata.PackageNotFoundError:
        return "(version unknown: not installed; pip install -e . sets it)"


def _write_outputs(out: Path, model: MLP, history: Any, train: Dataset, data: Dataset,
                   loss: Any, test: Dataset) -> list[str]:
    """Write the plots and the graphs into `out`; one line per file or skip."""
    out.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    try:
        from matplotlib.figure import Figure  # no pyplot: no GUI backend needed
    except ImportError:
        lines.append("skipped the plots: matplotlib is missing "
                     "(pip install 'chainrule[plots]')")
    else:
        from nn.plots import plot_decision_boundary, plot_history

        if history.epochs:
            figure = Figure(figsize=(11, 4), layout="constrained")
            plot_history(history, ax=list(figure.subplots(1, 2)))
            figure.savefig(out / "loss.png", dpi=100)
            lines.append(f"wrote {out / 'loss.png'}")
        if data.num_features == 2:
            figure = Figure(figsize=(5.5, 5), layout="constrained")
            plot_decision_boundary(model, data, ax=figure.subplots())
            figure.savefig(out / "decision_boundary.png", dpi=100)
            lines.append(f"wrote {out / 'decision_boundary.png'}")
        else:
            lines.append(f"skipped the decision boundary: {data.name} has "
                         f"{data.num_features} inputs, not 2")
    from nn.figures import write_classifier_figures

    lines += write_classifier_figures(out, model, loss, train, test, compiled=history.compiled)
    if data.num_features == 2:
        lines.append(_write_neuron_graph(out / "neuron_graph.svg", model, train.X[0]))
    return lines


def _write_neuron_graph(path: Path, model: MLP, point: list[float]) -> str:
    from autograd.draw.graph import GraphvizNotFound, save_graph

    # One trained neuron of the first layer on one training point, backpropagated, so
    # the drawing shows data, grads and each edge's local derivative; an active one if
    # any, since a ReLU at zero would show only zero gradients.
    with no_grad():
        active = [n for n in model.layers[0].neurons if n(point).data > 0]
    neuron = (active or model.layers[0].neurons)[0]
    inputs = [Value(x, label=f"x[{i}]") for i, x in enumerate(point)]
    output = neuron(inputs)
    output.label = "out"
    output.backward()
    try:
        return f"wrote {save_graph(output, path, fmt='.3g')}"
    except GraphvizNotFound:
        return "skipped the neuron graph: Graphviz's dot program is missing"
