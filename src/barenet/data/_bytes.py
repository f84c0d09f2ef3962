"""Reading a data file's bytes: gzip told apart by content, with a size cap.

Data files come raw or gzip-compressed, whatever their names say; the
two bytes every gzip stream starts with decide. Decompression stops at a
limit, so that a small damaged or hostile file cannot fill the memory.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from barenet.data.cache import RemoteFile, check_regular_file
from barenet.errors import DataError

GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20


def read_file(
    path: str | os.PathLike[str], what: str, limit: int | None = None
) -> bytes:
    """The bytes of ``path``, or a DataError naming ``what`` it should be.

    The path must be a regular file (a folder or a FIFO is an error, not a
    hang) of at most ``limit`` bytes when a limit is given.
    """
    path = Path(path)
    check_regular_file(path, what)
    try:
        with open(path, "rb") as f:
            data = f.read() if limit is None else f.read(limit + 1)
    except OSError as exc:
        raise DataError(
            f"cannot read {what} {path}: {exc.strerror or exc}"
        ) from None
    if limit is not None and len(data) > limit:
        raise DataError(
            f"{what} {path} is larger than {limit} bytes, far beyond any "
            "file of this kind; check the path"
        )
    return data


def is_gzip(data: bytes) -> bool:
    """Whether ``data`` starts like a gzip stream."""
    return data[:2] == GZIP_MAGIC


def gunzip_if_needed(data: bytes, source: str, limit: int) -> bytes:
    """``data`` itself, or its decompressed content if it is gzip.

    Raises DataError if the gzip stream is damaged or would decompress to
    more than ``limit`` bytes.
    """
    if not is_gzip(data):
        return data
    return read_gzip(data, source, limit)


def read_gzip(data: bytes, source: str, limit: int) -> bytes:
    """Decompress gzip ``data``, at most ``limit`` bytes of it."""
    out = bytearray()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            while chunk := stream.read(min(_CHUNK, limit + 1 - len(out))):
                out += chunk
                if len(out) > limit:
                    raise DataError(
                        f"{source}: the gzip data decompress to more than "
                        f"{limit:,} bytes, far more than this data set holds"
                    )
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(
            f"{source}: damaged gzip data ({exc}); download the file again"
        ) from None
    return bytes(out)


def local_copy(folder: Path, remote: RemoteFile, all_files: str) -> Path:
    """The file for ``remote`` in a user's folder, compressed or not.

    ``all_files`` names every file the folder should hold, for the error.
    """
    if not folder.is_dir():
        raise DataError(
            f"{folder} is not a folder; for {remote.dataset}, --data names "
            f"the folder holding {all_files}"
        )
    for name in (remote.name, remote.name.removesuffix(".gz")):
        if (folder / name).is_file():
            return folder / name
    raise DataError(
        f"{folder} has no {remote.name} (nor {remote.name.removesuffix('.gz')})"
        f"; put {all_files} there under their published names"
    )


def digests(blobs: Iterable[bytes]) -> tuple[str, str]:
    """(md5, sha256) of the files' bytes, concatenated in order."""
    md5, sha = hashlib.md5(usedforsecurity=False), hashlib.sha256()
    for data in blobs:
        md5.update(data)
        sha.update(data)
    return md5.hexdigest(), sha.hexdigest()


def parse_floats(
    rows: Sequence[Sequence[str | bytes]],
) -> tuple[NDArray[np.float64], None] | tuple[None, tuple[int, int]]:
    """Rows of text fields as one float array, or where the first non-number is.

    Returns ``(X, None)``, or ``(None, (row, column))`` of the first field
    that ``float`` does not accept. NumPy converts all rows at once; only
    when it refuses are the fields converted one by one.
    """
    try:
        return np.array(rows, dtype=np.float64), None
    except ValueError:
        pass
    parsed = []
    for i, fields in enumerate(rows):
        row = []
        for j, field in enumerate(fields):
            try:
                row.append(float(field))
            except ValueError:
                return None, (i, j)
        parsed.append(row)
    return np.array(parsed, dtype=np.float64), None
