"""Run folders: where a training run keeps its model, report and plots.

A run folder holds ``model.npz``, ``report.json`` and the run's PNG
figures. By default it is ``runs/<date>-<time>`` under the current folder.
An existing folder that already holds a run is never written over, and
two commands never write into the same folder at once.
``find_models`` lists the models in a folder of runs, newest first.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import platform
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from barenet._files import atomic_write_text
from barenet._json import plain
from barenet.errors import ConfigError

MODEL, REPORT = "model.npz", "report.json"
RUN_FILES = (MODEL, REPORT)


LOCK = ".barenet-run"
"""A file that marks a run folder as being written by a running command."""


def make_run_dir(
    out: str | os.PathLike[str] | None, root: str = "runs"
) -> Path:
    """Create and return the run folder: ``out``, or a new dated one.

    Raises ConfigError if ``out`` is a file or already holds a run.
    """
    if out is None:
        return _new_dated_folder(Path(root))
    path = Path(out)
    if str(out) == "":
        raise ConfigError("--out is empty; give a folder for the run")
    if path.exists() and not path.is_dir():
        raise ConfigError(f"--out {path} is a file; give a folder for the run")
    held = [name for name in RUN_FILES if (path / name).exists()]
    if held:
        raise ConfigError(
            f"--out {path} already holds a run ({', '.join(held)}); choose "
            "another folder, or delete that one first"
        )
    _mkdir(path, exist_ok=True)
    return path


def _new_dated_folder(root: Path) -> Path:
    """runs/<date>-<time>, with -2, -3 ... if that is taken."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    for n in itertools.count(1):
        path = root / (stamp if n == 1 else f"{stamp}-{n}")
        # mkdir without exist_ok claims the name: two runs started in the
        # same second cannot both get it.
        if _mkdir(path, exist_ok=False):
            return path
    raise AssertionError("unreachable")


def _mkdir(path: Path, exist_ok: bool) -> bool:
    """Create path (and parents); False if it existed and exist_ok is False."""
    try:
        path.mkdir(parents=True, exist_ok=exist_ok)
    except FileExistsError:
        return False
    except OSError as exc:
        raise ConfigError(
            f"cannot create the run folder {path}: {exc.strerror or exc}"
        ) from None
    return True


@contextlib.contextmanager
def claim_run_dir(path: Path) -> Iterator[Path]:
    """Hold the run folder for one command: a second one is refused.

    The claim is a lock file, created atomically in the folder, holding
    the command's process id, and removed when the command ends. A lock
    whose process no longer runs (the command was killed, or the machine
    restarted) is taken over.
    """
    lock = path / LOCK
    fd = _create_lock(lock)
    if fd is None and not _lock_holder_alive(lock):
        with contextlib.suppress(FileNotFoundError):
            lock.unlink()
        fd = _create_lock(lock)
    if fd is None:
        raise ConfigError(
            f"another barenet command is writing to {path} (its process id "
            f"is in {lock}); wait for it to finish"
        )
    try:
        os.write(fd, f"{os.getpid()}\n".encode())
        os.close(fd)
        yield path
    finally:
        with contextlib.suppress(OSError):
            lock.unlink()


def _create_lock(lock: Path) -> int | None:
    """A new lock file's descriptor, or None if the lock exists."""
    try:
        return os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return None
    except OSError as exc:
        raise ConfigError(
            f"cannot write to the run folder {lock.parent}: "
            f"{exc.strerror or exc}"
        ) from None


def _lock_holder_alive(lock: Path) -> bool:
    """Whether the process named in a lock file still runs."""
    try:
        pid = int(lock.read_text().strip())
    except (OSError, ValueError):
        return False  # unreadable or half-written: nobody holds it well
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)  # signal 0 asks only whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True


def environment() -> dict[str, str]:
    """Versions that a run's figures depend on."""
    from barenet import __version__

    return {
        "barenet": __version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }


def write_report(path: str | os.PathLike[str], report: dict[str, Any]) -> None:
    """Write a JSON report atomically; nan and inf are written as null."""
    text = json.dumps(plain(report), indent=2, allow_nan=False)
    atomic_write_text(path, text + "\n")


def find_models(root: str | os.PathLike[str] = "runs") -> list[Path]:
    """The ``model.npz`` files of the run folders in ``root``, newest first.

    A run folder is any folder directly inside ``root`` that holds a file
    named ``model.npz``; "newest" means the most recently written model
    file (ties broken by folder name, later first). A missing ``root``
    holds no models. The files are found, not validated: loading one may
    still fail.
    """
    root = Path(root)
    if not root.is_dir():
        return []
    found = []
    for run in root.iterdir():
        model = run / RUN_FILES[0]
        try:
            if run.is_dir() and model.is_file():
                found.append((model.stat().st_mtime, run.name, model))
        except OSError:  # removed while we looked, or unreadable
            continue
    found.sort(reverse=True)
    return [model for _, _, model in found]
