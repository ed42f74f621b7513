"""Datasets: reproducible by seed, splits and batches that cover every sample exactly once."""

import math
import random
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value
from nn.data import (
    Dataset,
    accuracy,
    batches,
    blobs,
    circles,
    digits,
    moons,
    one_hot,
    sine,
    spirals,
    train_val_test_split,
    xor,
)

GENERATORS: dict[str, Callable[..., Dataset]] = {
    "moons": moons, "circles": circles, "spirals": spirals, "xor": xor, "blobs": blobs,
    "sine": sine,
}


@pytest.mark.parametrize("make", GENERATORS.values(), ids=GENERATORS.keys())
def test_same_seed_gives_the_same_dataset(make: Callable[..., Dataset]) -> None:
    assert make(n=60, seed=3) == make(n=60, seed=3)


@pytest.mark.parametrize("make", GENERATORS.values(), ids=GENERATORS.keys())
def test_different_seeds_give_different_datasets(make: Callable[..., Dataset]) -> None:
    assert make(n=60, seed=3).X != make(n=60, seed=4).X


@pytest.mark.parametrize("make", GENERATORS.values(), ids=GENERATORS.keys())
def test_generators_do_not_touch_the_global_random_state(make: Callable[..., Dataset]) -> None:
    random.seed(123)
    expected = random.random()
    random.seed(123)
    make(n=30, seed=1)
    assert random.random() == expected


@pytest.mark.parametrize(
    "make, classes",
    [(moons, 2), (circles, 2), (xor, 2), (lambda **k: spirals(classes=4, **k), 4),
     (lambda **k: blobs(centers=5, **k), 5)],
)
def test_classification_sets_have_n_samples_and_every_class(
    make: Callable[..., Dataset], classes: int
) -> None:
    ds = make(n=101, seed=0)
    assert len(ds) == 101
    assert ds.num_classes == classes
    assert sorted(set(ds.y)) == list(range(classes))
    assert all(len(x) == 2 for x in ds.X)


def test_moons_classes_are_balanced_and_shuffled() -> None:
    ds = moons(n=200, noise=0.0, seed=0)
    assert ds.y.count(0) == ds.y.count(1) == 100
    assert ds.y[:100] != [0] * 100
    # Without noise, class 0 is the upper half circle of radius 1 around the origin.
    for (a, b), cls in zip(ds.X, ds.y):
        if cls == 0:
            assert a * a + b * b == pytest.approx(1.0)
            assert b >= -1e-12


def test_xor_labels_follow_the_quadrants() -> None:
    ds = xor(n=50, seed=2)
    assert ds.y == [int((a > 0) != (b > 0)) for a, b in ds.X]


def test_sine_is_regression_with_sine_targets() -> None:
    ds = sine(n=40, noise=0.0, seed=1)
    assert ds.num_classes is None
    assert all(y == pytest.approx(math.sin(x[0])) for x, y in zip(ds.X, ds.y))


def test_digits_has_sklearn_shape_and_pixels_in_unit_interval() -> None:
    ds = digits()
    assert len(ds) == 1797
    assert {len(x) for x in ds.X} == {64}
    assert sorted(set(ds.y)) == list(range(10))
    assert ds.num_classes == 10
    pixels = [v for x in ds.X for v in x]
    assert min(pixels) == 0.0 and max(pixels) == 1.0


@given(
    n=st.integers(1, 300),
    val=st.floats(0.0, 0.45),
    test=st.floats(0.0, 0.45),
    seed=st.integers(0, 2**32),
)
def test_split_is_disjoint_covering_and_reproducible(
    n: int, val: float, test: float, seed: int
) -> None:
    ds = Dataset([[float(i)] for i in range(n)], list(range(n)), None)
    parts = train_val_test_split(ds, val=val, test=test, seed=seed)
    ids = [y for part in parts for y in part.y]
    assert sorted(ids) == list(range(n))  # disjoint and covering
    assert len(parts[1]) == round(val * n) and len(parts[2]) == round(test * n)
    assert parts == train_val_test_split(ds, val=val, test=test, seed=seed)


