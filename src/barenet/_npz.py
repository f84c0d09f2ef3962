"""Reading an ``.npz`` archive that may be hostile, without trusting it.

``numpy.load`` trusts an archive more than a file from a stranger
deserves: it inflates compressed entries however large they grow, and it
allocates whatever shape an array's header claims before reading a byte
of data. barenet writes its archives with ``numpy.savez``, which stores
entries uncompressed, so ``read_npz`` accepts only that and checks, before
allocating anything, that each array's header agrees with the entry's
actual size. Memory used is then bounded by the size of the file.

Any problem is an ``NpzError`` whose message is the reason, for the caller
to wrap in its own "not a valid ..." error.
"""

from __future__ import annotations

import math
import os
import stat
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

MAX_ENTRIES = 4096
"""More entries than any barenet archive holds."""


class NpzError(ValueError):
    """The archive is not one barenet could have written; says why."""


def read_npz(path: str | os.PathLike[str]) -> dict[str, NDArray[Any]]:
    """Every array in the archive at ``path``, by name (without ``.npy``).

    Raises FileNotFoundError if there is no such file, and NpzError for
    anything that is not a regular file holding an uncompressed ``.npz``
    of plain (non-object) arrays.
    """
    path = Path(path)
    mode = path.stat().st_mode  # FileNotFoundError passes through
    if stat.S_ISDIR(mode):
        raise NpzError("a folder, not a file")
    if not stat.S_ISREG(mode):
        raise NpzError("not a regular file")
    with open(path, "rb") as f:
        try:
            archive = zipfile.ZipFile(f)
        except zipfile.BadZipFile:
            raise NpzError("not an .npz archive (not a zip file)") from None
        with archive:
            entries = archive.infolist()
            if len(entries) > MAX_ENTRIES:
                raise NpzError(f"{len(entries)} entries, more than any model")
            return {
                _array_name(entry): _read_entry(archive, entry)
                for entry in entries
            }


def _array_name(entry: zipfile.ZipInfo) -> str:
    if not entry.filename.endswith(".npy"):
        raise NpzError(f"an entry {entry.filename[:80]!r} that is not an array")
    return entry.filename.removesuffix(".npy")


def _read_entry(
    archive: zipfile.ZipFile, entry: zipfile.ZipInfo
) -> NDArray[Any]:
    """One array, its header checked against the entry's size first."""
    if entry.compress_type != zipfile.ZIP_STORED:
        raise NpzError(
            f"{entry.filename[:80]} is compressed; barenet writes archives "
            "uncompressed"
        )
    with archive.open(entry) as fp:
        version = np.lib.format.read_magic(fp)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(fp)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(fp)
        else:
            raise NpzError(f"{entry.filename[:80]}: .npy version {version}")
        if dtype.hasobject:
            raise NpzError(
                f"{entry.filename[:80]} holds Python objects, which barenet "
                "never loads"
            )
        n_bytes = math.prod(shape) * dtype.itemsize
        if fp.tell() + n_bytes != entry.file_size:
            raise NpzError(
                f"{entry.filename[:80]}: its header claims shape {shape} "
                f"({n_bytes} bytes), but the entry holds "
                f"{entry.file_size - fp.tell()} bytes"
            )
        data = bytearray(fp.read(n_bytes))  # writable, unlike bytes
    flat = np.frombuffer(data, dtype=dtype)
    return flat.reshape(shape, order="F") if fortran else flat.reshape(shape)
