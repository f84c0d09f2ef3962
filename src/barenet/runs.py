"""Run folders: where a training run keeps its model, report and plots.

A run folder holds ``model.npz``, ``report.json``, the run's PNG figures
and, if the run saved its state to be resumed, ``checkpoint.npz``. By
default it is ``runs/<date>-<time>`` under the current folder. Its report
says ``"in_progress": true`` until every file is written; a run that did
not get that far, or was interrupted, is unfinished (``run_finished``). An
existing folder that already holds a run is never written over, and two
commands never write into the same folder at once; the next command to
write one removes what a killed one left half-written. ``find_models`` lists
the models in a folder of runs, newest first.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import platform
import re
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from barenet._files import atomic_write_text
from barenet._json import plain
from barenet._lock import LockHeld, hold
from barenet.errors import ConfigError

MODEL, REPORT, CHECKPOINT = "model.npz", "report.json", "checkpoint.npz"
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
    held = [n for n in (*RUN_FILES, CHECKPOINT) if (path / n).exists()]
    if CHECKPOINT in held and not run_finished(path):
        raise ConfigError(
            f"--out {path} holds a run that did not finish "
            f"({', '.join(held)}); continue it with barenet train --resume "
            f"{path}, or choose another --out"
        )
    if held:
        raise ConfigError(
            f"--out {path} already holds a run ({', '.join(held)}); choose "
            "another folder, or delete that one first"
        )
    _mkdir(path, exist_ok=True)
    return path


def run_finished(path: Path) -> bool:
    """Whether the run folder ``path`` holds a run written to its end.

    That is: its model, and a report that says the run was neither in
    progress (training, or writing its files) nor interrupted. Reports
    written before ``in_progress`` existed were written at the end.
    """
    try:
        report = json.loads((path / REPORT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(report, dict)
        and not report.get("in_progress", False)
        and not report.get("interrupted", False)
        and (path / MODEL).is_file()
    )


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

    The claim is a lock file in the folder (``barenet._lock``), locked by
    the operating system for as long as the command runs and removed when
    it ends. A lock file left by a killed command is taken over.
    """
    lock = path / LOCK
    claim = contextlib.ExitStack()
    try:
        claim.enter_context(hold(lock))
    except LockHeld as held:
        who = f" ({held.holder})" if held.holder else ""
        raise ConfigError(
            f"another barenet command{who} is writing to {path}; wait for "
            "it to finish. If none is running, the lock is stale: delete "
            f"{lock} and try again"
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"cannot write to the run folder {path}: {exc.strerror or exc}"
        ) from None
    with claim:
        _remove_leftovers(path)
        yield path


def _remove_leftovers(path: Path) -> None:
    """Remove the temporary files of atomic writes cut short by SIGKILL.

    Only a command that holds the folder writes in it, so those found by
    the one that now holds it are a killed command's (``barenet._files``
    names them ``.NAME.XXXXXXXX.tmp``).
    """
    for leftover in path.glob(".*.tmp"):
        if _LEFTOVER.fullmatch(leftover.name):
            with contextlib.suppress(OSError):
                leftover.unlink()


_LEFTOVER = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp")


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
