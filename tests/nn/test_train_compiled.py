"""fit on traced programs (`nn.compiled`): the same training as eager, when it is chosen,
what happens when the tracer refuses, and Ctrl-C on the compiled path."""

import math
import os
import signal
import warnings
from typing import Any

import pytest

from autograd import Value
from autograd.compile.trace import TracerError
from nn.callbacks import Callback, TrainingState
from nn.compiled import CompiledStep, compile_step, compiled_predict, use_compiled
from nn.data import Dataset, blobs, moons, one_hot, sine, train_val_test_split
from nn.layers import MLP
from nn.losses import binary_cross_entropy_with_logits, cross_entropy, mse
from nn.optim import SGD, Adam
from nn.train import evaluate, fit, predict

BCE = binary_cross_entropy_with_logits


def small_moons() -> tuple[Dataset, Dataset, Dataset]:
    return train_val_test_split(moons(n=60, noise=0.1, seed=0), seed=0)


def train_both_ways(make_model: Any, loss: Any, train: Dataset, val: Dataset | None,
                    **options: Any) -> dict[bool | None, tuple[list[float], Any]]:
    """Parameters and history after `fit` eagerly (False) and compiled (True), and the
    parameters both started from (None)."""
    runs = {}
    start = [p.data for p in make_model().parameters()]
    for compiled in (False, True):
        model = make_model()
        assert [p.data for p in model.parameters()] == start  # the same start both ways
        history = fit(model, loss, Adam(model.parameters(), lr=0.02), train, val,
                      progress=False, compiled=compiled, **options)
        assert history.compiled is compiled
        runs[compiled] = ([p.data for p in model.parameters()], history)
    runs[None] = (start, None)
    return runs


def assert_same_training(runs: dict[bool | None, tuple[list[float], Any]]) -> None:
    (eager_params, eager), (compiled_params, compiled) = runs[False], runs[True]
    start = runs[None][0]
    assert max(abs(a - b) for a, b in zip(eager_params, start)) > 1e-3  # something was learnt
    assert max(abs(a - b) for a, b in zip(eager_params, compiled_params)) <= 1e-10
    assert eager.epochs == compiled.epochs and eager.steps == compiled.steps
    assert eager.records.keys() == compiled.records.keys()
    for key, numbers in eager.records.items():
        assert len(numbers) == len(compiled.records[key])
        assert all(abs(a - b) <= 1e-10 for a, b in zip(numbers, compiled.records[key])), key


def test_compiled_fit_matches_eager_on_moons_with_bce_with_logits() -> None:
    train, val, _ = train_val_test_split(moons(n=120, noise=0.1, seed=0), seed=0)
    runs = train_both_ways(lambda: MLP(2, [8, 8, 1], rng=0), BCE, train, val, epochs=2,
                           batch_size=10)
    assert_same_training(runs)
    assert runs[True][1].steps == 2 * math.ceil(len(train) / 10)


def test_compiled_fit_matches_eager_on_three_classes_with_cross_entropy() -> None:
    train, val, _ = train_val_test_split(blobs(n=90, centers=3, seed=1), seed=0)
    runs = train_both_ways(lambda: MLP(2, [8, 3], activation="tanh", rng=0), cross_entropy,
                           train, val, epochs=2, batch_size=8, l2=1e-3)
    assert_same_training(runs)


def test_compiled_fit_matches_eager_with_one_hot_targets_and_regression_targets() -> None:
    data = blobs(n=60, centers=3, seed=2)
    hot = Dataset(data.X, [one_hot(y, 3) for y in data.y], num_classes=3, name="one-hot")
    assert_same_training(train_both_ways(lambda: MLP(2, [6, 3], rng=0), cross_entropy, hot,
                                         None, epochs=2, batch_size=8))
    wave = sine(n=60, seed=0)
    assert_same_training(train_both_ways(lambda: MLP(1, [8, 1], activation="tanh", rng=0),
                                         mse, wave, None, epochs=2, batch_size=8))


def test_one_program_serves_every_label_and_every_regression_target() -> None:
    # Targets are inputs: a class index is traced as a one-hot vector, a real target as
    # itself, so a batch with every label is one call of one program.
    data = blobs(n=30, centers=3)
    labelled = CompiledStep(MLP(2, [4, 3], rng=0), cross_entropy, data)
    assert labelled.one_hot and labelled.loss_program.tape.n_inputs == 2 + 3
    assert labelled.encode(2) == [0.0, 0.0, 1.0]
    assert labelled.targets([2, 0]).tolist() == [[0.0, 1.0], [0.0, 0.0], [1.0, 0.0]]
    regression = CompiledStep(MLP(1, [4, 1], rng=0), mse, sine(n=30))
    assert not regression.one_hot and regression.loss_program.tape.n_inputs == 1 + 1


