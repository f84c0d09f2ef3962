"""MNIST handwritten digits, and the IDX file format they come in.

MNIST (Yann LeCun, Corinna Cortes, Christopher Burges): 60,000 training
and 10,000 test digits, each a 28x28 grey image, ink high, 0..255. The
digits were fitted into 20x20 keeping their aspect ratio and centred by
their centre of mass in 28x28 (``barenet.images`` repeats those steps).

An IDX file is a big-endian header and then the values, one unsigned byte
each, row by row::

    images  magic 2051, count, rows, cols, then count * rows * cols bytes
    labels  magic 2049, count, then count bytes

The files are usually gzip-compressed; compressed or raw is told apart by
the content, not the name. ``parse_idx`` checks the magic number, the
counts and sizes, and that the payload is exactly as long as the header
promises: a truncated or oversized file is a DataError that says how many
bytes were expected and found. A raw file's size is checked against its
header before the file is read.
"""

from __future__ import annotations

import math
import os
import struct
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import numpy as np
from numpy.typing import NDArray

from barenet.data._bytes import (
    digests,
    gunzip_if_needed,
    is_gzip,
    local_copy,
    read_data,
    read_head,
)
from barenet.data.base import Dataset
from barenet.data.cache import RemoteFile, fetch
from barenet.errors import DataError

_URL = "https://storage.googleapis.com/cvdf-datasets/mnist/"
MNIST_FILES = {
    key: RemoteFile("mnist", name, _URL + name, md5, size)
    for key, name, md5, size in (
        (
            "train_images",
            "train-images-idx3-ubyte.gz",
            "f68b3c2dcbeaaa9fbdd348bbdeb94873",
            9912422,
        ),
        (
            "train_labels",
            "train-labels-idx1-ubyte.gz",
            "d53e105ee54ea40749a09fcbcd1e9432",
            28881,
        ),
        (
            "test_images",
            "t10k-images-idx3-ubyte.gz",
            "9fb629c4189551a2d022fa330f9573f3",
            1648877,
        ),
        (
            "test_labels",
            "t10k-labels-idx1-ubyte.gz",
            "ec29112dd5afa0611ce80d1b7f02629c",
            4542,
        ),
    )
}
"""The four published files: where they live in the cache and on the web."""
_ALL = ", ".join(remote.name for remote in MNIST_FILES.values())

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049
MAX_IDX_BYTES = 1 << 28
"""Largest IDX payload read (256 MiB; MNIST's largest file holds 47 MB)."""


def load_mnist(
    path: str | os.PathLike[str] | None = None,
    *,
    mirror: str | None = None,
    log: Callable[[str], None] | None = None,
) -> Dataset:
    """Load MNIST: 70,000 digits, the last 10,000 its own test set.

    Parameters
    ----------
    path : folder, optional
        A folder holding the four IDX files under their published names
        (compressed or not, with or without ``.gz``). By default the
        cache, downloading each file once and checking its MD5.
    mirror, log
        Passed to ``barenet.data.cache.fetch``.

    Returns
    -------
    Dataset
        X (70000, 784) in 0..1 (grey level / 255), y the digits;
        ``test_start`` 60000.
    """
    files = {
        key: local_copy(Path(path), remote, _ALL) if path is not None else None
        for key, remote in MNIST_FILES.items()
    }
    blobs = {}
    for key, remote in MNIST_FILES.items():
        where = files[key] or fetch(remote, mirror=mirror, log=log)
        magic = IMAGES_MAGIC if key.endswith("images") else LABELS_MAGIC
        blobs[key] = (str(where), read_idx(where, magic))

    parts = []
    for kind in ("train", "test"):
        image_source, image_data = blobs[f"{kind}_images"]
        label_source, label_data = blobs[f"{kind}_labels"]
        images = parse_idx(image_data, image_source, IMAGES_MAGIC)
        labels = parse_idx(label_data, label_source, LABELS_MAGIC)
        parts.append(_pair(images, labels, label_source))
    md5, sha256 = digests(data for _, data in blobs.values())
    X = np.concatenate([p[0] for p in parts]).reshape(-1, 28 * 28) / 255.0
    y = np.concatenate([p[1] for p in parts])
    return Dataset(
        X=X,
        y=y,
        name="mnist",
        n_classes=10,
        image_shape=(28, 28),
        preprocessing="mnist",
        test_start=len(parts[0][1]),
        source=str(Path(blobs["train_images"][0]).parent),
        md5=md5,
        sha256=sha256,
    )


