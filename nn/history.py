"""`History`: what `fit` recorded, one entry per finished epoch, and a plot of it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class History:
    """What `fit` recorded, one entry per finished epoch.

    An epoch counts passes over the training data: epoch k is the state after k passes,
    and epoch 0, when recorded, is the state before training. `fit` records epochs 1, 2,
    ... ``train_loss`` and ``train_<metric>`` of epoch k are averaged over the batches of
    pass k, while the weights were still changing; ``val_loss`` and ``val_<metric>`` are
    measured after pass k. So after the first pass the train accuracy (averaged from
    random weights on) can be well below the validation accuracy measured at its end.

    ``history["val_accuracy"]`` (or ``history.records``) gives a list by name: ``train_loss``,
    ``val_loss``, ``train_<metric>``, ``val_<metric>`` and ``lr``; ``history.series(name)``
    gives the epochs it was recorded at too (an epoch 0 may hold validation numbers only).
    The losses are the mean per-sample loss, without the `l2` penalty, so training and
    validation compare. `interrupted` is True after Ctrl-C; `stop_reason` says why
    training ended early; `compiled` says whether the steps ran on traced programs;
    `seconds` is the wall time.

        >>> h = History(); h.record(0, {"val_loss": 0.69}); h.record(1, {"train_loss": 0.5})
        >>> h["train_loss"], h.series("val_loss"), h.epochs
        ([0.5], ([0], [0.69]), [0, 1])
    """

    epochs: list[int] = field(default_factory=list)
    records: dict[str, list[float]] = field(default_factory=dict)
    steps: int = 0
    interrupted: bool = False
    stop_reason: str | None = None
    seconds: float = 0.0
    compiled: bool = False
    # The epoch of each number in `records`, by name: a name need not be in every epoch.
    record_epochs: dict[str, list[int]] = field(default_factory=dict, repr=False)

    def record(self, epoch: int, logs: Mapping[str, float]) -> None:
        """Append one epoch's numbers (a name seen for the first time starts its list).

        `epoch` is the number of passes over the training data so far (0: before
        training), after the last one recorded.
        """
        if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
            raise ValueError(f"History.record: epoch must be an int >= 0 (the passes over "
                             f"the training data so far), got {epoch!r}.")
        if self.epochs and epoch <= self.epochs[-1]:
            raise ValueError(f"History.record: epoch {epoch} comes after epoch "
                             f"{self.epochs[-1]}; epochs are recorded in increasing order.")
        self.epochs.append(epoch)
        for key, value in logs.items():
            self.records.setdefault(key, []).append(value)
            self.record_epochs.setdefault(key, []).append(epoch)

    def series(self, key: str) -> tuple[list[int], list[float]]:
        """The epochs at which `key` was recorded, and its values: what a plot draws."""
        values = self[key]
        return self.record_epochs.get(key, self.epochs[-len(values):]), values

    def __getitem__(self, key: str) -> list[float]:
        if key not in self.records:
            raise KeyError(f"History: nothing recorded as {key!r}; have {sorted(self.records)}.")
        return self.records[key]

    def __contains__(self, key: object) -> bool:
        return key in self.records

    @property
    def train_loss(self) -> list[float]:
        """The mean training loss of each epoch."""
        return self.records.get("train_loss", [])

    @property
    def val_loss(self) -> list[float]:
        """The validation loss after each epoch (empty without a validation set)."""
        return self.records.get("val_loss", [])

    def plot(self, ax: Any = None) -> Any:
        """Loss curves, and metric curves beside them, with matplotlib (the `plots` extra).

        Returns the Axes of the losses (their ``.figure`` holds both panels), not the
        Figure, so the plot shows once as a notebook cell's last line; see
        `nn.plots.plot_history`.

            >>> history.plot().figure.savefig("loss.png")        # doctest: +SKIP
        """
        from nn.plots import plot_history

        return plot_history(self, ax=ax)

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={v[-1]:.4g}" for k, v in self.records.items() if v)
        state = (", compiled" if self.compiled else "") + (
            " (interrupted)" if self.interrupted else "")
        return f"History({len(self.epochs)} epochs, {self.steps} steps{state}: {last})"