def test_split_depends_on_seed_and_keeps_x_with_its_y() -> None:
    ds = moons(n=100, seed=0)
    a = train_val_test_split(ds, seed=1)
    b = train_val_test_split(ds, seed=2)
    assert a[2].X != b[2].X
    pairs = set(zip(map(tuple, ds.X), ds.y))
    assert all((tuple(x), y) in pairs for part in a for x, y in zip(part.X, part.y))


@pytest.mark.parametrize("val, test", [(-0.1, 0.1), (0.1, 1.0), (0.5, 0.5)])
def test_bad_split_fractions_raise_value_error(val: float, test: float) -> None:
    with pytest.raises(ValueError, match="train_val_test_split"):
        train_val_test_split(moons(n=10), val=val, test=test)


@given(n=st.integers(0, 200), batch_size=st.integers(1, 64), shuffle=st.booleans(),
       seed=st.integers(0, 1000))
def test_batches_cover_every_sample_exactly_once(
    n: int, batch_size: int, shuffle: bool, seed: int
) -> None:
    ds = Dataset([[float(i)] for i in range(n)], list(range(n)), None)
    got = list(batches(ds, batch_size, shuffle=shuffle, seed=seed))
    ids = [y for _, yb in got for y in yb]
    assert sorted(ids) == list(range(n))
    assert all(len(yb) == batch_size for _, yb in got[:-1])
    assert all(xb == [[float(y)] for y in yb] for xb, yb in got)
    if not shuffle:
        assert ids == list(range(n))


def test_one_rng_passed_across_epochs_gives_a_new_order_each_epoch() -> None:
    ds = Dataset([[float(i)] for i in range(50)], list(range(50)), None)
    rng = random.Random(0)
    first = [y for _, yb in batches(ds, 8, seed=rng) for y in yb]
    second = [y for _, yb in batches(ds, 8, seed=rng) for y in yb]
    assert first != second
    assert first == [y for _, yb in batches(ds, 8, seed=random.Random(0)) for y in yb]


def test_bad_batch_size_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="batches: batch_size must be an int >= 1, got 0"):
        list(batches(moons(n=4), 0))


def test_one_hot_and_its_bounds() -> None:
    assert one_hot(0, 3) == [1.0, 0.0, 0.0]
    with pytest.raises(ValueError, match=r"one_hot: class index must be an int in \[0, 3\)"):
        one_hot(3, 3)


def test_accuracy_argmax_threshold_and_hinge_targets() -> None:
    assert accuracy([[Value(0.1), Value(2.0)], [3.0, 0.0]], [1, 0]) == 1.0
    assert accuracy([[0.1, 2.0], [3.0, 0.0]], [[1.0, 0.0], [1.0, 0.0]]) == 0.5
    assert accuracy([Value(0.8), Value(-2.0)], [1, 0]) == 1.0
    assert accuracy([0.8, -2.0], [1, -1]) == 1.0
    assert accuracy([0.3, 0.7], [1, 1], threshold=0.5) == 0.5


def test_accuracy_rejects_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="accuracy: 2 predictions but 1 targets"):
        accuracy([0.0, 1.0], [1])


def test_dataset_rejects_x_and_y_of_different_lengths() -> None:
    with pytest.raises(ValueError, match="Dataset: X has 2 samples but y has 1"):
        Dataset([[0.0], [1.0]], [0])


def test_bad_numeric_arguments_name_the_argument_they_are_about() -> None:
    with pytest.raises(ValueError, match=r"blobs: std must be a number >= 0, got -1\.0"):
        blobs(std=-1.0)
    with pytest.raises(ValueError, match=r"spirals: classes must be an int >= 2, got 1"):
        spirals(classes=1)
