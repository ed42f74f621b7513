"""Bad training data and bad optimizers: refused before the first step, nothing changed.

Every case checks the error and that the model's parameters and gradients, the
optimizer's step count and buffers are what they were, and that training never began.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

from autograd import Value
from nn.callbacks import Callback, EarlyStopping, TrainingState
from nn.data import Dataset, moons, sine
from nn.layers import MLP
from nn.optim import SGD, Adam, Optimizer
from nn.train import fit

BOTH_PATHS = pytest.mark.parametrize("compiled", [False, True], ids=["eager", "compiled"])


def state_of(model: MLP, optimizer: Optimizer) -> tuple[Any, ...]:
    """Everything a failed call must leave as it was."""
    return ([p.data for p in model.parameters()], [p.grad for p in model.parameters()],
            optimizer.steps, {k: list(v) for k, v in optimizer.buffers.items()})


class Spy(Callback):
    """Records whether training began: a refusal must come before it."""

    def __init__(self) -> None:
        self.began = False

    def on_train_begin(self, state: TrainingState) -> None:
        self.began = True


def moons_with(index: int, x: Any = None, y: Any = None, n: int = 160) -> Dataset:
    """moons with sample `index` replaced: its row by `x`, or its label by `y`."""
    data = moons(n=n, seed=0)
    X, labels = [list(row) for row in data.X], list(data.y)
    if x is not None:
        X[index] = x
    if y is not None:
        labels[index] = y
    return Dataset(X, labels, data.num_classes, "moons")


BAD_TRAINING_SETS: dict[str, tuple[Callable[[], Dataset], type[Exception], str]] = {
    "short row": (lambda: moons_with(150, x=[0.5]), ValueError,
                  r"fit: train sample 150 has 1 features; sample 0 has 2"),
    "long row": (lambda: moons_with(151, x=[0.5, 0.1, 0.2]), ValueError,
                 r"fit: train sample 151 has 3 features; sample 0 has 2"),
    "string feature": (lambda: moons_with(152, x=[0.5, "0.1"]), TypeError,
                       r"fit: train sample 152: feature 1 is str '0\.1', not a number"),
    "None feature": (lambda: moons_with(17, x=[None, 0.1]), TypeError,
                     r"fit: train sample 17: feature 0 is NoneType None, not a number"),
    "bool feature": (lambda: moons_with(18, x=[True, 0.1]), TypeError,
                     r"fit: train sample 18: feature 0 is bool True, not a number"),
    "row is a string": (lambda: moons_with(19, x="ab"), TypeError,
                        r"fit: train sample 19 must be a list of numbers, got str"),
    "nan feature": (lambda: moons_with(153, x=[math.nan, 0.1]), ValueError,
                    r"fit: train sample 153: feature 0 is nan; every feature must be finite"),
    "inf feature": (lambda: moons_with(154, x=[0.2, -math.inf]), ValueError,
                    r"fit: train sample 154: feature 1 is -inf; every feature must be finite"),
    "label out of range": (lambda: moons_with(155, y=2), ValueError,
                           r"fit: train sample 155: label 2 is not a class of this set \(0 to 1"),
    "string label": (lambda: moons_with(156, y="1"), TypeError,
                     r"fit: train sample 156: target is str '1', not a number"),
    "fractional label": (lambda: moons_with(157, y=0.5), ValueError,
                         r"fit: train sample 157: label 0\.5 is not a class of this set"),
}


@BOTH_PATHS
@pytest.mark.parametrize("case", sorted(BAD_TRAINING_SETS))
def test_a_bad_sample_anywhere_is_refused_before_the_first_step(case: str, compiled: bool) -> None:
    make, error, message = BAD_TRAINING_SETS[case]
    model = MLP(2, [4, 1], rng=0)
    optimizer = Adam(model.parameters(), lr=0.1)
    before, spy = state_of(model, optimizer), Spy()
    with pytest.raises(error, match=message):
        fit(model, "bce_with_logits", optimizer, make(), epochs=2, batch_size=16,
            progress=False, compiled=compiled, callbacks=[spy])
    assert state_of(model, optimizer) == before
    assert not spy.began


def test_a_bad_validation_sample_is_refused_before_training_not_after_an_epoch() -> None:
    model = MLP(2, [4, 1], rng=0)
    optimizer = SGD(model.parameters(), lr=0.1)
    before = state_of(model, optimizer)
    with pytest.raises(ValueError, match=r"fit: val sample 3: feature 0 is nan"):
        fit(model, "bce_with_logits", optimizer, moons(n=40), moons_with(3, x=[math.nan, 0.0],
                                                                          n=20),
            epochs=1, progress=False)
    assert state_of(model, optimizer) == before


def test_a_regression_target_must_be_finite_and_rows_must_fit_the_model() -> None:
    model = MLP(1, [4, 1], rng=0)
    optimizer = SGD(model.parameters(), lr=0.1)
    before = state_of(model, optimizer)
    data = sine(n=30)
    data.y[29] = math.inf
    with pytest.raises(ValueError, match=r"fit: train sample 29: target inf is not finite"):
        fit(model, "mse", optimizer, data, epochs=1, progress=False)
    with pytest.raises(ValueError, match=r"fit: train samples have 2 features; the model "
                                         r"takes 1"):
        fit(model, "mse", optimizer, moons(n=20), epochs=1, progress=False)
    assert state_of(model, optimizer) == before


def test_a_class_index_beyond_the_models_outputs_is_refused_up_front() -> None:
    model = MLP(2, [4, 3], rng=0)  # three logits
    optimizer = SGD(model.parameters(), lr=0.1)
    before = state_of(model, optimizer)
    data = Dataset([[0.0, 1.0]] * 10, [0, 1, 2, 0, 1, 2, 0, 1, 2, 3])  # no num_classes
    with pytest.raises(ValueError, match=r"fit: train sample 9: class index 3 is out of range "
                                         r"for the model's 3 outputs"):
        fit(model, "cross_entropy", optimizer, data, epochs=1, progress=False)
    assert state_of(model, optimizer) == before


def test_training_data_that_is_not_a_dataset_is_a_type_error_naming_fit() -> None:
    model = MLP(2, [4, 1], rng=0)
    with pytest.raises(TypeError, match=r"fit: train must be an nn\.data\.Dataset, got list"):
        fit(model, "bce_with_logits", SGD(model.parameters(), lr=0.1),
            [([0.0, 1.0], 1)], epochs=1, progress=False)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"fit: val must be an nn\.data\.Dataset, got tuple"):
        fit(model, "bce_with_logits", SGD(model.parameters(), lr=0.1), moons(n=20),
            (1, 2), epochs=1, progress=False)  # type: ignore[arg-type]


def test_early_stopping_without_a_validation_set_is_refused_before_training() -> None:
    model = MLP(2, [4, 1], rng=0)
    optimizer = SGD(model.parameters(), lr=0.1)
    before, spy = state_of(model, optimizer), Spy()
    with pytest.raises(ValueError, match=r"EarlyStopping: 'val_loss' is not among the logged "
                                         r"numbers .*pass val=\.\.\. to fit"):
        fit(model, "bce_with_logits", optimizer, moons(n=40), epochs=3, progress=False,
            callbacks=[spy, EarlyStopping(patience=1)])
    assert state_of(model, optimizer) == before and not spy.began
    with pytest.raises(ValueError, match=r"EarlyStopping: 'val_acc' is not among"):
        fit(model, "bce_with_logits", optimizer, moons(n=40), moons(n=20, seed=1), epochs=3,
            progress=False, callbacks=[EarlyStopping(monitor="val_acc")])
    assert state_of(model, optimizer) == before


def test_an_optimizer_over_another_models_parameters_is_refused() -> None:
    model, other = MLP(2, [4, 1], rng=0), MLP(2, [4, 1], rng=1)
    optimizer = SGD(other.parameters(), lr=0.1)
    before, other_before = state_of(model, optimizer), [p.data for p in other.parameters()]
    with pytest.raises(ValueError, match=r"fit: the optimizer holds none of the model's 17 "
                                         r"parameters"):
        fit(model, "bce_with_logits", optimizer, moons(n=40), epochs=1, progress=False)
    assert state_of(model, optimizer) == before
    assert [p.data for p in other.parameters()] == other_before


def test_an_optimizer_over_part_of_the_model_still_trains_that_part() -> None:
    model = MLP(2, [4, 1], rng=0)
    frozen = [p.data for p in model.layers[0].parameters()]
    fit(model, "bce_with_logits", SGD(model.layers[1].parameters(), lr=0.1), moons(n=40),
        epochs=1, progress=False)
    assert [p.data for p in model.layers[0].parameters()] == frozen


def test_zero_eps_and_infinite_lr_are_refused_before_an_optimizer_exists() -> None:
    model = MLP(2, [4, 1], rng=0)
    before = [p.data for p in model.parameters()]
    for make in (lambda: Adam(model.parameters(), eps=0.0),
                 lambda: SGD(model.parameters(), lr=math.inf)):
        with pytest.raises(ValueError):
            make()
    assert [p.data for p in model.parameters()] == before


def test_an_update_that_fails_half_way_leaves_no_parameter_changed() -> None:
    params = [Value(1.0), Value(2.0), Value(3.0)]
    for p in params:
        p.grad = 1.0
    params[2].grad = None  # type: ignore[assignment]
    optimizer = Adam(params, lr=0.1)
    with pytest.raises(TypeError, match="Adam: parameter 2 has gradient None"):
        optimizer.step()
    assert [p.data for p in params] == [1.0, 2.0, 3.0]
    assert optimizer.steps == 0 and optimizer.buffers["exp_avg"] == [0.0, 0.0, 0.0]
