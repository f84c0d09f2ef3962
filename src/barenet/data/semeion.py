"""The UCI Semeion handwritten digits: reading and checking the file.

Semeion Handwritten Digit Data Set, Semeion Research Center of Sciences of
Communication (Rome) and Tattile Srl (Brescia), 1994; UCI Machine Learning
Repository, licence CC BY 4.0. 1593 digits written by about 80 people,
each stretched into a 16x16 box and thresholded to black and white.

Each line of ``semeion.data`` holds 266 fields separated by spaces: 256
pixels, row by row, written ``0.0000`` or ``1.0000``, then 10 label
columns of which exactly one is 1 (column k set means digit k). Lines end
in CRLF, with a trailing space.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import numpy as np
from numpy.typing import NDArray

from barenet.data._bytes import float_rows, is_gzip, read_file
from barenet.data.base import Dataset
from barenet.data.cache import RemoteFile, fetch
from barenet.errors import DataError

SEMEION = RemoteFile(
    dataset="semeion",
    name="semeion.data",
    url="https://archive.ics.uci.edu/ml/machine-learning-databases/semeion/semeion.data",
    md5="cb545d371d2ce14ec121470795a77432",
    size=2_889_702,
)
N_PIXELS = 256
N_LABELS = 10
N_FIELDS = N_PIXELS + N_LABELS


MAX_BYTES = 1 << 26
"""Largest Semeion-format file read (64 MiB; the real one is 2.9 MB)."""
_ROWS_PER_CHUNK = 4096


def load_semeion(
    path: str | os.PathLike[str] | None = None,
    *,
    mirror: str | None = None,
    log: Callable[[str], None] | None = None,
) -> Dataset:
    """Load Semeion from ``path``, or from the cache (downloading it once).

    Returns a Dataset with X of shape (1593, 256) holding 0.0 and 1.0, and
    y holding the digits 0..9. ``mirror`` and ``log`` go to
    ``barenet.data.cache.fetch``.
    """
    if path is not None:
        source = Path(path).absolute()
    else:
        source = fetch(SEMEION, mirror=mirror, log=log)
    data = read_file(source, "the Semeion file", MAX_BYTES)
    X, y = parse_semeion(data, str(source))
    return Dataset(
        X=X,
        y=y,
        name="semeion",
        n_classes=N_LABELS,
        image_shape=(16, 16),
        preprocessing="semeion",
        source=str(source),
        md5=hashlib.md5(data, usedforsecurity=False).hexdigest(),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def parse_semeion(
    data: bytes, source: str = "<bytes>"
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Parse the text of a Semeion file into (X, y), checking every line.

    Blank lines are skipped, and a UTF-8 byte order mark at the start.
    Any other line that is not 256 pixels of 0 or 1 followed by 10 label
    columns with exactly one 1 is a DataError naming ``source``, the line
    number, what was expected and what was found.
    """
    data = data.removeprefix(codecs.BOM_UTF8)  # as some editors save text
    if is_gzip(data):
        raise DataError(
            f"{source}: the file is gzip-compressed; barenet reads the "
            "Semeion file as plain text: decompress it first (gunzip)"
        )
    if not data.isascii():
        at = next(i for i, byte in enumerate(data) if byte > 127)
        line_number = data[:at].count(b"\n") + 1
        raise DataError(
            f"{source}, line {line_number}: expected plain text "
            f"(numbers and spaces), found the byte 0x{data[at]:02x}. Is this "
            "the Semeion file?"
        )

    # Lines are read and converted a chunk at a time, so that the text's
    # lists of fields never take more memory than one chunk's worth.
    chunks, numbers = [], []
    rows: list[list[bytes]] = []
    for number, line in enumerate(io.BytesIO(data), start=1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != N_FIELDS:
            _fail(source, number, _FIELDS_WANTED, _fields_found(fields, line))
        numbers.append(number)
        rows.append(fields)
        if len(rows) == _ROWS_PER_CHUNK:
            chunks.append(float_rows(rows, numbers[-len(rows) :], source))
            rows = []
    if rows:
        chunks.append(float_rows(rows, numbers[-len(rows) :], source))
    if not chunks:
        raise DataError(
            f"{source}: no data rows found; is this the Semeion file?"
        )

    values = np.vstack(chunks)
    pixels, labels = values[:, :N_PIXELS], values[:, N_PIXELS:]
    _check_binary(pixels, numbers, source, "pixel", offset=0)
    _check_binary(labels, numbers, source, "label column", offset=N_PIXELS)
    counts = labels.sum(axis=1)
    bad = np.flatnonzero(counts != 1)
    if bad.size:
        i = bad[0]
        set_cols = np.flatnonzero(labels[i]).tolist()
        found = (
            "none" if not set_cols else f"{len(set_cols)} (digits {set_cols})"
        )
        _fail(
            source,
            numbers[i],
            "exactly one of the 10 label columns set to 1",
            f"{found} set",
        )
    return pixels.copy(), np.argmax(labels, axis=1).astype(np.int64)


_FIELDS_WANTED = (
    f"{N_FIELDS} fields ({N_PIXELS} pixels, then {N_LABELS} label columns)"
)


def _fields_found(fields: list[bytes], line: bytes) -> str:
    found = f"{len(fields)} fields"
    if b"\r" in line.rstrip():
        found += " (lines seem to end in CR alone; convert them to LF or CRLF)"
    return found


def _check_binary(
    values: NDArray[np.float64],
    numbers: list[int],
    source: str,
    what: str,
    offset: int,
) -> None:
    bad = np.argwhere((values != 0) & (values != 1))
    if bad.size:
        i, j = bad[0]
        _fail(
            source,
            numbers[i],
            f"{what} {j + 1} (field {offset + j + 1}) to be 0 or 1",
            repr(float(values[i, j])),
        )


def _fail(source: str, line: int, expected: str, found: str) -> NoReturn:
    raise DataError(
        f"{source}, line {line}: expected {expected}, found {found}"
    )
