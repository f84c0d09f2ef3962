"""USPS handwritten zip-code digits, in the text format of ESL.

The version distributed with "The Elements of Statistical Learning"
(Hastie, Tibshirani, Friedman), from digits scanned off envelopes by the
U.S. Postal Service (Le Cun et al., 1990): 7,291 training and 2,007 test
digits, deslanted and size-normalised to 16x16 grey images. The digits
fill the height of the box and keep their aspect ratio.

Each line of ``zip.train.gz`` and ``zip.test.gz`` holds the digit (written
like ``6.0000``) and then 256 grey values in [-1, 1], row by row, with -1
the background. barenet turns them into its usual ink-high 0..1 scale,
``(v + 1) / 2``. The files are gzip-compressed; raw text works too. A
file holding more than ``MAX_TEXT_BYTES`` of text is refused.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import numpy as np
from numpy.typing import NDArray

from barenet.data._bytes import (
    digests,
    float_rows,
    gunzip_if_needed,
    lines,
    local_copy,
    overflow_note,
    read_data,
)
from barenet.data.base import Dataset
from barenet.data.cache import RemoteFile, fetch
from barenet.errors import DataError

_URL = "https://hastie.su.domains/ElemStatLearn/datasets/"
USPS_FILES = {
    kind: RemoteFile("usps", name, _URL + name, md5, size)
    for kind, name, md5, size in (
        ("train", "zip.train.gz", "206835541ea704bcfb4b6eea872678bf", 1829071),
        ("test", "zip.test.gz", "f9350e940232b89f1dc8f8eacac88625", 439208),
    )
}
N_PIXELS = 256
MAX_TEXT_BYTES = 1 << 26
"""Largest decompressed file read (64 MiB; zip.train holds about 13 MB)."""
_ROWS_PER_CHUNK = 4096


def load_usps(
    path: str | os.PathLike[str] | None = None,
    *,
    mirror: str | None = None,
    log: Callable[[str], None] | None = None,
) -> Dataset:
    """Load USPS: 9,298 digits, the last 2,007 its own test set.

    Parameters
    ----------
    path : folder, optional
        A folder holding ``zip.train.gz`` and ``zip.test.gz`` (or the
        uncompressed ``zip.train`` and ``zip.test``). By default the cache,
        downloading each file once and checking its MD5.
    mirror, log
        Passed to ``barenet.data.cache.fetch``.

    Returns
    -------
    Dataset
        X (9298, 256) in 0..1, ink high; y the digits; ``test_start`` 7291.
    """
    parts, blobs = [], []
    for remote in USPS_FILES.values():
        where = (
            local_copy(Path(path), remote, "zip.train.gz and zip.test.gz")
            if path is not None
            else fetch(remote, mirror=mirror, log=log)
        )
        data = read_data(
            where,
            "a USPS file",
            MAX_TEXT_BYTES,
            too_large="far more than USPS holds; check the path",
        )
        blobs.append(data)
        parts.append(parse_usps(data, str(where)))
    md5, sha256 = digests(blobs)
    return Dataset(
        X=np.concatenate([X for X, _ in parts]),
        y=np.concatenate([y for _, y in parts]),
        name="usps",
        n_classes=10,
        image_shape=(16, 16),
        preprocessing="usps",
        test_start=len(parts[0][1]),
        source=str(where.parent),
        md5=md5,
        sha256=sha256,
    )


def parse_usps(
    data: bytes, source: str = "<bytes>"
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Parse a USPS file (raw or gzip) into X in 0..1, ink high, and y.

    Blank lines are skipped. A line that is not a digit 0..9 and 256
    values in [-1, 1] is a DataError naming ``source`` and the line.
    """
    data = gunzip_if_needed(data, source, MAX_TEXT_BYTES)
    if not data.isascii():
        at = next(i for i, byte in enumerate(data) if byte > 127)
        line = data[:at].count(b"\n") + 1
        _fail(source, line, "plain text", f"the byte 0x{data[at]:02x}")

    # Lines are converted a chunk at a time, so that the text's lists of
    # fields never take more memory than one chunk's worth.
    chunks, rows, numbers = [], [], []
    for number, text_line in enumerate(lines(data), start=1):
        fields = text_line.split()
        if not fields:
            continue
        if len(fields) != N_PIXELS + 1:
            _fail(
                source,
                number,
                f"{N_PIXELS + 1} fields (the digit, then {N_PIXELS} grey values)",
                f"{len(fields)} fields",
            )
        rows.append(fields)
        numbers.append(number)
        if len(rows) == _ROWS_PER_CHUNK:
            chunks.append(_chunk(rows, numbers, source))
            rows, numbers = [], []
    if rows:
        chunks.append(_chunk(rows, numbers, source))
    if not chunks:
        raise DataError(f"{source}: no data rows found; is this a USPS file?")
    values = np.vstack(chunks)
    return (values[:, 1:] + 1.0) / 2.0, values[:, 0].astype(np.int64)


def _chunk(
    rows: list[list[bytes]], numbers: list[int], source: str
) -> NDArray[np.float64]:
    """Lines as floats (the digit, then the grey values), every one checked."""
    values = float_rows(rows, numbers, source)
    labels, pixels = values[:, 0], values[:, 1:]
    wrong = np.flatnonzero(~np.isin(labels, np.arange(10)))
    if wrong.size:
        i = wrong[0]
        _fail(source, numbers[i], "a digit 0..9 first", _shown(rows[i][0]))
    outside = np.argwhere(~((pixels >= -1) & (pixels <= 1)))
    if outside.size:
        i, j = outside[0]
        _fail(
            source,
            numbers[i],
            f"grey value {j + 1} in [-1, 1]",
            _shown(rows[i][j + 1]),
        )
    return values


def _shown(field: bytes) -> str:
    """A field as the error shows it: quoted, and if it is a number too
    large for float64, said so."""
    return repr(field.decode("ascii")[:40]) + overflow_note(field)


def _fail(source: str, line: int, expected: str, found: str) -> NoReturn:
    raise DataError(
        f"{source}, line {line}: expected {expected}, found {found}"
    )
