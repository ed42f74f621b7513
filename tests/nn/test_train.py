"""fit: learning, history, reproducibility, clean Ctrl-C, early stopping, schedules, plots.

Tests marked with ``compiled`` run on both paths (eager Value graphs and the traced
programs of `nn.compiled`); tests of the compiled path alone are in test_train_compiled.py.
"""

import math
import os
import signal
from collections.abc import Callable, Sequence
from typing import Any

import matplotlib
import pytest

matplotlib.use("Agg")  # tests draw without a display

import matplotlib.pyplot as plt  # noqa: E402

from autograd import Value  # noqa: E402
from autograd.context import is_grad_enabled  # noqa: E402
from nn.callbacks import Callback, EarlyStopping, TrainingState  # noqa: E402
from nn.data import Dataset, blobs, moons, sine, train_val_test_split  # noqa: E402
from nn.layers import MLP  # noqa: E402
from nn.losses import binary_cross_entropy_with_logits, cost, cross_entropy, mse  # noqa: E402
from nn.losses import l2 as l2_penalty  # noqa: E402
from nn.optim import SGD, Adam  # noqa: E402
from nn.plots import plot_decision_boundary, plot_history  # noqa: E402
from nn.schedules import StepLR  # noqa: E402
from nn.train import History, evaluate, fit, predict  # noqa: E402

BCE = binary_cross_entropy_with_logits


def small_moons() -> tuple[Dataset, Dataset, Dataset]:
    return train_val_test_split(moons(n=60, noise=0.1, seed=0), seed=0)


class RecordParams(Callback):
    """Snapshots of every parameter after each whole step."""

    def __init__(self) -> None:
        self.after_step: list[list[float]] = []

    def on_step_end(self, state: TrainingState) -> None:
        self.after_step.append([p.data for p in state.model.parameters()])


def reference_run(epochs: int = 2, batch_size: int = 8, compiled: bool = False,
                  **opt: Any) -> list[list[float]]:
    train, _, _ = small_moons()
    model = MLP(2, [4, 1], rng=0)
    recorder = RecordParams()
    fit(model, BCE, SGD(model.parameters(), lr=0.1, **opt), train, epochs=epochs,
        batch_size=batch_size, progress=False, callbacks=[recorder], compiled=compiled)
    return recorder.after_step


BOTH_PATHS = pytest.mark.parametrize("compiled", [False, True], ids=["eager", "compiled"])


def counting_loss(on_call: Callable[[int], None]) -> Callable[[Any, Any], Value]:
    calls = [0]

    def loss(pred: Any, target: Any) -> Value:
        calls[0] += 1
        on_call(calls[0])
        return BCE(pred, target)

    return loss


def test_moons_model_learns_with_fixed_seed() -> None:
    train, val, test = train_val_test_split(moons(n=120, noise=0.1, seed=0), seed=0)
    model = MLP(2, [12, 12, 1], rng=0)
    history = fit(model, BCE, Adam(model.parameters(), lr=0.03), train, val, epochs=25,
                  batch_size=16, progress=False)
    assert history.train_loss[-1] < 0.25 * history.train_loss[0]
    assert evaluate(model, BCE, test, ["accuracy"])["accuracy"] >= 0.9
    assert history["val_accuracy"][-1] >= 0.9


@BOTH_PATHS
def test_history_has_one_entry_per_epoch_for_every_record(compiled: bool) -> None:
    train, val, _ = small_moons()
    model = MLP(2, [4, 1], rng=0)
    history = fit(model, BCE, Adam(model.parameters(), lr=0.01), train, val, epochs=3,
                  batch_size=10, progress=False, compiled=compiled)
    assert history.compiled is compiled
    assert history.epochs == [1, 2, 3]
    assert set(history.records) == {"train_loss", "train_accuracy", "val_loss",
                                    "val_accuracy", "lr"}
    assert all(len(v) == 3 for v in history.records.values())
    assert history.steps == 3 * math.ceil(len(train) / 10)
    assert not history.interrupted and history.stop_reason is None
    # The recorded validation numbers are what evaluate() says about the final model.
    final = evaluate(model, BCE, val)
    assert history.val_loss[-1] == pytest.approx(final["loss"])
    assert history["val_accuracy"][-1] == final["accuracy"]


