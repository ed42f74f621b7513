"""MNIST from the standard IDX files in a folder you already have: `mnist(directory)`.

Nothing is downloaded. The folder holds the four files as published, gzipped or not:
``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte`` and
``t10k-labels-idx1-ubyte`` (each optionally ending in ``.gz``; the ``train-images.idx3-ubyte``
spelling some mirrors use works too). A missing or malformed file raises a clear
`FileNotFoundError` or `ValueError` that names it.

The IDX format: a 4-byte magic number (two zero bytes, a type code, 0x08 for unsigned
bytes, and the number of dimensions), one big-endian 4-byte size per dimension, then the
data. Images are 28×28 bytes, labels one byte each.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_idx(folder / "t10k-images-idx3-ubyte", bytes(range(8)), (2, 2, 2))
    >>> read_idx(folder / "t10k-images-idx3-ubyte").shape
    (2, 2, 2)
"""

from __future__ import annotations

import gzip
import os
import struct
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nn.data import Dataset

NAMES = {
    ("train", "images"): ("train-images-idx3-ubyte", "train-images.idx3-ubyte"),
    ("train", "labels"): ("train-labels-idx1-ubyte", "train-labels.idx1-ubyte"),
    ("test", "images"): ("t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"),
    ("test", "labels"): ("t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"),
}
_UNSIGNED_BYTE = 0x08


def find(directory: str | os.PathLike[str], split: str, kind: str) -> Path:
    """The file of one split ("train", "test") and kind ("images", "labels")."""
    folder = Path(directory)
    if not folder.is_dir():
        raise FileNotFoundError(f"mnist: {folder} is not a folder; pass the folder that "
                                "holds the four MNIST IDX files.")
    for name in NAMES[(split, kind)]:
        for candidate in (folder / name, folder / f"{name}.gz"):
            if candidate.is_file():
                return candidate
    expected = NAMES[(split, kind)][0]
    raise FileNotFoundError(f"mnist: {folder} has no {expected} (or {expected}.gz); the "
                            f"folder must hold {', '.join(n[0] for n in NAMES.values())}.")


def read_idx(path: str | os.PathLike[str]) -> Any:
    """The array in one IDX file of unsigned bytes (gzipped or not), as uint8 NumPy."""
    import numpy as np

    path = Path(path)
    with open(path, "rb") as raw:
        gzipped = raw.read(2) == b"\x1f\x8b"
    opener: Any = gzip.open if gzipped else open
    try:
        with opener(path, "rb") as file:
            header = file.read(4)
            if len(header) < 4 or header[:2] != b"\x00\x00":
                raise ValueError(f"mnist: {path} is not an IDX file (it does not start with "
                                 "the IDX magic number).")
            if header[2] != _UNSIGNED_BYTE:
                raise ValueError(f"mnist: {path} holds IDX type 0x{header[2]:02x}; MNIST "
                                 "files hold unsigned bytes (0x08).")
            dims = header[3]
            sizes = file.read(4 * dims)
            if len(sizes) < 4 * dims:
                raise ValueError(f"mnist: {path} ends inside its header.")
            shape = struct.unpack(f">{dims}I", sizes)
            count = int(np.prod(shape)) if shape else 0
            data = file.read(count + 1)
    except (OSError, EOFError) as error:  # a damaged gzip stream
        raise ValueError(f"mnist: {path} cannot be read: {error}") from None
    if len(data) != count:
        raise ValueError(f"mnist: {path} holds {min(len(data), count)} bytes of data where "
                         f"its header promises {count} ({' x '.join(map(str, shape))})"
                         + (" and more follow." if len(data) > count else "."))
    return np.frombuffer(data, dtype=np.uint8).reshape(shape)


def write_idx(path: str | os.PathLike[str], data: bytes, shape: Sequence[int],
              compress: bool = False) -> None:
    """Write unsigned bytes as an IDX file (what the tests use to make small MNISTs)."""
    header = bytes([0, 0, _UNSIGNED_BYTE, len(shape)]) + struct.pack(f">{len(shape)}I",
                                                                     *shape)
    opener: Any = gzip.open if compress else open
    with opener(path, "wb") as file:
        file.write(header + bytes(data))


def mnist(directory: str | os.PathLike[str], split: str = "train",
          limit: int | None = None) -> Dataset:
    """One split of MNIST as a `Dataset`: 784 pixels in [0, 1] per image, labels 0-9.

    `X` is a float32 NumPy array (60,000 × 784 floats as Python lists would take about
    1.5 GB); `limit` keeps only the first images.
    """
    if split not in ("train", "test"):
        raise ValueError(f"mnist: split must be 'train' or 'test', got {split!r}.")
    images_path, labels_path = find(directory, split, "images"), find(directory, split,
                                                                      "labels")
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3:
        raise ValueError(f"mnist: {images_path} holds a {images.ndim}-dimensional array; "
                         "images are (count, rows, columns).")
    if labels.ndim != 1 or len(labels) != len(images):
        raise ValueError(f"mnist: {labels_path} holds {labels.shape} labels for "
                         f"{len(images)} images in {images_path}.")
    if labels.size and labels.max() > 9:
        raise ValueError(f"mnist: {labels_path} holds the label {int(labels.max())}; "
                         "digits are 0 to 9.")
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    X: Any = images.reshape(len(images), -1).astype("float32") / 255.0
    return Dataset(X, labels.tolist(), num_classes=10, name=f"mnist ({split})")