def read_idx(path: Path, magic: int) -> bytes:
    """The bytes of an IDX file, raw or gzip, read only if they can be right.

    A raw file's header says how long the file must be: its size is
    checked against that before anything more is read, so that a huge file
    is refused with both byte counts instead of filling the memory.
    """
    what = "an MNIST IDX file"
    head = read_head(path, what, 16)
    if not is_gzip(head):
        source = str(path)
        shape, header = _header(head, source, magic)
        _check_payload(source, shape, header, path.stat().st_size - header)
    return read_data(
        path, what, MAX_IDX_BYTES + 16, too_large="far more than MNIST holds"
    )


def parse_idx(
    data: bytes, source: str = "<bytes>", magic: int | None = None
) -> NDArray[np.uint8]:
    """The values of an IDX file (raw or gzip), checked against its header.

    Returns an array of shape (count, rows, cols) for images (magic 2051)
    or (count,) for labels (magic 2049). ``magic``, when given, is the
    kind required.

    Raises
    ------
    DataError
        The header is short or has a wrong magic number or size, or the
        payload is not exactly as long as the header says.
    """
    data = gunzip_if_needed(data, source, MAX_IDX_BYTES + 16)
    shape, header = _header(data, source, magic)
    _check_payload(source, shape, header, len(data) - header)
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def _header(
    data: bytes, source: str, magic: int | None
) -> tuple[tuple[int, ...], int]:
    """The shape an IDX header declares, and the header's length in bytes."""
    if len(data) < 4:
        _short_header(source, 8, len(data))
    found = struct.unpack(">I", data[:4])[0]
    wanted = (magic,) if magic else (IMAGES_MAGIC, LABELS_MAGIC)
    if found not in wanted:
        names = {IMAGES_MAGIC: "images", LABELS_MAGIC: "labels"}
        magics = " or ".join(f"{m} ({names[m]})" for m in wanted)
        raise DataError(
            f"{source}: expected an IDX file starting with the magic number "
            f"{magics}, found {found}; is this an MNIST file?"
        )
    n_dims = 3 if found == IMAGES_MAGIC else 1
    header = 4 + 4 * n_dims
    if len(data) < header:
        _short_header(source, header, len(data))
    shape = struct.unpack(f">{n_dims}I", data[4:header])
    if n_dims == 3 and 0 in shape[1:]:
        raise DataError(
            f"{source}: the header gives images of {shape[1]}x{shape[2]} "
            "pixels; both sizes must be at least 1"
        )
    if math.prod(shape) > MAX_IDX_BYTES:
        raise DataError(
            f"{source}: the header promises {math.prod(shape):,} bytes, more "
            f"than the {MAX_IDX_BYTES:,} barenet reads from one IDX file"
        )
    return shape, header


def _check_payload(
    source: str, shape: tuple[int, ...], header: int, payload: int
) -> None:
    """A DataError unless ``payload`` bytes is what the header promises."""
    expected = math.prod(shape)
    if payload != expected:
        what = "truncated" if payload < expected else "oversized"
        raise DataError(
            f"{source}: {what}: the header promises {_count(shape)}, "
            f"{expected:,} bytes after the {header}-byte header, found "
            f"{payload:,}"
        )


def _pair(
    images: NDArray[np.uint8], labels: NDArray[np.uint8], source: str
) -> tuple[NDArray[np.uint8], NDArray[np.int64]]:
    if len(images) != len(labels):
        raise DataError(
            f"{source}: {len(labels):,} labels for {len(images):,} images; the "
            "image and label files do not belong together"
        )
    if images.shape[1:] != (28, 28):
        raise DataError(
            f"expected MNIST images of 28x28 pixels, found "
            f"{images.shape[1]}x{images.shape[2]}"
        )
    if labels.size and labels.max() > 9:
        i = int(np.argmax(labels > 9))
        raise DataError(
            f"{source}: label {i} is {labels[i]}, expected a digit 0..9"
        )
    return images, labels.astype(np.int64)


def _count(shape: tuple[int, ...]) -> str:
    if len(shape) == 3:
        return f"{shape[0]:,} images of {shape[1]}x{shape[2]} pixels"
    return f"{shape[0]:,} labels"


def _short_header(source: str, expected: int, found: int) -> NoReturn:
    raise DataError(
        f"{source}: truncated header: expected at least {expected} bytes, "
        f"found {found}"
    )
