"""``barenet bench``: barenet against other implementations, side by side.

Trains the same network from the same starting weights on the same rows
with barenet (float64 and float32), the seed's per-sample loop,
scikit-learn's MLPClassifier and PyTorch (each when installed), with the
same number of threads, and prints a table of times, speeds, memory and
barenet's speed-up. The rows "products alone" time the training's matrix
products and nothing else: the floor for any code that hands its products
to the same BLAS. ``seed`` is the seed experiment, ``mnist`` one epoch of
MNIST, ``scaling`` barenet's (and PyTorch's) time per epoch as the rows,
the width and the depth grow, with a figure. The figures are also written
as JSON to the output folder.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from barenet.bench.contenders import CONTENDERS
from barenet.bench.experiments import EXPERIMENTS
from barenet.bench.runner import available, compare, scaling
from barenet.cli.options import folder, positive_int
from barenet.errors import ConfigError
from barenet.runs import make_run_dir, write_report

INSTALL = {"sklearn": "pip install scikit-learn", "torch": "pip install torch"}
SCALING = ("barenet", "torch")
"""The contenders ``bench scaling`` times."""


def add_parser(commands: Any) -> None:
    p = commands.add_parser(
        "bench",
        help="time barenet against the per-sample loop, scikit-learn and "
        "PyTorch",
        description=__doc__,
    )
    p.add_argument(
        "experiments",
        nargs="*",
        type=_experiment,
        metavar="EXPERIMENT",
        help="what to run: seed, mnist, scaling (default: seed)",
    )
    p.add_argument(
        "--contenders",
        nargs="+",
        choices=CONTENDERS,
        metavar="NAME",
        help="who runs: barenet, loop, sklearn, torch, and products (the "
        "matrix products of the training steps alone, the floor for any "
        "code using this BLAS) (default: every one installed; scaling: "
        "barenet and torch)",
    )
    p.add_argument(
        "--threads",
        type=positive_int,
        default=os.cpu_count() or 1,
        help="threads for every contender's BLAS and OpenMP",
    )
    p.add_argument(
        "--repeats",
        type=positive_int,
        default=5,
        help="runs of each contender; the median is kept (scaling: at most 3)",
    )
    p.add_argument(
        "--loop-iterations",
        type=positive_int,
        default=20,
        metavar="N",
        help="iterations the per-sample loop runs; its time is scaled to "
        "the whole experiment",
    )
    p.add_argument(
        "--out",
        type=folder,
        metavar="DIR",
        help="folder for the JSON figures and the scaling plot (default: "
        "bench/<date>-<time>)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # Who runs in each experiment is settled first: a contender that
    # cannot run is refused before any folder is made.
    plans = {
        name: _contenders(args, name)
        for name in dict.fromkeys(args.experiments or ["seed"])
    }
    out = make_run_dir(args.out, root="bench")

    def log(message: str) -> None:
        if not args.quiet:
            print(f"  {message}", file=sys.stderr, flush=True)

    for name, contenders in plans.items():
        if name == "scaling":
            _scaling(args, contenders, out, log)
        else:
            _compare(args, name, contenders, out, log)
    print(f"Wrote the figures to {out}/")
    return 0


def _contenders(args: argparse.Namespace, name: str) -> list[str]:
    """Those of --contenders (or the default ones) that run in ``name``."""
    given = _unique(args.contenders)
    if name == "scaling":
        wanted = given or list(SCALING)
        others = [c for c in wanted if c not in SCALING]
        if others:
            raise ConfigError(
                f"scaling times {' and '.join(SCALING)} only, not "
                f"{others[0]}; leave it out of --contenders"
            )
    else:
        wanted = given or list(CONTENDERS)
        if EXPERIMENTS[name].optimizer != "sgd":
            # The per-sample loop knows only the seed's algorithm.
            if wanted == ["loop"]:
                raise ConfigError(
                    f"the per-sample loop runs the seed experiment only, not "
                    f"{name}; add other --contenders, or bench seed"
                )
            wanted = [c for c in wanted if c != "loop"]
    return _installed(wanted, explicit=bool(given))


def _compare(
    args: argparse.Namespace,
    name: str,
    contenders: list[str],
    out: Path,
    log: Any,
) -> None:
    from barenet.bench.report import comparison_table  # imports matplotlib

    result = compare(
        EXPERIMENTS[name],
        contenders,
        threads=args.threads,
        repeats=args.repeats,
        loop_epochs=args.loop_iterations,
        log=log,
    )
    write_report(out / f"{name}.json", result)
    print(comparison_table(result), end="\n\n", flush=True)


def _scaling(
    args: argparse.Namespace, contenders: list[str], out: Path, log: Any
) -> None:
    from barenet.bench.report import plot_scaling, scaling_table

    result = scaling(
        contenders, threads=args.threads, repeats=min(args.repeats, 3), log=log
    )
    write_report(out / "scaling.json", result)
    plot_scaling(result, out / "scaling.png")
    print(scaling_table(result), end="\n\n", flush=True)


def _experiment(text: str) -> str:
    """One of the experiments' names."""
    names = [*EXPERIMENTS, "scaling"]
    if text not in names:
        raise argparse.ArgumentTypeError(
            f"unknown experiment {text!r}; expected one of {', '.join(names)}"
        )
    return text


def _unique(names: list[str] | None) -> list[str]:
    """Each name once, in the order first given."""
    return list(dict.fromkeys(names or []))


def _installed(wanted: list[str], explicit: bool) -> list[str]:
    """The contenders whose library is installed; a missing one asked for
    by name is an error, one left to the default a note."""
    missing = [c for c in wanted if not available(c)]
    if missing and explicit:
        raise ConfigError(
            f"{missing[0]} is not installed; install it ({INSTALL[missing[0]]}) "
            "or leave it out of --contenders"
        )
    for name in missing:
        print(
            f"Note: {name} is not installed, so it is left out "
            f"({INSTALL[name]} to include it).",
            flush=True,
        )
    return [c for c in wanted if c not in missing]
