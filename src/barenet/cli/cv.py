"""``barenet cv``: cross-validate a training recipe on Semeion.

Protocols: ``5x2`` (five seeded stratified halvings, each used both ways:
train on one half, test on the other; the protocol Semeion's authors
suggest) and ``kfold K`` (stratified K-fold). Any training option of
``barenet train`` applies; every fold trains a fresh network from the
same seed. The data is always Semeion (``--data`` names a local copy of
semeion.data); ``barenet train --dataset`` and ``--csv`` have no
counterpart here.

Prints each fold's accuracy as it finishes, then the mean and standard
deviation. The JSON results (``--out``, by default a new file
``runs/cv-<date>-<time>.json``) are written when the first fold starts
and again as each fold finishes, so that a killed run loses at most the
fold in progress. Ctrl-C (or SIGTERM) stops at once: the results of the
folds done are kept, marked ``"interrupted": true``, and the command exits
with status 130 (143 for SIGTERM).
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

from barenet.cli.options import (
    add_threads,
    non_negative_int,
    path,
    positive_int,
)
from barenet.cli.result_file import check_result_file, new_result_file
from barenet.cli.signals import CatchSignals
from barenet.cli.training_options import add_training_options, recipe_from_args
from barenet.crossval import CVResult, FoldResult, cross_validate
from barenet.data import Dataset, load_semeion
from barenet.errors import ConfigError
from barenet.evaluation import Fold, five_by_two, stratified_kfold
from barenet.recipes import Recipe
from barenet.runs import environment, write_report
from barenet.threads import limit_threads


def add_parser(commands: Any) -> None:
    p = commands.add_parser(
        "cv",
        help="cross-validate training options on Semeion (5x2 or "
        "stratified k-fold)",
        description=__doc__,
    )
    p.add_argument("protocol", choices=["5x2", "kfold"], help="5x2, or kfold K")
    p.add_argument(
        "k", nargs="?", type=positive_int, help="folds of kfold (e.g. 10)"
    )
    p.add_argument(
        "--data",
        type=Path,
        metavar="PATH",
        help="a local copy of semeion.data (cv runs on Semeion only)",
    )
    p.add_argument(
        "--seed",
        type=non_negative_int,
        default=0,
        help="seed of the folds and of every fold's training",
    )
    p.add_argument(
        "--out",
        type=path,
        metavar="FILE",
        help="JSON results to write, checked before training starts "
        "(default: a new file runs/cv-<date>-<time>.json)",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="let --out replace a file that is not an earlier cv result",
    )
    add_threads(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_training_options(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    recipe = recipe_from_args(args)
    recipe.train.check()
    if args.protocol == "kfold" and args.k is None:
        raise ConfigError(
            "kfold needs the number of folds: barenet cv kfold 10"
        )
    if args.protocol == "5x2" and args.k is not None:
        raise ConfigError(f"5x2 takes no number of folds, got {args.k}")
    if args.out is not None:
        check_result_file(args.out, "cv", args.overwrite)
    data = load_semeion(args.data, log=lambda msg: print(msg, flush=True))
    folds = _folds(args, data.y)
    name = "5x2" if args.protocol == "5x2" else f"{args.k}-fold"
    results = _Results(args, recipe, data, CVResult(name), len(folds))
    results.write()  # before any training: a file that cannot be written
    print(
        f"Cross-validating preset {args.preset!r} under {name} "
        f"({len(folds)} folds, seed {args.seed}) on {len(data.y)} rows"
    )
    print(f"Writing the results to {results.path} as each fold finishes")
    with _SignalsInterrupt() as signals:
        try:
            _run_folds(args, recipe, data, folds, results)
        except KeyboardInterrupt:
            results.interrupted = True
    results.write()
    return _summary(results, signals.exit_status())


def _run_folds(
    args: argparse.Namespace,
    recipe: Recipe,
    data: Dataset,
    folds: list[Fold],
    results: _Results,
) -> None:
    """Train and measure every fold, keeping the results after each."""
    with (
        tqdm(
            total=len(folds),
            unit="fold",
            leave=False,
            disable=args.quiet or not sys.stderr.isatty(),
        ) as bar,
        limit_threads(args.threads),
    ):

        def done(fold: FoldResult) -> None:
            results.result.folds.append(fold)
            results.write()
            bar.write(
                f"  fold {fold.fold:2d}: {fold.accuracy:.2%} on "
                f"{fold.n_test} rows ({fold.seconds:.1f} s)"
            )
            sys.stdout.flush()
            bar.update(1)

        cross_validate(
            recipe,
            data.X,
            data.y,
            folds,
            protocol=results.result.protocol,
            n_classes=data.n_classes,
            seed=args.seed,
            image_shape=data.image_shape,
            on_fold=done,
        )


def _summary(results: _Results, status: int) -> int:
    """Print the figures and where they went; the exit status."""
    result = results.result
    done = len(result.folds)
    if results.interrupted:
        print(f"Interrupted after {done} of {results.planned} folds")
    if done:
        over = "" if done == results.planned else f" over {done} folds"
        print(
            f"Accuracy{over}: {result.mean:.2%} +- {result.std:.2%} "
            "(mean +- std)"
        )
    print(f"Wrote {results.path}")
    if results.interrupted:
        return status or 130
    return 0


def _folds(args: argparse.Namespace, y: Any) -> list[Fold]:
    if args.protocol == "5x2":
        return five_by_two(y, args.seed)
    return stratified_kfold(y, args.k, args.seed)


class _Results:
    """The results file: what is known so far, rewritten as it grows."""

    def __init__(
        self,
        args: argparse.Namespace,
        recipe: Recipe,
        data: Dataset,
        result: CVResult,
        planned: int,
    ):
        self.path: Path = args.out or new_result_file("cv")
        self.result = result
        self.planned = planned
        self.interrupted = False
        self._head = {
            "command": "cv",
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "environment": environment(),
            "seed": args.seed,
            "threads": args.threads,
            "preset": args.preset,
            "recipe": recipe.to_dict(),
            "data": data.describe(),
        }

    def write(self) -> None:
        """Write every figure known so far, atomically."""
        done = len(self.result.folds)
        write_report(
            self.path,
            {
                **self._head,
                **self.result.to_dict(),
                "folds_planned": self.planned,
                "folds_done": done,
                "complete": done == self.planned,
                "interrupted": self.interrupted,
            },
        )


class _SignalsInterrupt(CatchSignals):
    """Ctrl-C and SIGTERM interrupt cross-validation at once; the exit
    status then tells which signal it was."""
