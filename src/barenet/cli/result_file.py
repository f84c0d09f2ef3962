"""The JSON result file of a long command, checked before the work starts.

``barenet cv`` trains for many minutes and then writes one JSON file. A
mistake in where that file goes must show before the first minute, not
after the last, and the file must never replace something it should not.
So ``check_result_file`` looks at the path at once: it must not be a
folder, its folder must exist, and a file already there may be
replaced only if it is an earlier result of the same command (or the user
says ``--overwrite``). Without a path, ``new_result_file`` picks a new name
``runs/<prefix>-<date>-<time>.json``, as ``barenet train`` picks a new run
folder.

The file itself is written atomically (``barenet._files``) each time the
command has something new to keep, so that whatever stops the command, the
file holds the last complete state.
"""

from __future__ import annotations

import itertools
import json
import os
import stat
from datetime import datetime
from pathlib import Path

from barenet.errors import ConfigError

_PEEK = 1 << 20
"""Bytes read from an existing file to tell whether it is a result: more
than any result file holds."""


def check_result_file(path: Path, command: str, overwrite: bool) -> Path:
    """``path`` if the result of ``command`` may be written there.

    Raises ConfigError, naming the option ``--out``, if the path is a
    folder, if its folder does not exist, or if it names a file that
    is not an earlier result of ``command`` and ``overwrite`` is False.
    """
    if path.is_dir():
        raise ConfigError(
            f"--out {path} is a folder; give a file name, such as "
            f"{path / (command + '.json')}"
        )
    folder = path.parent
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise ConfigError(
            f"--out {path}: {folder} {what}; create the folder first, or "
            "choose another place"
        )
    if path.exists() or path.is_symlink():
        _check_replaceable(path, command, overwrite)
    return path


def _check_replaceable(path: Path, command: str, overwrite: bool) -> None:
    """Refuse to replace anything but a regular file holding a result."""
    try:
        mode = path.stat().st_mode
    except OSError:
        mode = 0  # a dangling link: replacing it loses nothing
    if mode and not stat.S_ISREG(mode):
        raise ConfigError(
            f"--out {path} is not a regular file; give the name of a file "
            "to write"
        )
    if overwrite or not mode or is_result_of(path, command):
        return
    raise ConfigError(
        f"--out {path} already exists and is not a result of barenet "
        f"{command}; choose another name, or add --overwrite to replace it"
    )


def is_result_of(path: Path, command: str) -> bool:
    """Whether ``path`` holds a JSON result written by ``barenet command``."""
    try:
        with path.open("rb") as f:
            head = f.read(_PEEK + 1)
    except OSError:
        return False
    if len(head) > _PEEK:
        return False
    try:
        found = json.loads(head)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(found, dict) and found.get("command") == command


def new_result_file(prefix: str, root: str = "runs") -> Path:
    """Create and return a new, empty ``root/<prefix>-<date>-<time>.json``.

    ``-2``, ``-3`` ... are added if that name is taken; the file is created
    here, so that two commands started in the same second cannot both get
    it. Raises ConfigError if the folder cannot be made or written.
    """
    folder = Path(root)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for n in itertools.count(1):
            path = folder / f"{prefix}-{stamp}{'' if n == 1 else f'-{n}'}.json"
            try:
                os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            except FileExistsError:
                continue
            return path
    except OSError as exc:
        raise ConfigError(
            f"cannot write the results into {folder}: {exc.strerror or exc}; "
            "choose a file with --out"
        ) from None
    raise AssertionError("unreachable")
