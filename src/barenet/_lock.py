"""A lock file that one process at a time may hold, freed when it dies.

``hold(path)`` holds the lock file ``path`` for the body of a ``with``
block. Where the file system offers it (``fcntl.flock``, on Linux and
macOS), the claim is the operating system's lock on the open file, not the
file's existence or contents: the system lets it go when its process ends,
however it ends (SIGKILL, a crash, a machine or container restart), so a
lock left by a killed command is simply taken over. Nothing is judged from
a process id, which another process may be given later (a container's
first process is always number 1).

The file names its holder (process id and start time) for the message of
whoever finds it held. Where no such lock exists (Windows, some network
file systems), creating the file is the claim: a killed command's file then
stays, and ``LockHeld`` says so, for a person to remove it.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no advisory locks of this kind
    fcntl = None  # type: ignore[assignment]

_TRIES = 10


class LockHeld(Exception):
    """Another process holds the lock; ``holder`` is what its file says.

    ``certain`` is False where the file system has no locks: the file
    exists, but whether its holder still runs cannot be told.
    """

    def __init__(self, path: Path, holder: str, certain: bool):
        super().__init__(f"{path} is held by {holder or 'another process'}")
        self.path, self.holder, self.certain = path, holder, certain


@contextlib.contextmanager
def hold(path: Path) -> Iterator[None]:
    """Hold the lock file ``path``; raises LockHeld if another process does.

    OSError (no permission, say) goes to the caller. The file is removed
    when the block ends.
    """
    fd = _acquire(path)
    try:
        started = datetime.now().astimezone().isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.write(fd, f"process {os.getpid()}, started {started}\n".encode())
        yield
    finally:
        _release(fd, path)


def _release(fd: int, path: Path) -> None:
    """Remove the lock file, if it is still ours, and let go of it."""
    # A person may have removed it, and another command made its own since.
    ours = _same_file(fd, path)
    if fcntl is None:
        os.close(fd)  # Windows removes no file that is open
    # Removed while still locked: whoever opened it meanwhile finds, once
    # it gets the lock, that the path no longer names it.
    if ours:
        with contextlib.suppress(OSError):
            path.unlink()
    if fcntl is not None:
        os.close(fd)


def _acquire(path: Path) -> int:
    """A descriptor of ``path`` that this process now holds."""
    for _ in range(_TRIES):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
            created = True
        except FileExistsError:
            try:
                fd = os.open(path, os.O_RDWR)
            except FileNotFoundError:
                continue  # its holder just removed it
            created = False
        locked = _try_lock(fd)
        if locked is None and not created:
            os.close(fd)  # no lock to ask: the file's existence decides
            raise LockHeld(path, _holder(path), certain=False)
        if locked is False:
            os.close(fd)
            raise LockHeld(path, _holder(path), certain=True)
        if _same_file(fd, path):
            return fd
        # The holder removed the file between our opening and locking it:
        # the lock is on a file nobody else will look at. Start again.
        os.close(fd)
    raise LockHeld(path, _holder(path), certain=True)


def _try_lock(fd: int) -> bool | None:
    """True if this process now holds ``fd``'s lock, False if another one
    does, None if the file system has no such locks."""
    if fcntl is None:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError as exc:
        if exc.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL):
            return None
        raise
    return True


def _same_file(fd: int, path: Path) -> bool:
    """Whether ``path`` still names the file open as ``fd``."""
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path))
    except OSError:
        return False


def _holder(path: Path) -> str:
    """The holder as its lock file names it, or '' if it does not."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if line.startswith("process ") else ""
