"""Atomic file writes: a file is either its old self or its new self.

A write goes to a temporary file in the destination's own folder, is
flushed to disk, and then replaces the destination in one ``os.replace``.
A crash, a kill or a full disk part-way through leaves the previous file
intact and no half-written one under the real name. (Only SIGKILL can
leave the temporary file itself behind, under a name starting with a dot.)
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from barenet.errors import WriteError


def _read_umask() -> int:
    # The only portable way to read the umask is to set it and set it back.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# A new file gets the permissions any other program's new file would get
# (0o666 less the umask); mkstemp alone would make it private (0o600).
_NEW_FILE_MODE = 0o666 & ~_read_umask()


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Open a temporary file for writing that becomes ``path`` on success.

    If the body raises, the temporary file is removed, ``path`` is left as
    it was, and the body's exception goes on unchanged. Failures of the
    steps around the body (creating, syncing or renaming the file) are a
    WriteError naming ``path``.
    """
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
        )
        os.fchmod(fd, _NEW_FILE_MODE)
    except OSError as exc:
        raise write_error(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            try:
                f.flush()
                os.fsync(f.fileno())
            except OSError as exc:
                raise write_error(path, exc) from None
        try:
            os.replace(tmp, path)
        except OSError as exc:
            raise write_error(path, exc) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write(
    path: str | os.PathLike[str], write: Callable[[BinaryIO], object]
) -> None:
    """Call ``write(f)`` on a temporary file, then move it onto ``path``.

    Any OSError while writing (a full disk, say) is a WriteError naming
    ``path``.
    """
    with atomic_open(path) as f:
        try:
            write(f)
        except WriteError:
            raise
        except OSError as exc:
            raise write_error(Path(path), exc) from None


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    atomic_write(path, lambda f: f.write(text.encode("utf-8")))


def write_error(path: Path, exc: OSError) -> WriteError:
    """A WriteError for ``path`` that quotes the system's reason."""
    reason = exc.strerror or str(exc)
    error = WriteError(f"cannot write {path}: {reason}")
    error.strerror = reason  # so that callers may quote the reason alone
    return error