def test_compiled_step_sets_the_eager_gradient_including_the_l2_penalty() -> None:
    data = blobs(n=20, centers=3, seed=0)
    model = MLP(2, [5, 3], rng=0)
    step = CompiledStep(model, cross_entropy, data, l2=0.01)
    loss = step.backward(data.X, data.y)
    compiled_grads = [p.grad for p in model.parameters()]
    model.zero_grad()
    from nn.losses import cost, l2

    data_loss = cost(cross_entropy, [model(x) for x in data.X], data.y)
    (data_loss + l2(model, alpha=0.01)).backward()
    assert loss == pytest.approx(data_loss.data, rel=1e-12)
    assert compiled_grads == pytest.approx([p.grad for p in model.parameters()], rel=1e-12,
                                           abs=1e-15)


def test_auto_compiles_when_numpy_is_there_and_the_run_is_big_enough() -> None:
    train, _, _ = small_moons()  # 42 samples
    assert use_compiled("auto", train, batch_size=8, epochs=5)
    assert not use_compiled("auto", train, batch_size=1, epochs=50)  # nothing to batch
    assert not use_compiled("auto", train, batch_size=8, epochs=1)  # too little to repay
    model = MLP(2, [4, 1], rng=0)
    history = fit(model, BCE, SGD(model.parameters(), lr=0.1), train, epochs=5, batch_size=8,
                  progress=False)
    assert history.compiled


def branchy_loss(pred: Value, target: int) -> Value:
    """A loss with a Python branch on a Value: the tracer refuses it while tracing."""
    return BCE(pred * 2.0 if pred > 0 else pred * 0.5, target)


def data_branching_loss(pred: Value, target: int) -> Value:
    """The same branch read through .data, which the tracer cannot see: the check finds it."""
    return BCE(pred * 2.0 if pred.data > 0 else pred * 0.5, target)


def linear_model() -> MLP:
    # A linear score on moons takes both signs, so the branches above go both ways.
    return MLP(2, [1], activation="linear", rng=0)


@pytest.mark.parametrize("loss", [branchy_loss, data_branching_loss])
def test_auto_falls_back_to_eager_when_the_tracer_refuses_the_loss(loss: Any) -> None:
    train, val, _ = small_moons()
    results = []
    assert use_compiled("auto", train, batch_size=8, epochs=4)
    for compiled in ("auto", False):
        model = linear_model()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            history = fit(model, loss, SGD(model.parameters(), lr=0.1), train, val,
                          epochs=4, batch_size=8, progress=False, compiled=compiled)
        # The fallback is said, once, and only when auto had wanted to compile.
        said = [w for w in caught if "training eagerly" in str(w.message)]
        assert len(said) == (1 if compiled == "auto" else 0)
        assert not history.compiled and not history.interrupted
        results.append(([p.data for p in model.parameters()], history.records))
    assert results[0] == results[1]  # exactly the eager run


@pytest.mark.parametrize("loss, cause", [
    (branchy_loss, "TracerError: trace: branchy_loss(model(x), y) branched on a value"),
    (data_branching_loss, "TracerError: CompiledStep: the mean loss is "),
])
def test_explicit_compiled_with_an_untraceable_loss_raises_a_clear_error(
    loss: Any, cause: str,
) -> None:
    train, _, _ = small_moons()
    model = linear_model()
    before = [(p.data, p.grad) for p in model.parameters()]
    with pytest.raises(ValueError, match="fit: compiled=True cannot train this model") as info:
        fit(model, loss, SGD(model.parameters(), lr=0.1), train, epochs=2, batch_size=8,
            progress=False, compiled=True)
    assert cause in str(info.value) and "compiled=False" in str(info.value)
    assert isinstance(info.value.__cause__, TracerError)
    assert [(p.data, p.grad) for p in model.parameters()] == before


def test_compile_step_returns_none_for_auto_and_raises_when_required() -> None:
    train, _, _ = small_moons()
    model = linear_model()
    assert compile_step(model, data_branching_loss, train, required=False) is None
    with pytest.raises(ValueError, match="the mean loss is .* compiled but .* eager"):
        compile_step(model, data_branching_loss, train, required=True)


