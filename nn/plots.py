"""Pictures of training with matplotlib: loss curves and 2-D decision boundaries.

matplotlib is the optional `plots` extra and is imported only when a function here runs.
Each function draws on the Axes you pass, or on a new pyplot figure (shown inline in
Jupyter), and returns the Axes it drew on, as pandas' plots do. Not the Figure: Jupyter
shows a cell's last value, and a Figure there is shown a second time after pyplot's own.
(`nn.figures` holds the classifier pictures: confusion matrix, misread digits.)

    >>> from nn.layers import MLP
    >>> from nn.data import moons
    >>> ax = plot_decision_boundary(MLP(2, [8, 1]), moons(n=50), steps=20)
    >>> ax.figure.savefig("boundary.png")                              # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nn.checks import int_at_least
from nn.data import Dataset, predicted_class
from nn.predict import predict


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(
            "nn.plots: needs matplotlib; install it with pip install 'chainrule[plots]'."
        ) from None
    return plt


# How each curve was measured (see `nn.history.History`): the training numbers of epoch k
# are averaged over pass k, while the weights change; the validation ones come after it.
_WHEN = {"train": "mean during the epoch", "val": "after the epoch"}
EPOCH_AXIS = "epoch (passes over the training data)"


def plot_history(history: Any, ax: Any = None) -> Any:
    """Training and validation loss per epoch; metrics (accuracy) on a second panel.

    Epoch k is after k passes over the training data (see `nn.history.History`). `ax` is
    None (a new figure with one or two panels), one Axes (losses only), or a pair of Axes
    (losses, metrics). Returns the losses' Axes; its ``.figure`` holds both panels.

        >>> from nn.train import History
        >>> h = History(); h.record(1, {"train_loss": 0.7}); h.record(2, {"train_loss": 0.4})
        >>> plot_history(h).get_ylabel()
        'loss'
    """
    records = history.records
    metric_keys = [k for k in records if k not in ("train_loss", "val_loss", "lr")]
    if ax is None:
        panels = 2 if metric_keys else 1
        fig, made = _pyplot().subplots(1, panels, figsize=(5.5 * panels, 4), squeeze=False)
        axes = list(made[0])
    elif isinstance(ax, Sequence):
        axes = list(ax)
    else:
        axes = [ax]
    loss_ax = axes[0]
    for key, style in (("train_loss", "-"), ("val_loss", "--")):
        if records.get(key):
            loss_ax.plot(*history.series(key), style, marker=".", label=_curve_label(key))
    train_loss = records.get("train_loss")
    if train_loss and min(train_loss) > 0 and max(train_loss) > 10 * min(train_loss):
        loss_ax.set_yscale("log")  # a loss falling by decades; a narrow range stays linear
    _label_epochs(loss_ax, "loss", "loss")
    if len(axes) > 1 and metric_keys:
        metric_ax = axes[1]
        for key in metric_keys:
            style = "--" if key.startswith("val_") else "-"
            metric_ax.plot(*history.series(key), style, marker=".", label=_curve_label(key))
        names = sorted({key.split("_", 1)[-1] for key in metric_keys})
        _label_epochs(metric_ax, ", ".join(names), ", ".join(names))
    return loss_ax


def _curve_label(key: str) -> str:
    """``val_loss`` → ``val loss (after the epoch)``."""
    split, _, name = key.partition("_")
    when = _WHEN.get(split)
    return f"{split} {name} ({when})" if when else key.replace("_", " ")


def _label_epochs(ax: Any, ylabel: str, title: str) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.set_xlabel(EPOCH_AXIS)
    ax.set_xlim(left=0)  # epoch 0 is before training: the first pass ends at 1
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # no epoch 1.5
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    ax.grid(True, alpha=0.3)


def plot_decision_boundary(
    model: Any, dataset: Dataset, ax: Any = None, steps: int = 60, threshold: float = 0.0,
    margin: float = 0.25,
) -> Any:
    """Colour the plane by the class a 2-D classifier predicts, with the data on top.

    The model runs on a `steps` × `steps` grid covering the data (plus `margin`), as one
    traced forward pass when it can (`nn.predict.predict`), else point by point. One output
    is a score (class 1 above `threshold`: 0 for logits, 0.5 for
    probabilities); several outputs pick the argmax.

        >>> from nn.layers import MLP; from nn.data import blobs
        >>> fig = plot_decision_boundary(MLP(2, [4, 3]), blobs(n=30), steps=10)
    """
    if dataset.num_features != 2:
        raise ValueError(
            f"plot_decision_boundary: needs 2-D inputs, but the dataset has "
            f"{dataset.num_features} features per sample."
        )
    int_at_least("plot_decision_boundary", "steps", steps, 2)
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 5))
    xs = [x[0] for x in dataset.X]
    ys = [x[1] for x in dataset.X]
    x0, x1 = min(xs) - margin, max(xs) + margin
    y0, y1 = min(ys) - margin, max(ys) + margin
    grid_x = [x0 + (x1 - x0) * i / (steps - 1) for i in range(steps)]
    grid_y = [y0 + (y1 - y0) * j / (steps - 1) for j in range(steps)]
    classes = dataset.num_classes or 2
    outs = _grid_outputs(model, [[gx, gy] for gy in grid_y for gx in grid_x])
    classes_at = [predicted_class(out, threshold) for out in outs]
    predicted = [classes_at[j * steps:(j + 1) * steps] for j in range(steps)]
    cmap = plt.get_cmap("tab10" if classes <= 10 else "tab20")
    levels = [k - 0.5 for k in range(classes + 1)]
    ax.contourf(grid_x, grid_y, predicted, levels=levels, cmap=cmap, vmin=0, vmax=cmap.N - 1,
                alpha=0.3)
    labels = [int(y) for y in dataset.y]
    for k in sorted(set(labels)):  # one series per class, so the legend names them
        ax.scatter([x for x, c in zip(xs, labels) if c == k],
                   [y for y, c in zip(ys, labels) if c == k], color=cmap(k), s=14,
                   edgecolors="k", linewidths=0.4, label=f"class {k}")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("x[0]")
    ax.set_ylabel("x[1]")
    ax.legend(loc="best", fontsize=8, framealpha=0.8)
    ax.set_title(f"decision boundary{' on ' + dataset.name if dataset.name else ''}")
    return ax


def _grid_outputs(model: Any, grid: list[list[float]]) -> list[Any]:
    # Thousands of grid points: one traced forward pass on NumPy is about a hundred times
    # faster than a graph per point; a model the tracer refuses (or no NumPy) runs eagerly.
    from autograd.compile.program import TracerError

    try:
        return predict(model, grid, compiled=True)
    except (ImportError, TracerError):
        return predict(model, grid)
