"""``barenet cv``: cross-validate a training recipe on Semeion.

Protocols: ``5x2`` (five seeded stratified halvings, each used both ways:
train on one half, test on the other; the protocol Semeion's authors
suggest) and ``kfold K`` (stratified K-fold). Any training option of
``barenet train`` applies; every fold trains a fresh network from the
same seed. Prints each fold's accuracy as it finishes, then the mean and
standard deviation, and writes them all to a JSON report.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

from barenet.cli.options import positive_int
from barenet.cli.training_options import add_training_options, recipe_from_args
from barenet.crossval import FoldResult, cross_validate
from barenet.data import load_semeion
from barenet.errors import ConfigError
from barenet.evaluation import Fold, five_by_two, stratified_kfold
from barenet.runs import environment, write_report


def add_parser(commands: Any) -> None:
    p = commands.add_parser(
        "cv",
        help="cross-validate training options (5x2 or stratified k-fold)",
        description=__doc__,
    )
    p.add_argument("protocol", choices=["5x2", "kfold"], help="5x2, or kfold K")
    p.add_argument(
        "k", nargs="?", type=positive_int, help="folds of kfold (e.g. 10)"
    )
    p.add_argument(
        "--data", type=Path, metavar="PATH", help="a local copy of semeion.data"
    )
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of the folds and of every fold's training",
    )
    p.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        default=Path("cv.json"),
        help="JSON report to write",
    )
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
    data = load_semeion(args.data, log=lambda msg: print(msg, flush=True))
    folds = _folds(args, data.y)
    name = "5x2" if args.protocol == "5x2" else f"{args.k}-fold"
    print(
        f"Cross-validating preset {args.preset!r} under {name} "
        f"({len(folds)} folds, seed {args.seed}) on {len(data.y)} rows"
    )
    with tqdm(
        total=len(folds),
        unit="fold",
        leave=False,
        disable=args.quiet or not sys.stderr.isatty(),
    ) as bar:

        def show(fold: FoldResult) -> None:
            bar.write(
                f"  fold {fold.fold:2d}: {fold.accuracy:.2%} on "
                f"{fold.n_test} rows ({fold.seconds:.1f} s)"
            )
            sys.stdout.flush()
            bar.update(1)

        result = cross_validate(
            recipe,
            data.X,
            data.y,
            folds,
            protocol=name,
            n_classes=data.n_classes,
            seed=args.seed,
            image_shape=data.image_shape,
            on_fold=show,
        )
    print(f"Accuracy: {result.mean:.2%} +- {result.std:.2%} (mean +- std)")
    report = {
        "command": "cv",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "environment": environment(),
        "seed": args.seed,
        "preset": args.preset,
        "recipe": recipe.to_dict(),
        "data": data.describe(),
        **result.to_dict(),
    }
    write_report(args.out, report)
    print(f"Wrote {args.out}")
    return 0


def _folds(args: argparse.Namespace, y: Any) -> list[Fold]:
    if args.protocol == "5x2":
        return five_by_two(y, args.seed)
    return stratified_kfold(y, args.k, args.seed)