def test_regression_set_gets_no_accuracy_and_its_loss_falls() -> None:
    model = MLP(1, [8, 1], activation="tanh", rng=0)
    history = fit(model, mse, Adam(model.parameters(), lr=0.02), sine(n=40, seed=0),
                  epochs=15, batch_size=8, progress=False)
    assert "train_accuracy" not in history
    assert history.train_loss[-1] < history.train_loss[0]


def test_same_seed_same_parameters_other_seed_other_batch_order() -> None:
    def run(seed: int) -> list[float]:
        train, _, _ = small_moons()
        model = MLP(2, [4, 1], rng=0)
        fit(model, BCE, SGD(model.parameters(), lr=0.1), train, epochs=2, batch_size=8,
            seed=seed, progress=False)
        return [p.data for p in model.parameters()]

    assert run(1) == run(1)
    assert run(1) != run(2)


def test_one_full_batch_epoch_is_one_step_on_cost_plus_l2() -> None:
    train, _, _ = small_moons()
    alpha, lr = 0.01, 0.05
    model = MLP(2, [3, 1], rng=0)
    fit(model, BCE, SGD(model.parameters(), lr=lr), train, epochs=1, batch_size=len(train),
        progress=False, l2=alpha)
    by_hand = MLP(2, [3, 1], rng=0)
    objective = cost(BCE, [by_hand(x) for x in train.X], train.y) + l2_penalty(
        by_hand.parameters(), alpha=alpha)
    objective.backward()
    expected = [p.data - lr * p.grad for p in by_hand.parameters()]
    assert [p.data for p in model.parameters()] == pytest.approx(expected, abs=1e-12)


# The loss runs once per sample only on the eager path (the compiled one calls it while
# tracing), so the tests that interrupt from inside the loss train eagerly.
@pytest.mark.parametrize("stop_step", [1, 3, 6, 7])
def test_keyboard_interrupt_from_the_loss_keeps_only_whole_steps(stop_step: int) -> None:
    reference = reference_run()
    train, _, _ = small_moons()
    model = MLP(2, [4, 1], rng=0)
    before = [p.data for p in model.parameters()]
    batch_size, steps_per_epoch = 8, math.ceil(len(train) / 8)

    def maybe_interrupt(call: int) -> None:
        if call == (stop_step - 1) * batch_size + 1:  # first sample of step `stop_step`
            raise KeyboardInterrupt

    history = fit(model, counting_loss(maybe_interrupt), SGD(model.parameters(), lr=0.1),
                  train, epochs=2, batch_size=batch_size, progress=False, compiled=False)
    expected = reference[stop_step - 2] if stop_step > 1 else before
    assert [p.data for p in model.parameters()] == expected
    assert history.interrupted
    assert history.steps == stop_step - 1
    assert len(history.epochs) == (stop_step - 1) // steps_per_epoch


def test_ctrl_c_signal_stops_after_the_current_step_and_restores_the_handler() -> None:
    reference = reference_run()
    train, _, _ = small_moons()
    model = MLP(2, [4, 1], rng=0)
    stop_step, batch_size = 4, 8

    def press_ctrl_c(call: int) -> None:
        if call == (stop_step - 1) * batch_size + 1:
            os.kill(os.getpid(), signal.SIGINT)

    handler_before = signal.getsignal(signal.SIGINT)
    history = fit(model, counting_loss(press_ctrl_c), SGD(model.parameters(), lr=0.1), train,
                  epochs=2, batch_size=batch_size, progress=False, compiled=False)
    assert [p.data for p in model.parameters()] == reference[stop_step - 1]
    assert history.interrupted and history.steps == stop_step
    assert signal.getsignal(signal.SIGINT) is handler_before


