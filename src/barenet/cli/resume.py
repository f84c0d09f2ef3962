"""What ``barenet train --resume RUN_DIR`` takes from its command line.

A resumed run is the run that was saved: the same data, network, training
settings, seed and test rows, so that it ends bit for bit as if it had
never stopped. The options given with ``--resume`` are of four kinds:

- **About this session, not the experiment**: ``--threads``, ``--quiet``,
  ``--samples`` and ``--checkpoint-every`` are honoured. Left out,
  ``--threads`` and ``--checkpoint-every`` keep the run's values. (Another
  thread count may sum the matrix products in another order: the run then
  ends equal to rounding, not bit for bit.)
- **Where the data is**: ``--data`` (or ``--csv``, for a run trained on a
  table) may name another copy of the run's data, which is accepted when
  its MD5 is the run's (``check_same_data``).
- **The run's length**: ``--epochs N`` sets how many epochs the run has in
  all: more, to train a run further (one that finished, too), or fewer, to
  end it sooner, as long as N is more than the epochs already done (or as
  many, to end a stopped run where it is). A
  cosine schedule's learning rate follows the run's length, so a cosine
  run keeps its own. A run that stopped early is over: more epochs would
  not change it. A run whose training ended but whose folder was not
  written to the end is finished without them.
- **Everything else changes the experiment.** Given with the run's own
  value it changes nothing and is accepted; with another value it is
  refused, with the option, the run's value, and how to start a new run.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from barenet.cli.training_options import recipe_from_args
from barenet.errors import ConfigError
from barenet.recipes import Recipe
from barenet.training import TrainState

SESSION = ("threads", "checkpoint_every")
"""Honoured when given; the run's own otherwise."""

THIS_COMMAND = ("quiet", "samples")
"""Always this command's own, given or not."""

RECIPE = (
    "preset",
    "hidden",
    "conv",
    "activation",
    "output",
    "init",
    "dtype",
    "optimizer",
    "schedule",
    "batch_size",
    "dropout",
    "augment",
    "validation",
    "lr",
    "l2",
    "momentum",
    "weight_decay",
    "step_size",
    "max_shift",
    "max_rotation",
    "max_scale",
    "patience",
    "plateau_patience",
)
"""Options that set the network or its training (``--epochs`` aside)."""

PLAIN = ("dataset", "seed", "test_size")
"""Other options of the experiment, compared as given."""


def resume_options(
    args: argparse.Namespace,
    saved: dict[str, Any],
    state: TrainState,
    data: dict[str, Any],
    folder: Path,
    finished: bool,
) -> argparse.Namespace:
    """The options to resume with: the run's, and those this command may set.

    ``args`` are this command's (``args.given`` names those typed),
    ``saved`` the run's as its checkpoint keeps them, ``state`` where it
    stopped, ``data`` the facts of its data, and ``finished`` whether its
    folder was written to the end. Raises ConfigError for an option that
    would change the experiment, naming it.
    """
    given = set(getattr(args, "given", ())) - {"resume"}
    merged = dict(saved)
    for name in THIS_COMMAND:
        merged[name] = getattr(args, name)
    for name in given & {*SESSION, "data", "csv"}:
        merged[name] = getattr(args, name)
    merged.update(out=folder, resume=None, run=args.run)

    if "out" in given and Path(args.out).resolve() != folder.resolve():
        raise ConfigError(
            f"--resume {folder} writes into the run's own folder, so it takes "
            f"no --out {args.out}; to keep that folder as it is, copy it and "
            "resume the copy"
        )
    refused = _conflicts(args, given, saved, data)
    if refused:
        raise ConfigError(_refusal(folder, refused))
    merged["epochs"] = _length(args, given, saved, state, folder, finished)
    return argparse.Namespace(**merged)


def ended_early(state: TrainState) -> str | None:
    """Why a saved run ended before its last epoch (early stopping), if it
    did: not Ctrl-C, which leaves it to be resumed."""
    history = state.history
    if state.step or history.interrupted or history.diverged:
        return None
    return history.stop_reason


def has_ended(state: TrainState, epochs: int) -> bool:
    """Whether a run of ``epochs`` epochs has nothing left to train."""
    by_length = not state.step and state.epoch >= epochs
    return by_length or ended_early(state) is not None


def _conflicts(
    args: argparse.Namespace,
    given: set[str],
    saved: dict[str, Any],
    data: dict[str, Any],
) -> list[tuple[str, str]]:
    """(what was given, what the run has) for each option that differs."""
    run = recipe_from_args(argparse.Namespace(**saved))
    found = []
    for name in (n for n in RECIPE if n in given):
        new = getattr(args, name)
        changed = argparse.Namespace(**{**saved, name: new})
        if recipe_from_args(changed) != run:
            found.append(
                (_typed(name, new), _typed(name, _of(run, saved, name)))
            )
    for name in (n for n in PLAIN if n in given):
        new, old = getattr(args, name), saved.get(name)
        if name == "dataset" and saved.get("csv") is not None:
            found.append((_typed(name, new), _typed("csv", saved["csv"])))
        elif new != old:
            found.append((_typed(name, new), _typed(name, old)))
    found += _data_conflicts(args, given, saved, data)
    return found


