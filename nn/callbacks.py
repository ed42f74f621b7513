"""Hooks into `nn.train.fit`: a `Callback` base class and `EarlyStopping`.

A callback overrides any of `on_train_begin`, `on_step_end`, `on_epoch_end` and
`on_train_end`; each receives the `TrainingState` (model, optimizer, history, epoch,
step, the latest logs) and may set ``state.stop_training = True`` to end training after
the current step. The learning-rate schedules in `nn.schedules` are callbacks too.

    >>> class PrintLoss(Callback):
    ...     def on_epoch_end(self, state):
    ...         print(state.epoch, round(state.logs["train_loss"], 3))
    >>> stop = EarlyStopping(patience=5)        # stop when val_loss stalls for 5 epochs
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from nn.checks import int_at_least, number_at_least


@dataclass
class TrainingState:
    """What `fit` shares with callbacks; `stop_training` is the one field they may set.

    `epoch` counts finished epochs in `on_epoch_end` (1 after the first) and `step` counts
    optimizer steps taken; `logs` holds the latest numbers by name (``train_loss`` after
    each step, and after each epoch also ``val_loss``, ``train_accuracy`` and so on).
    """

    model: Any
    optimizer: Any
    history: Any
    epoch: int = 0
    step: int = 0
    logs: dict[str, float] = field(default_factory=dict)
    stop_training: bool = False
    stop_reason: str | None = None


class Callback:
    """Base class with do-nothing hooks; override the ones you need."""

    def on_train_begin(self, state: TrainingState) -> None:
        """Before the first step."""

    def on_step_end(self, state: TrainingState) -> None:
        """After each whole optimizer step (``state.logs["train_loss"]`` is its batch loss)."""

    def on_epoch_end(self, state: TrainingState) -> None:
        """After each epoch, once its numbers are in ``state.logs`` and the history."""

    def on_train_end(self, state: TrainingState) -> None:
        """Once training stops, for any reason (also after Ctrl-C)."""


class EarlyStopping(Callback):
    """Stop when `monitor` has not improved for `patience` epochs.

    `mode` is "min", "max" or "auto" (min for names containing "loss", else max). An
    improvement must beat the best value by more than `min_delta`. With `restore_best`
    the model's parameters go back to those of the best epoch when training stops.

        >>> stop = EarlyStopping(patience=3, monitor="val_accuracy")
        >>> stop.mode
        'max'
    """

    def __init__(
        self,
        patience: int = 10,
        monitor: str = "val_loss",
        min_delta: float = 0.0,
        mode: str = "auto",
        restore_best: bool = True,
    ) -> None:
        int_at_least("EarlyStopping", "patience", patience, 0)
        if mode == "auto":
            mode = "min" if "loss" in monitor else "max"
        if mode not in ("min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'min', 'max' or 'auto', got {mode!r}.")
        min_delta = number_at_least("EarlyStopping", "min_delta", min_delta)
        self.patience = patience
        self.monitor = monitor
        self.min_delta = float(min_delta)
        self.mode = mode
        self.restore_best = restore_best
        self.best = math.inf if mode == "min" else -math.inf
        self.best_epoch = 0
        self.wait = 0
        self._best_params: list[float] | None = None

    def on_train_begin(self, state: TrainingState) -> None:
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch, self.wait, self._best_params = 0, 0, None

    def check_monitor(self, logged: Collection[str]) -> None:
        """Raise `ValueError` unless `monitor` is among the `logged` names (`fit` calls
        this before training, so a missing validation set fails before the first step)."""
        if self.monitor not in logged:
            raise ValueError(
                f"EarlyStopping: {self.monitor!r} is not among the logged numbers "
                f"{sorted(logged)}; pass val=... to fit or choose another monitor."
            )

    def on_epoch_end(self, state: TrainingState) -> None:
        self.check_monitor(state.logs)
        current = state.logs[self.monitor]
        better = (
            current < self.best - self.min_delta
            if self.mode == "min"
            else current > self.best + self.min_delta
        )
        if better:
            self.best, self.best_epoch, self.wait = current, state.epoch, 0
            if self.restore_best:
                self._best_params = [p.data for p in state.model.parameters()]
            return
        self.wait += 1
        if self.wait >= self.patience:
            state.stop_training = True
            state.stop_reason = (
                f"early stopping: {self.monitor} has not improved for {self.patience} epochs "
                f"(best {self.best:.4g} at epoch {self.best_epoch})"
            )

    def on_train_end(self, state: TrainingState) -> None:
        if self.restore_best and self._best_params is not None:
            for p, data in zip(state.model.parameters(), self._best_params):
                p.data = data

    def __repr__(self) -> str:
        return f"EarlyStopping(patience={self.patience}, monitor={self.monitor!r})"
