"""Optimizers that update parameters from their gradients: `SGD`, `Adam`, `AdamW`, `RMSProp`.

The formulas are torch.optim's, step for step, so a run here and a run with torch on the
same gradients agree to rounding. An optimizer reads each parameter's ``.grad`` (a float)
and changes its ``.data`` in place; the graph is never touched.

    >>> from autograd import Value
    >>> w = Value(1.0)
    >>> opt = SGD([w], lr=0.1)
    >>> (w * w).backward()          # dL/dw = 2
    >>> opt.step(); w.data
    0.8
"""

from __future__ import annotations

import copy
import math
import numbers
from collections.abc import Callable, Iterable
from typing import Any

from autograd.value import Value
from nn.checks import nonnegative, positive, real

# Bumped when the layout of `state_dict()` changes, so old files fail with a clear message.
STATE_FORMAT = 1


class Optimizer:
    """Base class: holds the parameters, the learning rate and per-parameter buffers.

    Subclasses name their hyper-parameters in `hyper` (all floats or bools, so the state
    is JSON-able) and their per-parameter buffers in `buffer_names`, and implement
    `_rule(x, g, buffers, i, sqrt)`: the new value of parameter entry ``i`` from its value
    x and gradient g. The same rule runs on one float at a time (`step`) and on whole
    arrays (`step_arrays`, with ``i`` a slice), so both are the same arithmetic.

        >>> opt = SGD([Value(1.0)], lr=0.1)
        >>> opt.lr = 0.05               # schedules change the learning rate like this
    """

    buffer_names: tuple[str, ...] = ()

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        name = type(self).__name__
        self.params: list[Value] = list(params)
        if not self.params:
            raise ValueError(f"{name}: got an empty parameter list; pass model.parameters().")
        seen: set[int] = set()
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(
                    f"{name}: parameter {i} is a {type(p).__name__}, expected a Value."
                )
            if id(p) in seen:
                # The same Value twice would be updated twice per step.
                raise ValueError(f"{name}: parameter {i} appears more than once in the list.")
            seen.add(id(p))
        self.lr = nonnegative(name, "lr", lr)
        self.steps = 0
        self.buffers: dict[str, list[float]] = {
            b: [0.0] * len(self.params) for b in self.buffer_names
        }

    @property
    def hyper(self) -> dict[str, Any]:
        """The hyper-parameters besides `lr`, by name (saved in `state_dict`)."""
        return {}

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0.0 before the next ``backward()``.

            >>> w = Value(1.0); w.grad = 3.0
            >>> SGD([w], lr=0.1).zero_grad(); w.grad
            0.0
        """
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Apply one update to every parameter from its current ``.grad``.

        All or nothing: an `lr` that is not a finite number >= 0 (set by hand since) or a
        gradient that is not a number raises before any parameter or buffer changes.

            >>> w = Value(2.0); w.grad = 1.0
            >>> opt = SGD([w], lr=0.5); opt.step(); w.data
            1.5
        """
        name = type(self).__name__
        nonnegative(name, "lr", self.lr)  # set by hand or by a schedule since __init__
        # Every gradient is read before the first update, so a bad one changes nothing.
        grads = [_gradient(name, i, p.grad) for i, p in enumerate(self.params)]
        self.steps += 1
        buffers, rule, sqrt = self.buffers, self._rule, math.sqrt
        for i, (p, g) in enumerate(zip(self.params, grads)):
            p.data = rule(p.data, g, buffers, i, sqrt)

    def step_arrays(self, x: Any, g: Any, buffers: dict[str, Any]) -> Any:
        """`step` on arrays: the new parameter vector from vector x and gradient g.

        `buffers` holds one NumPy array per name in `buffer_names` and is updated in
        place; this optimizer's own `buffers` and the Values are not touched (the
        compiled training loop of `nn.compiled.ArrayTraining` writes them back).

            >>> import numpy as np
            >>> opt = SGD([Value(1.0), Value(2.0)], lr=0.5)
            >>> opt.step_arrays(np.array([1.0, 2.0]), np.array([1.0, -1.0]), {}).tolist()
            [0.5, 2.5]
        """
        import numpy as np

        nonnegative(type(self).__name__, "lr", self.lr)
        self.steps += 1
        return self._rule(x, g, buffers, slice(None), np.sqrt)

    def _configure(self, *args: Any, **hyper: Any) -> None:
        """Check and set the hyper-parameters besides `lr` (shared by init and loading)."""

    def _rule(self, x: Any, g: Any, buffers: dict[str, Any], i: Any,
              sqrt: Callable[[Any], Any]) -> Any:
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to resume: type, hyper-parameters, step count and buffers.

        Plain floats, lists and strings only, so it can go straight into JSON.

            >>> SGD([Value(1.0)], lr=0.1).state_dict()["lr"]
            0.1
        """
        return {
            "format": STATE_FORMAT,
            "type": type(self).__name__,
            "lr": self.lr,
            "hyper": dict(self.hyper),
            "steps": self.steps,
            "buffers": {k: list(v) for k, v in self.buffers.items()},
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Resume from `state_dict()`; raises and changes nothing if it does not fit.

        The optimizer type, the number of parameters and every buffer length must match.

            >>> w = Value(1.0)
            >>> a = SGD([w], lr=0.1, momentum=0.9); b = SGD([w], lr=0.1, momentum=0.9)
            >>> b.load_state_dict(a.state_dict())
        """
        name = type(self).__name__
        if not isinstance(state, dict):
            raise TypeError(f"{name}.load_state_dict: expected a dict, got {type(state).__name__}.")
        expected = {"format", "type", "lr", "hyper", "steps", "buffers"}
        if set(state) != expected:
            raise ValueError(
                f"{name}.load_state_dict: keys {sorted(state)} differ from {sorted(expected)}."
            )
        if state["format"] != STATE_FORMAT:
            raise ValueError(
                f"{name}.load_state_dict: state format {state['format']!r} is not "
                f"{STATE_FORMAT}; it was written by another version."
            )
        if state["type"] != name:
            raise ValueError(
                f"{name}.load_state_dict: the state belongs to a {state['type']!r} optimizer."
            )
        lr = nonnegative(name, "lr", state["lr"])
        steps = state["steps"]
        if not isinstance(steps, int) or isinstance(steps, bool) or steps < 0:
            raise ValueError(f"{name}.load_state_dict: steps must be an int >= 0, got {steps!r}.")
        buffers = state["buffers"]
        if not isinstance(buffers, dict) or set(buffers) != set(self.buffer_names):
            raise ValueError(
                f"{name}.load_state_dict: buffers must be a dict with keys "
                f"{sorted(self.buffer_names)}, got {buffers!r:.80}."
            )
        checked: dict[str, list[float]] = {}
        for key, values in buffers.items():
            if not isinstance(values, list) or len(values) != len(self.params):
                raise ValueError(
                    f"{name}.load_state_dict: buffer {key!r} must be a list of "
                    f"{len(self.params)} numbers (one per parameter)."
                )
            checked[key] = [real(name, f"buffer {key!r}", v) for v in values]
        hyper = state["hyper"]
        if not isinstance(hyper, dict) or set(hyper) != set(self.hyper):
            raise ValueError(
                f"{name}.load_state_dict: hyper must be a dict with keys {sorted(self.hyper)}, "
                f"got {hyper!r:.80}."
            )
        # Validate the hyper-parameters on a copy first, so a bad one changes nothing here.
        copy.copy(self)._configure(**hyper)
        self._configure(**hyper)
        self.lr = lr
        self.steps = steps
        self.buffers = checked

    def __repr__(self) -> str:
        hyper = "".join(f", {k}={v!r}" for k, v in self.hyper.items())
        return f"{type(self).__name__}({len(self.params)} parameters, lr={self.lr!r}{hyper})"


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, Nesterov and weight decay.

    As torch.optim.SGD: ``g += weight_decay * p``; ``buf = momentum * buf + (1 - dampening)
    * g`` (``buf = g`` on the first step); ``g = g + momentum * buf`` (Nesterov) or
    ``g = buf``; ``p -= lr * g``.

        >>> w = Value(1.0); w.grad = 1.0
        >>> opt = SGD([w], lr=0.1, momentum=0.9); opt.step(); opt.step(); round(w.data, 6)
        0.71
    """

    buffer_names = ("momentum",)

    def __init__(
        self,
        params: Iterable[Value],
        lr: float,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        dampening: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self._configure(momentum=momentum, nesterov=nesterov, weight_decay=weight_decay,
                        dampening=dampening)

    def _configure(self, *, momentum: float, nesterov: bool, weight_decay: float,
                   dampening: float) -> None:
        self.momentum = nonnegative("SGD", "momentum", momentum)
        self.weight_decay = nonnegative("SGD", "weight_decay", weight_decay)
        self.dampening = real("SGD", "dampening", dampening)
        self.nesterov = bool(nesterov)
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError(
                f"SGD: nesterov=True needs momentum > 0 and dampening == 0, got momentum="
                f"{self.momentum!r}, dampening={self.dampening!r}."
            )

    @property
    def hyper(self) -> dict[str, Any]:
        return {
            "momentum": self.momentum,
            "nesterov": self.nesterov,
            "weight_decay": self.weight_decay,
            "dampening": self.dampening,
        }

    def _rule(self, x: Any, g: Any, buffers: dict[str, Any], i: Any,
              sqrt: Callable[[Any], Any]) -> Any:
        if self.weight_decay:
            g = g + self.weight_decay * x
        if self.momentum:
            buf = buffers["momentum"]
            if self.steps == 1:
                buf[i] = g
            else:
                buf[i] = self.momentum * buf[i] + (1.0 - self.dampening) * g
            g = g + self.momentum * buf[i] if self.nesterov else buf[i]
        return x - self.lr * g


class Adam(Optimizer):
    """Adam: running means of the gradient (β1) and its square (β2), bias-corrected.

    As torch.optim.Adam: ``m = β1 m + (1-β1) g``, ``v = β2 v + (1-β2) g²``, ``p -= lr /
    (1-β1^t) * m / (sqrt(v) / sqrt(1-β2^t) + eps)``. `weight_decay` adds ``wd * p`` to the
    gradient (L2); for decoupled decay use `AdamW`. `eps` must be > 0 (torch accepts 0,
    then divides 0 by 0 at the first zero gradient).

        >>> w = Value(1.0); w.grad = 5.0
        >>> opt = Adam([w], lr=0.1); opt.step(); round(w.data, 6)   # first step moves by lr
        0.9
    """

    buffer_names = ("exp_avg", "exp_avg_sq")
    decoupled = False

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] | list[float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self._configure(betas=betas, eps=eps, weight_decay=weight_decay)

    def _configure(self, *, betas: tuple[float, float] | list[float], eps: float,
                   weight_decay: float) -> None:
        name = type(self).__name__
        if not isinstance(betas, tuple | list) or len(betas) != 2:
            raise ValueError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r}.")
        for k, beta in enumerate(betas):
            beta = real(name, f"betas[{k}]", beta)
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"{name}: betas[{k}] must be in [0, 1), got {beta!r}.")
        self.betas = (float(betas[0]), float(betas[1]))
        self.eps = positive(name, "eps", eps)
        self.weight_decay = nonnegative(name, "weight_decay", weight_decay)

    @property
    def hyper(self) -> dict[str, Any]:
        return {"betas": list(self.betas), "eps": self.eps, "weight_decay": self.weight_decay}

    def _rule(self, x: Any, g: Any, buffers: dict[str, Any], i: Any,
              sqrt: Callable[[Any], Any]) -> Any:
        beta1, beta2 = self.betas
        if self.weight_decay:
            if self.decoupled:
                x = x * (1.0 - self.lr * self.weight_decay)
            else:
                g = g + self.weight_decay * x
        m, v = buffers["exp_avg"], buffers["exp_avg_sq"]
        m[i] = m[i] + (1.0 - beta1) * (g - m[i])
        v[i] = beta2 * v[i] + (1.0 - beta2) * g * g
        step_size = self.lr / (1.0 - beta1**self.steps)
        denom = sqrt(v[i]) / math.sqrt(1.0 - beta2**self.steps) + self.eps
        return x - step_size * (m[i] / denom)


class AdamW(Adam):
    """Adam with decoupled weight decay: ``p *= 1 - lr * weight_decay`` before the Adam step.

    As torch.optim.AdamW, including its default ``weight_decay=0.01``.

        >>> w = Value(1.0); w.grad = 0.0
        >>> opt = AdamW([w], lr=0.1, weight_decay=0.5); opt.step(); round(w.data, 6)
        0.95
    """

    decoupled = True

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] | list[float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)


class RMSProp(Optimizer):
    """RMSProp: divide the gradient by a running root-mean-square of recent gradients.

    As torch.optim.RMSprop: ``s = α s + (1-α) g²``; ``avg = sqrt(s) + eps`` (centered:
    ``sqrt(s - ḡ²) + eps`` with ḡ the running mean gradient); then ``buf = momentum * buf +
    g / avg`` and ``p -= lr * buf``, or without momentum ``p -= lr * g / avg``. One
    difference: when rounding takes s - ḡ² below 0, it counts as 0 here, where torch's
    square root makes the parameter NaN.

        >>> w = Value(1.0); w.grad = 2.0
        >>> opt = RMSProp([w], lr=0.01, alpha=0.0); opt.step(); round(w.data, 6)
        0.99
    """

    buffer_names = ("square_avg", "momentum", "grad_avg")

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        centered: bool = False,
    ) -> None:
        super().__init__(params, lr)
        self._configure(alpha=alpha, eps=eps, momentum=momentum, weight_decay=weight_decay,
                        centered=centered)

    def _configure(self, *, alpha: float, eps: float, momentum: float, weight_decay: float,
                   centered: bool) -> None:
        alpha = real("RMSProp", "alpha", alpha)
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"RMSProp: alpha must be in [0, 1], got {alpha!r}.")
        self.alpha = alpha
        self.eps = positive("RMSProp", "eps", eps)
        self.momentum = nonnegative("RMSProp", "momentum", momentum)
        self.weight_decay = nonnegative("RMSProp", "weight_decay", weight_decay)
        self.centered = bool(centered)

    @property
    def hyper(self) -> dict[str, Any]:
        return {
            "alpha": self.alpha,
            "eps": self.eps,
            "momentum": self.momentum,
            "weight_decay": self.weight_decay,
            "centered": self.centered,
        }

    def _rule(self, x: Any, g: Any, buffers: dict[str, Any], i: Any,
              sqrt: Callable[[Any], Any]) -> Any:
        if self.weight_decay:
            g = g + self.weight_decay * x
        s = buffers["square_avg"]
        s[i] = self.alpha * s[i] + (1.0 - self.alpha) * g * g
        if self.centered:
            mean = buffers["grad_avg"]
            mean[i] = mean[i] + (1.0 - self.alpha) * (g - mean[i])
            # s - ḡ² >= 0 in exact arithmetic; rounding can take it just below 0 (torch
            # then makes the parameter NaN), so it is clamped there: (v + |v|) / 2 is
            # max(v, 0) exactly, on a float or on an array.
            spread = s[i] - mean[i] * mean[i]
            avg = sqrt((spread + abs(spread)) * 0.5) + self.eps
        else:
            avg = sqrt(s[i]) + self.eps
        if self.momentum:
            buf = buffers["momentum"]
            buf[i] = self.momentum * buf[i] + g / avg
            return x - self.lr * buf[i]
        return x - self.lr * g / avg


# Known by name, for the CLI.
OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "adam": Adam,
    "adamw": AdamW,
    "rmsprop": RMSProp,
}


def _gradient(owner: str, i: int, grad: Any) -> float:
    if type(grad) is float:
        return grad
    # A gradient left as a Value by backward(create_graph=True) still has a number.
    if isinstance(grad, Value):
        return grad.data
    if isinstance(grad, bool) or not isinstance(grad, numbers.Real):
        raise TypeError(f"{owner}: parameter {i} has gradient {grad!r}, not a number; "
                        "nothing was updated.")
    return float(grad)
