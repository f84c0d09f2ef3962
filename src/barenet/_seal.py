"""The checksum that seals barenet's ``.npz`` files, metadata included.

Model files and checkpoints are ``.npz`` archives of arrays plus a
``metadata`` entry (UTF-8 JSON stored as bytes). From format version 2 on
they hold one more entry, ``sha256``: the SHA-256 of every other entry,
the metadata's bytes among them, written as 64 ASCII hex digits. Any
change to any entry, whether a weight or a word of the metadata, then
shows on loading.

Files of format version 1 had no such entry: their metadata held
``arrays_sha256``, which covers the arrays alone. They still load, with
only their arrays checked.

A checksum guards against accidents (a damaged copy, a hand edit), not
against someone who edits a file and recomputes it.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
from numpy.typing import NDArray

SEAL = "sha256"
"""The name of the entry holding the checksum."""


def arrays_sha256(arrays: dict[str, NDArray[Any]]) -> str:
    """SHA-256 over each array's name, dtype, shape and bytes, in order."""
    h = hashlib.sha256()
    for name in sorted(arrays):
        arr = np.ascontiguousarray(arrays[name])
        h.update(f"{name}:{arr.dtype.str}:{arr.shape};".encode())
        h.update(arr.tobytes())
    return h.hexdigest()


def seal(arrays: dict[str, NDArray[Any]]) -> None:
    """Add the ``sha256`` entry over every entry of ``arrays`` (in place)."""
    digest = arrays_sha256(arrays).encode("ascii")
    arrays[SEAL] = np.frombuffer(digest, dtype=np.uint8)


def broken_seal(
    arrays: dict[str, NDArray[Any]],
    metadata: NDArray[Any],
    digest: NDArray[Any] | None,
    meta: dict[str, Any],
) -> str | None:
    """Why a file's checksum does not hold, or None when it does.

    ``arrays`` are its entries other than ``metadata`` (the raw bytes) and
    ``sha256`` (``digest``, None if absent); ``meta`` is the parsed
    metadata, whose format version says which checksum the file carries.
    """
    if meta.get("format_version") == 1:
        if arrays_sha256(arrays) != meta.get("arrays_sha256"):
            return "the arrays' SHA-256 does not match the metadata"
        return None
    if digest is None:
        return f"no {SEAL} entry, which its format version needs"
    expected = arrays_sha256({**arrays, "metadata": metadata})
    if digest.dtype != np.uint8 or digest.tobytes() != expected.encode():
        return (
            "the SHA-256 of its entries does not match the one in its "
            f"{SEAL} entry"
        )
    return None
