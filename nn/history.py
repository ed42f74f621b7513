"""`History`: what `fit` recorded, one entry per finished epoch, and a plot of it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class History:
    """What `fit` recorded, one entry per finished epoch.

    ``history["val_accuracy"]`` (or ``history.records``) gives a list by name: ``train_loss``,
    ``val_loss``, ``train_<metric>``, ``val_<metric>`` and ``lr``. The losses are the mean
    per-sample loss, without the `l2` penalty, so training and validation compare.
    `interrupted` is True after Ctrl-C; `stop_reason` says why training ended early;
    `compiled` says whether the steps ran on traced programs; `seconds` is the wall time.

        >>> h = History(); h.record(1, {"train_loss": 0.5}); h["train_loss"]
        [0.5]
    """

    epochs: list[int] = field(default_factory=list)
    records: dict[str, list[float]] = field(default_factory=dict)
    steps: int = 0
    interrupted: bool = False
    stop_reason: str | None = None
    seconds: float = 0.0
    compiled: bool = False

    def record(self, epoch: int, logs: Mapping[str, float]) -> None:
        """Append one epoch's numbers (a name seen for the first time starts its list)."""
        self.epochs.append(epoch)
        for key, value in logs.items():
            self.records.setdefault(key, []).append(value)

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

        Returns the matplotlib Figure; see `nn.plots.plot_history`.

            >>> history.plot().savefig("loss.png")        # doctest: +SKIP
        """
        from nn.plots import plot_history

        return plot_history(self, ax=ax)

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={v[-1]:.4g}" for k, v in self.records.items() if v)
        state = (", compiled" if self.compiled else "") + (
            " (interrupted)" if self.interrupted else "")
        return f"History({len(self.epochs)} epochs, {self.steps} steps{state}: {last})"
