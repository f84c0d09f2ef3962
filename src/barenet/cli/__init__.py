"""The ``barenet`` command: one subcommand per module in this package.

Each subcommand module has ``add_parser(subparsers)``, which declares its
options and sets ``run``, a function from the parsed arguments to an exit
status. ``main`` turns every error barenet raises on purpose into one line
on standard error and exit status 1, so a user never sees a traceback for
a mistake of theirs; argparse reports bad options with status 2.

Standard output never stops a command: characters the terminal cannot
show, or would act on (escape sequences from a model's labels, say), are
escaped, and when the reader goes away (``barenet train | head``)
the rest of the output is dropped while the command finishes its work.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any, TextIO

from barenet.cli.messages import in_flags
from barenet.cli.options import HelpFormatter, given_options
from barenet.cli.text import printable
from barenet.errors import BarenetError


def subcommands() -> tuple[ModuleType, ...]:
    """The subcommand modules, in the order ``--help`` lists them."""
    from barenet.cli import bench, cv, evaluate, predict, serve, train

    return (train, cv, evaluate, predict, serve, bench)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every subcommand."""
    from barenet import __version__

    parser = argparse.ArgumentParser(
        prog="barenet",
        description="Deep learning from scratch in NumPy.",
        epilog="Run 'barenet COMMAND --help' for a command's options.",
        formatter_class=HelpFormatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"barenet {__version__}"
    )
    # Every subcommand's help goes through the one HelpFormatter.
    commands = parser.add_subparsers(
        dest="command",
        metavar="COMMAND",
        required=True,
        parser_class=_CommandParser,
    )
    for module in subcommands():
        module.add_parser(commands)
    return parser


class _CommandParser(argparse.ArgumentParser):
    """A subcommand's parser, whose help goes through ``HelpFormatter``."""

    def __init__(self, **kwargs: Any):
        super().__init__(formatter_class=HelpFormatter, **kwargs)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    try:
        return _main(argv)
    except KeyboardInterrupt:  # while starting, before a command runs
        print("barenet: interrupted", file=sys.stderr)
        return 130


def _main(argv: Sequence[str] | None) -> int:
    """``main``, less Ctrl-C before a command has started."""
    _tolerant_stdout()
    parser = build_parser()
    words = sys.argv[1:] if argv is None else list(argv)
    if not words:
        parser.print_help()
        return 0
    args = _parse(parser, words)
    try:
        status: int = args.run(args)
    except BarenetError as exc:
        message = printable(in_flags(str(exc), args))
        print(f"barenet {args.command}: error: {message}", file=sys.stderr)
        return 1
    except MemoryError:
        print(
            f"barenet {args.command}: error: not enough memory; try smaller "
            "layers, a smaller --batch-size or --dtype float32",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print(f"barenet {args.command}: interrupted", file=sys.stderr)
        return 130
    return status


def _parse(parser: argparse.ArgumentParser, words: list[str]) -> Any:
    """Parse the command line; a subcommand's mistakes show its own usage.

    A subcommand may take more of its trailing positional argument after
    its options (``trailing``: that argument's name), as in
    ``barenet predict MODEL --json A.png B.png``. ``args.given`` holds the
    destinations of the options given on the command line.
    """
    args, extras = parser.parse_known_args(words)
    subparser = _subparser(parser, args.command)
    # Which options were typed, for commands whose defaults come from
    # elsewhere (barenet train --resume takes the saved run's).
    own = words[words.index(args.command) + 1 :]
    args.given = given_options(subparser, own)
    if not extras:
        return args
    trailing = getattr(args, "trailing", None)
    if trailing is None or any(word.startswith("-") for word in extras):
        subparser.error(f"unrecognized arguments: {' '.join(extras)}")
    action = next(a for a in subparser._actions if a.dest == trailing)
    convert = action.type if callable(action.type) else str
    getattr(args, trailing).extend(convert(word) for word in extras)
    return args


def _subparser(
    parser: argparse.ArgumentParser, command: str
) -> argparse.ArgumentParser:
    """The parser of one subcommand."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found: argparse.ArgumentParser = action.choices[command]
            return found
    return parser


class _TolerantStream:
    """A text stream that escapes what a terminal would act on (text from
    files, such as a model's labels, may hold escape sequences), and goes
    quiet, instead of failing, once its reader has gone away; everything
    else is the wrapped stream's."""

    def __init__(self, stream: TextIO):
        self._stream = stream
        self.reader_gone = False

    def write(self, text: str) -> int:
        if not self.reader_gone:
            try:
                self._stream.write(printable(text))
            except BrokenPipeError:
                self._silence()
        return len(text)

    def flush(self) -> None:
        if not self.reader_gone:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._silence()

    def _silence(self) -> None:
        self.reader_gone = True
        # Point the file descriptor at /dev/null, so that the interpreter's
        # own flush at exit finds nothing to complain about.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, self._stream.fileno())
        os.close(devnull)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _tolerant_stdout() -> None:
    """Escape what the terminal cannot show; survive a closed pipe."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    if not isinstance(sys.stdout, _TolerantStream):
        sys.stdout = _TolerantStream(sys.stdout)
