"""Checkpoints and ``--resume`` for ``barenet train``.

With ``--checkpoint-every N`` a run saves ``checkpoint.npz`` in its folder
every N epochs and when it ends (see ``barenet.checkpoint``); Ctrl-C saves
one too, after the gradient step in progress. Besides the training state,
the file keeps the command's options (paths made absolute) and the data
set's checksum, so that

    barenet train --resume RUN_DIR

needs nothing else: it loads the same data, checks that it has not
changed, rebuilds the same network, and carries on. The resumed run ends
exactly as an uninterrupted one would have, and writes its model, report
and figures into RUN_DIR. A run whose training had ended but whose folder
was not written to the end (the command was killed while writing it) is
finished: its files are written, and nothing is trained. Which other
options ``--resume`` takes is ``barenet.cli.resume``'s concern.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from barenet.checkpoint import load_checkpoint, save_checkpoint
from barenet.cli.options import folder, positive_int
from barenet.cli.resume import resume_options
from barenet.data import Dataset
from barenet.errors import ConfigError, DataError
from barenet.runs import CHECKPOINT, run_finished
from barenet.training import TrainState

_PATHS = ("data", "csv", "out")  # options that hold paths


def add_checkpoint_options(p: argparse.ArgumentParser) -> None:
    """Declare --checkpoint-every and --resume."""
    p.add_argument(
        "--checkpoint-every",
        type=positive_int,
        metavar="N",
        help="save the run's state in its folder every N epochs, to resume "
        "it later (Ctrl-C saves it too)",
    )
    p.add_argument(
        "--resume",
        type=folder,
        metavar="RUN_DIR",
        help="continue the run saved in RUN_DIR with its own settings; "
        "--epochs N sets its length (to train a finished run further), "
        "--threads, --quiet, --samples, --checkpoint-every and --data (an "
        "identical copy) may change; any other option must keep the run's "
        "value",
    )


@dataclass
class Resumed:
    """A run to continue: its state, and what the command saved with it."""

    state: TrainState
    extra: dict[str, Any]


def resumed_args(
    args: argparse.Namespace,
) -> tuple[argparse.Namespace, Resumed]:
    """The saved run's options (output in RUN_DIR), and its state."""
    folder = args.resume
    path = folder / CHECKPOINT
    if not path.is_file():
        raise ConfigError(
            f"{folder} holds no {CHECKPOINT}: only runs started with "
            "--checkpoint-every N, or stopped with Ctrl-C, can be resumed"
        )
    state, extra = load_checkpoint(path)
    saved = dict(extra.get("args") or {})
    for name in _PATHS:
        if saved.get(name) is not None:
            saved[name] = Path(saved[name])
    facts = extra.get("data")
    merged = resume_options(
        args,
        saved,
        state,
        facts if isinstance(facts, dict) else {},
        folder,
        finished=run_finished(folder),
    )
    return merged, Resumed(state, extra)


def load_resumed_data(
    load: Callable[[argparse.Namespace], Dataset],
    args: argparse.Namespace,
    folder: Path,
) -> Dataset:
    """``load(args)``; a failure says how to point --resume at the data."""
    try:
        return load(args)
    except DataError as exc:
        option = "--csv" if args.csv is not None else "--data"
        raise DataError(
            f"{exc}. To resume the run in {folder}, give {option} PATH "
            "naming a copy of its data"
        ) from None


def check_same_data(data: Dataset, resumed: Resumed, folder: Path) -> None:
    """Refuse to continue a run on data other than its own."""
    before = resumed.extra.get("data", {}).get("md5")
    if before != data.md5:
        raise ConfigError(
            f"the data changed since the run in {folder} was saved: "
            f"{data.source} has MD5 {data.md5}, the run's data had {before}; "
            "resume with the same data (--data or --csv may name an "
            "identical copy)"
        )


class Checkpointer:
    """Saves the run's checkpoint; used as ``train(checkpoint=...)``.

    ``before_save(state)``, if set, is called first: the command writes
    the model and report of the same weights there, so that the run
    folder's model is never older than its checkpoint.

    The state a run ends with is saved if the run saves checkpoints
    (``--checkpoint-every``) or already had one (it is resumed), so that
    ``--resume --epochs N`` extends it from its end.
    """

    def __init__(
        self,
        path: Path,
        args: argparse.Namespace,
        data: Dataset,
        resumed: Resumed | None,
    ):
        self.path = path
        # Paths made absolute: the run may be resumed from another folder.
        self.args = {
            name: str(value.absolute()) if isinstance(value, Path) else value
            for name, value in vars(args).items()
            if name not in ("run", "resume", "given")
        }
        self.data = data.describe()
        self.every: int | None = args.checkpoint_every
        self.resumed = resumed is not None
        self.before = float(resumed.extra["seconds"]) if resumed else 0.0
        self.started = time.perf_counter()
        self.saved = False
        self.before_save: Callable[[TrainState], object] | None = None

    def seconds(self) -> float:
        """Training time so far, over every session of the run."""
        return self.before + time.perf_counter() - self.started

    def __call__(self, state: TrainState) -> None:
        interrupted = state.history.interrupted
        if self.every is None and not self.resumed and not interrupted:
            return  # the end of a run that keeps no checkpoints
        if self.before_save is not None:
            self.before_save(state)
        extra = {
            "args": self.args,
            "data": self.data,
            "seconds": self.seconds(),
        }
        save_checkpoint(self.path, state, extra)
        self.saved = True
