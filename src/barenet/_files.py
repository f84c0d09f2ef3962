"""Atomic file writes: a file is either its old self or its new self.

A write goes to a temporary file in the destination's own folder, is
flushed to disk, and then replaces the destination in one ``os.replace``.
A crash, a kill or a full disk part-way through leaves the previous file
intact and no half-written one under the real name. (Only SIGKILL can
leave the temporary file itself behind, under a name starting with a dot.)
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from barenet.errors import WriteError


def _read_umask() -> int:
    # The only portable way to read the umask is to set it and set it back.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# A new file gets the permissions any other program's new file would get
# (0o666 less the umask); mkstemp alone would make it private (0o600).
_NEW_FILE_MODE = 0o666 & ~_read_umask()

T = TypeVar("T")


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Open a temporary file for writing that becomes ``path`` on success.

    Every failure to write (a full disk, a file size limit, no permission)
    is a WriteError naming ``path``: writes to the file yielded, and the
    steps around the body (creating, flushing, syncing, closing, renaming
    the file). If the body raises, the temporary file is removed, ``path``
    is left as it was, and the body's exception goes on unchanged: a
    failed close after it cannot hide it.
    """
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
        )
        os.fchmod(fd, _NEW_FILE_MODE)
    except OSError as exc:
        raise write_error(path, exc) from None
    f = _Writer(io.FileIO(fd, "wb"), path)
    try:
        try:
            yield f
            f.flush()
            _named(path, os.fsync, f.fileno())
        except BaseException:
            # The data could not all be written: the first error tells why.
            with contextlib.suppress(OSError):
                f.close()
            raise
        _named(path, f.close)
        _named(path, os.replace, tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class _Writer(io.BufferedWriter):
    """A buffered file whose failures to write are WriteErrors naming
    the file it will become."""

    def __init__(self, raw: io.FileIO, path: Path):
        super().__init__(raw)
        self.path = path

    def write(self, data: Any) -> int:
        return _named(self.path, super().write, data)

    def flush(self) -> None:
        _named(self.path, super().flush)

    def seek(self, offset: int, whence: int = 0) -> int:
        # Moving in a buffered file writes out what the buffer holds.
        return _named(self.path, super().seek, offset, whence)

    def truncate(self, size: int | None = None) -> int:
        return _named(self.path, super().truncate, size)


def _named(path: Path, step: Callable[..., T], *args: Any) -> T:
    """``step(*args)``, with an OSError turned into a WriteError for ``path``."""
    try:
        return step(*args)
    except WriteError:
        raise
    except OSError as exc:
        raise write_error(path, exc) from None


def atomic_write(
    path: str | os.PathLike[str], write: Callable[[BinaryIO], object]
) -> None:
    """Call ``write(f)`` on a temporary file, then move it onto ``path``.

    Any OSError while writing (a full disk, say) is a WriteError naming
    ``path``.
    """
    with atomic_open(path) as f:
        _named(Path(path), write, f)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    atomic_write(path, lambda f: f.write(text.encode("utf-8")))


def write_error(path: Path, exc: OSError) -> WriteError:
    """A WriteError for ``path`` that quotes the system's reason."""
    reason = exc.strerror or str(exc)
    error = WriteError(f"cannot write {path}: {reason}")
    error.strerror = reason  # so that callers may quote the reason alone
    return error
