"""Train a model with one call: `fit` runs the epochs and returns a `History`.

`fit` shuffles the training set into mini-batches, averages the per-sample loss with
`nn.losses.cost`, backpropagates, steps the optimizer, and after each epoch records the
training and validation loss and metrics. A tqdm progress bar (terminal or Jupyter) shows
epoch, loss and metric. Ctrl-C stops after the current step and returns what was learnt.
When it pays, the steps run on programs traced once (`nn.compiled`) instead of on a
fresh Value graph per sample: the same numbers to rounding, several times faster (about
15 times at batches of 16 on moons).

    >>> from nn.layers import MLP
    >>> from nn.losses import binary_cross_entropy_with_logits
    >>> from nn.optim import Adam
    >>> from nn.data import moons
    >>> model = MLP(2, [8, 1], rng=0)
    >>> history = fit(model, binary_cross_entropy_with_logits, Adam(model.parameters(), 0.05),
    ...               moons(n=40), epochs=2, batch_size=10, progress=False)
    >>> len(history.train_loss)
    2
"""

from __future__ import annotations

import math
import random
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any

from autograd.context import no_grad
from autograd.value import Value
from nn import losses
from nn.callbacks import Callback, TrainingState
from nn.checks import int_at_least, number_at_least
from nn.compiled import ArrayTraining, compile_step, trains_on_arrays, use_compiled
from nn.data import Dataset, accuracy, batch_indices
from nn.history import History
from nn.optim import Optimizer
from nn.predict import as_floats, predict
from nn.preflight import check_callbacks, check_dataset, check_optimizer, logged_names

Metric = Callable[[Sequence[Any], Sequence[Any]], float]
METRICS: dict[str, Metric] = {"accuracy": accuracy}


