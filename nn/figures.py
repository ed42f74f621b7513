"""Pictures of a trained classifier, and the README's picture of a network.

- `plot_confusion_matrix(model, dataset)`: how often each true class is read as each
  predicted class, with the counts written in the cells.
- `plot_misread(model, dataset)`: a grid of the misread images (8×8 digits), each
  titled with what the model read and what it really is.
- `write_classifier_figures(...)`: what ``chainrule train`` writes beside the loss curves
  (the confusion matrix, the misread digits, the network view).
- ``python -m nn.figures [DIR]`` draws a deep sigmoid network (six hidden layers) after one
  backward pass with `autograd.draw.network.draw_network` into DIR/network.svg and .png.

matplotlib is the optional `plots` extra, imported only when a plot is drawn. Each plot
function draws on the Axes (or Figure) you pass, or on a new pyplot figure, and returns
the Axes, not the Figure: a Figure as a cell's last value would be shown twice in Jupyter.

    >>> from nn.data import blobs
    >>> from nn.layers import MLP
    >>> ax = plot_confusion_matrix(MLP(2, [4, 3], rng=0), blobs(n=30))
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('predicted class', 'true class')
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from autograd.value import Value
from nn.data import Dataset, predicted_class
from nn.losses import cost


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(
            "nn.figures: needs matplotlib; install it with pip install 'chainrule[plots]'."
        ) from None
    return plt


def _classes(model: Any, dataset: Dataset, compiled: bool) -> tuple[list[int], list[int]]:
    """(predicted, true) class of every sample; a clear error for a regression set."""
    from nn.predict import predict

    if not dataset.num_classes:
        raise ValueError(f"nn.figures: {dataset.name or 'this dataset'} has no classes "
                         "(num_classes is None); these pictures are for classifiers.")
    outputs = predict(model, dataset.X, compiled=compiled)
    return [predicted_class(out) for out in outputs], [int(t) for t in dataset.y]


def _noun(dataset: Dataset) -> str:
    return "digit" if dataset.name == "digits" else "class"


def plot_confusion_matrix(model: Any, dataset: Dataset, ax: Any = None, *,
                          compiled: bool = False) -> Any:
    """Counts of (true class, predicted class) over `dataset`, as a shaded grid.

    The diagonal holds the correct answers; every other cell is a kind of mistake
    ("true 8, read as 1"). Returns the Axes.

        >>> from nn.data import moons; from nn.layers import MLP
        >>> plot_confusion_matrix(MLP(2, [4, 1], rng=0), moons(n=20)).get_title()[:16]
        'confusion matrix'
    """
    predicted, true = _classes(model, dataset, compiled)
    k = int(dataset.num_classes or 2)
    counts = [[0] * k for _ in range(k)]
    for p, t in zip(predicted, true):
        counts[t][p] += 1
    if ax is None:
        _, ax = _pyplot().subplots(figsize=(5.5, 4.8))
    image = ax.imshow(counts, cmap="Blues")
    most = max(max(row) for row in counts) or 1
    for t in range(k):
        for p in range(k):
            if counts[t][p]:
                ax.text(p, t, str(counts[t][p]), ha="center", va="center", fontsize=9,
                        color="white" if counts[t][p] > most / 2 else "black")
    ax.set_xticks(range(k))
    ax.set_yticks(range(k))
    noun = _noun(dataset)
    ax.set_xlabel(f"predicted {noun}")
    ax.set_ylabel(f"true {noun}")
    right = sum(counts[i][i] for i in range(k))
    ax.set_title(f"confusion matrix: {right} of {len(true)} right "
                 f"({100 * right / max(len(true), 1):.1f}%)")
    from matplotlib.ticker import MaxNLocator

    ax.figure.colorbar(image, ax=ax, label="samples", ticks=MaxNLocator(integer=True))
    return ax


def plot_misread(model: Any, dataset: Dataset, figure: Any = None, *, max_images: int = 24,
                 columns: int = 8, compiled: bool = False) -> list[Any]:
    """The first `max_images` misread images, each titled "read 3, is 8".

    The inputs must be square images (64 features: 8×8 pixels). A given `figure` is
    resized to fit the grid. Returns the Axes.

        >>> from nn.data import digits; from nn.layers import MLP
        >>> axes = plot_misread(MLP(64, [10], rng=0), digits().subset(range(40)))
        >>> axes[0].get_title().startswith("read ")
        True
    """
    side = math.isqrt(len(dataset.X[0])) if len(dataset) else 0
    if not len(dataset) or side * side != len(dataset.X[0]):
        raise ValueError(f"plot_misread: needs square images (like digits' 8×8 = 64 pixels); "
                         f"{dataset.name or 'this dataset'} has "
                         f"{len(dataset.X[0]) if len(dataset) else 0} features per sample.")
    predicted, true = _classes(model, dataset, compiled)
    wrong = [i for i in range(len(true)) if predicted[i] != true[i]]
    shown = wrong[:max_images]
    rows = max(1, math.ceil(len(shown) / columns))
    size = (1.3 * columns, 1.55 * rows + 0.5)
    if figure is None:
        figure = _pyplot().figure(figsize=size)
    else:
        figure.set_size_inches(*size)  # as many rows as there are mistakes to show
    grid = figure.subplots(rows, columns, squeeze=False)
    axes = [ax for row in grid for ax in row]
    for ax in axes:
        ax.axis("off")
    for ax, i in zip(axes, shown):
        pixels = dataset.X[i]
        ax.imshow([pixels[r * side:(r + 1) * side] for r in range(side)], cmap="gray_r",
                  vmin=0.0, vmax=1.0)
        ax.set_title(f"read {predicted[i]}, is {true[i]}", fontsize=9)
    if not wrong:
        axes[0].text(0.0, 0.5, "no sample was misread", fontsize=11)
    more = f", the first {len(shown)} shown" if len(wrong) > len(shown) else ""
    figure.suptitle(f"misread: {len(wrong)} of {len(true)} test images{more}")
    return axes


def write_classifier_figures(
    out: Path, model: Any, loss: Callable[[Any, Any], Value], train: Dataset, test: Dataset,
    *, compiled: bool = False,
) -> list[str]:
    """Write the confusion matrix on `test`, its misread images (when the inputs are
    square images) and the network view; one line per file written or skipped."""
    lines: list[str] = []
    try:
        from matplotlib.figure import Figure  # no pyplot: no GUI backend needed
    except ImportError:
        lines.append("skipped the confusion matrix: matplotlib is missing "
                     "(pip install 'chainrule[plots]')")
    else:
        figure = Figure(figsize=(6, 5), layout="constrained")
        plot_confusion_matrix(model, test, figure.subplots(), compiled=compiled)
        figure.savefig(out / "confusion_matrix.png", dpi=100)
        lines.append(f"wrote {out / 'confusion_matrix.png'}")
        if math.isqrt(test.num_features) ** 2 == test.num_features and test.num_features > 4:
            figure = Figure(layout="constrained")
            plot_misread(model, test, figure, compiled=compiled)
            figure.savefig(out / "misread.png", dpi=100)
            lines.append(f"wrote {out / 'misread.png'}")
    lines.append(write_network(out / "network.svg", model, loss, train))
    return lines


# The network view's gradients come from an eager backward pass: about one graph node per
# parameter and sample, so a batch is cut to this many nodes (MNIST's 784-128-10: 1 image).
_GRADIENT_NODES = 200_000


def write_network(path: Path, model: Any, loss: Callable[[Any, Any], Value],
                  data: Dataset, batch: int = 64) -> str:
    """Draw the network coloured by the gradients of one batch of `data`'s loss.

    The gradients are computed on the first `batch` samples (fewer for a large model, so
    the eager graph stays small) and cleared afterwards, so the model is left as it was.
    Returns the line to print.
    """
    from autograd.draw.graph import GraphvizNotFound
    from autograd.draw.network import save_network

    batch = max(1, min(batch, _GRADIENT_NODES // max(1, len(model.parameters()))))
    some = data.subset(range(min(batch, len(data))))
    model.zero_grad()
    cost(loss, [model(x) for x in some.X], some.y).backward()
    try:
        return f"wrote {save_network(model, path)}"
    except GraphvizNotFound:
        return "skipped the network view: Graphviz's dot program is missing"
    finally:
        model.zero_grad()


def deep_sigmoid_network() -> Any:
    """Notebook 7's net, MLP(2, [8] * 6 + [1]) with sigmoids, after one backward pass of
    the binary cross-entropy over 64 moons: its gradients vanish towards the input."""
    from nn.data import moons
    from nn.layers import MLP
    from nn.losses import binary_cross_entropy_with_logits

    data = moons(n=64, noise=0.1, seed=0)
    model = MLP(2, [8] * 6 + [1], activation="sigmoid", init="xavier", rng=0)
    cost(binary_cross_entropy_with_logits, [model(x) for x in data.X], data.y).backward()
    return model


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m nn.figures [DIR]``: the README's network picture, as SVG and PNG."""
    from autograd.draw.graph import write_drawing
    from autograd.draw.network import draw_network

    parser = argparse.ArgumentParser(
        prog="python -m nn.figures",
        description="Draw a deep sigmoid network's weights coloured by their gradients.")
    parser.add_argument("directory", nargs="?", default="notebooks/figures",
                        help="where to write network.svg and network.png")
    args = parser.parse_args(argv)
    graph = draw_network(deep_sigmoid_network())
    for kind in ("svg", "png"):
        if kind == "png":
            graph.attr(dpi="72")  # 1,300 px wide; more makes a PNG of a megabyte (the SVG scales)
        print(write_drawing(graph, Path(args.directory) / f"network.{kind}"))


if __name__ == "__main__":
    main()
