"""Learning-rate schedules: `StepLR`, `ExponentialLR`, `CosineAnnealingLR`.

Call ``.step()`` once after each epoch, as with torch.optim.lr_scheduler; each step sets
the optimizer's ``lr`` from the epoch count. A schedule is also a training callback, so
``fit(..., callbacks=[schedule])`` steps it at the end of every epoch.

    >>> from autograd import Value
    >>> from nn.optim import SGD
    >>> opt = SGD([Value(1.0)], lr=1.0)
    >>> schedule = StepLR(opt, step_size=2, gamma=0.5)
    >>> lrs = []
    >>> for epoch in range(5):
    ...     lrs.append(opt.lr)      # train one epoch with this lr, then:
    ...     schedule.step()
    >>> lrs
    [1.0, 1.0, 0.5, 0.5, 0.25]
"""

from __future__ import annotations

import math
from typing import Any

from nn.callbacks import Callback, TrainingState
from nn.checks import int_at_least, is_number, number_at_least
from nn.optim import Optimizer


class LRScheduler(Callback):
    """Base class: ``lr = lr_at(epoch)``, with ``base_lr`` the optimizer's lr at creation.

    Each schedule is written in closed form (torch writes some of them as chained
    updates); the two agree to rounding when the schedule alone sets the lr.
    """

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{type(self).__name__}: expected an nn.optim Optimizer, "
                f"got {type(optimizer).__name__}."
            )
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.last_epoch = 0

    def lr_at(self, epoch: int) -> float:
        """The learning rate for the given epoch (0 = the first)."""
        raise NotImplementedError

    def step(self) -> None:
        """Advance one epoch and set the optimizer's learning rate for the next one.

        An lr that leaves the floats (a growing ``gamma``, late enough) raises a
        ValueError naming the epoch, and neither the schedule nor the optimizer moves.

            >>> from autograd import Value; from nn.optim import SGD
            >>> opt = SGD([Value(1.0)], lr=1.0); ExponentialLR(opt, gamma=0.5).step(); opt.lr
            0.5
        """
        epoch = self.last_epoch + 1
        self.optimizer.lr = self._finite_lr(epoch)
        self.last_epoch = epoch

    def _finite_lr(self, epoch: int) -> float:
        # A schedule that grows (gamma > 1) leaves the floats at some epoch: say where,
        # rather than OverflowError (34, 'Numerical result out of range') or an lr of inf.
        try:
            lr = self.lr_at(epoch)
        except OverflowError:
            lr = math.inf
        if not math.isfinite(lr):
            raise ValueError(
                f"{type(self).__name__}: the lr overflows a float at epoch {epoch} (base_lr "
                f"{self.base_lr!r}); the schedule and the optimizer stay at epoch "
                f"{self.last_epoch}, lr {self.optimizer.lr!r}."
            )
        return lr

    def get_last_lr(self) -> float:
        """The learning rate set by the last `step` (as torch's, but one float).

            >>> from autograd import Value; from nn.optim import SGD
            >>> StepLR(SGD([Value(1.0)], lr=0.1), step_size=5).get_last_lr()
            0.1
        """
        return self.optimizer.lr

    def on_epoch_end(self, state: TrainingState) -> None:
        self.step()

    def state_dict(self) -> dict[str, Any]:
        """``{"base_lr", "last_epoch"}``: enough to resume the schedule where it was."""
        return {"base_lr": self.base_lr, "last_epoch": self.last_epoch}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Resume from `state_dict()` and set the optimizer's lr to match."""
        name = type(self).__name__
        if not isinstance(state, dict) or set(state) != {"base_lr", "last_epoch"}:
            raise ValueError(f"{name}.load_state_dict: expected keys base_lr and last_epoch.")
        epoch, base = state["last_epoch"], state["base_lr"]
        if not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 0:
            raise ValueError(f"{name}.load_state_dict: last_epoch must be an int >= 0.")
        if not is_number(base) or not 0 <= base < math.inf:
            raise ValueError(f"{name}.load_state_dict: base_lr must be a finite number >= 0.")
        previous, self.base_lr = self.base_lr, float(base)
        try:
            lr = self._finite_lr(epoch)
        except ValueError:
            self.base_lr = previous  # nothing changes
            raise
        self.last_epoch, self.optimizer.lr = epoch, lr

    def __repr__(self) -> str:
        return f"{type(self).__name__}(epoch={self.last_epoch}, lr={self.optimizer.lr!r})"


class StepLR(LRScheduler):
    """Multiply the lr by `gamma` every `step_size` epochs: ``base_lr * gamma ** (epoch //
    step_size)``.

        >>> from autograd import Value; from nn.optim import SGD
        >>> StepLR(SGD([Value(1.0)], lr=1.0), step_size=10).lr_at(25)
        0.010000000000000002
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        super().__init__(optimizer)
        self.step_size = int_at_least("StepLR", "step_size", step_size, 1)
        self.gamma = _gamma("StepLR", gamma)

    def lr_at(self, epoch: int) -> float:
        return self.base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(LRScheduler):
    """Multiply the lr by `gamma` every epoch: ``base_lr * gamma ** epoch``.

        >>> from autograd import Value; from nn.optim import SGD
        >>> ExponentialLR(SGD([Value(1.0)], lr=1.0), gamma=0.5).lr_at(3)
        0.125
    """

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        super().__init__(optimizer)
        self.gamma = _gamma("ExponentialLR", gamma)

    def lr_at(self, epoch: int) -> float:
        return self.base_lr * self.gamma**epoch


class CosineAnnealingLR(LRScheduler):
    """Follow half a cosine from ``base_lr`` down to `eta_min` over `T_max` epochs.

    ``eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2``; past `T_max` it
    climbs back up, as torch's does.

        >>> from autograd import Value; from nn.optim import SGD
        >>> CosineAnnealingLR(SGD([Value(1.0)], lr=1.0), T_max=10).lr_at(5)
        0.5
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:  # noqa: N803
        super().__init__(optimizer)
        self.T_max = int_at_least("CosineAnnealingLR", "T_max", T_max, 1)
        self.eta_min = number_at_least("CosineAnnealingLR", "eta_min", eta_min)

    def lr_at(self, epoch: int) -> float:
        cosine = (1.0 + math.cos(math.pi * epoch / self.T_max)) / 2.0
        return self.eta_min + (self.base_lr - self.eta_min) * cosine


def _gamma(owner: str, gamma: Any) -> float:
    if not is_number(gamma) or not 0 < gamma < math.inf:
        raise ValueError(f"{owner}: gamma must be a number > 0, got {gamma!r}.")
    return float(gamma)
