"""Atomic file writes: a file is either its old self or its new self.

A write goes to a temporary file in the destination's own folder, is
flushed to disk, and then replaces the destination in one ``os.replace``.
A crash, a kill or a full disk part-way through leaves the previous file
intact and no half-written one under the real name.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Open a temporary file for writing that becomes ``path`` on success.

    If the body raises, the temporary file is removed and ``path`` is left
    as it was.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write(
    path: str | os.PathLike[str], write: Callable[[BinaryIO], object]
) -> None:
    """Call ``write(f)`` on a temporary file, then move it onto ``path``."""
    with atomic_open(path) as f:
        write(f)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    atomic_write(path, lambda f: f.write(text.encode("utf-8")))
