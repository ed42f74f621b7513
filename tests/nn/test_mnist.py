"""MNIST from IDX files the user already has (`nn.mnist`), and `chainrule train --dataset
mnist --data DIR`. Every file here is written by the tests; nothing is downloaded."""

from __future__ import annotations

import gzip
import random
from pathlib import Path

import numpy as np
import pytest

from nn.cli import main
from nn.mnist import NAMES, find, mnist, read_idx, write_idx


def synthetic_digits(n: int, seed: int) -> tuple[bytes, bytes]:
    """n 28x28 images where digit k is a bright 6x6 block at a place of its own, on noise."""
    rng = random.Random(seed)
    images = bytearray()
    labels = bytearray()
    for _ in range(n):
        k = rng.randrange(10)
        image = [[rng.randrange(40) for _ in range(28)] for _ in range(28)]
        top, left = 1 + 7 * (k // 3), 1 + 8 * (k % 3)
        for r in range(top, top + 6):
            for c in range(left, left + 6):
                image[r][c] = 200 + rng.randrange(56)
        images += bytes(v for row in image for v in row)
        labels.append(k)
    return bytes(images), bytes(labels)


def write_mnist(folder: Path, n_train: int = 600, n_test: int = 200, compress: bool = False,
                names: int = 0) -> Path:
    for split, n, seed in (("train", n_train, 0), ("test", n_test, 1)):
        images, labels = synthetic_digits(n, seed)
        suffix = ".gz" if compress else ""
        write_idx(folder / (NAMES[(split, "images")][names] + suffix), images, (n, 28, 28),
                  compress)
        write_idx(folder / (NAMES[(split, "labels")][names] + suffix), labels, (n,), compress)
    return folder


@pytest.mark.parametrize("compress, names", [(False, 0), (True, 0), (False, 1)])
def test_mnist_reads_the_idx_files_gzipped_or_not(tmp_path: Path, compress: bool,
                                                  names: int) -> None:
    write_mnist(tmp_path, compress=compress, names=names)
    images, labels = synthetic_digits(600, 0)
    train = mnist(tmp_path, "train")
    assert train.X.shape == (600, 784) and train.num_classes == 10
    assert train.y == list(labels)
    pixels = np.frombuffer(images, np.uint8)[784 * 3:784 * 4]
    assert np.array_equal(train.X[3], pixels.astype("float32") / np.float32(255.0))
    assert len(mnist(tmp_path, "test", limit=50)) == 50


def test_a_missing_folder_or_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="is not a folder"):
        mnist(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="has no train-images-idx3-ubyte"):
        mnist(tmp_path)


def _bad(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


@pytest.mark.parametrize("content, message", [
    (b"\x01\x02\x08\x01\x00\x00\x00\x01x", "not an IDX file"),
    (b"\x00\x00\x0d\x01\x00\x00\x00\x01x", "IDX type 0x0d"),
    (b"\x00\x00\x08\x03\x00\x00", "ends inside its header"),
    (b"\x00\x00\x08\x01\x00\x00\x00\x05ab", "holds 2 bytes of data where its header promises 5"),
    (b"\x00\x00\x08\x01\x00\x00\x00\x01ab", "and more follow"),
])
def test_a_malformed_file_is_refused_by_name(tmp_path: Path, content: bytes,
                                             message: str) -> None:
    path = _bad(tmp_path / "t10k-labels-idx1-ubyte", content)
    with pytest.raises(ValueError, match=message) as error:
        read_idx(path)
    assert str(path) in str(error.value)


def test_a_truncated_gzip_stream_is_refused(tmp_path: Path) -> None:
    good = gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x04abcd")
    path = _bad(tmp_path / "t10k-labels-idx1-ubyte.gz", good[: len(good) // 2])
    with pytest.raises(ValueError, match="cannot be read|holds"):
        read_idx(path)


def test_labels_must_match_the_images(tmp_path: Path) -> None:
    write_mnist(tmp_path)
    write_idx(tmp_path / NAMES[("test", "labels")][0], bytes([1, 2, 3]), (3,))
    with pytest.raises(ValueError, match=r"holds \(3,\) labels for 200 images"):
        mnist(tmp_path, "test")
    write_idx(tmp_path / NAMES[("test", "labels")][0], bytes([12] * 200), (200,))
    with pytest.raises(ValueError, match="the label 12"):
        mnist(tmp_path, "test")
    assert find(tmp_path, "train", "images").name == "train-images-idx3-ubyte"


def test_cli_trains_on_mnist_from_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                           ) -> None:
    (tmp_path / "mnist").mkdir()
    data = write_mnist(tmp_path / "mnist")
    status = main(["train", "--dataset", "mnist", "--data", str(data), "--epochs", "2",
                   "--hidden", "32", "--out", str(tmp_path / "out"), "--no-progress"])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "(540 train, 60 val, 200 test), 10 classes" in out
    assert "compiled" in out
    test_accuracy = float(out.split("test accuracy: ")[1].split("%")[0])
    assert test_accuracy >= 90.0, out  # the blocks are easy: a broken path would not learn


@pytest.mark.parametrize("make, message", [
    (lambda d: None, "needs --data DIR"),
    (lambda d: d.mkdir(), "has no train-images-idx3-ubyte"),
])
def test_cli_says_in_one_line_when_mnist_is_missing(tmp_path: Path, make: object,
                                                    message: str,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "empty"
    make(folder)  # type: ignore[operator]
    argv = ["train", "--dataset", "mnist", "--out", str(tmp_path / "out")]
    if message != "needs --data DIR":
        argv += ["--data", str(folder)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