def fit(
    model: Any,
    loss: Callable[[Any, Any], Value] | str,
    optimizer: Any,
    train: Dataset,
    val: Dataset | None = None,
    *,
    epochs: int = 100,
    batch_size: int = 32,
    metrics: Sequence[str | Metric] | Mapping[str, Metric] | None = None,
    seed: int = 0,
    progress: bool = True,
    callbacks: Sequence[Callback] = (),
    compiled: bool | str = "auto",
    l2: float = 0.0,
) -> History:
    """Train `model` on `train` for `epochs` epochs of mini-batches; return the `History`.

    `loss` is a per-sample loss from `nn.losses` (or its name); each batch minimises
    ``cost(loss, preds, targets)`` plus ``l2 * Σ p²`` when `l2` > 0. `metrics` are names
    ("accuracy") or functions ``(preds, targets) -> float``; by default accuracy for a
    classification set. `seed` fixes the batch order. `callbacks` (e.g.
    `nn.callbacks.EarlyStopping`, a schedule from `nn.schedules`) run after each step and
    epoch.

    `compiled`: False builds a Value graph per sample; True runs each batch on programs
    traced once and checked against eager (`nn.compiled.CompiledStep`), with the same
    parameters and history to rounding (the model and loss run only while tracing), and
    raises a ValueError naming the cause if tracing refuses the model or loss (it branches
    on a Value or on ``.data``). "auto", the default, compiles when it pays
    (`nn.compiled.use_compiled`: NumPy importable, batches of 2 or more, 128 samples or
    more in all) and trains eagerly, without an error, when tracing refuses.
    ``history.compiled`` says which path ran.

    Before the first step, fit checks all it can (`nn.preflight`): every sample of `train`
    and `val` (row lengths, finite numbers, labels in range), that `optimizer` holds the
    model's parameters, and that an `EarlyStopping` watches a number that will be logged.
    A failure raises, naming the sample, and nothing has changed.

    Ctrl-C (or a KeyboardInterrupt from a loss or callback) ends training cleanly: the
    parameters hold whole optimizer steps only, and the history of the finished epochs is
    returned with ``interrupted=True``.

        >>> from nn.layers import MLP; from nn.optim import SGD; from nn.data import sine
        >>> model = MLP(1, [8, 1], activation="tanh")
        >>> h = fit(model, "mse", SGD(model.parameters(), lr=0.1), sine(n=20), epochs=3,
        ...         progress=False)
        >>> h.train_loss[-1] < h.train_loss[0]
        True
    """
    loss_fn = _resolve_loss(loss, "fit")
    epochs = int_at_least("fit", "epochs", epochs, 1)
    batch_size = int_at_least("fit", "batch_size", batch_size, 1)
    l2 = number_at_least("fit", "l2", l2)
    # Everything is checked before the first step, so a bad run changes nothing.
    check_dataset(train, model, "train")
    if val is not None:
        check_dataset(val, model, "val")
    metric_fns = _resolve_metrics(metrics, train, "fit")
    check_optimizer(model, optimizer)
    check_callbacks(callbacks, logged_names(metric_fns, val is not None and len(val) > 0))
    wants_compiled = use_compiled(compiled, train, batch_size, epochs)
    params = model.parameters()
    history = History()
    state = TrainingState(model=model, optimizer=optimizer, history=history)
    rng = random.Random(seed)
    steps_per_epoch = math.ceil(len(train) / batch_size)
    bar = _progress_bar(progress, epochs * steps_per_epoch)
    shown: dict[str, str] = {}  # the bar's numbers; validation ones stay until the next epoch
    started = time.perf_counter()
    arrays: ArrayTraining | None = None
    for callback in callbacks:
        callback.on_train_begin(state)
    try:
        with _deferred_interrupt() as interrupt:
            if wants_compiled:
                bar.set_description("tracing", refresh=True)
            traced = compile_step(model, loss_fn, train, l2=l2, params=params,
                                  required=compiled is True) if wants_compiled else None
            history.compiled = traced is not None
            if traced is not None and trains_on_arrays(traced, optimizer):
                arrays = ArrayTraining(traced, optimizer)
            outputs = (arrays.predict if arrays is not None else
                       traced.predict if traced is not None else partial(predict, model))
            step = (partial(_train_step, model, loss_fn, params, l2) if traced is None
                    else partial(_compiled_train_step, traced, bool(metric_fns)))
            if arrays is not None:
                step = partial(_array_train_step, arrays, bool(metric_fns))
                inputs = _as_array(train.X)
            if interrupt.requested:  # Ctrl-C while tracing: stop before the first step
                raise KeyboardInterrupt
            looks = [c for c in callbacks if type(c).on_step_end is not Callback.on_step_end]
            for epoch in range(1, epochs + 1):
                bar.set_description(f"epoch {epoch}/{epochs}", refresh=False)
                total, count = 0.0, 0
                seen_preds: list[Any] = []
                seen_targets: list[Any] = []
                for chunk in batch_indices(len(train), batch_size, shuffle=True, seed=rng):
                    yb = [train.y[i] for i in chunk]
                    xb = inputs[chunk] if arrays is not None else [train.X[i] for i in chunk]
                    preds, batch_loss = step(optimizer, xb, yb)
                    state.step = history.steps = history.steps + 1
                    total, count = total + batch_loss * len(yb), count + len(yb)
                    if metric_fns:
                        seen_preds += preds
                        seen_targets += yb
                    state.logs = {"train_loss": batch_loss}
                    if looks and arrays is not None:
                        arrays.sync()  # a callback may look at the parameters
                    for callback in callbacks:
                        callback.on_step_end(state)
                    bar.update(1)
                    shown.update(_postfix(total / count, metric_fns, seen_preds, seen_targets))
                    bar.set_postfix(shown, refresh=False)
                    if interrupt.requested or state.stop_training:
                        break
                if interrupt.requested:
                    raise KeyboardInterrupt
                logs = _epoch_logs(total / count, metric_fns, seen_preds, seen_targets,
                                   outputs, loss_fn, val, optimizer)
                if arrays is not None:
                    arrays.sync()  # the end of an epoch: callbacks, checkpoints, plots
                history.record(epoch, logs)
                state.epoch, state.logs = epoch, logs
                shown = _epoch_postfix(logs)
                bar.set_postfix(shown, refresh=True)
                for callback in callbacks:
                    callback.on_epoch_end(state)
                if interrupt.requested:  # Ctrl-C during validation or a callback
                    raise KeyboardInterrupt
                if state.stop_training:
                    break
    except KeyboardInterrupt:
        history.interrupted = True
        state.stop_reason = state.stop_reason or "interrupted (Ctrl-C)"
    finally:
        if arrays is not None:
            arrays.sync()  # whole steps only: the arrays are swapped in after each step
        bar.close()
        history.seconds = time.perf_counter() - started
    history.stop_reason = state.stop_reason
    for callback in callbacks:
        callback.on_train_end(state)
    return history