def _data_conflicts(
    args: argparse.Namespace,
    given: set[str],
    saved: dict[str, Any],
    data: dict[str, Any],
) -> list[tuple[str, str]]:
    """A table for a data set or the other way round, or another label."""
    table = saved.get("csv")
    found = []
    if "csv" in given and table is None:
        found.append(
            (_typed("csv", args.csv), _typed("dataset", saved["dataset"]))
        )
    if "data" in given and table is not None:
        found.append((_typed("data", args.data), _typed("csv", table)))
    if "label" in given and not _same_label(args.label, data):
        column = data.get("label_column")
        run = "no --label" if column is None else f"--label {column}"
        found.append((_typed("label", args.label), run))
    return found


def _same_label(label: str, data: dict[str, Any]) -> bool:
    """Whether --label names the column the run took its labels from."""
    if label == data.get("label_column"):
        return True
    index, width = data.get("label_index"), data.get("n_features")
    if label.lstrip("-").isdigit() and type(index) is int:
        return isinstance(width, int) and int(label) % (width + 1) == index
    return False


def _length(
    args: argparse.Namespace,
    given: set[str],
    saved: dict[str, Any],
    state: TrainState,
    folder: Path,
    finished: bool,
) -> int:
    """The run's epochs in all: its own, or --epochs N when that may be.

    A run whose training ended but whose folder was not written to the
    end (``finished``) may be resumed without --epochs, to write it.
    """
    run = recipe_from_args(argparse.Namespace(**saved)).train
    done = state.epoch  # whole epochs; a part-done one is to be finished
    early = ended_early(state)
    if early is not None:
        if finished:
            raise ConfigError(
                f"the run in {folder} stopped early ({early}), so more "
                "epochs would not change it; to train for longer, start a "
                "new run with a larger --patience"
            )
        return run.epochs  # nothing to train: its files are to be written
    if "epochs" not in given:
        if finished and done >= run.epochs and not state.step:
            raise ConfigError(
                f"the run in {folder} has done all its {run.epochs} epochs; "
                f"to train it further, give --epochs N with N above "
                f"{run.epochs}"
            )
        return run.epochs
    epochs = int(args.epochs)
    if run.schedule == "cosine" and epochs != run.epochs:
        raise ConfigError(
            f"--epochs {epochs} cannot change the length of the run in "
            f"{folder}: its learning rate follows a cosine over its "
            f"{run.epochs} epochs. Train for {epochs} epochs in a new run "
            "instead (the command without --resume)"
        )
    # As many as done ends a run stopped between epochs where it is.
    if epochs < done or (epochs == done and (finished or state.step)):
        raise ConfigError(
            f"--epochs {epochs}: the run in {folder} has done {done} epochs "
            f"already; give more than {done} to train it further"
        )
    return epochs


def _of(recipe: Recipe, saved: dict[str, Any], name: str) -> Any:
    """The run's value of a RECIPE option."""
    if name == "preset":
        return saved.get("preset")
    if hasattr(recipe, name):
        return getattr(recipe, name)
    return getattr(recipe.train, name)


def _typed(name: str, value: Any) -> str:
    """An option as it would be typed: '--lr 0.01', '--batch-size full'."""
    flag = "--" + name.replace("_", "-")
    if name == "batch_size" and value is None:
        return f"{flag} full"
    if value is None:
        return f"no {flag}"
    if isinstance(value, bool):
        return flag if value else f"--no-{flag[2:]}"
    if name == "conv":
        value = [f"{f}:{k}" for f, k in value]
    if isinstance(value, list | tuple):
        return (
            f"{flag} {' '.join(map(str, value))}" if value else f"{flag} (none)"
        )
    return f"{flag} {value}"


def _refusal(folder: Path, refused: list[tuple[str, str]]) -> str:
    """The message for options that would change the experiment."""
    new = _listed([given for given, _ in refused], "or")
    old = _listed([run for _, run in refused], "and")
    these = "that option" if len(refused) == 1 else "those options"
    return (
        f"--resume {folder} goes on with the run as it was started, so it "
        f"cannot take {new}: the run has {old}. Drop {these}, or train with "
        f"{'it' if len(refused) == 1 else 'them'} in a new run (the same "
        "command without --resume)"
    )


def _listed(items: list[str], word: str) -> str:
    """'a', 'a or b', 'a, b or c'."""
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} {word} {items[-1]}"
