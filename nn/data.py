"""Toy datasets made from a seed, plus splitting, batching, one-hot and accuracy.

Every generator is pure Python and takes a `seed` (an explicit `random.Random` inside, never
the global one), so the same seed always gives the same points. Each returns a `Dataset`:
``X`` a list of feature lists, ``y`` a list of class indices (or floats for `sine`).

    >>> ds = moons(n=100, noise=0.1, seed=0)
    >>> len(ds), len(ds.X[0]), ds.num_classes
    (100, 2, 2)
    >>> train, val, test = train_val_test_split(ds, seed=0)
    >>> len(train), len(val), len(test)
    (70, 15, 15)
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from autograd.value import Value
from nn.checks import int_at_least, number_at_least

Seed = int | random.Random


@dataclass
class Dataset:
    """Inputs `X` (one list of floats per sample) and targets `y`, one per sample.

    `num_classes` is the number of classes for classification and None for regression.

        >>> Dataset([[0.0], [1.0]], [0, 1], num_classes=2)[1]
        ([1.0], 1)
    """

    X: list[list[float]]
    y: list[Any]
    num_classes: int | None = None
    name: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if len(self.X) != len(self.y):
            raise ValueError(
                f"Dataset: X has {len(self.X)} samples but y has {len(self.y)}; they must match."
            )

    def __len__(self) -> int:
        return len(self.X)

    def __getitem__(self, i: int) -> tuple[list[float], Any]:
        return self.X[i], self.y[i]

    def subset(self, indices: Sequence[int]) -> Dataset:
        """The samples at `indices`, in that order (same `num_classes` and name).

            >>> Dataset([[0.0], [1.0], [2.0]], [0, 1, 0], num_classes=2).subset([2, 0]).X
            [[2.0], [0.0]]
        """
        # A NumPy X (MNIST) stays one array: one fancy-indexing copy, not a list of rows.
        X: Any = self.X
        X = X[list(indices)] if hasattr(X, "shape") else [X[i] for i in indices]
        return Dataset(X, [self.y[i] for i in indices], self.num_classes, self.name)

    @property
    def num_features(self) -> int:
        """The length of each input (0 for an empty dataset): ``moons().num_features == 2``."""
        return len(self.X[0]) if len(self.X) else 0


def _rng(seed: Seed, owner: str) -> random.Random:
    if isinstance(seed, random.Random):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"{owner}: seed must be an int or a random.Random, got {seed!r}.")
    return random.Random(seed)


def _shuffled(X: list[list[float]], y: list[Any], rng: random.Random, classes: int | None,
              name: str) -> Dataset:
    # Generators build class by class; shuffle so that a plain slice is not one class.
    order = list(range(len(X)))
    rng.shuffle(order)
    return Dataset([X[i] for i in order], [y[i] for i in order], classes, name)


def moons(n: int = 200, noise: float = 0.1, seed: Seed = 0) -> Dataset:
    """Two interleaving half circles (class 0 on top, class 1 below), like sklearn's.

        >>> sorted(set(moons(n=10).y))
        [0, 1]
    """
    int_at_least("moons", "n", n, 2)
    noise = number_at_least("moons", "noise", noise)
    rng = _rng(seed, "moons")
    n_top = n // 2
    X, y = [], []
    for k in range(n):
        cls = 0 if k < n_top else 1
        j, count = (k, n_top) if cls == 0 else (k - n_top, n - n_top)
        t = math.pi * j / max(count - 1, 1)
        if cls == 0:
            point = [math.cos(t), math.sin(t)]
        else:
            point = [1.0 - math.cos(t), 0.5 - math.sin(t)]
        X.append([c + rng.gauss(0.0, noise) for c in point])
        y.append(cls)
    return _shuffled(X, y, rng, 2, "moons")


def circles(n: int = 200, noise: float = 0.05, factor: float = 0.5, seed: Seed = 0) -> Dataset:
    """A circle of radius 1 (class 0) around one of radius `factor` (class 1).

        >>> len(circles(n=50, seed=1))
        50
    """
    int_at_least("circles", "n", n, 2)
    noise = number_at_least("circles", "noise", noise)
    if not 0 < factor < 1:
        raise ValueError(f"circles: factor must be in (0, 1), got {factor!r}.")
    rng = _rng(seed, "circles")
    n_outer = n // 2
    X, y = [], []
    for k in range(n):
        cls = 0 if k < n_outer else 1
        j, count = (k, n_outer) if cls == 0 else (k - n_outer, n - n_outer)
        t = 2.0 * math.pi * j / count
        r = 1.0 if cls == 0 else factor
        X.append([r * math.cos(t) + rng.gauss(0.0, noise), r * math.sin(t) + rng.gauss(0.0, noise)])
        y.append(cls)
    return _shuffled(X, y, rng, 2, "circles")


def spirals(n: int = 300, classes: int = 3, noise: float = 0.2, seed: Seed = 0) -> Dataset:
    """`classes` arms spiralling out from the origin, one class per arm (CS231n's toy set).

    Each arm turns through 4 radians as its radius grows from 0 to 1; `noise` jitters the
    angle.

        >>> spirals(n=90, classes=3).num_classes
        3
    """
    int_at_least("spirals", "n", n, 1)
    noise = number_at_least("spirals", "noise", noise)
    int_at_least("spirals", "classes", classes, 2)
    rng = _rng(seed, "spirals")
    X, y = [], []
    for k in range(n):
        cls = k % classes
        j, count = k // classes, (n - cls + classes - 1) // classes
        r = j / max(count - 1, 1)
        t = 4.0 * cls + 4.0 * r + rng.gauss(0.0, noise)
        X.append([r * math.sin(t), r * math.cos(t)])
        y.append(cls)
    return _shuffled(X, y, rng, classes, "spirals")


def xor(n: int = 200, noise: float = 0.0, seed: Seed = 0) -> Dataset:
    """Points uniform in [-1, 1]², class 1 where exactly one coordinate is positive.

    `noise` is added to the coordinates after labelling, so it blurs the boundary.

        >>> ds = xor(n=4, seed=0); [int((a > 0) != (b > 0)) for a, b in ds.X] == ds.y
        True
    """
    int_at_least("xor", "n", n, 1)
    noise = number_at_least("xor", "noise", noise)
    rng = _rng(seed, "xor")
    X, y = [], []
    for _ in range(n):
        a, b = rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0)
        y.append(int((a > 0) != (b > 0)))
        X.append([a + rng.gauss(0.0, noise), b + rng.gauss(0.0, noise)] if noise else [a, b])
    return Dataset(X, y, 2, "xor")


def blobs(n: int = 300, centers: int = 3, std: float = 0.5, seed: Seed = 0) -> Dataset:
    """Gaussian clusters in 2-D, one class each, centred evenly on a circle of radius 2.

        >>> blobs(n=30, centers=4).num_classes
        4
    """
    int_at_least("blobs", "n", n, 1)
    std = number_at_least("blobs", "std", std)
    int_at_least("blobs", "centers", centers, 2)
    rng = _rng(seed, "blobs")
    X, y = [], []
    for k in range(n):
        cls = k % centers
        angle = 2.0 * math.pi * cls / centers
        X.append([2.0 * math.cos(angle) + rng.gauss(0.0, std),
                  2.0 * math.sin(angle) + rng.gauss(0.0, std)])
        y.append(cls)
    return _shuffled(X, y, rng, centers, "blobs")


def sine(n: int = 100, noise: float = 0.1, seed: Seed = 0) -> Dataset:
    """Regression: x uniform in [-π, π], target sin(x) plus Gaussian noise.

        >>> ds = sine(n=3); ds.num_classes is None and len(ds.X[0]) == 1
        True
    """
    int_at_least("sine", "n", n, 1)
    noise = number_at_least("sine", "noise", noise)
    rng = _rng(seed, "sine")
    X, y = [], []
    for _ in range(n):
        x = rng.uniform(-math.pi, math.pi)
        X.append([x])
        y.append(math.sin(x) + rng.gauss(0.0, noise))
    return Dataset(X, y, None, "sine")


def digits() -> Dataset:
    """scikit-learn's 8×8 handwritten digits (1797 images, 10 classes), pixels in [0, 1].

    Ships with scikit-learn (the ``datasets`` extra), so nothing is downloaded.

        >>> ds = digits(); len(ds), len(ds.X[0]), ds.num_classes
        (1797, 64, 10)
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ImportError(
            "digits: needs scikit-learn; install it with pip install 'chainrule[datasets]'."
        ) from None
    bunch = load_digits()
    # Pixels are integers 0..16.
    X = [[float(v) / 16.0 for v in row] for row in bunch.data]
    return Dataset(X, [int(t) for t in bunch.target], 10, "digits")


# By name, for the command line.
DATASETS: dict[str, Callable[..., Dataset]] = {
    "moons": moons, "circles": circles, "spirals": spirals, "xor": xor, "blobs": blobs,
    "sine": sine, "digits": digits,
}


def train_val_test_split(
    ds: Dataset, val: float = 0.15, test: float = 0.15, seed: Seed = 0
) -> tuple[Dataset, Dataset, Dataset]:
    """Shuffle once with `seed` and cut into train, validation and test sets.

    The validation and test sizes are ``round(fraction * len(ds))``; the rest is training.

        >>> a, b, c = train_val_test_split(moons(n=20), val=0.25, test=0.25)
        >>> len(a), len(b), len(c)
        (10, 5, 5)
    """
    for what, fraction in (("val", val), ("test", test)):
        if isinstance(fraction, bool) or not isinstance(fraction, int | float) or not (
            0 <= fraction < 1
        ):
            raise ValueError(f"train_val_test_split: {what} must be in [0, 1), got {fraction!r}.")
    if val + test >= 1:
        raise ValueError(
            f"train_val_test_split: val + test = {val + test!r} leaves no training data; "
            "it must be < 1."
        )
    n = len(ds)
    n_val, n_test = round(val * n), round(test * n)
    order = list(range(n))
    _rng(seed, "train_val_test_split").shuffle(order)
    n_train = n - n_val - n_test
    return (
        ds.subset(order[:n_train]),
        ds.subset(order[n_train:n_train + n_val]),
        ds.subset(order[n_train + n_val:]),
    )


def batches(
    ds: Dataset, batch_size: int, shuffle: bool = True, seed: Seed = 0
) -> Iterator[tuple[list[list[float]], list[Any]]]:
    """Yield ``(X_batch, y_batch)`` pairs covering every sample once; the last may be short.

    Pass one `random.Random` as `seed` across epochs to get a new order each epoch.

        >>> [len(xb) for xb, yb in batches(moons(n=10), batch_size=4)]
        [4, 4, 2]
    """
    for chunk in batch_indices(len(ds), batch_size, shuffle, seed):
        yield [ds.X[i] for i in chunk], [ds.y[i] for i in chunk]


def batch_indices(n: int, batch_size: int, shuffle: bool = True,
                  seed: Seed = 0) -> Iterator[list[int]]:
    """The sample indices of each batch of `batches`, in the same order.

        >>> list(batch_indices(5, 2, shuffle=False))
        [[0, 1], [2, 3], [4]]
    """
    int_at_least("batches", "batch_size", batch_size, 1)
    order = list(range(n))
    if shuffle:
        _rng(seed, "batches").shuffle(order)
    for start in range(0, len(order), batch_size):
        yield order[start:start + batch_size]


def one_hot(i: int, n: int) -> list[float]:
    """A list of `n` zeros with a 1.0 at index `i`.

        >>> one_hot(2, 4)
        [0.0, 0.0, 1.0, 0.0]
    """
    if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < n:
        raise ValueError(f"one_hot: class index must be an int in [0, {n}), got {i!r}.")
    out = [0.0] * n
    out[i] = 1.0
    return out


def _number(x: Any) -> float:
    return x.data if isinstance(x, Value) else float(x)


def predicted_class(pred: Any, threshold: float = 0.0) -> int:
    """The class an output stands for: the argmax of several scores, or one score above
    `threshold` (0 for a logit, 0.5 for a probability) meaning class 1.

    An output with a NaN in it stands for no class, -1, so `accuracy` counts it as wrong
    (a NaN is not below the threshold, and not a largest score either).

        >>> predicted_class([0.1, 2.0, -1.0]), predicted_class(-0.3), predicted_class(math.nan)
        (1, 0, -1)
    """
    if isinstance(pred, list | tuple):
        scores = [_number(s) for s in pred]
        if any(math.isnan(s) for s in scores):
            return -1
        return max(range(len(scores)), key=scores.__getitem__)
    score = _number(pred)
    return -1 if math.isnan(score) else int(score > threshold)


def _target_class(target: Any) -> int:
    if isinstance(target, list | tuple):
        values = [_number(t) for t in target]
        return max(range(len(values)), key=values.__getitem__)
    # Binary targets may be 0/1 or -1/+1 (hinge), so a negative target is class 0.
    t = _number(target)
    return 0 if t < 0 else round(t)


def accuracy(preds: Sequence[Any], targets: Sequence[Any], threshold: float = 0.0) -> float:
    """The fraction of predictions whose class matches the target's, in [0, 1].

    A prediction that is a list of scores picks its argmax; a single score (a Value or a
    float) means class 1 when it is above `threshold` (0 for logits and margins, 0.5 for
    probabilities). A target is a class index, a one-hot list, or -1/+1 for hinge. A NaN
    output counts as wrong, whatever the target.

        >>> accuracy([[0.1, 2.0], [3.0, 0.0]], [1, 1])
        0.5
        >>> accuracy([0.8, -2.0, 0.3], [1, -1, 0])
        0.6666666666666666
    """
    if len(preds) != len(targets):
        raise ValueError(
            f"accuracy: {len(preds)} predictions but {len(targets)} targets; they must match."
        )
    if not preds:
        raise ValueError("accuracy: no predictions; pass at least one.")
    hits = sum(
        predicted_class(p, threshold) == _target_class(t) for p, t in zip(preds, targets)
    )
    return hits / len(preds)