def _train_step(
    model: Any, loss_fn: Callable[[Any, Any], Value], params: list[Value], l2: float,
    optimizer: Any, xb: list[list[float]], yb: list[Any],
) -> tuple[list[Any], float]:
    """One whole optimizer step on a batch; returns the predictions (as floats) and loss."""
    preds = [model(x) for x in xb]
    data_loss = losses.cost(loss_fn, preds, yb)
    objective = data_loss + losses.l2(params, alpha=l2) if l2 else data_loss
    for p in params:
        p.grad = 0.0
    optimizer.zero_grad()
    objective.backward()
    _atomic_step(optimizer)
    # Floats only, so the epoch's metrics do not keep every batch's graph alive.
    return [as_floats(p) for p in preds], data_loss.data


def _array_train_step(
    arrays: ArrayTraining, want_preds: bool, optimizer: Any, xb: Any, yb: list[Any],
) -> tuple[list[Any], float]:
    """`_train_step` with parameters, gradients and optimizer state in arrays."""
    preds = arrays.predict(xb) if want_preds else []
    return preds, arrays.step(xb, yb)


def _as_array(X: Any) -> Any:
    import numpy as np

    return np.asarray(X, dtype=float)


def _compiled_train_step(
    traced: Any, want_preds: bool, optimizer: Any, xb: list[list[float]],
    yb: list[Any],
) -> tuple[list[Any], float]:
    """`_train_step` on the traced programs; predictions only when metrics need them."""
    preds = traced.predict(xb) if want_preds else []
    optimizer.zero_grad()
    batch_loss = traced.backward(xb, yb)
    _atomic_step(optimizer)
    return preds, batch_loss


def _epoch_logs(
    train_loss: float, metric_fns: Mapping[str, Metric], preds: list[Any], targets: list[Any],
    outputs: Callable[[Sequence[Any]], list[Any]], loss_fn: Callable[[Any, Any], Value],
    val: Dataset | None, optimizer: Any,
) -> dict[str, float]:
    """One epoch's numbers: training loss and metrics, validation ones, and the lr."""
    logs = {"train_loss": train_loss}
    for name, fn in metric_fns.items():
        logs[f"train_{name}"] = fn(preds, targets)
    if val is not None and len(val):
        scores = _scores(loss_fn, outputs(val.X), val.y, metric_fns)
        for name, number in scores.items():
            logs[f"val_{name}"] = number
    logs["lr"] = getattr(optimizer, "lr", math.nan)
    return logs


def _atomic_step(optimizer: Any) -> None:
    """`optimizer.step()`, undone if interrupted half-way, so no update is half-applied.

    Copying the parameters and buffers costs one float per parameter and buffer, far
    less than the forward and backward passes of the step.
    """
    if not isinstance(optimizer, Optimizer):
        optimizer.step()  # another library's optimizer: nothing known to restore
        return
    params = optimizer.params
    datas = [p.data for p in params]
    steps, buffers = optimizer.steps, {k: list(v) for k, v in optimizer.buffers.items()}
    try:
        optimizer.step()
    except BaseException:  # a second Ctrl-C mid-step too: undo the half step, then re-raise
        for p, data in zip(params, datas):
            p.data = data
        optimizer.steps, optimizer.buffers = steps, buffers
        raise


def evaluate(
    model: Any,
    loss: Callable[[Any, Any], Value] | str,
    dataset: Dataset,
    metrics: Sequence[str | Metric] | Mapping[str, Metric] | None = None,
    *,
    compiled: bool = False,
) -> dict[str, float]:
    """The mean loss and each metric of `model` on `dataset`, computed under `no_grad()`.

    ``compiled=True`` computes the model's outputs with a traced forward pass (see
    `predict`); the loss on them is the same either way.

        >>> from nn.layers import MLP; from nn.data import moons
        >>> sorted(evaluate(MLP(2, [4, 1]), "bce_with_logits", moons(n=10)))
        ['accuracy', 'loss']
    """
    loss_fn = _resolve_loss(loss, "evaluate")
    metric_fns = _resolve_metrics(metrics, dataset, "evaluate")
    if not len(dataset):
        raise ValueError("evaluate: the dataset is empty; there is nothing to score.")
    return _scores(loss_fn, predict(model, dataset.X, compiled=compiled), dataset.y, metric_fns)