def test_compiled_evaluate_and_predict_equal_eager() -> None:
    data = blobs(n=50, centers=3, seed=0)
    model = MLP(2, [6, 3], rng=0)
    eager, compiled = evaluate(model, cross_entropy, data), evaluate(
        model, cross_entropy, data, compiled=True)
    assert compiled["loss"] == pytest.approx(eager["loss"], rel=1e-12)
    assert compiled["accuracy"] == eager["accuracy"]
    flat = [v for row in predict(model, data.X) for v in row]
    flat_compiled = [v for row in predict(model, data.X, compiled=True) for v in row]
    assert flat_compiled == pytest.approx(flat, rel=1e-12, abs=1e-15)


def test_compiled_predict_refuses_a_model_that_branches_on_data() -> None:
    net = MLP(1, [1], activation="linear", rng=0)

    def model(x: list[float]) -> Value:
        out = net(x)
        return out * 2.0 if out.data > 0 else out  # frozen by tracing

    inputs = [[-3.0 + 0.5 * i] for i in range(13)]
    with pytest.raises(TracerError, match="an output is .* compiled but .* eager"):
        compiled_predict(model, inputs)


class RecordParams(Callback):
    def __init__(self) -> None:
        self.after_step: list[list[float]] = []

    def on_step_end(self, state: TrainingState) -> None:
        self.after_step.append([p.data for p in state.model.parameters()])


class PressCtrlC(RecordParams):
    """Sends SIGINT (once or twice) while step `at`'s callbacks run."""

    def __init__(self, at: int, times: int) -> None:
        super().__init__()
        self.at, self.times = at, times

    def on_step_end(self, state: TrainingState) -> None:
        super().on_step_end(state)
        if state.step == self.at:
            for _ in range(self.times):
                os.kill(os.getpid(), signal.SIGINT)


def compiled_reference() -> list[list[float]]:
    train, _, _ = small_moons()
    model = MLP(2, [4, 1], rng=0)
    recorder = RecordParams()
    fit(model, BCE, SGD(model.parameters(), lr=0.1), train, epochs=2, batch_size=8,
        progress=False, callbacks=[recorder], compiled=True)
    return recorder.after_step


@pytest.mark.parametrize("presses", [1, 2])
def test_ctrl_c_on_the_compiled_path_keeps_whole_steps_and_restores_the_handler(
    presses: int,
) -> None:
    reference = compiled_reference()
    train, _, _ = small_moons()
    model = MLP(2, [4, 1], rng=0)
    handler_before = signal.getsignal(signal.SIGINT)
    # Step 4 is complete when its callbacks run: one press stops after them, a second
    # raises inside them; either way the parameters are those after step 4.
    history = fit(model, BCE, SGD(model.parameters(), lr=0.1), train, epochs=2, batch_size=8,
                  progress=False, callbacks=[PressCtrlC(at=4, times=presses)], compiled=True)
    assert history.compiled and history.interrupted and history.steps == 4
    assert [p.data for p in model.parameters()] == reference[3]
    assert signal.getsignal(signal.SIGINT) is handler_before


def test_keyboard_interrupt_while_tracing_returns_an_untouched_model() -> None:
    def interrupted_loss(pred: Value, target: int) -> Value:
        raise KeyboardInterrupt

    train, _, _ = small_moons()
    model = MLP(2, [4, 1], rng=0)
    before = [p.data for p in model.parameters()]
    history = fit(model, interrupted_loss, SGD(model.parameters(), lr=0.1), train, epochs=2,
                  batch_size=8, progress=False, compiled="auto")
    assert history.interrupted and history.steps == 0 and history.epochs == []
    assert [p.data for p in model.parameters()] == before


def test_ctrl_c_while_tracing_stops_before_the_first_step() -> None:
    pressed: list[bool] = []

    def loss_pressing_ctrl_c_once(pred: Value, target: int) -> Value:
        if not pressed:
            pressed.append(True)
            os.kill(os.getpid(), signal.SIGINT)
        return BCE(pred, target)

    train, _, _ = small_moons()
    model = MLP(2, [4, 1], rng=0)
    before = [p.data for p in model.parameters()]
    history = fit(model, loss_pressing_ctrl_c_once, SGD(model.parameters(), lr=0.1), train,
                  epochs=2, batch_size=8, progress=False, compiled=True)
    assert history.interrupted and history.steps == 0
    assert [p.data for p in model.parameters()] == before
