"""Run folders: where a training run keeps its model, report and plots.

A run folder holds ``model.npz``, ``report.json`` and the run's PNG
figures. By default it is ``runs/<date>-<time>`` under the current folder.
An existing folder that already holds a run is never written over.
``find_models`` lists the models in a folder of runs, newest first.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from barenet._files import atomic_write_text
from barenet.errors import ConfigError

RUN_FILES = ("model.npz", "report.json")


def make_run_dir(
    out: str | os.PathLike[str] | None, root: str = "runs"
) -> Path:
    """Create and return the run folder: ``out``, or a new dated one.

    Raises ConfigError if ``out`` is a file or already holds a run.
    """
    if out is None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        base = Path(root) / stamp
        path, n = base, 1
        while path.exists():
            n += 1
            path = base.with_name(f"{stamp}-{n}")
    else:
        path = Path(out)
        if path.exists() and not path.is_dir():
            raise ConfigError(
                f"--out {path} is a file; give a folder for the run"
            )
        held = [name for name in RUN_FILES if (path / name).exists()]
        if held:
            raise ConfigError(
                f"--out {path} already holds a run ({', '.join(held)}); choose "
                "another folder, or delete that one first"
            )
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"cannot create the run folder {path}: {exc.strerror or exc}"
        ) from None
    return path


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
    """Write a JSON report atomically; refuses nan and inf."""
    atomic_write_text(
        path, json.dumps(report, indent=2, allow_nan=False) + "\n"
    )


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