def _scores(loss_fn: Callable[[Any, Any], Value], preds: list[Any], targets: list[Any],
            metric_fns: Mapping[str, Metric]) -> dict[str, float]:
    # The loss of the outputs as fresh leaves: a small graph per sample whatever the
    # model's size, and the same numbers as the loss of the model's own output nodes.
    with no_grad():
        out = {"loss": losses.cost(loss_fn, [_as_values(p) for p in preds], targets).data}
    for name, fn in metric_fns.items():
        out[name] = fn(preds, targets)
    return out


def _as_values(pred: Any) -> Any:
    if isinstance(pred, list | tuple):
        return [_as_values(p) for p in pred]
    return pred if isinstance(pred, Value) else Value(pred)


def _resolve_loss(loss: Callable[[Any, Any], Value] | str,
                  where: str) -> Callable[[Any, Any], Value]:
    if isinstance(loss, str):
        if loss not in losses.LOSSES:
            raise ValueError(f"{where}: unknown loss {loss!r}; choose one of "
                             f"{sorted(losses.LOSSES)}.")
        return losses.LOSSES[loss]
    if not callable(loss):
        raise TypeError(f"{where}: loss must be a function or a name, got {type(loss).__name__}.")
    return loss


def _resolve_metrics(
    metrics: Sequence[str | Metric] | Mapping[str, Metric] | None, data: Dataset, where: str
) -> dict[str, Metric]:
    if metrics is None:
        return {"accuracy": accuracy} if data.num_classes else {}
    if isinstance(metrics, Mapping):
        return dict(metrics)
    resolved: dict[str, Metric] = {}
    for metric in metrics:
        if isinstance(metric, str):
            if metric not in METRICS:
                raise ValueError(
                    f"{where}: unknown metric {metric!r}; choose one of {sorted(METRICS)} "
                    "or pass a function (preds, targets) -> float."
                )
            resolved[metric] = METRICS[metric]
        elif callable(metric):
            resolved[getattr(metric, "__name__", f"metric{len(resolved)}")] = metric
        else:
            raise TypeError(f"{where}: a metric must be a name or a function, got {metric!r}.")
    return resolved


def _postfix(loss: float, metric_fns: Mapping[str, Metric], preds: list[Any],
             targets: list[Any]) -> dict[str, str]:
    shown = {"loss": f"{loss:.4f}"}
    if "accuracy" in metric_fns and preds:
        shown["acc"] = f"{100 * metric_fns['accuracy'](preds[-256:], targets[-256:]):.1f}%"
    return shown


def _epoch_postfix(logs: Mapping[str, float]) -> dict[str, str]:
    names = {"train_loss": "loss", "train_accuracy": "acc", "val_loss": "val_loss",
             "val_accuracy": "val_acc"}
    return {
        short: (f"{100 * logs[key]:.1f}%" if "accuracy" in key else f"{logs[key]:.4f}")
        for key, short in names.items() if key in logs
    }


class _Interrupt:
    requested = False


@contextmanager
def _deferred_interrupt() -> Iterator[_Interrupt]:
    """Turn the first Ctrl-C into a request to stop after the current step.

    Only in the main thread and only when Python's own SIGINT handler is in place (a
    host program's handler is left alone). A second Ctrl-C raises at once; `fit` then
    undoes any half-applied optimizer step.
    """
    flag = _Interrupt()
    usable = (threading.current_thread() is threading.main_thread()
              and signal.getsignal(signal.SIGINT) is signal.default_int_handler)
    if not usable:
        yield flag
        return

    def handler(signum: int, frame: Any) -> None:
        if flag.requested:
            raise KeyboardInterrupt
        flag.requested = True

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)


def _progress_bar(progress: bool, total: int) -> Any:
    # tqdm.auto picks the notebook widget in Jupyter and the text bar in a terminal; a
    # disabled bar accepts the same calls and prints nothing.
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="step", dynamic_ncols=True, leave=True, disable=not progress)
