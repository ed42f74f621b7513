"""The decision boundary is drawn from the model's own predictions, traced or not."""

import pytest

from autograd import Value
from nn.data import blobs, predicted_class
from nn.layers import MLP
from nn.plots import _grid_outputs, plot_decision_boundary
from nn.train import predict

GRID = [[x / 4, y / 4] for x in range(-8, 9) for y in range(-8, 9)]


def test_grid_outputs_equal_the_eager_predictions() -> None:
    model = MLP(2, [8, 3], rng=1)
    fast, eager = _grid_outputs(model, GRID), predict(model, GRID)
    assert [predicted_class(o) for o in fast] == [predicted_class(o) for o in eager]
    for a, b in zip(fast, eager):
        assert a == pytest.approx(b, rel=1e-12, abs=1e-12)


def test_a_model_the_tracer_refuses_is_drawn_point_by_point() -> None:
    model = MLP(2, [4, 1], rng=0)

    def branchy(x: list[float]) -> Value:
        out = model(x)
        return out if out > 0 else out * 0.5  # a Python branch on a Value

    assert _grid_outputs(branchy, GRID) == predict(branchy, GRID)
    ax = plot_decision_boundary(branchy, blobs(n=20, centers=2), steps=5)
    assert ax.collections
