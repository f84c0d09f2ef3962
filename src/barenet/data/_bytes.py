"""Reading a data file's bytes: gzip told apart by content, with a size cap.

Data files come raw or gzip-compressed, whatever their names say; the
two bytes every gzip stream starts with decide. Decompression stops at a
limit, so that a small damaged or hostile file cannot fill the memory.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import math
import os
import re
import zlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from barenet.data.cache import RemoteFile, check_regular_file
from barenet.errors import DataError

GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20


def read_file(
    path: str | os.PathLike[str],
    what: str,
    limit: int | None = None,
    too_large: str = "far beyond any file of this kind; check the path",
) -> bytes:
    """The bytes of ``path``, or a DataError naming ``what`` it should be.

    The path must be a regular file (a folder or a FIFO is an error, not a
    hang) of at most ``limit`` bytes when a limit is given; ``too_large``
    ends the error for a larger one. Only ``limit + 1`` bytes are read.
    """
    path = Path(path)
    check_regular_file(path, what)
    try:
        with open(path, "rb") as f:
            if limit is None:
                return f.read()
            # The size first, so that a huge file is not read at all.
            size = os.fstat(f.fileno()).st_size
            data = f.read(size + 1) if size <= limit else b""
            if len(data) > size:  # the file grew while it was read
                data += f.read(limit + 1 - len(data))
    except OSError as exc:
        raise DataError(
            f"cannot read {what} {path}: {exc.strerror or exc}"
        ) from None
    if size > limit or len(data) > limit:
        raise DataError(
            f"{what} {path} is larger than {limit:,} bytes, {too_large}"
        )
    return data


def read_head(path: str | os.PathLike[str], what: str, n: int) -> bytes:
    """The first ``n`` bytes of ``path`` (fewer if it is shorter)."""
    path = Path(path)
    check_regular_file(path, what)
    try:
        with open(path, "rb") as f:
            return f.read(n)
    except OSError as exc:
        raise DataError(
            f"cannot read {what} {path}: {exc.strerror or exc}"
        ) from None


def compressed_limit(limit: int) -> int:
    """Most bytes a gzip file of at most ``limit`` bytes of content takes.

    Content that does not compress is stored in blocks of 64 KiB with 5
    bytes of framing each; the stream adds a header and trailer.
    """
    return limit + 5 * (limit // 65535 + 1) + 1024


def is_gzip(data: bytes) -> bool:
    """Whether ``data`` starts like a gzip stream."""
    return data[:2] == GZIP_MAGIC


def read_data(
    path: str | os.PathLike[str], what: str, limit: int, too_large: str
) -> bytes:
    """The bytes of a data file, raw or gzip, whose content may not pass
    ``limit`` bytes: a raw file of more is refused unread, and a gzip file
    is read up to the size such content could compress to."""
    compressed = is_gzip(read_head(path, what, 2))
    cap = compressed_limit(limit) if compressed else limit
    return read_file(path, what, cap, too_large)


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
    return b"".join(content(data, source, limit))


def content(data: bytes, source: str, limit: int) -> Iterator[bytes]:
    """``data``, decompressed if it is gzip, a chunk at a time.

    Raises DataError once the gzip stream proves damaged, or its content
    passes ``limit`` bytes.
    """
    if not is_gzip(data):
        for start in range(0, len(data), _CHUNK):
            yield data[start : start + _CHUNK]
        return
    total = 0
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            while chunk := stream.read(min(_CHUNK, limit + 1 - total)):
                total += len(chunk)
                if total > limit:
                    raise DataError(
                        f"{source}: the gzip data decompress to more than "
                        f"{limit:,} bytes, far more than this data set holds"
                    )
                yield chunk
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(
            f"{source}: damaged gzip data ({exc}); download the file again"
        ) from None


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


def overflow_note(text: str | bytes) -> str:
    """`` (too large for a 64-bit float)`` if ``text`` is a finite number
    written too large for float64 (``1e400``), else nothing.

    ``float`` reads such a number as inf; this tells it from ``inf``.
    """
    word = text.decode("ascii", "replace") if isinstance(text, bytes) else text
    word = word.strip().lstrip("+-").lower()
    if word in ("inf", "infinity") or not math.isinf(_float_or_nan(word)):
        return ""
    return " (too large for a 64-bit float, whose largest is about 1.8e308)"


def _float_or_nan(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def lines(data: bytes) -> Iterator[bytes]:
    """The lines of ``data`` one at a time, ended by LF, CRLF or CR alone."""
    for match in _LINE.finditer(data):
        yield match.group()


_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def float_rows(
    rows: Sequence[Sequence[bytes]], lines: Sequence[int], source: str
) -> NDArray[np.float64]:
    """Rows of fields as one float array, or a DataError naming the line
    (``lines[i]`` is row i's) and field of the first that is no number."""
    values, bad = parse_floats(rows)
    if bad is None:
        # float() reads 1e400 as inf: such a number is refused as too large.
        assert values is not None
        for i, j in np.argwhere(np.isinf(values)):
            if overflow_note(rows[i][j]):
                bad = (int(i), int(j))
                break
        else:
            return values
    i, j = bad
    text = rows[i][j].decode("ascii", "replace")[:40]
    raise DataError(
        f"{source}, line {lines[i]}: expected a number in field {j + 1}, "
        f"found {text!r}{overflow_note(rows[i][j])}"
    )


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
