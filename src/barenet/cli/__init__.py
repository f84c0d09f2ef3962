"""The ``barenet`` command: one subcommand per module in this package.

Each subcommand module has ``add_parser(subparsers)``, which declares its
options and sets ``run``, a function from the parsed arguments to an exit
status. ``main`` turns every error barenet raises on purpose into one line
on standard error and exit status 1, so a user never sees a traceback for
a mistake of theirs; argparse reports bad options with status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from barenet.cli import cv, predict, serve, train
from barenet.errors import BarenetError

SUBCOMMANDS = (train, cv, predict, serve)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every subcommand."""
    from barenet import __version__

    parser = argparse.ArgumentParser(
        prog="barenet",
        description="Deep learning from scratch in NumPy.",
        epilog="Run 'barenet COMMAND --help' for a command's options.",
    )
    parser.add_argument(
        "--version", action="version", version=f"barenet {__version__}"
    )
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True
    )
    for module in SUBCOMMANDS:
        module.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status: int = args.run(args)
    except BarenetError as exc:
        print(f"barenet {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"barenet {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of our output went away (e.g. `barenet train | head`).
        sys.stderr.close()
        return 1
    return status
