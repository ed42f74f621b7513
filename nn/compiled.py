"""Train on one traced program instead of fresh Value graphs: the step behind `fit(compiled=...)`.

`CompiledStep(model, loss_fn, train)` traces the per-sample loss once, with the target as
an input (a class index becomes a one-hot vector, so one program serves every label),
checks it against eager execution on a few training samples, and then runs whole
mini-batches as its lowered tensor program (`autograd.compile.lower`): each layer one
matrix product. Two ways to use it:

- `backward(xb, yb)` sets every parameter's ``.grad`` to what eager
  ``cost(loss_fn, preds, targets).backward()`` gives (to rounding), so any optimizer
  works unchanged;
- `ArrayTraining` keeps the parameters, gradients and an `nn.optim` optimizer's state in
  arrays while `fit` trains, and runs the update on arrays with the optimizer's own
  arithmetic (`Optimizer.step_arrays`); the Values are written back (`sync`) whenever a
  user can look.

    >>> from nn.data import blobs
    >>> from nn.layers import MLP
    >>> from nn.losses import cross_entropy
    >>> data = blobs(n=30, seed=0)
    >>> model = MLP(2, [8, 3], rng=0)
    >>> step = CompiledStep(model, cross_entropy, data)
    >>> loss = step.backward(data.X[:10], data.y[:10])   # mean loss; .grad is filled
    >>> len(step.predict(data.X[:4])), len(step.predict(data.X[:4])[0])
    (4, 3)

`use_compiled(compiled, train, batch_size, epochs)` is the rule `fit(compiled="auto")`
follows, and `compile_step` what it does when tracing refuses; `compiled_predict(model,
X)` is the traced forward pass alone. Tracing is strict, so a model or loss that compares
Values is refused at once; one that branches on ``.data`` is caught by the check
against eager execution.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable, Sequence
from importlib.util import find_spec
from typing import Any

from autograd.compile.trace import TracerError, trace
from autograd.context import no_grad
from autograd.value import Value
from nn import losses
from nn.data import Dataset

# Below this many samples in a whole run, tracing does not pay for itself.
AUTO_MIN_SAMPLES = 128
# The program is checked against eager execution on training samples other than the one
# it was traced on (that one matches by construction): each costs an eager forward and
# backward, about what tracing the whole model costs, so one sample from the middle.
CHECK_SAMPLES = 1
# A forward pass alone is cheap beside the thousands of inputs `compiled_predict` serves.
PREDICT_CHECK_SAMPLES = 8
# The batched forward pass holds O(chunk x layer width) numbers; chunks bound it.
PREDICT_CHUNK = 4096
# What tracing a model and loss raises when it refuses them: a branch on a Value
# (TracerError), a loss that cannot take its target as a Value (TypeError, ValueError).
REFUSALS = (TracerError, TypeError, ValueError)


def use_compiled(compiled: bool | str, train: Dataset, batch_size: int, epochs: int) -> bool:
    """Whether `fit` should train on a traced program: `compiled`, with "auto" decided here.

    "auto" means yes when NumPy is importable, batches hold at least 2 samples and the
    run sees at least `AUTO_MIN_SAMPLES` samples in all (``epochs * len(train)``).

        >>> from nn.data import moons
        >>> use_compiled("auto", moons(n=100), batch_size=1, epochs=10)
        False
        >>> use_compiled(True, moons(n=100), batch_size=1, epochs=10)
        True
    """
    if compiled is True or compiled is False:
        return compiled
    if compiled != "auto":
        raise ValueError(f"fit: compiled must be True, False or 'auto', got {compiled!r}.")
    return (find_spec("numpy") is not None and min(batch_size, len(train)) >= 2
            and epochs * len(train) >= AUTO_MIN_SAMPLES)


def compile_step(model: Any, loss_fn: Callable[[Any, Any], Value], train: Dataset, *,
                 l2: float = 0.0, params: Sequence[Value] | None = None,
                 required: bool = True) -> CompiledStep | None:
    """A `CompiledStep`, or None (with a warning saying why) when tracing refuses the
    model or loss and `required` is False: `fit` then trains eagerly.

    With `required`, a refusal is a ValueError that names its cause.

        >>> import warnings
        >>> from nn.data import moons; from nn.layers import MLP
        >>> from nn.losses import binary_cross_entropy_with_logits as bce
        >>> def branchy(pred, y):                   # a Python branch on a Value
        ...     return bce(pred, y) if pred > 0 else bce(-pred, 1 - y)
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     compile_step(MLP(2, [4, 1]), branchy, moons(n=20), required=False) is None
        True
    """
    try:
        return CompiledStep(model, loss_fn, train, l2=l2, params=params)
    except REFUSALS as error:
        cause = f"{type(error).__name__}: {error}"
        if not required:
            warnings.warn(f"fit: training eagerly (slower): tracing refused this model and "
                          f"loss: {cause}", RuntimeWarning, stacklevel=3)
            return None
        raise ValueError(
            f"fit: compiled=True cannot train this model and loss on a traced program: "
            f"{cause} Use compiled=False (or 'auto', which falls back to eager training "
            "by itself)."
        ) from error


def compiled_predict(model: Any, X: Sequence[Any]) -> list[Any]:
    """The model's outputs for each input, as floats, from one traced forward pass.

    The same as `nn.predict.predict` to rounding; raises `TracerError` when the traced
    program disagrees with eager execution on a few of the inputs.

        >>> from nn.layers import MLP
        >>> compiled_predict(MLP(2, [3, 1], rng=0), [[0.0, 0.0], [1.0, 2.0]])[0]
        0.0
    """
    if not len(X):
        return []
    program = trace(model, _row(X[0]), strict=True)
    rows = _spread(len(X), PREDICT_CHECK_SAMPLES)
    with no_grad():
        eager = [_floats(model(_row(X[i]))) for i in rows]
    sample = [X[i] for i in rows]
    _compare("an output", _flat(eager), _flat(_forward(program, sample, None)), rows)
    return _forward(program, X, None)


class CompiledStep:
    """The traced loss and forward pass of `model`, checked against eager on `train`.

    One program for the loss, whatever the labels: targets are inputs (`encode`).
    `backward(xb, yb)` zeroes the parameters' ``.grad``, fills it with the gradient of
    the batch's mean loss (plus ``l2 * Σ p²``) and returns the mean loss without the
    penalty; `predict(X)` returns the outputs as floats. Construction raises
    `TracerError` (or the model's own error) when the program cannot stand in for the
    eager computation.
    """

    def __init__(self, model: Any, loss_fn: Callable[[Any, Any], Value], train: Dataset, *,
                 l2: float = 0.0, params: Sequence[Value] | None = None) -> None:
        if not isinstance(train, Dataset) or len(train) == 0:
            raise ValueError("CompiledStep: train must be a non-empty nn.data.Dataset.")
        self.model = model
        self.loss_fn = loss_fn
        self.params = list(model.parameters() if params is None else params)
        x0 = _row(train.X[0])
        with no_grad():
            out = model(x0)
        self.n_outputs = len(out) if isinstance(out, list | tuple) else 1
        self.one_hot = self.n_outputs > 1 and all(_is_label(y) for y in train.y)

        def per_sample(x: Any, t: Any) -> list[Any]:
            out = model(x)
            return [loss_fn(out, t), *(out if isinstance(out, list | tuple) else [out])]

        # The tracer's messages name the function: say which loss it is.
        per_sample.__name__ = f"{getattr(loss_fn, '__name__', 'loss')}(model(x), y)"
        # One trace for both: output 0 is the loss (what backward seeds), the others are
        # the model's outputs (what predict reads, with the targets left at zero).
        self.loss_program = trace(per_sample, x0, self.encode(train.y[0]), strict=True,
                                  params=self.params)
        self.penalty = (trace(lambda: losses.l2(self.params, alpha=l2), strict=True,
                              params=self.params).program_for() if l2 else None)
        self._check(train)

    def encode(self, y: Any) -> Any:
        """A target as the traced program takes it: a one-hot list for a class index
        (when the model has several outputs), else the target itself."""
        if not self.one_hot:
            return y
        if not 0 <= y < self.n_outputs:
            raise ValueError(f"CompiledStep: class index {y!r} is out of range for a model "
                             f"with {self.n_outputs} outputs.")
        return [1.0 if k == y else 0.0 for k in range(self.n_outputs)]

    def targets(self, yb: Sequence[Any]) -> Any:
        """A batch of targets as an array, one row per target number, one column per sample."""
        import numpy as np

        if self.one_hot:
            labels = np.asarray(yb, dtype=np.intp)
            if labels.size and (labels.min() < 0 or labels.max() >= self.n_outputs):
                bad = labels[(labels < 0) | (labels >= self.n_outputs)][0]
                raise ValueError(f"CompiledStep: class index {bad!r} is out of range for a "
                                 f"model with {self.n_outputs} outputs.")
            onehot = np.zeros((self.n_outputs, len(labels)))
            onehot[labels, np.arange(len(labels))] = 1.0
            return onehot
        return np.asarray(yb, dtype=float).reshape(len(yb), -1).T

    def matrix(self, xb: Any, yb: Sequence[Any]) -> Any:
        """The loss program's input matrix for a batch: inputs, then targets, as rows."""
        import numpy as np

        inputs = np.asarray(xb, dtype=float).reshape(len(yb), -1).T
        return np.concatenate([inputs, self.targets(yb)], axis=0)

    def gradients(self, xb: Any, yb: Sequence[Any], p: Any) -> tuple[float, Any]:
        """The batch's mean loss and the flat gradient (penalty included) at parameters p."""
        out, grads = self.loss_program.run_arrays(self.matrix(xb, yb), p, 1.0 / len(yb))
        if self.penalty is not None:
            import numpy as np

            _, extra = self.penalty.run_arrays(np.zeros((0, 1)), p, 1.0)
            grads = grads + extra
        return float(out.mean()), grads

    def backward(self, xb: Sequence[Any], yb: Sequence[Any]) -> float:
        """Set ``.grad`` to the gradient of the mean loss over the batch; return that loss."""
        loss, grads = self.gradients(xb, yb, [p.data for p in self.params])
        for p, g in zip(self.params, grads.tolist()):
            p.grad = g
        return loss

    def predict(self, X: Sequence[Any], p: Any = None) -> list[Any]:
        """The model's outputs for each input, as floats (lists of floats for several),
        at the parameters' values (or at the flat vector `p`)."""
        width = self.n_outputs if self.one_hot else len(self.targets([0.0]))
        outs = _forward(self.loss_program, X, p, width)
        return [row[1] if self.n_outputs == 1 else row[1:] for row in outs]

    def _check(self, train: Dataset) -> None:
        """Raise TracerError unless the program matches eager execution on some samples.

        Compared on the tensor program that training uses; ``.grad`` is left as it was.
        """
        rows = _spread(len(train))
        xs, ys = [_row(train.X[i]) for i in rows], [train.y[i] for i in rows]
        saved = {p: p.grad for p in self.params}
        try:
            for p in self.params:
                p.grad = 0.0
            preds = [self.model(x) for x in xs]
            eager_cost = losses.cost(self.loss_fn, preds, ys)
            eager_cost.backward()
            eager = [eager_cost.data] + [p.grad for p in self.params]
            loss, grads = self.gradients(xs, ys, [p.data for p in self.params])
            if self.penalty is not None:  # eager_cost has no penalty: compare without it
                import numpy as np

                _, extra = self.penalty.run_arrays(np.zeros((0, 1)),
                                                   [p.data for p in self.params], 1.0)
                grads = grads - extra
            compiled = [loss] + grads.tolist()
        finally:
            for p, grad in saved.items():
                p.grad = grad
        names = ["the mean loss"] + [f"the gradient of parameter {k}"
                                     for k in range(len(self.params))]
        # The model's outputs are the same traced graph as the loss (outputs 1, 2, ...),
        # so the loss and every gradient agreeing checks them too.
        _compare(names, eager, compiled, rows)


class ArrayTraining:
    """`fit`'s compiled loop state: parameters, gradients and optimizer buffers as arrays.

    `step(xb, yb)` runs the program and the optimizer's update on arrays
    (`nn.optim.Optimizer.step_arrays`, the same arithmetic as its ``step()``), as one
    whole step; `sync()` writes parameters, gradients and the optimizer's state back
    into the Values and the optimizer, for callbacks, checkpoints and the end of
    training.
    """

    def __init__(self, step: CompiledStep, optimizer: Any) -> None:
        import numpy as np

        self.compiled = step
        self.optimizer = optimizer
        self.params = step.params
        self.p = np.array([p.data for p in self.params], dtype=float)
        self.grads = np.array([float(p.grad) for p in self.params], dtype=float)
        self.buffers = {name: np.array(values, dtype=float)
                        for name, values in optimizer.buffers.items()}

    def step(self, xb: Any, yb: Sequence[Any]) -> float:
        """One optimizer step on a batch; returns the batch's mean loss."""
        loss, grads = self.compiled.gradients(xb, yb, self.p)
        # New arrays first, then swapped in: an error inside leaves the old state whole.
        buffers = {name: array.copy() for name, array in self.buffers.items()}
        steps = self.optimizer.steps
        try:
            p = self.optimizer.step_arrays(self.p, grads, buffers)
        except BaseException:  # Ctrl-C too: undo the step count, then re-raise
            self.optimizer.steps = steps
            raise
        self.p, self.grads, self.buffers = p, grads, buffers
        return loss

    def predict(self, X: Sequence[Any]) -> list[Any]:
        """The outputs at the current array parameters."""
        return self.compiled.predict(X, self.p)

    def sync(self) -> None:
        """Write the arrays back into the Values and the optimizer."""
        for param, data, grad in zip(self.params, self.p.tolist(), self.grads.tolist()):
            param.data = data
            param.grad = grad
        self.optimizer.buffers = {name: array.tolist() for name, array in self.buffers.items()}


def trains_on_arrays(step: CompiledStep, optimizer: Any) -> bool:
    """Whether `ArrayTraining` can run `optimizer`: an `nn.optim` optimizer over exactly
    the model's parameters, in their order."""
    from nn.optim import Optimizer

    return (isinstance(optimizer, Optimizer) and len(optimizer.params) == len(step.params)
            and all(a is b for a, b in zip(optimizer.params, step.params)))


def _forward(program: Any, X: Sequence[Any], p: Any, zeros: int = 0) -> list[Any]:
    """The program's outputs on inputs X (then `zeros` inputs left at 0.0), in chunks."""
    import numpy as np

    params = np.array([v.data for v in program.params], dtype=float) if p is None else p
    out: list[Any] = []
    tensor = program.tensor_program("numpy")
    for start in range(0, len(X), PREDICT_CHUNK):
        chunk = X[start:start + PREDICT_CHUNK]
        matrix = np.asarray(chunk, dtype=float).reshape(len(chunk), -1).T
        if zeros:
            matrix = np.concatenate([matrix, np.zeros((zeros, matrix.shape[1]))])
        outs, arrays = tensor.forward(matrix, params)
        program.check_finite(tensor, matrix, params, arrays)
        rows = np.stack([np.broadcast_to(o, (matrix.shape[1],)) for o in outs], axis=1)
        out += rows[:, 0].tolist() if program.single_output else rows.tolist()
    return out


def _row(x: Any) -> Any:
    return x.tolist() if hasattr(x, "tolist") else x


def _spread(n: int, count: int = CHECK_SAMPLES) -> list[int]:
    """`count` indices spread evenly over range(n), the first of them past 0.

        >>> _spread(10), _spread(1), _spread(10, 3)
        ([5], [0], [2, 5, 7])
    """
    step = n / (count + 1)
    return sorted({min(n - 1, int(step * (k + 1))) for k in range(count)})


def _compare(what: str | list[str], eager: list[float], compiled: list[float],
             rows: list[int]) -> None:
    """Raise TracerError at the first number (named by `what`) where the two disagree."""
    if len(eager) != len(compiled):
        raise TracerError(f"CompiledStep: the compiled program gives {len(compiled)} "
                          f"numbers, eager execution {len(eager)}.")
    for k, (e, c) in enumerate(zip(eager, compiled)):
        if abs(e - c) > 1e-9 * max(1.0, abs(e)) and not (e != e and c != c):
            name = what[k] if isinstance(what, list) else what
            shown = rows if len(rows) <= 12 else [*rows[:12], "..."]
            raise TracerError(
                f"CompiledStep: {name} is {c!r} compiled but {e!r} eager on samples {shown}; "
                "the model or loss probably branches on data (.data, float(), a "
                "comparison) that tracing froze. Write the branch with an op (relu, abs, "
                "...) or train eagerly.")


def _is_label(y: Any) -> bool:
    return isinstance(y, numbers.Integral) and not isinstance(y, bool)


def _floats(pred: Any) -> Any:
    if isinstance(pred, Value):
        return pred.data
    if isinstance(pred, list | tuple):
        return [_floats(p) for p in pred]
    return float(pred)


def _flat(x: Any) -> list[float]:
    if isinstance(x, list | tuple):
        return [v for item in x for v in _flat(item)]
    return [float(x)]