def test_second_ctrl_c_stops_at_once_without_applying_the_step() -> None:
    reference = reference_run()
    train, _, _ = small_moons()
    model = MLP(2, [4, 1], rng=0)
    stop_step, batch_size = 5, 8

    def press_twice(call: int) -> None:
        if call == (stop_step - 1) * batch_size + 2:
            os.kill(os.getpid(), signal.SIGINT)
            os.kill(os.getpid(), signal.SIGINT)

    history = fit(model, counting_loss(press_twice), SGD(model.parameters(), lr=0.1), train,
                  epochs=2, batch_size=batch_size, progress=False, compiled=False)
    assert [p.data for p in model.parameters()] == reference[stop_step - 2]
    assert history.interrupted and history.steps == stop_step - 1


class InterruptedSGD(SGD):
    """Raises KeyboardInterrupt half-way through the parameter updates of one step."""

    def __init__(self, params: Any, explode_at: int, **kwargs: Any) -> None:
        super().__init__(params, **kwargs)
        self.explode_at = explode_at

    def _rule(self, x: Any, g: Any, buffers: dict[str, Any], i: Any, sqrt: Any) -> Any:
        # One entry at a time (eager), or the whole vector (compiled, on arrays), at once.
        if self.steps == self.explode_at and i in (len(self.params) // 2, slice(None)):
            raise KeyboardInterrupt
        return super()._rule(x, g, buffers, i, sqrt)


@BOTH_PATHS
def test_interrupt_inside_optimizer_step_leaves_no_half_applied_update(compiled: bool) -> None:
    reference = reference_run(momentum=0.9, compiled=compiled)
    train, _, _ = small_moons()
    model = MLP(2, [4, 1], rng=0)
    optimizer = InterruptedSGD(model.parameters(), explode_at=4, lr=0.1, momentum=0.9)
    history = fit(model, BCE, optimizer, train, epochs=2, batch_size=8, progress=False,
                  compiled=compiled)
    assert [p.data for p in model.parameters()] == reference[2]
    assert optimizer.steps == 3
    assert history.interrupted and history.steps == 3

    # The momentum buffers were rolled back too: finishing by hand matches the reference.
    twin = MLP(2, [4, 1], rng=0)
    twin_opt = SGD(twin.parameters(), lr=0.1, momentum=0.9)
    fit(twin, BCE, twin_opt, train, epochs=1, batch_size=8, progress=False,
        callbacks=[StopAfter(3)], compiled=compiled)
    assert optimizer.buffers == twin_opt.buffers


class StopAfter(Callback):
    def __init__(self, steps: int) -> None:
        self.steps = steps

    def on_step_end(self, state: TrainingState) -> None:
        if state.step == self.steps:
            state.stop_training = True


@BOTH_PATHS
def test_early_stopping_stops_when_val_loss_stalls(compiled: bool) -> None:
    train, val, _ = small_moons()
    model = MLP(2, [4, 1], rng=0)
    stop = EarlyStopping(patience=2)
    # lr = 0: nothing changes, so the first epoch stays the best one.
    history = fit(model, BCE, SGD(model.parameters(), lr=0.0), train, val, epochs=50,
                  batch_size=16, progress=False, callbacks=[stop], compiled=compiled)
    assert history.epochs == [1, 2, 3]
    assert history.stop_reason is not None and "early stopping" in history.stop_reason
    assert not history.interrupted


@BOTH_PATHS
def test_early_stopping_restores_the_best_epochs_parameters(compiled: bool) -> None:
    class Snapshots(Callback):
        def __init__(self) -> None:
            self.per_epoch: list[list[float]] = []

        def on_epoch_end(self, state: TrainingState) -> None:
            self.per_epoch.append([p.data for p in state.model.parameters()])

    train, val, _ = small_moons()
    model = MLP(2, [6, 1], rng=0)
    snaps = Snapshots()
    history = fit(model, BCE, SGD(model.parameters(), lr=1.5, momentum=0.9), train, val,
                  epochs=8, batch_size=8, progress=False,
                  callbacks=[snaps, EarlyStopping(patience=100)], compiled=compiled)
    best = min(range(len(history.val_loss)), key=history.val_loss.__getitem__)
    assert [p.data for p in model.parameters()] == snaps.per_epoch[best]


def test_early_stopping_without_validation_data_says_what_to_do() -> None:
    train, _, _ = small_moons()
    model = MLP(2, [4, 1], rng=0)
    with pytest.raises(ValueError, match="EarlyStopping: 'val_loss' is not among"):
        fit(model, BCE, SGD(model.parameters(), lr=0.1), train, epochs=2, progress=False,
            callbacks=[EarlyStopping()])


@BOTH_PATHS
def test_schedule_as_callback_sets_the_lr_of_each_epoch(compiled: bool) -> None:
    train, _, _ = small_moons()
    model = MLP(2, [4, 1], rng=0)
    optimizer = SGD(model.parameters(), lr=0.4)
    history = fit(model, BCE, optimizer, train, epochs=5, batch_size=16, progress=False,
                  callbacks=[StepLR(optimizer, step_size=2, gamma=0.5)], compiled=compiled)
    assert history["lr"] == [0.4, 0.4, 0.2, 0.2, 0.1]


@BOTH_PATHS
def test_custom_metric_function_is_recorded_for_train_and_val(compiled: bool) -> None:
    def positive_rate(preds: Sequence[Any], targets: Sequence[Any]) -> float:
        return sum(p > 0 for p in preds) / len(preds)

    train, val, _ = small_moons()
    model = MLP(2, [4, 1], rng=0)
    history = fit(model, BCE, SGD(model.parameters(), lr=0.1), train, val, epochs=2,
                  progress=False, metrics=[positive_rate], compiled=compiled)
    assert len(history["train_positive_rate"]) == len(history["val_positive_rate"]) == 2
    # The last epoch's validation number is the metric on the final model's predictions.
    assert history["val_positive_rate"][-1] == positive_rate(predict(model, val.X), val.y)


@pytest.mark.parametrize(
    "kwargs, message",
    [({"epochs": 0}, "fit: epochs must be an int >= 1, got 0"),
     ({"batch_size": -1}, "fit: batch_size must be an int >= 1, got -1"),
     ({"l2": -0.1}, "fit: l2 must be a number >= 0"),
     ({"metrics": ["f1"]}, "fit: unknown metric 'f1'"),
     ({"compiled": "yes"}, "fit: compiled must be True, False or 'auto', got 'yes'")],
)
def test_bad_fit_arguments_raise_value_error(kwargs: dict[str, Any], message: str) -> None:
    train, _, _ = small_moons()
    model = MLP(2, [4, 1], rng=0)
    with pytest.raises(ValueError, match=message):
        fit(model, BCE, SGD(model.parameters(), lr=0.1), train, progress=False, **kwargs)


@BOTH_PATHS
def test_progress_bar_shows_epoch_loss_and_accuracy_and_can_be_turned_off(
    compiled: bool, capsys: pytest.CaptureFixture[str],
) -> None:
    train, val, _ = small_moons()
    model = MLP(2, [4, 1], rng=0)
    fit(model, BCE, SGD(model.parameters(), lr=0.1), train, val, epochs=2, batch_size=8,
        compiled=compiled)
    err = capsys.readouterr().err
    assert "epoch 2/2" in err and "loss=" in err and "acc=" in err and "val_acc=" in err
    fit(model, BCE, SGD(model.parameters(), lr=0.1), train, epochs=2, progress=False,
        compiled=compiled)
    assert capsys.readouterr() == ("", "")


def test_evaluate_and_predict_record_no_graph() -> None:
    seen: list[bool] = []
    model = MLP(2, [3, 2], rng=0)

    def spy(x: list[float]) -> Any:
        seen.append(is_grad_enabled())
        return model(x)

    ds = blobs(n=12, centers=2, seed=0)
    spy.parameters = model.parameters  # type: ignore[attr-defined]
    evaluate(spy, cross_entropy, ds)
    outputs = predict(spy, ds.X)
    assert seen and not any(seen)
    assert all(isinstance(o, list) and all(isinstance(v, float) for v in o) for o in outputs)


def test_history_plot_draws_loss_and_metric_panels() -> None:
    history = History()
    for epoch, (loss, acc) in enumerate([(0.7, 0.5), (0.4, 0.8), (0.2, 0.9)], start=1):
        history.record(epoch, {"train_loss": loss, "val_loss": loss + 0.05,
                               "train_accuracy": acc, "lr": 0.1})
    ax = history.plot()
    loss_ax, metric_ax = ax.figure.axes
    assert ax is loss_ax
    assert [line.get_label() for line in loss_ax.lines] == [
        "train loss (mean during the epoch)", "val loss (after the epoch)"]
    assert list(loss_ax.lines[0].get_ydata()) == [0.7, 0.4, 0.2]
    assert [line.get_label() for line in metric_ax.lines] == [
        "train accuracy (mean during the epoch)"]
    plt.close(ax.figure)


def test_decision_boundary_traces_the_model_once_instead_of_a_graph_per_point() -> None:
    calls: list[bool] = []
    model = MLP(2, [4, 3], rng=0)

    def spy(x: list[float]) -> Any:
        calls.append(is_grad_enabled())
        return model(x)

    ax = plot_decision_boundary(spy, blobs(n=30, seed=0), steps=12)
    assert 0 < len(calls) < 12 * 12  # one trace, and a few points checked against it
    assert ax.collections
    plt.close(ax.figure)


def test_decision_boundary_of_an_untraceable_model_records_no_graph_per_point() -> None:
    calls: list[bool] = []
    model = MLP(2, [4, 1], rng=0)

    def spy(x: list[float]) -> Any:
        calls.append(is_grad_enabled())
        out = model(x)
        return out if out > 0 else out * 0.5  # a branch on a Value: the tracer refuses

    ax = plot_decision_boundary(spy, blobs(n=30, centers=2, seed=0), steps=12)
    assert len(calls) >= 12 * 12 and not any(calls[-12 * 12:])  # then every point eagerly
    assert ax.collections  # the filled regions and the scattered points
    plt.close(ax.figure)


def test_decision_boundary_refuses_inputs_that_are_not_two_dimensional() -> None:
    with pytest.raises(ValueError, match="needs 2-D inputs, but the dataset has 1 features"):
        plot_decision_boundary(MLP(1, [2, 1]), sine(n=5))


def test_plot_history_on_given_axes_returns_them() -> None:
    fig, ax = plt.subplots()
    history = History()
    history.record(1, {"train_loss": 1.0})
    assert plot_history(history, ax=ax) is ax
    plt.close(fig)


@BOTH_PATHS
def test_predict_on_no_inputs_is_empty_and_evaluate_says_the_set_is_empty(compiled: bool) -> None:
    train, _, _ = small_moons()
    model = MLP(2, [4, 1], rng=0)
    assert predict(model, [], compiled=compiled) == []
    with pytest.raises(ValueError, match="evaluate: the dataset is empty"):
        evaluate(model, BCE, train.subset([]), compiled=compiled)


def test_evaluate_names_itself_when_the_loss_is_unknown() -> None:
    train, _, _ = small_moons()
    with pytest.raises(ValueError, match="^evaluate: unknown loss 'nope'"):
        evaluate(MLP(2, [4, 1], rng=0), "nope", train)
