"""Pictures of training with matplotlib: loss curves and 2-D decision boundaries.

matplotlib is the optional `plots` extra and is imported only when a function here runs.
Each function draws on the Axes you pass, or on a new pyplot figure (shown inline in
Jupyter), and returns the matplotlib Figure.

    >>> from nn.layers import MLP
    >>> from nn.data import moons
    >>> fig = plot_decision_boundary(MLP(2, [8, 1]), moons(n=50), steps=20)
    >>> fig.savefig("boundary.png")                                    # doctest: +SKIP
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


def plot_history(history: Any, ax: Any = None) -> Any:
    """Training and validation loss per epoch; metrics (accuracy) on a second panel.

    `ax` is None (a new figure with one or two panels), one Axes (losses only), or a pair
    of Axes (losses, metrics).

        >>> from nn.train import History
        >>> h = History(); h.record(1, {"train_loss": 0.7}); h.record(2, {"train_loss": 0.4})
        >>> plot_history(h).axes[0].get_ylabel()
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
    epochs = history.epochs
    loss_ax = axes[0]
    for key, style in (("train_loss", "-"), ("val_loss", "--")):
        if records.get(key):
            loss_ax.plot(epochs, records[key], style, label=key.replace("_", " "))
    loss_ax.set_xlabel("epoch")
    loss_ax.set_ylabel("loss")
    loss_ax.set_title("loss")
    if records.get("train_loss") and min(records["train_loss"]) > 0:
        loss_ax.set_yscale("log")
    loss_ax.legend()
    loss_ax.grid(True, alpha=0.3)
    if len(axes) > 1 and metric_keys:
        metric_ax = axes[1]
        for key in metric_keys:
            style = "--" if key.startswith("val_") else "-"
            metric_ax.plot(epochs, records[key], style, label=key.replace("_", " "))
        metric_ax.set_xlabel("epoch")
        metric_ax.set_title("metrics")
        metric_ax.legend()
        metric_ax.grid(True, alpha=0.3)
    return loss_ax.figure


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
    ax.scatter(xs, ys, c=[int(y) for y in dataset.y], cmap=cmap, vmin=0, vmax=cmap.N - 1,
               s=14, edgecolors="k", linewidths=0.4)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_title(f"decision boundary{' on ' + dataset.name if dataset.name else ''}")
    return ax.figure


def _grid_outputs(model: Any, grid: list[list[float]]) -> list[Any]:
    # Thousands of grid points: one traced forward pass on NumPy is about a hundred times
    # faster than a graph per point; a model the tracer refuses (or no NumPy) runs eagerly.
    from autograd.compile.program import TracerError

    try:
        return predict(model, grid, compiled=True)
    except (ImportError, TracerError):
        return predict(model, grid)
